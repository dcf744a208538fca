//! `User_GetSharedAccessToken`: `POST …/users/{userId}/token` → a compact
//! shared access token (DESIGN §5) signed with the service's primary or
//! secondary key, so it verifies offline with [`SharedAccessToken::verify`].

use axum::Json;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};

use super::ApimCall;
use super::error::ArmError;
use super::users::user_not_found;
use super::wire::{UserTokenParameters, UserTokenResult};
use crate::apim::SharedAccessToken;

/// How far ahead an expiry may be.
pub(crate) const MAX_EXPIRY: Duration = Duration::days(30);

/// Mints the token for an existing user.
pub(crate) fn get_shared_access_token(
    call: &ApimCall<'_>,
    user_id: &str,
) -> Result<Response, ArmError> {
    let user_name = call
        .app
        .store
        .read(|state| {
            state
                .apim_users
                .get(&user_id.to_lowercase())
                .map(|u| u.name.clone())
        })
        .ok_or_else(|| user_not_found(user_id))?;
    let parameters: UserTokenParameters =
        serde_json::from_slice(call.body).map_err(|e| ArmError::unreadable_body(&e))?;
    let properties = parameters
        .properties
        .ok_or_else(|| ArmError::validation("properties", "The properties object is required."))?;
    let key = match properties.key_type.as_deref() {
        Some(kind) if kind.eq_ignore_ascii_case("primary") => call.app.config.apim_primary_key(),
        Some(kind) if kind.eq_ignore_ascii_case("secondary") => {
            call.app.config.apim_secondary_key()
        }
        _ => {
            return Err(ArmError::validation(
                "keyType",
                "keyType must be 'primary' or 'secondary'.",
            ));
        }
    };
    let expiry = parse_expiry(properties.expiry.as_deref())?;
    let now = Utc::now();
    if expiry <= now {
        return Err(ArmError::validation(
            "expiry",
            "The expiry must be in the future.",
        ));
    }
    if expiry > now + MAX_EXPIRY {
        return Err(ArmError::validation(
            "expiry",
            "The expiry must be at most 30 days ahead.",
        ));
    }
    let token = SharedAccessToken::mint(&user_name, key, expiry)
        .map_err(|e| ArmError::validation("userId", e.message()))?;
    call.app.counters.token_issued();
    Ok(Json(UserTokenResult {
        value: token.to_compact(),
    })
    .into_response())
}

fn parse_expiry(text: Option<&str>) -> Result<DateTime<Utc>, ArmError> {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ArmError::validation("expiry", "The expiry field is required."))?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            // Python's isoformat() may omit the offset; read that as UTC.
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .map_err(|_| ArmError::validation("expiry", "The expiry is not an ISO 8601 date-time."))
}
