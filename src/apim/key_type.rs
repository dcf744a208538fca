//! Which service key signs a user token.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The APIM service key a shared access token is signed with.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    /// The primary key (default).
    #[default]
    Primary,
    /// The secondary key.
    Secondary,
}

impl KeyType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Primary => "primary",
            KeyType::Secondary => "secondary",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "primary" => Ok(KeyType::Primary),
            "secondary" => Ok(KeyType::Secondary),
            _ => Err(Error::validation(
                "key_type",
                format!("{s:?} is not primary or secondary"),
            )),
        }
    }
}
