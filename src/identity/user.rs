//! Communication user identifiers.

use std::fmt;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

/// The longest `customId` the service takes, in UTF-16 code units (its
/// strings are .NET strings; counting so never sends one it refuses).
pub const MAX_CUSTOM_ID_LENGTH: usize = 256;

/// A Communication Services user, by its raw id (`8:acs:<resource>_<guid>`).
///
/// ```
/// use azure_user_tokens::identity::CommunicationUserIdentifier;
/// let user = CommunicationUserIdentifier::new("8:acs:1234_5678").unwrap();
/// assert_eq!(user.raw_id(), "8:acs:1234_5678");
/// assert!(CommunicationUserIdentifier::new("  ").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CommunicationUserIdentifier(String);

impl CommunicationUserIdentifier {
    /// Checks and wraps a raw id: not empty, no whitespace or control
    /// characters, no `/`, `?` or `#` (they would change the request path).
    pub fn new(raw_id: impl Into<String>) -> Result<Self> {
        let raw_id = raw_id.into();
        if raw_id.trim().is_empty() {
            return Err(Error::validation("user_id", "the user id is empty"));
        }
        if let Some(c) = raw_id
            .chars()
            .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#'))
        {
            return Err(Error::validation(
                "user_id",
                format!("the user id contains {c:?}, which no ACS id has"),
            ));
        }
        Ok(CommunicationUserIdentifier(raw_id))
    }

    /// The raw id, as the service knows it.
    pub fn raw_id(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommunicationUserIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<&str> for CommunicationUserIdentifier {
    type Error = Error;

    fn try_from(value: &str) -> Result<Self> {
        Self::new(value)
    }
}

/// A Communication Services user as `get_user` reads it
/// (ACS Identity 2025-03-02-preview).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct CommunicationUser {
    /// The user's raw id.
    #[schemars(with = "String")]
    pub id: CommunicationUserIdentifier,
    /// The custom id the user was created with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// When a token was last issued for the user, if ever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_token_issued_at: Option<DateTime<Utc>>,
}

impl CommunicationUser {
    /// Reads `{"id", "customId"?, "lastTokenIssuedAt"?}`.
    pub(crate) fn from_wire(value: &Value) -> Result<Self> {
        let invalid = |message: &str| Error::new(ErrorKind::InvalidResponse, message);
        let id = value["id"]
            .as_str()
            .ok_or_else(|| invalid("the identity in the answer has no id"))?;
        let id = CommunicationUserIdentifier::new(id)
            .map_err(|_| invalid("the identity in the answer has an invalid id"))?;
        let last_token_issued_at = match &value["lastTokenIssuedAt"] {
            Value::Null => None,
            Value::String(time) => Some(
                DateTime::parse_from_rfc3339(time)
                    .map_err(|_| invalid("the identity's lastTokenIssuedAt is not a date-time"))?
                    .with_timezone(&Utc),
            ),
            _ => {
                return Err(invalid(
                    "the identity's lastTokenIssuedAt is not a date-time",
                ));
            }
        };
        Ok(CommunicationUser {
            id,
            custom_id: value["customId"].as_str().map(str::to_string),
            last_token_issued_at,
        })
    }
}

/// A custom id as the service takes it: not blank, at most
/// [`MAX_CUSTOM_ID_LENGTH`] UTF-16 code units.
pub(crate) fn check_custom_id(custom_id: &str) -> Result<()> {
    if custom_id.trim().is_empty() {
        return Err(Error::validation("custom_id", "must not be empty"));
    }
    let length = custom_id.encode_utf16().count();
    if length > MAX_CUSTOM_ID_LENGTH {
        return Err(Error::validation(
            "custom_id",
            format!(
                "is {length} characters long; the service takes at most {MAX_CUSTOM_ID_LENGTH}"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_would_change_the_path_are_refused() {
        for bad in [
            "",
            " ",
            "8:acs:a/b",
            "8:acs:a?b",
            "8:acs:a#b",
            "8:acs:a b",
            "8:acs:\u{0}",
        ] {
            let err = CommunicationUserIdentifier::new(bad).unwrap_err();
            assert_eq!(err.field(), Some("user_id"), "{bad:?}");
        }
    }

    #[test]
    fn custom_ids_are_not_blank_and_at_most_256_utf16_units() {
        assert!(check_custom_id(&"a".repeat(256)).is_ok());
        assert!(check_custom_id("user@contoso.com").is_ok());
        for bad in [
            "".to_string(),
            "  ".to_string(),
            "a".repeat(257),
            "😀".repeat(129),
        ] {
            let err = check_custom_id(&bad).unwrap_err();
            assert_eq!(err.field(), Some("custom_id"), "{bad:?}");
        }
        assert!(check_custom_id(&"😀".repeat(128)).is_ok());
    }

    #[test]
    fn users_are_read_with_optional_fields() {
        let user = CommunicationUser::from_wire(&serde_json::json!({
            "id": "8:acs:r_1", "customId": "alice", "lastTokenIssuedAt": "2025-07-10T21:39:39.3244584+00:00"
        }))
        .unwrap();
        assert_eq!(user.id.raw_id(), "8:acs:r_1");
        assert_eq!(user.custom_id.as_deref(), Some("alice"));
        assert_eq!(user.last_token_issued_at.unwrap().timestamp(), 1752183579);
        let bare = CommunicationUser::from_wire(&serde_json::json!({"id": "8:acs:r_2"})).unwrap();
        assert_eq!((bare.custom_id, bare.last_token_issued_at), (None, None));
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"id": "8:acs:a/b"}),
            serde_json::json!({"id": "8:acs:x", "lastTokenIssuedAt": "yesterday"}),
        ] {
            let err = CommunicationUser::from_wire(&bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{bad}");
        }
    }
}
