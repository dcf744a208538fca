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
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_user_tokens::Result<()> {
/// # let emulator = azure_user_tokens::emulator::Emulator::start(Default::default()).await.unwrap();
/// # let settings = emulator.settings();
/// # let (tenant_id, client_id) = (settings.tenant_id(), settings.client_id());
/// # let client_secret = settings.client_secret().clone();
/// # let authority_host = settings.authority_host();
/// use azure_user_tokens::credential::{
///     ClientSecretCredential, ClientSecretCredentialOptions, MANAGEMENT_SCOPE, TokenCredential,
/// };
///
/// // client_secret: Secret::new(std::env::var("AZURE_CLIENT_SECRET")?)
/// let options = ClientSecretCredentialOptions::default().with_authority_host(authority_host);
/// let credential = ClientSecretCredential::new(tenant_id, client_id, client_secret, Some(options))?;
/// let token = credential.get_token(MANAGEMENT_SCOPE).await?;
/// assert!(token.expires_on > chrono::Utc::now());
/// # Ok(()) }
/// ```
///
/// In Azure's public cloud the options are `None` (the authority host is
/// `$AZURE_AUTHORITY_HOST`, else [`DEFAULT_AUTHORITY`]).
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

/// Options for a [`ClientSecretCredential`] (and an
/// [`EnvironmentCredential`](super::EnvironmentCredential)): the Entra
/// authority host and the transport of token requests.
///
/// ```
/// use azure_user_tokens::credential::ClientSecretCredentialOptions;
/// let options = ClientSecretCredentialOptions::default()
///     .with_authority_host("https://login.microsoftonline.us");
/// assert_eq!(options.authority_host(), Some("https://login.microsoftonline.us"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientSecretCredentialOptions {
    authority_host: Option<String>,
    client_options: ClientOptions,
}

impl ClientSecretCredentialOptions {
    /// The Entra authority host (default: `$AZURE_AUTHORITY_HOST`, else
    /// [`DEFAULT_AUTHORITY`]); https, or http to a loopback host only.
    pub fn with_authority_host(mut self, authority_host: impl Into<String>) -> Self {
        self.authority_host = Some(authority_host.into());
        self
    }

    /// Retries, timeouts and the HTTP client of token requests.
    pub fn with_client_options(mut self, client_options: ClientOptions) -> Self {
        self.client_options = client_options;
        self
    }

    /// The authority host given, if any.
    pub fn authority_host(&self) -> Option<&str> {
        self.authority_host.as_deref()
    }

    /// The transport options.
    pub fn client_options(&self) -> &ClientOptions {
        &self.client_options
    }
}

impl ClientSecretCredential {
    /// A credential for an app registration: its tenant (a GUID or domain
    /// name), its application (client) id and a client secret.
    pub fn new(
        tenant_id: &str,
        client_id: &str,
        client_secret: Secret,
        options: Option<ClientSecretCredentialOptions>,
    ) -> Result<Self> {
        let options = options.unwrap_or_default();
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
        if client_secret.expose().is_empty() {
            return Err(Error::validation(
                "client_secret",
                "the client secret is empty",
            ));
        }
        let authority = match options.authority_host() {
            Some(authority) => authority.to_string(),
            None => std::env::var("AZURE_AUTHORITY_HOST")
                .ok()
                .filter(|a| !a.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_AUTHORITY.into()),
        };
        let authority = parse_endpoint(&authority, "authority_host")?;
        require_https_unless_loopback(&authority, "authority_host")?;
        let client_options = options.client_options();
        Ok(ClientSecretCredential {
            tenant_id: tenant_id.to_string(),
            client_id: client_id.to_string(),
            secret: client_secret,
            authority,
            http: client_options.http_client().cloned(),
            pipeline: AzurePolicy::pipeline(Authentication::None, client_options, None),
            cache: TokenCache::new(),
        })
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

    fn at(authority: &str) -> Option<ClientSecretCredentialOptions> {
        Some(ClientSecretCredentialOptions::default().with_authority_host(authority))
    }

    #[test]
    fn bad_configuration_is_rejected_locally() {
        let authority = "https://login.microsoftonline.com";
        for (tenant, client, secret, field) in [
            ("", "c", "s", "tenant_id"),
            ("a/b", "c", "s", "tenant_id"),
            ("t", " ", "s", "client_id"),
            ("t", "c", "", "client_secret"),
        ] {
            let err =
                ClientSecretCredential::new(tenant, client, Secret::new(secret), at(authority))
                    .unwrap_err();
            assert_eq!(err.field(), Some(field));
        }
        let err =
            ClientSecretCredential::new("t", "c", Secret::new("s"), at("http://login.example.com"))
                .unwrap_err();
        assert_eq!(err.field(), Some("authority_host"));
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = ClientSecretCredential::new(
            "t",
            "c",
            Secret::new("very-secret"),
            at("http://127.0.0.1:1"),
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("very-secret"));
    }

    #[test]
    fn the_token_url_joins_authority_and_tenant() {
        let c = ClientSecretCredential::new(
            "tenant1",
            "c",
            Secret::new("s"),
            at("http://127.0.0.1:9/"),
        )
        .unwrap();
        assert_eq!(
            c.token_url(),
            "http://127.0.0.1:9/tenant1/oauth2/v2.0/token"
        );
    }
}
