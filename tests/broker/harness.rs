//! What every broker test uses: the emulator (ACS, APIM), the test issuer,
//! a fresh database — SQLite always, and PostgreSQL too when
//! `AZURE_USER_TOKENS_TEST_POSTGRES=postgres://…` is set (`.ci/run` sets it) —
//! and a client.

use std::str::FromStr;
use std::time::Duration;

use azure_user_tokens::broker::{Broker, BrokerConfig, DatabaseUrl, Upstreams};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions,
};
use azure_user_tokens::{ClientOptions, RetryOptions};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use sqlx::Connection;

use crate::issuer::{AUDIENCE, TestIssuer};

/// The variable naming a PostgreSQL server the suite may create databases on.
pub const POSTGRES_VAR: &str = "AZURE_USER_TOKENS_TEST_POSTGRES";

/// A database for one test, removed afterwards.
pub struct TestDb {
    pub url: DatabaseUrl,
    /// The URL with its password (for a child process's environment).
    pub raw: String,
    pub kind: &'static str,
    cleanup: Cleanup,
}

enum Cleanup {
    Directory(std::path::PathBuf),
    Postgres { admin: String, name: String },
}

impl TestDb {
    async fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(format!("broker-test-{}", uuid::Uuid::new_v4()));
        let url = DatabaseUrl::sqlite(&dir.join("broker.db"));
        TestDb {
            raw: url.to_string(),
            url,
            kind: "sqlite",
            cleanup: Cleanup::Directory(dir),
        }
    }

    async fn postgres(admin: &str) -> TestDb {
        let name = format!("broker_test_{}", uuid::Uuid::new_v4().simple());
        let mut connection = sqlx::PgConnection::connect(admin)
            .await
            .expect("the test PostgreSQL server accepts connections");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .expect("the test role may create databases");
        let _ = connection.close().await;
        let mut url = url::Url::parse(admin).expect("the PostgreSQL URL parses");
        url.set_path(&format!("/{name}"));
        TestDb {
            url: DatabaseUrl::from_str(url.as_str()).unwrap(),
            raw: url.to_string(),
            kind: "postgres",
            cleanup: Cleanup::Postgres {
                admin: admin.to_string(),
                name,
            },
        }
    }

    /// Removes the database (after every broker on it has shut down).
    pub async fn remove(self) {
        match self.cleanup {
            Cleanup::Directory(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin, name } => {
                if let Ok(mut connection) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut connection)
                        .await;
                    let _ = connection.close().await;
                }
            }
        }
    }
}

/// The databases each test runs on: SQLite, and PostgreSQL when configured.
pub async fn databases() -> Vec<TestDb> {
    let mut out = vec![TestDb::sqlite().await];
    if let Some(admin) = postgres_url() {
        out.push(TestDb::postgres(&admin).await);
    }
    out
}

/// The PostgreSQL server URL, when configured.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// Emulator, issuer and client for one test.
pub struct Env {
    pub emulator: Emulator,
    pub issuer: TestIssuer,
    pub http: reqwest::Client,
}

/// Fast retries so throttling tests take milliseconds.
pub fn fast_retries() -> ClientOptions {
    ClientOptions::default().with_retry(
        RetryOptions::default()
            .with_max_retries(2)
            .with_initial_delay(Duration::from_millis(1))
            .with_max_delay(Duration::from_millis(20)),
    )
}

impl Env {
    pub async fn start() -> Env {
        Self::with_emulator(EmulatorConfig::default()).await
    }

    pub async fn with_emulator(config: EmulatorConfig) -> Env {
        azure_user_tokens::http::install_crypto_provider();
        Env {
            emulator: Emulator::start(config).await.expect("the emulator starts"),
            issuer: TestIssuer::start().await,
            http: reqwest::Client::new(),
        }
    }

    /// The test defaults: a free port, the test issuer and audience, `db`.
    pub fn config(&self, db: &TestDb) -> BrokerConfig {
        BrokerConfig::new(self.issuer.url(), AUDIENCE)
            .with_listen("127.0.0.1:0".parse().unwrap())
            .with_database(db.url.clone())
    }

    /// The emulator's clients, as the CLI would build them.
    pub fn upstreams(&self) -> Upstreams {
        let identity = CommunicationIdentityClient::from_connection_string(
            &self.emulator.connection_string(),
            Some(CommunicationIdentityClientOptions::default().with_client_options(fast_retries())),
        )
        .unwrap();
        let apim = self.emulator.settings().apim_client(None).unwrap();
        Upstreams {
            identity,
            apim: Some(apim),
        }
    }

    pub async fn broker(&self, config: BrokerConfig) -> Broker {
        Broker::start(config, self.upstreams())
            .await
            .expect("the broker starts")
    }

    /// Requests the emulator has received (ACS, APIM and Entra).
    pub fn emulator_requests(&self) -> u64 {
        self.emulator.stats().requests
    }

    /// ACS identities alive.
    pub fn identities(&self) -> u64 {
        self.emulator.stats().users
    }

    /// `method path` on the broker with a bearer token and a JSON body.
    pub async fn call(
        &self,
        broker: &Broker,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{path}", broker.base_url()));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the broker answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Answer {
            status,
            headers,
            json: serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        }
    }

    /// `POST /v1/token` for `["voip"]`.
    pub async fn token(&self, broker: &Broker, bearer: &str) -> Answer {
        self.call(
            broker,
            reqwest::Method::POST,
            "/v1/token",
            Some(bearer),
            Some(serde_json::json!({"scopes": ["voip"], "expiresInMinutes": 60})),
        )
        .await
    }
}

/// A broker's answer.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

impl Answer {
    pub fn user_id(&self) -> String {
        self.json["userId"]
            .as_str()
            .unwrap_or_else(|| panic!("no userId in {} {}", self.status, self.text))
            .to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}
