//! The HTTP client every client and credential uses unless given one
//! ([`ClientOptions::with_http_client`](crate::ClientOptions::with_http_client)),
//! and the transport rules they share: TLS through rustls with the ring
//! provider, credentials only over https (or plain http to a loopback host).

use std::net::IpAddr;
use std::sync::Once;

use url::Url;

use crate::error::{Error, ErrorKind, Result};

/// A `reqwest::Client` with this crate's TLS setup (rustls with the ring
/// provider). To control proxies or certificates, build your own after
/// calling [`install_crypto_provider`] and pass it in the client's options
/// ([`ClientOptions::with_http_client`](crate::ClientOptions::with_http_client)).
pub fn default_client() -> Result<reqwest::Client> {
    install_crypto_provider();
    reqwest::Client::builder()
        .user_agent(concat!("azure-user-tokens/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            Error::new(ErrorKind::Transport, "cannot build the HTTP client").with_source(e)
        })
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
