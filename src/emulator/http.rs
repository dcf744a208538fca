//! Small HTTP helpers shared by the emulated services.

use axum::http::{HeaderMap, Uri, header};

/// The largest request body the emulator reads (1 MiB).
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The first value of a query parameter, decoded (`+` is a space, as in forms).
pub(crate) fn query_param(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// A header's value as text, if present and visible ASCII.
pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// `scheme://host[:port]` as the client addressed the emulator (from `Host`).
pub(crate) fn origin(headers: &HeaderMap, uri: &Uri, scheme: &str) -> String {
    let host = header_str(headers, header::HOST.as_str())
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "127.0.0.1".to_string());
    format!("{scheme}://{host}")
}

/// Decodes `%XX` escapes in a path segment; `None` when the result is not UTF-8
/// or an escape is malformed.
pub(crate) fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("8%3Aacs%3Ax").as_deref(), Some("8:acs:x"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
        assert_eq!(percent_decode("bad%3"), None);
        assert_eq!(percent_decode("bad%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn query_params_decode() {
        let uri: Uri = "/x?api-version=2023-10-01&resource=https%3A%2F%2Fa%2F"
            .parse()
            .unwrap();
        assert_eq!(query_param(&uri, "api-version").unwrap(), "2023-10-01");
        assert_eq!(query_param(&uri, "resource").unwrap(), "https://a/");
        assert_eq!(query_param(&uri, "missing"), None);
    }
}
