//! The key the emulator's Entra signs access tokens with: ES256 (ECDSA P-256
//! with SHA-256), derived from the configured secrets so tokens stay valid
//! across a restart with the same settings, and published in the JWKS with a
//! `kid` (its RFC 7638 thumbprint) so any OIDC resource server can verify them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::emulator::jwt::{JwsKey, derive_bytes};

/// An ES256 signing key with its public JWK. Never printed.
#[derive(Clone)]
pub(crate) struct EntraSigningKey {
    signing: SigningKey,
    verifying: VerifyingKey,
    /// Base64url x and y coordinates of the public point.
    x: String,
    y: String,
    kid: String,
}

impl EntraSigningKey {
    /// A P-256 key whose private scalar is SHA-256 of the label and secrets
    /// (with a counter, in the ~2⁻³² case that the hash is not a valid scalar).
    pub(crate) fn derive(label: &str, secrets: &[&[u8]]) -> Self {
        let signing = (0u32..)
            .find_map(|counter| {
                let bytes = derive_bytes(label, secrets, counter);
                SigningKey::from_slice(&bytes).ok()
            })
            .expect("some counter gives a valid P-256 scalar");
        let verifying = *signing.verifying_key();
        let point = verifying.to_sec1_point(false);
        let coordinate = |c: Option<&[u8]>| URL_SAFE_NO_PAD.encode(c.unwrap_or_default());
        let x = coordinate(point.x().map(|c| c.as_slice()));
        let y = coordinate(point.y().map(|c| c.as_slice()));
        // RFC 7638: the members crv, kty, x, y in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
        EntraSigningKey {
            signing,
            verifying,
            x,
            y,
            kid,
        }
    }

    /// The public key as a JWK (what `jwks_uri` serves).
    pub(crate) fn public_jwk(&self) -> Value {
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": self.x,
            "y": self.y,
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
        })
    }
}

impl JwsKey for EntraSigningKey {
    fn algorithm(&self) -> &'static str {
        "ES256"
    }

    fn key_id(&self) -> Option<&str> {
        Some(&self.kid)
    }

    fn sign(&self, input: &[u8]) -> Vec<u8> {
        // Deterministic (RFC 6979); JWS wants r || s, 64 bytes.
        let signature: Signature = self.signing.sign(input);
        signature.to_bytes().to_vec()
    }

    fn verify(&self, input: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature)
            .map(|signature| self.verifying.verify(input, &signature).is_ok())
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::jwt::{self, JwtError};

    #[test]
    fn the_same_secrets_give_the_same_key_and_kid() {
        let a = EntraSigningKey::derive("entra", &[b"k", b"s"]);
        let b = EntraSigningKey::derive("entra", &[b"k", b"s"]);
        let c = EntraSigningKey::derive("entra", &[b"k", b"other"]);
        assert_eq!(a.public_jwk(), b.public_jwk());
        assert_ne!(a.kid, c.kid);
        let token = jwt::encode(&json!({"sub": "x"}), &a);
        assert_eq!(jwt::decode(&token, &b).unwrap()["sub"], "x");
        assert_eq!(jwt::decode(&token, &c), Err(JwtError::BadSignature));
    }

    #[test]
    fn signatures_are_64_bytes_and_tampering_fails() {
        let key = EntraSigningKey::derive("entra", &[b"k"]);
        let token = jwt::encode(&json!({"sub": "x"}), &key);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().len(), 64);
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(r#"{"sub":"y"}"#),
            parts[2]
        );
        assert_eq!(jwt::decode(&forged, &key), Err(JwtError::BadSignature));
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["kid"], key.public_jwk()["kid"]);
    }
}
