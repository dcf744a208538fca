//! (a) One `get_token` at a time: our client against a raw hyper request
//! carrying the same bytes (same headers, signed afresh by the crate's HMAC
//! helpers, same body), interleaved in rounds against one emulator.

use std::time::{Duration, Instant};

use azure_user_tokens::auth::hmac;
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationUserIdentifier, Scope,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

const BODY: &str = r#"{"scopes":["voip"]}"#;
const ROUNDS: usize = 20;
const PER_ROUND: usize = 250;

/// Medians and 90th percentiles, in microseconds.
pub struct Latency {
    pub ours_median: f64,
    pub ours_p90: f64,
    pub raw_median: f64,
    pub raw_p90: f64,
    /// The same bytes through a plain `reqwest::Client` (where the gap goes).
    pub reqwest_median: f64,
    pub samples: usize,
}

impl Latency {
    pub fn ratio(&self) -> f64 {
        self.ours_median / self.raw_median
    }
}

/// The request our client sends, rebuilt by hand for hyper.
struct Raw {
    sender: SendRequest<Full<Bytes>>,
    key: Vec<u8>,
    authority: String,
    path: String,
}

impl Raw {
    async fn connect(authority: &str, key: &str, user: &str) -> Raw {
        let stream = TcpStream::connect(authority).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        Raw {
            sender,
            key: STANDARD.decode(key).expect("a base64 key"),
            authority: authority.to_string(),
            path: format!("/identities/{user}/:issueAccessToken?api-version=2023-10-01"),
        }
    }

    /// The same headers, in the same order, as the client sends them.
    async fn get_token(&mut self) -> String {
        let date = hmac::http_date(Utc::now());
        let hash = hmac::content_hash(BODY.as_bytes());
        let to_sign = hmac::string_to_sign("POST", &self.path, &date, &self.authority, &hash);
        let authorization = hmac::authorization(&hmac::signature(&self.key, &to_sign));
        let request = http::Request::post(&self.path)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("api-version", "2023-10-01")
            .header("x-ms-client-request-id", uuid::Uuid::new_v4().to_string())
            .header(
                "user-agent",
                concat!("azure-user-tokens/", env!("CARGO_PKG_VERSION"), " (rust)"),
            )
            .header(hmac::DATE_HEADER, date)
            .header(hmac::CONTENT_HASH_HEADER, hash)
            .header("authorization", authorization)
            .header("host", &self.authority)
            .header("content-length", BODY.len())
            .body(Full::new(Bytes::from_static(BODY.as_bytes())))
            .expect("a valid request");
        let response = self.sender.send_request(request).await.expect("an answer");
        assert_eq!(response.status(), 200);
        let body = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        let value: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        value["token"].as_str().expect("a token").to_string()
    }
}

/// The same request through a plain `reqwest::Client`, for the breakdown.
struct PlainReqwest {
    http: reqwest::Client,
    key: Vec<u8>,
    authority: String,
    path: String,
}

impl PlainReqwest {
    fn new(authority: &str, key: &str, user: &str) -> PlainReqwest {
        PlainReqwest {
            http: reqwest::Client::new(),
            key: STANDARD.decode(key).expect("a base64 key"),
            authority: authority.to_string(),
            path: format!("/identities/{user}/:issueAccessToken?api-version=2023-10-01"),
        }
    }

    async fn get_token(&self) -> String {
        let date = hmac::http_date(Utc::now());
        let hash = hmac::content_hash(BODY.as_bytes());
        let to_sign = hmac::string_to_sign("POST", &self.path, &date, &self.authority, &hash);
        let authorization = hmac::authorization(&hmac::signature(&self.key, &to_sign));
        let response = self
            .http
            .post(format!("http://{}{}", self.authority, self.path))
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("api-version", "2023-10-01")
            .header("x-ms-client-request-id", uuid::Uuid::new_v4().to_string())
            .header(
                "user-agent",
                concat!("azure-user-tokens/", env!("CARGO_PKG_VERSION"), " (rust)"),
            )
            .header(hmac::DATE_HEADER, date)
            .header(hmac::CONTENT_HASH_HEADER, hash)
            .header("authorization", authorization)
            .body(BODY)
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 200);
        let body = response.bytes().await.expect("a body");
        let value: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        value["token"].as_str().expect("a token").to_string()
    }
}

/// Measures all three, `ROUNDS` rounds of `PER_ROUND` calls each, rotating
/// which goes first.
pub async fn measure(connection_string: &str, authority: &str, key: &str) -> Latency {
    let client = CommunicationIdentityClient::from_connection_string(
        &azure_user_tokens::Secret::new(connection_string),
        None,
    )
    .expect("a client");
    let user = client.create_user().await.expect("a user");
    let mut raw = Raw::connect(authority, key, user.raw_id()).await;
    let plain = PlainReqwest::new(authority, key, user.raw_id());
    for _ in 0..300 {
        ours(&client, &user).await;
        raw.get_token().await;
        plain.get_token().await;
    }
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for round in 0..ROUNDS {
        for turn in 0..3 {
            let who = (round + turn) % 3;
            for _ in 0..PER_ROUND {
                let started = Instant::now();
                match who {
                    0 => ours(&client, &user).await,
                    1 => drop(raw.get_token().await),
                    _ => drop(plain.get_token().await),
                }
                samples[who].push(started.elapsed());
            }
        }
    }
    let [mut mine, mut theirs, mut plain] = samples;
    Latency {
        ours_median: percentile(&mut mine, 0.5),
        ours_p90: percentile(&mut mine, 0.9),
        raw_median: percentile(&mut theirs, 0.5),
        raw_p90: percentile(&mut theirs, 0.9),
        reqwest_median: percentile(&mut plain, 0.5),
        samples: mine.len(),
    }
}

async fn ours(client: &CommunicationIdentityClient, user: &CommunicationUserIdentifier) {
    client
        .get_token(user, &[Scope::VoIp], None)
        .await
        .expect("a token");
}

/// The `q` quantile in microseconds.
fn percentile(samples: &mut [Duration], q: f64) -> f64 {
    samples.sort_unstable();
    let at = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples[at].as_secs_f64() * 1e6
}

/// One contender (`ours`, `raw` or `reqwest`) alone, one call at a time,
/// for `seconds` (for profiling); returns the calls made.
pub async fn alone(
    who: &str,
    connection_string: &str,
    authority: &str,
    key: &str,
    seconds: u64,
) -> u64 {
    let client = CommunicationIdentityClient::from_connection_string(
        &azure_user_tokens::Secret::new(connection_string),
        None,
    )
    .expect("a client");
    let user = client.create_user().await.expect("a user");
    let mut raw = Raw::connect(authority, key, user.raw_id()).await;
    let plain = PlainReqwest::new(authority, key, user.raw_id());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut calls = 0;
    while Instant::now() < deadline {
        match who {
            "raw" => drop(raw.get_token().await),
            "reqwest" => drop(plain.get_token().await),
            _ => ours(&client, &user).await,
        }
        calls += 1;
    }
    calls
}
