//! An OIDC issuer the tests run on 127.0.0.1: a discovery document, a JWKS
//! (whose keys can be rotated) and token minting with any claims. The keys in
//! `keys/` are test keys made for this suite and nothing else.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub const RSA_PEM: &[u8] = include_bytes!("keys/rsa-2048.pem");
pub const RSA_PUBLIC_PEM: &[u8] = include_bytes!("keys/rsa-2048.pub.pem");
pub const RSA_OTHER_PEM: &[u8] = include_bytes!("keys/rsa-other.pem");
pub const EC_PEM: &[u8] = include_bytes!("keys/ec-p256.pem");

pub const AUDIENCE: &str = "api://broker-tests";
pub const RSA_KID: &str = "rsa-1";
pub const EC_KID: &str = "ec-1";

struct Shared {
    base: String,
    keys: Mutex<Vec<Jwk>>,
    jwks_hits: AtomicU64,
}

/// A running issuer.
pub struct TestIssuer {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

pub fn rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(RSA_PEM).unwrap()
}

pub fn ec_key() -> EncodingKey {
    EncodingKey::from_ec_pem(EC_PEM).unwrap()
}

pub fn public_jwk(key: &EncodingKey, algorithm: Algorithm, kid: &str) -> Jwk {
    let mut jwk = Jwk::from_encoding_key(key, algorithm).unwrap();
    jwk.common.key_id = Some(kid.to_string());
    jwk
}

impl TestIssuer {
    /// Serves the RSA and EC test keys.
    pub async fn start() -> TestIssuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            base,
            keys: Mutex::new(vec![
                public_jwk(&rsa_key(), Algorithm::RS256, RSA_KID),
                public_jwk(&ec_key(), Algorithm::ES256, EC_KID),
            ]),
            jwks_hits: AtomicU64::new(0),
        });
        let router = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        TestIssuer { shared, task }
    }

    /// The issuer URL (the tokens' `iss`).
    pub fn url(&self) -> &str {
        &self.shared.base
    }

    /// How many times the JWKS was fetched.
    pub fn jwks_hits(&self) -> u64 {
        self.shared.jwks_hits.load(Ordering::SeqCst)
    }

    /// Publishes another key.
    pub fn add_key(&self, jwk: Jwk) {
        self.shared.keys.lock().unwrap().push(jwk);
    }

    /// Claims for `sub`, valid for an hour, for the test audience.
    pub fn claims(&self, subject: &str) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": self.url(),
            "aud": AUDIENCE,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "email": format!("{subject}@example.com"),
        })
    }

    /// An RS256 token for `sub`.
    pub fn token(&self, subject: &str) -> String {
        self.sign(&self.claims(subject))
    }

    /// An RS256 token with these claims.
    pub fn sign(&self, claims: &Value) -> String {
        sign(Algorithm::RS256, RSA_KID, &rsa_key(), claims)
    }

    /// An ES256 token with these claims.
    pub fn sign_es256(&self, claims: &Value) -> String {
        sign(Algorithm::ES256, EC_KID, &ec_key(), claims)
    }
}

/// Signs `claims` with `key` under `kid`.
pub fn sign(algorithm: Algorithm, kid: &str, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(algorithm);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

impl Drop for TestIssuer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn discovery(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({
        "issuer": shared.base,
        "jwks_uri": format!("{}/jwks", shared.base),
    }))
}

async fn jwks(State(shared): State<Arc<Shared>>) -> Json<JwkSet> {
    shared.jwks_hits.fetch_add(1, Ordering::SeqCst);
    Json(JwkSet {
        keys: shared.keys.lock().unwrap().clone(),
    })
}
