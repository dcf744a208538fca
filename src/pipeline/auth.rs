//! Request authentication: ACS HMAC signing or an Entra bearer token.

use std::fmt;

use chrono::Utc;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use url::Position;

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
        Authenticator::new(self.clone()).apply(request, context)
    }
}

/// An [`Authentication`] ready for many requests: an access key's HMAC is
/// keyed once (keying hashes two blocks), then cloned for each signature.
pub(crate) struct Authenticator {
    auth: Authentication,
    keyed: Option<hmac::KeyedMac>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.auth.fmt(f)
    }
}

impl Authenticator {
    pub(crate) fn new(auth: Authentication) -> Self {
        let keyed = match &auth {
            Authentication::AccessKey(key) => Some(hmac::KeyedMac::new(key)),
            Authentication::Bearer | Authentication::None => None,
        };
        Authenticator { auth, keyed }
    }

    /// See [`Authentication::apply`].
    pub(crate) fn apply(
        &self,
        request: &mut reqwest::Request,
        context: Option<&CallContext>,
    ) -> Result<()> {
        if let Some(token) = context.and_then(|c| c.caller_bearer.as_ref()) {
            return bearer(request, token.expose());
        }
        match (&self.auth, &self.keyed) {
            (Authentication::AccessKey(_), Some(keyed)) => sign(request, keyed),
            (Authentication::AccessKey(key), None) => sign(request, &hmac::KeyedMac::new(key)),
            (Authentication::Bearer, _) => {
                let token = context.and_then(|c| c.bearer.as_ref()).ok_or_else(|| {
                    Error::new(
                        crate::ErrorKind::Credential,
                        "no bearer token was fetched for this call",
                    )
                })?;
                bearer(request, token.token.expose())
            }
            (Authentication::None, _) => Ok(()),
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
fn sign(request: &mut reqwest::Request, keyed: &hmac::KeyedMac) -> Result<()> {
    let url = request.url();
    if url.host_str().is_none() {
        return Err(Error::validation("endpoint", "the request URL has no host"));
    }
    // Slices of the URL as serialized: `host[:port]` (no default port) and
    // `path[?query]`, exactly as they go on the wire.
    let host = &url[Position::BeforeHost..Position::AfterPort];
    let path_and_query = &url[Position::BeforePath..Position::AfterQuery];
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
        path_and_query,
        &date,
        host,
        &content_hash,
    );
    let authorization = keyed.authorization(&to_sign);
    let headers = request.headers_mut();
    for (name, value) in [
        (hmac::DATE_HEADER, date),
        (hmac::CONTENT_HASH_HEADER, content_hash),
    ] {
        headers.insert(HeaderName::from_static(name), header_value(value)?);
    }
    let mut value = header_value(authorization)?;
    value.set_sensitive(true);
    headers.insert(AUTHORIZATION, value);
    Ok(())
}

/// A header value that takes `text`'s buffer rather than copying it.
fn header_value(text: String) -> Result<HeaderValue> {
    HeaderValue::from_maybe_shared(bytes::Bytes::from(text)).map_err(|_| {
        Error::validation(
            "request",
            "a signing header has characters a header cannot carry",
        )
    })
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
    fn ipv6_hosts_keep_their_brackets_and_user_info_is_not_signed() {
        let mut r = request("GET", "http://user:pw@[::1]:8443/x/%3Ay?b=1&a=%20", "");
        Authentication::AccessKey(key())
            .apply(&mut r, None)
            .unwrap();
        assert!(verify(&r, "[::1]:8443", "/x/%3Ay?b=1&a=%20"));
        let mut r = request("GET", "https://[::1]:443/", "");
        Authentication::AccessKey(key())
            .apply(&mut r, None)
            .unwrap();
        assert!(verify(&r, "[::1]", "/"));
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
