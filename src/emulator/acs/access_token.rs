//! ACS access tokens: JWTs with the claims the service puts in them
//! (`skypeid`, `scp`, `csi`, `exp`, `iat`, `acsScope`, `resourceId`).

use chrono::{DateTime, Timelike, Utc};
use serde_json::json;

use super::wire::AccessToken;
use crate::emulator::app::App;
use crate::emulator::jwt;

/// The `scp` value the service puts in identity tokens.
const SCP: u32 = 1792;

/// Mints a token for `skype_id` (the user id without its `8:` prefix), valid
/// from `now` until `expires_on`.
pub(crate) fn issue_until(
    app: &App,
    skype_id: &str,
    scopes: &[&str],
    now: DateTime<Utc>,
    expires_on: DateTime<Utc>,
) -> AccessToken {
    let iat = now.timestamp();
    let token = jwt::encode(
        &json!({
            "skypeid": skype_id,
            "scp": SCP,
            "csi": iat.to_string(),
            "exp": expires_on.timestamp(),
            "rgn": "amer",
            "acsScope": scopes.join(","),
            "resourceId": app.config.resource_id(),
            "resourceLocation": "unitedstates",
            "iat": iat,
        }),
        &app.keys.acs,
    );
    app.counters.token_issued();
    AccessToken {
        token,
        expires_on: expires_on_text(expires_on),
    }
}

/// `expiresOn` as the service writes it: seven fractional digits and an
/// explicit `+00:00` offset (`2023-10-10T21:39:39.3244584+00:00`).
pub(crate) fn expires_on_text(time: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}+00:00",
        time.format("%Y-%m-%dT%H:%M:%S"),
        time.nanosecond() % 1_000_000_000 / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_on_has_seven_digits_and_offset() {
        let time = DateTime::parse_from_rfc3339("2023-10-10T21:39:39.3244584Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(expires_on_text(time), "2023-10-10T21:39:39.3244584+00:00");
        let whole = DateTime::parse_from_rfc3339("2023-10-10T21:39:39Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(expires_on_text(whole), "2023-10-10T21:39:39.0000000+00:00");
    }
}
