//! ETags of APIM users and `If-Match` checks.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::error::ArmError;
use crate::emulator::http::header_str;

/// The quoted ETag of a user version, shaped like APIM's (`"AAAAAAAAAAE="`).
pub(crate) fn of_version(version: u64) -> String {
    format!("\"{}\"", STANDARD.encode(version.to_be_bytes()))
}

/// The `If-Match` header, if sent.
pub(crate) fn if_match(headers: &HeaderMap) -> Option<&str> {
    header_str(headers, "if-match").map(str::trim)
}

/// Whether an `If-Match` value (`*` or a list of ETags) matches `etag`.
pub(crate) fn matches(if_match: &str, etag: &str) -> bool {
    let bare = |tag: &str| {
        tag.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_string()
    };
    if_match
        .split(',')
        .any(|candidate| candidate.trim() == "*" || bare(candidate) == bare(etag))
}

/// `If-Match` must be sent and hold for the current ETag (412 otherwise).
pub(crate) fn require_match(if_match: Option<&str>, etag: &str) -> Result<(), ArmError> {
    match if_match {
        None => Err(ArmError::precondition_failed(
            "The If-Match header is required: send '*' or the entity's ETag.",
        )),
        Some(value) if matches(value, etag) => Ok(()),
        Some(_) => Err(ArmError::precondition_failed(
            "The If-Match header does not match the entity's current ETag.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_and_if_match() {
        let etag = of_version(1);
        assert_eq!(etag, "\"AAAAAAAAAAE=\"");
        assert!(matches("*", &etag));
        assert!(matches(&etag, &etag));
        assert!(matches("AAAAAAAAAAE=", &etag));
        assert!(matches("W/\"AAAAAAAAAAE=\", \"x\"", &etag));
        assert!(!matches(&of_version(2), &etag));
        assert!(require_match(None, &etag).is_err());
    }
}
