//! Request authentication: ACS HMAC signing or an Entra bearer token.

use std::fmt;

use chrono::Utc;
use reqwest::header::{AUTHORIZATION, HeaderValue};

use super::CallContext;
use crate::auth::hmac;
use crate::error::{Error, Result};
use crate::http::require_https_unless_loopback;

/// How a client authenticates its requests.
#[derive(Clone)]
pub enum Authentication {
    /// ACS access key (already base64-decoded): every attempt is signed afresh.
    AccessKey(Vec<u8>),
    /// `Authorization: Bearer <token>`, the token taken from the call context.
    Bearer,
    /// Nothing added.
    None,
}

impl fmt::Debug for Authentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Authentication::AccessKey(_) => "AccessKey(***)",
            Authentication::Bearer => "Bearer",
            Authentication::None => "None",
        })
    }
}

impl Authentication {
    /// Authenticates one attempt. A call that brings its own bearer token
    /// ([`CallContext::caller_bearer`]) is sent with that token only,
    /// whatever the client's own authentication.
    pub fn apply(
        &self,
        request: &mut reqwest::Request,
        context: Option<&CallContext>,
    ) -> Result<()> {
        if let Some(token) = context.and_then(|c| c.caller_bearer.as_ref()) {
            return bearer(request, token.expose());
        }
        match self {
            Authentication::AccessKey(key) => sign(request, key),
            Authentication::Bearer => {
                let token = context.and_then(|c| c.bearer.as_ref()).ok_or_else(|| {
                    Error::new(
                        crate::ErrorKind::Credential,
                        "no bearer token was fetched for this call",
                    )
                })?;
                bearer(request, token.token.expose())
            }
            Authentication::None => Ok(()),
        }
    }
}

/// `Authorization: Bearer <token>`, only over https or to a loopback host.
fn bearer(request: &mut reqwest::Request, token: &str) -> Result<()> {
    require_https_unless_loopback(request.url(), "endpoint")?;
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        Error::validation(
            "token",
            "the bearer token has characters a header cannot carry",
        )
    })?;
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
    Ok(())
}

