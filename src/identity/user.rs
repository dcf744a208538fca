//! Communication user identifiers.

use std::fmt;

use crate::error::{Error, Result};

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
}
