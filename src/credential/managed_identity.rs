//! Managed identity through the instance metadata service (IMDS).

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::{TokenCache, TokenCredential, scope_to_resource};
use crate::AccessToken;
use crate::ClientOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::http::parse_endpoint;
use crate::pipeline::BoxFuture;

/// The IMDS address used when nothing overrides it.
pub const IMDS_HOST: &str = "http://169.254.169.254";
/// Overrides the IMDS host (as in the official SDKs).
pub const POD_IDENTITY_HOST_ENV: &str = "AZURE_POD_IDENTITY_AUTHORITY_HOST";
/// The error code of a credential that is not available on this machine.
pub const UNAVAILABLE: &str = "CredentialUnavailable";

/// `GET {host}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=…`
/// with `Metadata: true`.
///
/// ```
/// use azure_user_tokens::credential::{ManagedIdentityCredential, ManagedIdentityCredentialOptions};
/// // The system-assigned identity, through IMDS (or $AZURE_POD_IDENTITY_AUTHORITY_HOST).
/// let system = ManagedIdentityCredential::new(None)?;
/// // A user-assigned identity.
/// let user_assigned = ManagedIdentityCredential::new(Some(
///     ManagedIdentityCredentialOptions::default()
///         .with_client_id("2f64b0a2-6c0e-4bd1-8a7f-0ae5e5a8c2c1"),
/// ))?;
/// # Ok::<(), azure_user_tokens::Error>(())
/// ```
#[derive(Debug)]
pub struct ManagedIdentityCredential {
    host: Url,
    client_id: Option<String>,
    http: Option<reqwest::Client>,
    cache: TokenCache,
}

/// Options for a [`ManagedIdentityCredential`].
#[derive(Debug, Clone, Default)]
pub struct ManagedIdentityCredentialOptions {
    client_id: Option<String>,
    endpoint: Option<String>,
    client_options: ClientOptions,
}

impl ManagedIdentityCredentialOptions {
    /// Uses a user-assigned identity (its client id) instead of the
    /// system-assigned one.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The metadata endpoint (default: `$AZURE_POD_IDENTITY_AUTHORITY_HOST`,
    /// else the IMDS address `http://169.254.169.254`).
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Token requests use this HTTP client
    /// ([`ClientOptions::with_http_client`]), with a 5 s timeout: an
    /// endpoint that does not answer quickly is treated as absent.
    pub fn with_client_options(mut self, client_options: ClientOptions) -> Self {
        self.client_options = client_options;
        self
    }
}

impl ManagedIdentityCredential {
    /// A managed-identity credential; `None` means the system-assigned
    /// identity through the default endpoint.
    pub fn new(options: Option<ManagedIdentityCredentialOptions>) -> Result<Self> {
        let options = options.unwrap_or_default();
        let host = match options.endpoint {
            Some(endpoint) => endpoint,
            None => std::env::var(POD_IDENTITY_HOST_ENV)
                .ok()
                .filter(|h| !h.trim().is_empty())
                .unwrap_or_else(|| IMDS_HOST.into()),
        };
        if options
            .client_id
            .as_ref()
            .is_some_and(|id| id.trim().is_empty())
        {
            return Err(Error::validation("client_id", "the client id is empty"));
        }
        Ok(ManagedIdentityCredential {
            host: parse_endpoint(&host, "managed_identity_host")?,
            client_id: options.client_id,
            http: options.client_options.http_client().cloned(),
            cache: TokenCache::new(),
        })
    }

    async fn fetch(&self, scope: &str) -> Result<AccessToken> {
        let http = match &self.http {
            Some(http) => http.clone(),
            None => crate::http::default_client()?,
        };
        let url = format!(
            "{}/metadata/identity/oauth2/token",
            self.host.as_str().trim_end_matches('/')
        );
        let mut query = vec![
            ("api-version", "2018-02-01"),
            ("resource", scope_to_resource(scope)),
        ];
        if let Some(client_id) = &self.client_id {
            query.push(("client_id", client_id));
        }
        let sent_to = Url::parse_with_params(&url, &query).ok();
        let response = http
            .get(url)
            .query(&query)
            .header("Metadata", "true")
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| {
                let unavailable = e.is_connect() || e.is_timeout();
                let error = Error::new(
                    ErrorKind::Credential,
                    format!("no managed identity endpoint answered at {}", self.host),
                )
                .with_source(e.without_url());
                if unavailable {
                    error.with_code(UNAVAILABLE)
                } else {
                    error
                }
            })?;
        let status = response.status().as_u16();
        // A token from wherever a redirect points is not this machine's identity.
        if crate::http::is_redirect(status) {
            return Err(crate::http::redirect_refused(
                ErrorKind::Credential,
                "the managed identity endpoint",
                status,
            ));
        }
        if sent_to.is_some_and(|sent_to| response.url().path() != sent_to.path())
            || response.url().origin() != self.host.origin()
        {
            return Err(crate::http::redirect_followed(
                ErrorKind::Credential,
                "the managed identity endpoint",
            ));
        }
        let body: ImdsResponse = response.json().await.map_err(|e| {
            Error::new(
                ErrorKind::Credential,
                format!("the managed identity endpoint answered {status} with an unreadable body"),
            )
            .with_status(status)
            .with_source(e.without_url())
        })?;
        body.into_token(status)
    }
}

#[derive(Deserialize)]
struct ImdsResponse {
    access_token: Option<String>,
    expires_on: Option<serde_json::Value>,
    error: Option<String>,
    error_description: Option<String>,
}

impl ImdsResponse {
    fn into_token(self, status: u16) -> Result<AccessToken> {
        if let (Some(token), Some(expires_on), true) = (
            self.access_token,
            self.expires_on,
            (200..300).contains(&status),
        ) {
            // Epoch seconds, as a string (IMDS) or a number.
            let expires_on = crate::lifetime::expires_on(&expires_on)?;
            return Ok(AccessToken::new(token, expires_on));
        }
        let code = self.error.unwrap_or_else(|| "unknown_error".into());
        Err(Error::new(
            ErrorKind::Credential,
            format!(
                "the managed identity endpoint refused: {code}: {}",
                self.error_description.unwrap_or_default()
            ),
        )
        .with_status(status)
        .with_code(code))
    }
}

impl TokenCredential for ManagedIdentityCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.cache.get_or_fetch(scope, || self.fetch(scope)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imds_answers_are_read_with_string_or_number_expiry() {
        for expires_on in [
            serde_json::json!("1700000000"),
            serde_json::json!(1700000000),
        ] {
            let body = ImdsResponse {
                access_token: Some("t".into()),
                expires_on: Some(expires_on),
                error: None,
                error_description: None,
            };
            assert_eq!(
                body.into_token(200).unwrap().expires_on.timestamp(),
                1_700_000_000
            );
        }
        let refused = ImdsResponse {
            access_token: None,
            expires_on: None,
            error: Some("invalid_request".into()),
            error_description: Some("Required metadata header not specified".into()),
        };
        let err = refused.into_token(400).unwrap_err();
        assert!(
            err.is_unauthorized() && err.code() == Some("invalid_request"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_unreachable_endpoint_is_reported_unavailable() {
        // A loopback port nobody listens on: refused at once.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let credential = ManagedIdentityCredential::new(Some(
            ManagedIdentityCredentialOptions::default()
                .with_endpoint(format!("http://127.0.0.1:{port}")),
        ))
        .unwrap();
        let err = credential
            .get_token(super::super::MANAGEMENT_SCOPE)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(UNAVAILABLE), "{err}");
    }
}