/// HMAC-SHA256 per DESIGN §4: the path and query exactly as sent, the host
/// with its port, the hash of the exact body bytes, a fresh date.
fn sign(request: &mut reqwest::Request, key: &[u8]) -> Result<()> {
    let url = request.url();
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => return Err(Error::validation("endpoint", "the request URL has no host")),
    };
    let path_and_query = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let body: &[u8] = match request.body() {
        None => b"",
        Some(body) => body.as_bytes().ok_or_else(|| {
            Error::validation("body", "a streamed body cannot be signed; send bytes")
        })?,
    };
    let content_hash = hmac::content_hash(body);
    let date = hmac::http_date(Utc::now());
    let to_sign = hmac::string_to_sign(
        request.method().as_str(),
        &path_and_query,
        &date,
        &host,
        &content_hash,
    );
    let authorization = hmac::authorization(&hmac::signature(key, &to_sign));
    let headers = request.headers_mut();
    for (name, value) in [
        (hmac::DATE_HEADER, date),
        (hmac::CONTENT_HASH_HEADER, content_hash),
    ] {
        headers.insert(
            name,
            HeaderValue::from_str(&value).expect("ASCII header value"),
        );
    }
    let mut value = HeaderValue::from_str(&authorization).expect("ASCII header value");
    value.set_sensitive(true);
    headers.insert(AUTHORIZATION, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn request(method: &str, url: &str, body: &'static str) -> reqwest::Request {
        let mut request = reqwest::Request::new(method.parse().unwrap(), url.parse().unwrap());
        if !body.is_empty() {
            *request.body_mut() = Some(body.into());
        }
        request
    }

    fn key() -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
            .unwrap()
    }

    /// Re-derives the signature from the headers the request carries.
    fn verify(request: &reqwest::Request, host: &str, path_and_query: &str) -> bool {
        let headers = request.headers();
        let date = headers["x-ms-date"].to_str().unwrap();
        let hash = headers["x-ms-content-sha256"].to_str().unwrap();
        let (_, signature) =
            hmac::parse_authorization(headers["authorization"].to_str().unwrap()).unwrap();
        let to_sign =
            hmac::string_to_sign(request.method().as_str(), path_and_query, date, host, hash);
        hmac::verify(&key(), &to_sign, signature)
    }

    #[test]
    fn signs_host_with_port_and_the_raw_path() {
        let mut r = request(
            "POST",
            "http://127.0.0.1:8443/identities/8:acs:abc_1/:issueAccessToken?api-version=2023-10-01",
            r#"{"scopes":["voip"]}"#,
        );
        Authentication::AccessKey(key())
            .apply(&mut r, None)
            .unwrap();
        assert!(verify(
            &r,
            "127.0.0.1:8443",
            "/identities/8:acs:abc_1/:issueAccessToken?api-version=2023-10-01"
        ));
        assert_eq!(
            r.headers()["x-ms-content-sha256"],
            hmac::content_hash(br#"{"scopes":["voip"]}"#).as_str()
        );
    }

    #[test]
    fn the_default_port_is_not_signed_and_a_trailing_slash_endpoint_is_fine() {
        let mut r = request(
            "DELETE",
            "https://contoso.communication.azure.com/identities/x?api-version=1",
            "",
        );
        Authentication::AccessKey(key())
            .apply(&mut r, None)
            .unwrap();
        assert!(verify(
            &r,
            "contoso.communication.azure.com",
            "/identities/x?api-version=1"
        ));
        assert_eq!(
            r.headers()["x-ms-content-sha256"],
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn bearer_needs_https_or_loopback_and_a_token() {
        let mut ctx = CallContext::new(true, None);
        ctx.bearer = Some(crate::AccessToken::new("tok", Utc::now()));
        let mut r = request("GET", "http://example.com/x", "");
        assert!(
            Authentication::Bearer
                .apply(&mut r, Some(&ctx))
                .unwrap_err()
                .is_validation()
        );
        let mut r = request("GET", "http://127.0.0.1:1/x", "");
        Authentication::Bearer.apply(&mut r, Some(&ctx)).unwrap();
        assert_eq!(r.headers()["authorization"], "Bearer tok");
        assert!(r.headers()["authorization"].is_sensitive());
        let mut r = request("GET", "https://example.com/x", "");
        assert!(
            Authentication::Bearer
                .apply(&mut r, None)
                .unwrap_err()
                .is_unauthorized()
        );
    }

    #[test]
    fn a_caller_bearer_replaces_signing_and_the_clients_token() {
        let mut ctx = CallContext::new(true, None);
        ctx.bearer = Some(crate::AccessToken::new("client-token", Utc::now()));
        ctx.caller_bearer = Some(crate::Secret::new("teams-user-token"));
        for auth in [
            Authentication::AccessKey(key()),
            Authentication::Bearer,
            Authentication::None,
        ] {
            let mut r = request("POST", "http://127.0.0.1:1/x", "{}");
            auth.apply(&mut r, Some(&ctx)).unwrap();
            assert_eq!(r.headers()["authorization"], "Bearer teams-user-token");
            assert!(r.headers()["authorization"].is_sensitive());
            assert!(r.headers().get("x-ms-date").is_none(), "{auth:?} signed");
            assert!(r.headers().get("x-ms-content-sha256").is_none());
        }
        // Never to a plain-http remote host.
        let mut r = request("POST", "http://example.com/x", "{}");
        let err = Authentication::AccessKey(key())
            .apply(&mut r, Some(&ctx))
            .unwrap_err();
        assert!(err.is_validation(), "{err}");
        assert!(r.headers().get("authorization").is_none());
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(
            format!("{:?}", Authentication::AccessKey(key())),
            "AccessKey(***)"
        );
    }
}
