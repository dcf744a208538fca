//! Reading the expiry of a JWT without checking its signature.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The claims of a JWT's payload, as JSON, without verifying anything.
///
/// The payload is base64url (RFC 7515); padding is tolerated.
pub fn claims(token: &str) -> Result<serde_json::Value> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("expected three dot-separated parts"));
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| invalid("the payload is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| invalid("the payload is not a JSON object"))
}

/// The `exp` claim of a JWT.
///
/// ```
/// // {"alg":"none"}.{"exp":1700000000}.
/// let token = "eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDB9.";
/// let exp = azure_user_tokens::jwt::expiry(token).unwrap();
/// assert_eq!(exp.timestamp(), 1_700_000_000);
/// ```
pub fn expiry(token: &str) -> Result<DateTime<Utc>> {
    #[derive(Deserialize)]
    struct Exp {
        exp: f64,
    }
    let claims = claims(token)?;
    let Exp { exp } =
        serde_json::from_value(claims).map_err(|_| invalid("no numeric exp claim"))?;
    // Up to 9999-12-31T23:59:59Z.
    crate::lifetime::at_epoch_seconds(exp).ok_or_else(|| invalid("the exp claim is out of range"))
}

fn invalid(message: &str) -> Error {
    Error::validation("token", format!("not a valid JWT: {message}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload))
    }

    #[test]
    fn exp_is_read_from_base64url_payloads() {
        // A payload whose base64url form contains '-' and '_' (standard base64 would fail).
        let payload = r#"{"exp":1700000000,"skypeid":"acs:>>>???"}"#;
        let encoded = token(payload);
        assert!(encoded.contains('-') || encoded.contains('_'), "{encoded}");
        assert_eq!(expiry(&encoded).unwrap().timestamp(), 1_700_000_000);
    }

    #[test]
    fn padding_is_tolerated() {
        let padded = format!(
            "e30.{}==.sig",
            URL_SAFE_NO_PAD.encode(r#"{"exp":1700000000 }"#)
        );
        assert_eq!(expiry(&padded).unwrap().timestamp(), 1_700_000_000);
    }

    #[test]
    fn malformed_tokens_are_validation_errors() {
        for bad in [
            "".to_string(),
            "abc".into(),
            "a.b".into(),
            "a.b.c.d".into(),
            "a.!!!.c".into(),
            token("not json"),
            token(r#"{"iat":1}"#),
            token(r#"{"exp":"soon"}"#),
            token(r#"{"exp":-5}"#),
            token(r#"{"exp":1e300}"#),
        ] {
            let err = expiry(&bad).unwrap_err();
            assert!(err.is_validation(), "{bad:?}");
        }
    }
}
