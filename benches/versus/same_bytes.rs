//! The baselines: our client's `get_token` request rebuilt by hand, the same
//! bytes on the wire (path, query, headers in the same order, a fresh
//! `x-ms-date` and HMAC signature from `azure_user_tokens::auth::hmac`, a
//! fresh request id, the same body; the path made per call, as for any
//! user), sent through raw hyper and through a
//! plain `reqwest::Client`; the answer's body parsed as JSON and its token
//! taken out, as our client does.

use azure_user_tokens::auth::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub const BODY: &str = r#"{"scopes":["voip"]}"#;
const USER_AGENT: &str = concat!("azure-user-tokens/", env!("CARGO_PKG_VERSION"), " (rust)");

/// Where and as whom: the emulator's `host:port`, its access key (base64),
/// the user, and the api-version our client sends.
#[derive(Clone, Copy)]
pub struct Wire<'a> {
    pub authority: &'a str,
    pub key: &'a str,
    pub user: &'a str,
    pub api_version: &'a str,
}

/// What every request is made from: the key, `host:port`, the user and the
/// api-version.
struct Target {
    key: Vec<u8>,
    authority: String,
    user: String,
    api_version: String,
}

impl Target {
    fn new(wire: &Wire<'_>) -> Target {
        let Wire {
            authority,
            key,
            user,
            api_version,
        } = wire;
        Target {
            key: STANDARD.decode(key).expect("a base64 key"),
            authority: authority.to_string(),
            user: user.to_string(),
            api_version: api_version.to_string(),
        }
    }

    /// The path and query, made per call as a caller would (the user varies).
    fn path(&self) -> String {
        format!(
            "/identities/{}/:issueAccessToken?api-version={}",
            self.user, self.api_version
        )
    }

    /// (`x-ms-date`, `x-ms-content-sha256`, `Authorization`) for one request.
    fn sign(&self, path: &str) -> (String, String, String) {
        let date = hmac::http_date(Utc::now());
        let hash = hmac::content_hash(BODY.as_bytes());
        let to_sign = hmac::string_to_sign("POST", path, &date, &self.authority, &hash);
        let authorization = hmac::authorization(&hmac::signature(&self.key, &to_sign));
        (date, hash, authorization)
    }
}

/// The token in an answer's JSON body.
fn token(body: &[u8]) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    value["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "no token in the answer".to_string())
}

/// One raw hyper 1 HTTP/1.1 connection (one request at a time).
pub struct Raw {
    sender: SendRequest<Full<Bytes>>,
    target: Target,
}

impl Raw {
    pub async fn connect(wire: &Wire<'_>) -> Raw {
        let stream = TcpStream::connect(wire.authority).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        Raw {
            sender,
            target: Target::new(wire),
        }
    }

    /// The same headers, in the same order, as our client sends them.
    pub async fn get_token(&mut self) -> Result<String, String> {
        let path = self.target.path();
        let (date, hash, authorization) = self.target.sign(&path);
        let request = http::Request::post(&path)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("api-version", &self.target.api_version)
            .header("x-ms-client-request-id", uuid::Uuid::new_v4().to_string())
            .header("user-agent", USER_AGENT)
            .header(hmac::DATE_HEADER, date)
            .header(hmac::CONTENT_HASH_HEADER, hash)
            .header("authorization", authorization)
            .header("host", &self.target.authority)
            .header("content-length", BODY.len())
            .body(Full::new(Bytes::from_static(BODY.as_bytes())))
            .map_err(|e| e.to_string())?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        if response.status() != 200 {
            return Err(format!("answered {}", response.status()));
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        token(&body)
    }
}

/// The same request through a plain `reqwest::Client` (shareable: clone it
/// for concurrent callers, they share its connection pool).
#[derive(Clone)]
pub struct PlainReqwest {
    http: reqwest::Client,
    target: std::sync::Arc<Target>,
}

impl PlainReqwest {
    pub fn new(wire: &Wire<'_>) -> PlainReqwest {
        PlainReqwest {
            http: reqwest::Client::new(),
            target: std::sync::Arc::new(Target::new(wire)),
        }
    }

    pub async fn get_token(&self) -> Result<String, String> {
        let path = self.target.path();
        let (date, hash, authorization) = self.target.sign(&path);
        let response = self
            .http
            .post(format!("http://{}{path}", self.target.authority))
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .header("api-version", &self.target.api_version)
            .header("x-ms-client-request-id", uuid::Uuid::new_v4().to_string())
            .header("user-agent", USER_AGENT)
            .header(hmac::DATE_HEADER, date)
            .header(hmac::CONTENT_HASH_HEADER, hash)
            .header("authorization", authorization)
            .body(BODY)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status() != 200 {
            return Err(format!("answered {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        token(&body)
    }
}
