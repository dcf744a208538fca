//! The HTTP client every client and credential uses unless given one
//! ([`ClientOptions::with_http_client`](crate::ClientOptions::with_http_client)),
//! and the transport rules they share: TLS through rustls with the ring
//! provider, credentials only over https (or plain http to a loopback host).

use std::net::IpAddr;
use std::sync::Once;

use url::Url;

use crate::error::{Error, ErrorKind, Result};

/// A `reqwest::Client` with this crate's TLS setup (rustls with the ring
/// provider) that never follows a redirect (see [`client_builder`]). To
/// control proxies or certificates, start your own from [`client_builder`]
/// and pass it in the client's options
/// ([`ClientOptions::with_http_client`](crate::ClientOptions::with_http_client)).
pub fn default_client() -> Result<reqwest::Client> {
    client_builder().build().map_err(|e| {
        Error::new(ErrorKind::Transport, "cannot build the HTTP client").with_source(e)
    })
}

/// The settings of [`default_client`], to add proxies or certificates to.
///
/// Redirects are never followed: every request this crate sends carries a
/// credential (an HMAC signature over the body, a bearer token, a client
/// secret in a form), and a redirect would carry it to wherever the answer
/// points. A redirect answer becomes an error naming its status instead.
/// A client that does follow redirects is caught after the fact: an answer from another URL than the one asked is
/// refused, never used.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
}

/// The `User-Agent` of [`default_client`] (the facade's clients send a longer one).
pub(crate) const USER_AGENT: &str = concat!("azure-user-tokens/", env!("CARGO_PKG_VERSION"));

/// Whether `status` asks the client to go elsewhere (301, 302, 303, 307, 308).
pub(crate) fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// The error for a redirect answer that was not followed. It names the
/// status, never the target (a URL may carry a secret in its query).
pub(crate) fn redirect_refused(kind: ErrorKind, what: &str, status: u16) -> Error {
    Error::new(
        kind,
        format!(
            "{what} answered {status}, a redirect; it was not followed, since the request carries \
             credentials that must not go anywhere else (point the client at the final endpoint)"
        ),
    )
    .with_status(status)
    .with_code(REDIRECT_REFUSED)
}

/// The error code ([`Error::code`]) when an answer was a redirect, which is
/// never followed, or came from another URL than the one asked.
pub const REDIRECT_REFUSED: &str = "RedirectNotFollowed";

/// The error for an answer that came from another URL than the one asked:
/// the HTTP client followed a redirect on its own (one passed with
/// `with_http_client` that was not built from [`client_builder`]).
pub(crate) fn redirect_followed(kind: ErrorKind, what: &str) -> Error {
    Error::new(
        kind,
        format!(
            "{what}'s answer came from another URL: the HTTP client followed a redirect; the \
             answer is not used (build the client from azure_user_tokens::http::client_builder, \
             which follows none)"
        ),
    )
    .with_code(REDIRECT_REFUSED)
}

/// Makes rustls's ring provider the process default, unless one is set.
pub fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another provider is already installed: keep it.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Whether `url` points at this machine (`localhost`, `127.0.0.0/8`, `::1`).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Refuses to send a credential (`what`) to `url` over plain http unless the
/// host is loopback.
pub(crate) fn require_https_unless_loopback(url: &Url, what: &'static str) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::validation(
            what,
            format!(
                "{} uses plain http; credentials are only sent over https (or http to a loopback host)",
                url.host_str().unwrap_or("the endpoint")
            ),
        )),
        other => Err(Error::validation(
            what,
            format!("unsupported scheme {other:?}: use https"),
        )),
    }
}

/// Parses an endpoint URL given by the user.
pub(crate) fn parse_endpoint(text: &str, field: &'static str) -> Result<Url> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::validation(field, format!("{text:?} is not an absolute URL ({e})")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::validation(field, format!("{text:?} has no host")));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::validation(
            field,
            format!("{text:?} must use https (or http to a loopback host)"),
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for yes in [
            "http://localhost:1/",
            "http://127.0.0.1/",
            "http://127.9.9.9/",
            "http://[::1]:80/",
        ] {
            assert!(is_loopback(&Url::parse(yes).unwrap()), "{yes}");
        }
        for no in [
            "http://10.0.0.1/",
            "http://example.com/",
            "http://169.254.169.254/",
        ] {
            assert!(!is_loopback(&Url::parse(no).unwrap()), "{no}");
        }
    }

    #[test]
    fn credentials_go_over_https_or_to_loopback() {
        let ok = ["https://x.com", "http://127.0.0.1:8080"];
        for url in ok {
            assert!(require_https_unless_loopback(&Url::parse(url).unwrap(), "endpoint").is_ok());
        }
        let err = require_https_unless_loopback(&Url::parse("http://x.com").unwrap(), "endpoint")
            .unwrap_err();
        assert!(
            err.is_validation() && err.message().contains("plain http"),
            "{err}"
        );
    }

    #[test]
    fn endpoints_must_be_absolute_http_urls() {
        for bad in ["", "not a url", "ftp://x.com", "/relative", "http://"] {
            assert!(
                parse_endpoint(bad, "endpoint").unwrap_err().is_validation(),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_endpoint(" https://x.com/ ", "endpoint")
                .unwrap()
                .as_str(),
            "https://x.com/"
        );
    }
}
