//! Helpers shared by the `emulator_*` tests: start an emulator, sign ACS
//! requests with `azure_user_tokens::auth::hmac`, get bearer tokens.
#![allow(dead_code)]

use azure_user_tokens::auth::hmac;
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, defaults};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;

/// The ACS api-version most tests use.
pub const ACS_API: &str = "2023-10-01";
/// The APIM api-version most tests use.
pub const APIM_API: &str = "2024-05-01";

/// An emulator with the default configuration on a free loopback port.
pub async fn start() -> Emulator {
    start_with(EmulatorConfig::default()).await
}

/// An emulator with `config` on a free loopback port.
pub async fn start_with(config: EmulatorConfig) -> Emulator {
    Emulator::start(config.with_listen("127.0.0.1:0".parse().unwrap()))
        .await
        .expect("the emulator starts")
}

/// A client that never pools connections across tests.
pub fn client() -> Client {
    azure_user_tokens::http::install_crypto_provider();
    Client::builder().build().unwrap()
}

/// The parts of an HMAC signature, each replaceable to test a failure.
pub struct Signature {
    pub key: Vec<u8>,
    pub method: String,
    pub path_and_query: String,
    pub date: DateTime<Utc>,
    pub host: String,
    pub body: Vec<u8>,
}

impl Signature {
    /// What a correct client signs for `method path_and_query` with `body`.
    pub fn new(emulator: &Emulator, method: &str, path_and_query: &str, body: &[u8]) -> Self {
        Signature {
            key: STANDARD.decode(defaults::ACS_ACCESS_KEY).unwrap(),
            method: method.to_string(),
            path_and_query: path_and_query.to_string(),
            date: Utc::now(),
            host: emulator.local_addr().to_string(),
            body: body.to_vec(),
        }
    }

    /// `(x-ms-date, x-ms-content-sha256, Authorization)`.
    pub fn headers(&self) -> (String, String, String) {
        let date = hmac::http_date(self.date);
        let hash = hmac::content_hash(&self.body);
        let to_sign =
            hmac::string_to_sign(&self.method, &self.path_and_query, &date, &self.host, &hash);
        let authorization = hmac::authorization(&hmac::signature(&self.key, &to_sign));
        (date, hash, authorization)
    }

    /// Applies the headers to a request.
    pub fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        let (date, hash, authorization) = self.headers();
        request
            .header(hmac::DATE_HEADER, date)
            .header(hmac::CONTENT_HASH_HEADER, hash)
            .header("authorization", authorization)
    }
}

/// Sends `method path_and_query` with `body`, correctly signed.
pub async fn acs(emulator: &Emulator, method: &str, path_and_query: &str, body: &str) -> Response {
    let signature = Signature::new(emulator, method, path_and_query, body.as_bytes());
    let request = client()
        .request(
            Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{path_and_query}", emulator.base_url()),
        )
        .body(body.to_string());
    signature.apply(request).send().await.unwrap()
}

/// Creates an identity and returns its id.
pub async fn create_identity(emulator: &Emulator) -> String {
    let response = acs(
        emulator,
        "POST",
        &format!("/identities?api-version={ACS_API}"),
        "",
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    body["identity"]["id"].as_str().unwrap().to_string()
}

/// A token from the emulator's client-credentials endpoint for `scope`.
pub async fn client_credentials_token(emulator: &Emulator, scope: &str) -> String {
    let response = client()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            emulator.base_url(),
            defaults::TENANT_ID
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", defaults::CLIENT_ID),
            ("client_secret", defaults::CLIENT_SECRET),
            ("scope", scope),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

/// The error code of an `{"error":{"code":…}}` body.
pub async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Decodes a JWT's claims (base64url), without checking the signature.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}
