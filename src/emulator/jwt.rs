//! Compact JWTs (JWS) the emulator mints and checks: Entra access tokens
//! (ES256, with a `kid`, verifiable by anyone through the JWKS) and ACS access
//! tokens (HS256, only the emulator checks them).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// A key the emulator signs tokens with: it names its algorithm (and key id),
/// signs, and checks signatures. Never printed.
pub(crate) trait JwsKey {
    /// The JOSE `alg`.
    fn algorithm(&self) -> &'static str;
    /// The JOSE `kid`, when the key is published.
    fn key_id(&self) -> Option<&str>;
    /// The signature of `input`.
    fn sign(&self, input: &[u8]) -> Vec<u8>;
    /// Whether `signature` is this key's signature of `input`.
    fn verify(&self, input: &[u8], signature: &[u8]) -> bool;
}

/// An HS256 key (ACS access tokens).
#[derive(Clone)]
pub(crate) struct SigningKey([u8; 32]);

impl SigningKey {
    /// Derives a key from a purpose label and secret material, so a restart
    /// with the same configuration keeps earlier tokens valid.
    pub(crate) fn derive(label: &str, secrets: &[&[u8]]) -> Self {
        SigningKey(derive_bytes(label, secrets, 0))
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length")
    }
}

impl JwsKey for SigningKey {
    fn algorithm(&self) -> &'static str {
        "HS256"
    }

    fn key_id(&self) -> Option<&str> {
        None
    }

    fn sign(&self, input: &[u8]) -> Vec<u8> {
        let mut mac = self.mac();
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    }

    fn verify(&self, input: &[u8], signature: &[u8]) -> bool {
        let mut mac = self.mac();
        mac.update(input);
        // Constant time.
        mac.verify_slice(signature).is_ok()
    }
}

/// 32 bytes from a label, secret material and a counter (SHA-256 over
/// length-prefixed parts, so no two inputs collide).
pub(crate) fn derive_bytes(label: &str, secrets: &[&[u8]], counter: u32) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(label.as_bytes());
    for secret in secrets {
        digest.update([0]);
        digest.update((secret.len() as u64).to_be_bytes());
        digest.update(secret);
    }
    if counter > 0 {
        digest.update(counter.to_be_bytes());
    }
    digest.finalize().into()
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwtError {
    /// Not three base64url parts with JSON header and payload, or another
    /// algorithm or key id than the key's.
    Malformed,
    /// The signature was not made with the emulator's key.
    BadSignature,
}

/// Signs `claims` (a JSON object) into a compact JWT.
pub(crate) fn encode(claims: &Value, key: &impl JwsKey) -> String {
    let mut header = json!({"alg": key.algorithm(), "typ": "JWT"});
    if let Some(kid) = key.key_id() {
        header["kid"] = Value::from(kid);
    }
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = URL_SAFE_NO_PAD.encode(key.sign(signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Checks the algorithm, key id and signature and returns the claims.
/// Expiry, audience and the like are the caller's to check.
pub(crate) fn decode(token: &str, key: &impl JwsKey) -> Result<Map<String, Value>, JwtError> {
    let (signing_input, signature) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
    let (header, payload) = signing_input
        .split_once('.')
        .filter(|(_, payload)| !payload.contains('.'))
        .ok_or(JwtError::Malformed)?;
    let header = json_object(header)?;
    if header.get("alg").and_then(Value::as_str) != Some(key.algorithm()) {
        return Err(JwtError::Malformed);
    }
    if let (Some(kid), Some(expected)) = (header.get("kid"), key.key_id())
        && kid.as_str() != Some(expected)
    {
        return Err(JwtError::BadSignature);
    }
    let claims = json_object(payload)?;
    let signature = base64url(signature)?;
    if !key.verify(signing_input.as_bytes(), &signature) {
        return Err(JwtError::BadSignature);
    }
    Ok(claims)
}

pub(crate) fn base64url(part: &str) -> Result<Vec<u8>, JwtError> {
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
