//! Client credentials (client id + secret) against the Entra token endpoint.

use std::fmt;

use chrono::Utc;
use serde::Deserialize;
use url::Url;

use super::{DEFAULT_AUTHORITY, TokenCache, TokenCredential};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{parse_endpoint, require_https_unless_loopback};
use crate::pipeline::{Authentication, AzurePolicy, BoxFuture, ClientOptions, Pipeline};
use crate::{AccessToken, Secret};

/// `POST {authority}/{tenant}/oauth2/v2.0/token` with
/// `grant_type=client_credentials`.
///
/// ```no_run
/// # async fn demo() -> azure_user_tokens::Result<()> {
/// use azure_user_tokens::credential::{ClientSecretCredential, TokenCredential, MANAGEMENT_SCOPE};
/// let credential = ClientSecretCredential::new("my-tenant", "app-id", "secret")?;
/// let token = credential.get_token(MANAGEMENT_SCOPE).await?;
/// # Ok(()) }
/// ```
pub struct ClientSecretCredential {
    tenant_id: String,
    client_id: String,
    secret: Secret,
    authority: Url,
    http: Option<reqwest::Client>,
    /// Token requests are retried like every other request (Entra throttles too).
    pipeline: Pipeline,
    cache: TokenCache,
}

/// The operation name token requests are traced under.
const OPERATION: &str = "ClientSecretCredential.get_token";

impl ClientSecretCredential {
    /// A credential for an app registration; the authority comes from
    /// `AZURE_AUTHORITY_HOST`, else `https://login.microsoftonline.com`.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Result<Self> {
        let authority =
            std::env::var("AZURE_AUTHORITY_HOST").unwrap_or_else(|_| DEFAULT_AUTHORITY.into());
        Self::with_authority(tenant_id, client_id, secret, &authority)
    }

    /// Like [`new`](Self::new) with an explicit authority host.
    pub fn with_authority(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        secret: impl Into<Secret>,
        authority: &str,
    ) -> Result<Self> {
        let tenant_id = tenant_id.into();
        let client_id = client_id.into();
        let secret = secret.into();
        let tenant_ok = !tenant_id.is_empty()
            && tenant_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !tenant_ok {
            return Err(Error::validation(
                "tenant_id",
                "a tenant id is a GUID or domain name (letters, digits, '-' and '.')",
            ));
        }
        if client_id.trim().is_empty() {
            return Err(Error::validation("client_id", "the client id is empty"));
        }
        if secret.expose().is_empty() {
            return Err(Error::validation(
                "client_secret",
                "the client secret is empty",
            ));
        }
        let authority = parse_endpoint(authority, "authority_host")?;
        require_https_unless_loopback(&authority, "authority_host")?;
        Ok(ClientSecretCredential {
            tenant_id,
            client_id,
            secret,
            authority,
            http: None,
            pipeline: AzurePolicy::pipeline(Authentication::None, &ClientOptions::default()),
            cache: TokenCache::new(),
        })
    }

    /// Retries and timeouts for token requests (the HTTP client in `options`
    /// is used too, if set).
    pub fn with_options(mut self, options: ClientOptions) -> Self {
        self.pipeline = AzurePolicy::pipeline(Authentication::None, &options);
        if let Some(http) = options.http_client() {
            self.http = Some(http.clone());
        }
        self
    }

    /// Uses this HTTP client for token requests.
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.authority.as_str().trim_end_matches('/'),
            self.tenant_id
        )
    }

    async fn fetch(&self, scope: &str) -> Result<AccessToken> {
        let http = match &self.http {
            Some(http) => http.clone(),
            None => crate::http::default_client()?,
        };
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose()),
            ("grant_type", "client_credentials"),
            ("scope", scope),
        ];
        let unreachable = |e: reqwest::Error| {
            Error::new(
                ErrorKind::Credential,
                format!("cannot reach the Entra token endpoint {}", self.authority),
            )
            .with_source(e.without_url())
        };
        let mut request = http
            .post(self.token_url())
            .form(&form)
            .build()
            .map_err(unreachable)?;
        let sent_to = request.url().clone();
        self.pipeline.prepare(&mut request, OPERATION);
        let response = self
            .pipeline
            .send(&http, request, OPERATION)
            .await
            .map_err(unreachable)?;
        // The form holds the client secret: a redirect is never followed.
        let status = response.status().as_u16();
        if crate::http::is_redirect(status) {
            return Err(crate::http::redirect_refused(
                ErrorKind::Credential,
                "the Entra token endpoint",
                status,
            ));
        }
        if response.url() != &sent_to {
            return Err(crate::http::redirect_followed(
                ErrorKind::Credential,
                "the Entra token endpoint",
            ));
        }
        read_token_response(response).await
    }
}

