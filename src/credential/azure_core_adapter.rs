//! Use any `azure_core` credential (e.g. from the `azure_identity` crate)
//! where this crate wants a [`TokenCredential`]. Behind the `azure-core` feature.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::TokenCredential;
use crate::AccessToken;
use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::BoxFuture;

/// Wraps an `azure_core::credentials::TokenCredential`.
///
/// ```no_run
/// # fn demo(credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential>) {
/// use azure_user_tokens::credential::AzureCoreCredential;
/// let ours = AzureCoreCredential::new(credential);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AzureCoreCredential {
    inner: Arc<dyn azure_core::credentials::TokenCredential>,
}

impl AzureCoreCredential {
    /// Adapts `inner`.
    pub fn new(inner: Arc<dyn azure_core::credentials::TokenCredential>) -> Self {
        AzureCoreCredential { inner }
    }
}

impl TokenCredential for AzureCoreCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let token = self.inner.get_token(&[scope], None).await.map_err(|e| {
                Error::new(
                    ErrorKind::Credential,
                    format!("the azure_core credential failed: {e}"),
                )
            })?;
            let expires_on = DateTime::<Utc>::from_timestamp(
                token.expires_on.unix_timestamp(),
                token.expires_on.nanosecond(),
            )
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Credential,
                    "the azure_core token's expiry is out of range",
                )
            })?;
            Ok(AccessToken::new(token.token.secret(), expires_on))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::credentials::{Secret, TokenRequestOptions};
    use azure_core::time::OffsetDateTime;

    #[derive(Debug)]
    struct Fixed;

    #[async_trait::async_trait]
    impl azure_core::credentials::TokenCredential for Fixed {
        async fn get_token(
            &self,
            scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<azure_core::credentials::AccessToken> {
            Ok(azure_core::credentials::AccessToken::new(
                Secret::new(format!("token-for {}", scopes.join(" "))),
                OffsetDateTime::from_unix_timestamp(4_102_444_800).unwrap(),
            ))
        }
    }

    #[tokio::test]
    async fn azure_core_tokens_are_adapted() {
        let credential = AzureCoreCredential::new(Arc::new(Fixed));
        let token = credential
            .get_token(super::super::MANAGEMENT_SCOPE)
            .await
            .unwrap();
        assert_eq!(
            token.token.expose(),
            "token-for https://management.azure.com/.default"
        );
        assert_eq!(token.expires_on.timestamp(), 4_102_444_800);
    }
}
