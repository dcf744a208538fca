//! The issuer's verification keys, by `kid`, refetched when a token names an
//! unknown `kid` (key rotation) — at most once per refetch interval, so a
//! stream of forged `kid`s cannot make the broker hammer the identity
//! provider — and when they are older than the maximum age.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::{Mutex, RwLock};

use super::discovery::KeyFetcher;
use super::rejection::AuthError;

/// The smallest RSA modulus accepted, in bits.
const MIN_RSA_BITS: usize = 2048;

/// One usable key.
#[derive(Clone)]
pub(crate) struct VerificationKey {
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

struct KeySet {
    keys: HashMap<String, VerificationKey>,
    fetched_at: Instant,
}

/// The keys and when they may be fetched again.
pub(crate) struct Keys {
    fetcher: KeyFetcher,
    current: RwLock<Option<Arc<KeySet>>>,
    /// Held while fetching; remembers when the last attempt started.
    refresh: Mutex<Option<Instant>>,
    refetch_interval: Duration,
    max_age: Duration,
    /// Fetch attempts so far (successful or not), for metrics.
    pub(crate) fetches: std::sync::atomic::AtomicU64,
}

impl Keys {
    pub(crate) fn new(fetcher: KeyFetcher, refetch_interval: Duration, max_age: Duration) -> Self {
        Keys {
            fetcher,
            current: RwLock::new(None),
            refresh: Mutex::new(None),
            refetch_interval,
            max_age,
            fetches: Default::default(),
        }
    }

    /// The key for `kid`, fetching or refetching the set when allowed.
    pub(crate) async fn key(&self, kid: &str) -> Result<VerificationKey, AuthError> {
        let now = Instant::now();
        if let Some(set) = self.current.read().await.clone()
            && now.duration_since(set.fetched_at) < self.max_age
            && let Some(key) = set.keys.get(kid)
        {
            return Ok(key.clone());
        }
        // Unknown kid, stale or no keys: one fetch at a time.
        let mut last_attempt = self.refresh.lock().await;
        let current = self.current.read().await.clone();
        let now = Instant::now();
        if let Some(set) = &current
            && now.duration_since(set.fetched_at) < self.max_age
            && let Some(key) = set.keys.get(kid)
        {
            return Ok(key.clone());
        }
        // With no keys at all, retry sooner: nothing can be verified meanwhile.
        let interval = if current.is_some() {
            self.refetch_interval
        } else {
            self.refetch_interval.min(Duration::from_secs(2))
        };
        let may_fetch = last_attempt.is_none_or(|at| now.duration_since(at) >= interval);
        if may_fetch {
            *last_attempt = Some(now);
            self.fetches
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            match self.fetcher.fetch().await {
                Ok(jwks) => {
                    let set = Arc::new(KeySet {
                        keys: usable_keys(&jwks),
                        fetched_at: Instant::now(),
                    });
                    tracing::info!(keys = set.keys.len(), "fetched the issuer's keys");
                    *self.current.write().await = Some(set.clone());
                    return set.keys.get(kid).cloned().ok_or(AuthError::UnknownKey);
                }
                Err(error) => {
                    tracing::warn!(error = %error.0, "cannot fetch the issuer's keys");
                }
            }
        }
        // Not refetched (too soon, or it failed): stale keys still verify.
        match current {
            Some(set) => set.keys.get(kid).cloned().ok_or(AuthError::UnknownKey),
            None => Err(AuthError::KeysUnavailable),
        }
    }

    /// Fetches now, whatever the interval (start-up, readiness).
    pub(crate) async fn prefetch(&self) -> Result<usize, String> {
        let mut last_attempt = self.refresh.lock().await;
        *last_attempt = Some(Instant::now());
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let jwks = self.fetcher.fetch().await.map_err(|e| e.0)?;
        let keys = usable_keys(&jwks);
        let count = keys.len();
        *self.current.write().await = Some(Arc::new(KeySet {
            keys,
            fetched_at: Instant::now(),
        }));
        Ok(count)
    }

    /// Whether keys are loaded.
    pub(crate) async fn loaded(&self) -> bool {
        self.current.read().await.is_some()
    }
}

/// The keys of a set that can verify RS256 or ES256 tokens, by `kid`.
/// Keys without a `kid`, for encryption, of other types or algorithms, or
/// RSA keys under 2048 bits are left out.
fn usable_keys(jwks: &JwkSet) -> HashMap<String, VerificationKey> {
    let mut keys = HashMap::new();
    for jwk in &jwks.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
            continue;
        }
        let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
            (AlgorithmParameters::RSA(rsa), None | Some(KeyAlgorithm::RS256)) => {
                let bits = URL_SAFE_NO_PAD
                    .decode(rsa.n.trim_end_matches('='))
                    .map(|n| {
                        let leading_zeros = n.iter().take_while(|b| **b == 0).count();
                        (n.len() - leading_zeros) * 8
                    })
                    .unwrap_or(0);
                if bits < MIN_RSA_BITS {
                    continue;
                }
                Algorithm::RS256
            }
            (AlgorithmParameters::EllipticCurve(ec), None | Some(KeyAlgorithm::ES256))
                if ec.curve == EllipticCurve::P256 =>
            {
                Algorithm::ES256
            }
            _ => continue,
        };
        if let Ok(key) = DecodingKey::from_jwk(jwk) {
            keys.insert(kid, VerificationKey { algorithm, key });
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(value: serde_json::Value) -> JwkSet {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn only_rs256_and_p256_signing_keys_with_a_kid_are_kept() {
        let n_2048 = URL_SAFE_NO_PAD.encode([0xc5u8; 256]);
        let n_1024 = URL_SAFE_NO_PAD.encode([0xc5u8; 128]);
        let ec = json!({"kty": "EC", "crv": "P-256",
            "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"});
        let keys = usable_keys(&set(json!({"keys": [
            {"kty": "RSA", "kid": "rsa", "n": n_2048, "e": "AQAB", "alg": "RS256", "use": "sig"},
            {"kty": "RSA", "kid": "rsa-no-alg", "n": n_2048, "e": "AQAB"},
            {"kty": "RSA", "kid": "small", "n": n_1024, "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "n": n_2048, "e": "AQAB", "use": "enc"},
            {"kty": "RSA", "kid": "rs512", "n": n_2048, "e": "AQAB", "alg": "RS512"},
            {"kty": "RSA", "n": n_2048, "e": "AQAB"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "p384", "crv": "P-384", "x": "AA", "y": "AA"},
            {"kid": "ec", "alg": "ES256", "kty": "EC", "crv": "P-256", "x": ec["x"], "y": ec["y"]},
            {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        ]})));
        let mut kids: Vec<&str> = keys.keys().map(String::as_str).collect();
        kids.sort();
        assert_eq!(kids, ["ec", "rsa", "rsa-no-alg"]);
        assert_eq!(keys["ec"].algorithm, Algorithm::ES256);
        assert_eq!(keys["rsa"].algorithm, Algorithm::RS256);
    }
}