/// The token endpoint's answer (success or AAD error).
#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn read_token_response(response: reqwest::Response) -> Result<AccessToken> {
    let status = response.status().as_u16();
    let body: TokenResponse = response.json().await.map_err(|e| {
        let problem = match crate::pipeline::ResponseTooLarge::find(&e) {
            Some(too_large) => format!(" ({too_large})"),
            None => String::new(),
        };
        Error::new(
            ErrorKind::Credential,
            format!("the Entra token endpoint answered {status} with an unreadable body{problem}"),
        )
        .with_status(status)
        .with_source(e.without_url())
    })?;
    if (200..300).contains(&status) && (body.access_token.is_none() || body.expires_in.is_none()) {
        return Err(Error::new(
            ErrorKind::Credential,
            format!(
                "the Entra token endpoint answered {status} without an access_token and expires_in"
            ),
        )
        .with_status(status));
    }
    match body {
        TokenResponse {
            access_token: Some(token),
            expires_in: Some(expires_in),
            ..
        } if (200..300).contains(&status) => {
            let expires_on = crate::lifetime::expires_in(&expires_in, Utc::now())?;
            Ok(AccessToken::new(token, expires_on))
        }
        TokenResponse {
            error,
            error_description,
            ..
        } => {
            let code = error.unwrap_or_else(|| "unknown_error".into());
            let description = error_description.unwrap_or_default();
            Err(Error::new(
                ErrorKind::Credential,
                format!("Entra ID refused the client credentials: {code}: {description}"),
            )
            .with_status(status)
            .with_code(code))
        }
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.cache.get_or_fetch(scope, || self.fetch(scope)))
    }
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("secret", &self.secret)
            .field("authority", &self.authority.as_str())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_configuration_is_rejected_locally() {
        let authority = "https://login.microsoftonline.com";
        for (tenant, client, secret, field) in [
            ("", "c", "s", "tenant_id"),
            ("a/b", "c", "s", "tenant_id"),
            ("t", " ", "s", "client_id"),
            ("t", "c", "", "client_secret"),
        ] {
            let err = ClientSecretCredential::with_authority(tenant, client, secret, authority)
                .unwrap_err();
            assert_eq!(err.field(), Some(field));
        }
        let err = ClientSecretCredential::with_authority("t", "c", "s", "http://login.example.com")
            .unwrap_err();
        assert_eq!(err.field(), Some("authority_host"));
    }

    #[test]
    fn debug_hides_the_secret() {
        let c =
            ClientSecretCredential::with_authority("t", "c", "very-secret", "http://127.0.0.1:1")
                .unwrap();
        assert!(!format!("{c:?}").contains("very-secret"));
    }

    #[test]
    fn the_token_url_joins_authority_and_tenant() {
        let c = ClientSecretCredential::with_authority("tenant1", "c", "s", "http://127.0.0.1:9/")
            .unwrap();
        assert_eq!(
            c.token_url(),
            "http://127.0.0.1:9/tenant1/oauth2/v2.0/token"
        );
    }
}
