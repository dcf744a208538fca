//! OpenID Connect discovery and the JWKS fetch: `<issuer>/.well-known/openid-configuration`
//! → `jwks_uri` → the keys. No redirects are followed, answers are capped
//! and must be JSON, and the `jwks_uri` must be https (or http to loopback).

use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;
use url::Url;

use crate::http::require_https_unless_loopback;

/// The largest discovery document or JWKS read.
pub(crate) const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Why keys could not be had. The message names the URL and the problem,
/// never a body.
#[derive(Debug)]
pub(crate) struct FetchError(pub String);

/// Fetches discovery documents and key sets for one issuer.
#[derive(Clone)]
pub(crate) struct KeyFetcher {
    http: reqwest::Client,
    discovery_url: Url,
    issuer: String,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl KeyFetcher {
    /// A fetcher for `issuer` (an https URL, or http to loopback).
    pub(crate) fn new(issuer: &str) -> crate::Result<Self> {
        let url = crate::http::parse_endpoint(issuer, "issuer")?;
        require_https_unless_loopback(&url, "issuer")?;
        let discovery_url = Url::parse(&format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        ))
        .map_err(|e| crate::Error::validation("issuer", format!("not a URL base: {e}")))?;
        crate::http::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(FETCH_TIMEOUT)
            .user_agent(concat!(
                "azure-user-tokens-broker/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| {
                crate::Error::new(crate::ErrorKind::Transport, "cannot build the HTTP client")
                    .with_source(e)
            })?;
        Ok(KeyFetcher {
            http,
            discovery_url,
            issuer: issuer.to_string(),
        })
    }

    /// Discovery, then the key set it names.
    pub(crate) async fn fetch(&self) -> Result<JwkSet, FetchError> {
        let discovery: Discovery = self.get_json(&self.discovery_url).await?;
        // OpenID Connect Discovery §4.3: the document's issuer is the one asked for.
        if discovery.issuer != self.issuer {
            return Err(FetchError(format!(
                "{} names issuer {:?}, not the configured {:?}",
                self.discovery_url, discovery.issuer, self.issuer
            )));
        }
        let jwks_uri = Url::parse(&discovery.jwks_uri).map_err(|_| {
            FetchError(format!(
                "{} has a jwks_uri that is not a URL",
                self.discovery_url
            ))
        })?;
        require_https_unless_loopback(&jwks_uri, "jwks_uri")
            .map_err(|e| FetchError(e.to_string()))?;
        self.get_json(&jwks_uri).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &Url) -> Result<T, FetchError> {
        let fail = |what: String| FetchError(format!("GET {url}: {what}"));
        let mut response = self
            .http
            .get(url.clone())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| fail(format!("{}", e.without_url())))?;
        if !response.status().is_success() {
            return Err(fail(format!("status {}", response.status().as_u16())));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(fail(format!("larger than {MAX_DOCUMENT_BYTES} bytes")));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| fail(format!("{}", e.without_url())))?
        {
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(fail(format!("larger than {MAX_DOCUMENT_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|e| {
            fail(format!(
                "not the expected JSON ({})",
                crate::pipeline::json_problem(&e)
            ))
        })
    }
}
