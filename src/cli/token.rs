//! `azure-user-tokens token inspect`: what a token says, without checking it.

use chrono::Utc;

use super::failure::{CommandResult, Failure};
use super::output::OutputFormat;
use super::shapes::TokenInspection;
use crate::apim::SharedAccessToken;
use crate::jwt;

pub(super) fn inspect(token: &str, format: OutputFormat) -> CommandResult {
    eprintln!("note: token inspect does not check signatures; it only decodes what the token says");
    let now = Utc::now();
    let inspection = if token.matches('.').count() == 2 {
        let claims = jwt::claims(token)?;
        let expires_on = jwt::expiry(token)?;
        TokenInspection {
            kind: "acs".into(),
            signature_checked: false,
            expires_on,
            expired: expires_on <= now,
            user_id: None,
            claims: Some(claims),
        }
    } else {
        let parsed = SharedAccessToken::parse(token).map_err(|e| {
            Failure::input(format!(
                "neither a JWT (ACS) nor an APIM shared access token: {}",
                e.message()
            ))
        })?;
        TokenInspection {
            kind: "apim".into(),
            signature_checked: false,
            expires_on: parsed.expires_at(),
            expired: parsed.is_expired_at(now),
            user_id: Some(parsed.user_id().to_string()),
            claims: None,
        }
    };
    super::output::print(format, &inspection)
}
