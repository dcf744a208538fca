//! Compact JWTs signed with HS256 (HMAC-SHA256), the only kind the emulator
//! mints: Entra access tokens and ACS access tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The JOSE header of every token the emulator mints.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// A key the emulator signs tokens with. Never printed.
#[derive(Clone)]
pub(crate) struct SigningKey([u8; 32]);

impl SigningKey {
    /// Derives a key from a purpose label and secret material, so a restart
    /// with the same configuration keeps earlier tokens valid.
    pub(crate) fn derive(label: &str, secrets: &[&[u8]]) -> Self {
        let mut digest = Sha256::new();
        digest.update(label.as_bytes());
        for secret in secrets {
            digest.update([0]);
            digest.update((secret.len() as u64).to_be_bytes());
            digest.update(secret);
        }
        SigningKey(digest.finalize().into())
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length")
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwtError {
    /// Not three base64url parts with JSON header and payload, or not HS256.
    Malformed,
    /// The signature was not made with the emulator's key.
    BadSignature,
}

/// Signs `claims` (a JSON object) into a compact JWT.
pub(crate) fn encode(claims: &Value, key: &SigningKey) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut mac = key.mac();
    mac.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// Checks the signature (in constant time) and returns the claims.
/// Expiry, audience and the like are the caller's to check.
pub(crate) fn decode(token: &str, key: &SigningKey) -> Result<Map<String, Value>, JwtError> {
    let (signing_input, signature) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
    let (header, payload) = signing_input
        .split_once('.')
        .filter(|(_, payload)| !payload.contains('.'))
        .ok_or(JwtError::Malformed)?;
    let header = json_object(header)?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(JwtError::Malformed);
    }
    let claims = json_object(payload)?;
    let signature = base64url(signature)?;
    let mut mac = key.mac();
    mac.update(signing_input.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| JwtError::BadSignature)?;
    Ok(claims)
}

fn base64url(part: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| JwtError::Malformed)
}

fn json_object(part: &str) -> Result<Map<String, Value>, JwtError> {
    match serde_json::from_slice(&base64url(part)?) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> SigningKey {
        SigningKey::derive("test", &[b"secret"])
    }

    #[test]
    fn round_trips_and_rejects_tampering() {
        let token = encode(&json!({"aud": "x", "exp": 1}), &key());
        let claims = decode(&token, &key()).unwrap();
        assert_eq!(claims["aud"], "x");

        let other = SigningKey::derive("test", &[b"other"]);
        assert_eq!(decode(&token, &other), Err(JwtError::BadSignature));

        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(r#"{"aud":"y","exp":1}"#);
        parts[1] = &forged;
        assert_eq!(
            decode(&parts.join("."), &key()),
            Err(JwtError::BadSignature)
        );
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        for bad in ["", "a", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.e30"] {
            assert_eq!(decode(bad, &key()), Err(JwtError::Malformed), "{bad:?}");
        }
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode("{}")
        );
        assert_eq!(decode(&none_alg, &key()), Err(JwtError::Malformed));
    }

    #[test]
    fn payload_is_base64url() {
        // '?' in the JSON makes base64 emit '/' or '_': base64url must be used.
        let token = encode(&json!({"q": "???>>>"}), &key());
        assert!(!token.contains('+') && !token.contains('/') && !token.contains('='));
        assert_eq!(decode(&token, &key()).unwrap()["q"], "???>>>");
    }
}
