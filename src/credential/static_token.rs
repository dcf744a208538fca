//! A credential that always returns the token it was given.

use super::TokenCredential;
use crate::AccessToken;
use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::BoxFuture;

/// Returns one fixed token for every scope; an expired one is an error.
///
/// ```
/// use azure_user_tokens::{AccessToken, credential::StaticTokenCredential};
/// use chrono::{Duration, Utc};
/// let credential = StaticTokenCredential::new(AccessToken::new("eyJ…", Utc::now() + Duration::hours(1)));
/// ```
#[derive(Debug, Clone)]
pub struct StaticTokenCredential {
    token: AccessToken,
}

impl StaticTokenCredential {
    /// Wraps a token.
    pub fn new(token: AccessToken) -> Self {
        StaticTokenCredential { token }
    }
}

impl TokenCredential for StaticTokenCredential {
    fn get_token<'a>(&'a self, _scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            if self.token.expires_on <= chrono::Utc::now() {
                return Err(Error::new(
                    ErrorKind::Credential,
                    format!("the static token expired at {}", self.token.expires_on),
                ));
            }
            Ok(self.token.clone())
        })
    }
}
