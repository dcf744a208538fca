//! `endpoint=https://<host>/;accesskey=<base64>`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use url::Url;

use crate::error::{Error, Result};
use crate::http::{parse_endpoint, require_https_unless_loopback};

/// A parsed Communication Services connection string.
///
/// Keys are case-insensitive and may come in any order; the scheme of the
/// endpoint is kept (plain http only for a loopback host, such as the
/// emulator).
///
/// ```
/// use azure_user_tokens::identity::ConnectionString;
/// let cs = ConnectionString::parse(
///     "endpoint=https://contoso.communication.azure.com/;accesskey=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
/// ).unwrap();
/// assert_eq!(cs.endpoint().as_str(), "https://contoso.communication.azure.com/");
/// assert!(!format!("{cs:?}").contains("AAEC"));
/// ```
#[derive(Clone)]
pub struct ConnectionString {
    endpoint: Url,
    access_key: Vec<u8>,
}

impl ConnectionString {
    /// Parses and checks a connection string.
    ///
    /// A connection string is a secret as a whole: errors name the part (by
    /// position) and what was expected, never the text found there, which
    /// may be the key itself.
    pub fn parse(text: &str) -> Result<Self> {
        let mut endpoint = None;
        let mut access_key = None;
        let parts = text.split(';').map(str::trim).filter(|p| !p.is_empty());
        for (index, part) in parts.enumerate() {
            let position = index + 1;
            let Some((key, value)) = part.split_once('=') else {
                return Err(invalid(format!(
                    "part {position} has no '=': expected endpoint=…;accesskey=… (the part is not shown: it may be the key)"
                )));
            };
            let (name, slot) = match key.trim().to_ascii_lowercase().as_str() {
                "endpoint" => ("endpoint", &mut endpoint),
                "accesskey" => ("accesskey", &mut access_key),
                _ => {
                    return Err(invalid(format!(
                        "part {position} does not start with endpoint= or accesskey= (the part is not shown: it may be the key)"
                    )));
                }
            };
            if slot.replace(value.trim()).is_some() {
                return Err(invalid(format!("{name} is given twice")));
            }
        }
        let endpoint = endpoint
            .filter(|e| !e.is_empty())
            .ok_or_else(|| invalid("missing endpoint=…"))?;
        let access_key = access_key
            .filter(|k| !k.is_empty())
            .ok_or_else(|| invalid("missing accesskey=…"))?;
        Ok(ConnectionString {
            endpoint: endpoint_of(endpoint)?,
            access_key: decode_access_key(access_key)?,
        })
    }

    /// The resource endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The decoded access key.
    pub(crate) fn access_key(&self) -> &[u8] {
        &self.access_key
    }
}

impl fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionString")
            .field("endpoint", &self.endpoint.as_str())
            .field("access_key", &"***")
            .finish()
    }
}

/// The endpoint of a connection string, checked like [`endpoint_url`] but
/// with messages that never repeat it (sometimes the key is pasted there).
fn endpoint_of(text: &str) -> Result<Url> {
    let problem = match Url::parse(text) {
        Err(_) => {
            "the endpoint is not an absolute URL (e.g. https://<resource>.communication.azure.com/)"
        }
        Ok(url) if !matches!(url.scheme(), "http" | "https") => {
            "the endpoint must use https (or http to a loopback host)"
        }
        Ok(url) if url.host_str().is_none_or(str::is_empty) => "the endpoint has no host",
        Ok(url) if url.scheme() == "http" && !crate::http::is_loopback(&url) => {
            "the endpoint uses plain http; credentials are only sent over https (or http to a loopback host)"
        }
        Ok(url) if url.query().is_some() || url.fragment().is_some() => {
            "the endpoint must not have a query or fragment"
        }
        Ok(url) => return Ok(url),
    };
    Err(invalid(problem))
}

/// A resource endpoint: absolute, https (or http to loopback), no query.
pub(crate) fn endpoint_url(text: &str, field: &'static str) -> Result<Url> {
    let url = parse_endpoint(text, field)?;
    require_https_unless_loopback(&url, field)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::validation(
            field,
            "the endpoint must not have a query or fragment",
        ));
    }
    Ok(url)
}

/// A base64 access key → its bytes.
pub(crate) fn decode_access_key(key: &str) -> Result<Vec<u8>> {
    let bytes = STANDARD
        .decode(key.trim())
        .map_err(|_| Error::validation("access_key", "the access key is not valid base64"))?;
    if bytes.is_empty() {
        return Err(Error::validation("access_key", "the access key is empty"));
    }
    Ok(bytes)
}

fn invalid(message: impl Into<String>) -> Error {
    Error::validation("connection_string", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn keys_are_case_insensitive_and_in_any_order() {
        let cs = ConnectionString::parse(&format!(
            " AccessKey={KEY} ; ENDPOINT=https://x.communication.azure.com/ ;"
        ))
        .unwrap();
        assert_eq!(cs.endpoint().host_str(), Some("x.communication.azure.com"));
        assert_eq!(cs.access_key().len(), 32);
    }

    #[test]
    fn loopback_http_is_kept() {
        let cs =
            ConnectionString::parse(&format!("endpoint=http://127.0.0.1:8080/;accesskey={KEY}"))
                .unwrap();
        assert_eq!(cs.endpoint().as_str(), "http://127.0.0.1:8080/");
    }

    #[test]
    fn malformed_strings_are_validation_errors_without_the_key() {
        for bad in [
            String::new(),
            "endpoint=https://x.com/".into(),
            format!("accesskey={KEY}"),
            format!("endpoint=;accesskey={KEY}"),
            "endpoint=https://x.com/;accesskey=".into(),
            "endpoint=https://x.com/;accesskey=not*base64".into(),
            format!("endpoint=not a url;accesskey={KEY}"),
            format!("endpoint=http://x.com/;accesskey={KEY}"),
            format!("endpoint=https://x.com/;endpoint=https://y.com/;accesskey={KEY}"),
            format!("endpoint=https://x.com/;accesskey={KEY};extra=1"),
            format!("endpoint https://x.com/;accesskey={KEY}"),
            format!("endpoint={KEY};accesskey={KEY}"),
            // A pasted bare key, or the wrong separator: the key must not be echoed.
            format!("endpoint=https://x.com/;{KEY}"),
            format!("endpoint=https://x.com/;accesskey:{KEY}"),
            format!("{KEY};endpoint=https://x.com/"),
            format!("endpoint=http://{}/;accesskey={KEY}", &KEY[..20]),
            format!("endpoint=https://x.com/?{KEY};accesskey={KEY}"),
            format!("endpoint=https://x.com/;accesskey={KEY};accesskey={KEY}"),
        ] {
            let err = ConnectionString::parse(&bad).unwrap_err();
            assert!(err.is_validation(), "{bad:?}");
            let shown = format!("{err} {err:?}").to_lowercase();
            for window in KEY.as_bytes().windows(8) {
                let window = std::str::from_utf8(window).unwrap().to_lowercase();
                assert!(!shown.contains(&window), "{err} repeats {window}");
            }
        }
    }
}
