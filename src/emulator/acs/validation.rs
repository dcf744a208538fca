//! Input checks as the ACS identity service makes them.

use serde::de::DeserializeOwned;

use super::error::AcsError;

/// The scopes a token can carry.
pub(crate) const SCOPES: [&str; 5] = [
    "chat",
    "voip",
    "chat.join",
    "chat.join.limited",
    "voip.join",
];

/// Token lifetimes accepted, in minutes.
pub(crate) const EXPIRES_IN_MINUTES: std::ops::RangeInclusive<i64> = 60..=1440;

/// The lifetime when none is asked for: 24 hours.
pub(crate) const DEFAULT_EXPIRES_IN_MINUTES: i64 = 1440;

/// `expiresInMinutes` within 60–1440, with the service's message; the
/// default (24 h) when absent.
pub(crate) fn expires_in_minutes(value: Option<i64>) -> Result<i64, AcsError> {
    match value {
        None => Ok(DEFAULT_EXPIRES_IN_MINUTES),
        Some(minutes) if EXPIRES_IN_MINUTES.contains(&minutes) => Ok(minutes),
        Some(minutes) => Err(AcsError::validation(
            "ExpiresInMinutes",
            format!(
                "ExpiresInMinutes value {minutes} is invalid. Value must be within the [{}, {}] interval.",
                EXPIRES_IN_MINUTES.start(),
                EXPIRES_IN_MINUTES.end()
            ),
        )),
    }
}

/// Known scopes (case-insensitive), deduplicated, in the order given.
pub(crate) fn scopes(requested: &[String]) -> Result<Vec<&'static str>, AcsError> {
    let mut scopes = Vec::with_capacity(requested.len());
    for name in requested {
        let Some(scope) = SCOPES.iter().find(|s| s.eq_ignore_ascii_case(name.trim())) else {
            return Err(AcsError::validation(
                "Scopes",
                format!(
                    "Scope '{name}' is invalid. Valid scopes are: {}.",
                    SCOPES.join(", ")
                ),
            ));
        };
        if !scopes.contains(scope) {
            scopes.push(*scope);
        }
    }
    Ok(scopes)
}

/// Parses a JSON body; an empty body or `null` is the default value.
pub(crate) fn optional_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, AcsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice::<Option<T>>(body)
        .map(Option::unwrap_or_default)
        .map_err(|e| AcsError::unreadable_body(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::acs::wire::CreateIdentityRequest;

    #[test]
    fn expires_in_minutes_bounds_and_message() {
        assert_eq!(expires_in_minutes(None).unwrap(), 1440);
        assert_eq!(expires_in_minutes(Some(60)).unwrap(), 60);
        assert_eq!(expires_in_minutes(Some(1440)).unwrap(), 1440);
        for bad in [59, 1441, 0, -1] {
            assert!(expires_in_minutes(Some(bad)).is_err());
        }
    }

    #[test]
    fn scopes_are_checked_and_deduplicated() {
        let asked = ["VOIP".to_string(), "chat".to_string(), "voip".to_string()];
        assert_eq!(scopes(&asked).unwrap(), ["voip", "chat"]);
        assert!(scopes(&["email".to_string()]).is_err());
    }

    #[test]
    fn optional_bodies() {
        for body in [
            &b""[..],
            b"  ",
            b"null",
            b"{}",
            b"{\"createTokenWithScopes\":null}",
        ] {
            let parsed: CreateIdentityRequest = optional_json(body).unwrap();
            assert!(parsed.create_token_with_scopes.is_none());
        }
        assert!(optional_json::<CreateIdentityRequest>(b"{").is_err());
        assert!(optional_json::<CreateIdentityRequest>(b"{\"expiresInMinutes\":\"x\"}").is_err());
    }
}
