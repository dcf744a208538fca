//! A web page served from another origin gets a token from the broker
//! through CORS, sending its `Authorization` header — the way the ACS web
//! SDKs fetch tokens from a trusted service — in headless Chromium (Debian's
//! `chromium` and `chromium-driver`, installed by `scripts/browser.sh`),
//! driven over WebDriver. `.ci/run` runs it (`--ignored`): it needs the
//! browser, which `cargo test` on a fresh clone may not have.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use azure_user_tokens::broker::{Broker, BrokerConfig, DatabaseUrl, Upstreams};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EntraTokenClaims};
use azure_user_tokens::identity::CommunicationIdentityClient;
use serde_json::{Value, json};

const AUDIENCE: &str = "api://broker-browser-test";

/// The page: asks `broker` for a token and writes the outcome in its title.
fn page(broker: &str, token: &str) -> String {
    format!(
        r#"<!doctype html><title>pending</title><script>
fetch("{broker}/v1/token", {{
  method: "POST",
  headers: {{ "Authorization": "Bearer {token}", "Content-Type": "application/json" }},
  body: JSON.stringify({{ scopes: ["voip"] }})
}}).then(r => r.json().then(j => {{ document.title = "status:" + r.status + ":" + (j.userId || ""); }}))
  .catch(e => {{ document.title = "error:" + e.name; }});
</script>"#
    )
}

/// A listener for a page server, and its origin.
async fn bind() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    (listener, origin)
}

/// Serves `html` at `/`.
fn serve(listener: tokio::net::TcpListener, html: String) {
    let router = Router::new().route("/", get(move || async move { Html(html) }));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
}

struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Driver {
    async fn start() -> Driver {
        let port = {
            let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            socket.local_addr().unwrap().port()
        };
        let binary =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs (scripts/browser.sh installs it)");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while driver
            .http
            .get(format!("{}/status", driver.url))
            .send()
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver
    }

    /// Opens `page` in a fresh headless Chromium and returns the page's
    /// title once the script has set it.
    async fn title_of(&self, page: &str) -> String {
        let profile =
            std::env::temp_dir().join(format!("broker-chromium-{}", uuid::Uuid::new_v4()));
        let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let session: Value = self
            .http
            .post(format!("{}/session", self.url))
            .json(&json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": binary, "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.display()),
                ]}
            }}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = session["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {session}"))
            .to_string();
        let session_url = format!("{}/session/{id}", self.url);
        self.http
            .post(format!("{session_url}/url"))
            .json(&json!({"url": page}))
            .send()
            .await
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let title = loop {
            let title: Value = self
                .http
                .get(format!("{session_url}/title"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let title = title["value"].as_str().unwrap_or("").to_string();
            if title != "pending" && !title.is_empty() || Instant::now() > deadline {
                break title;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let _ = self.http.delete(&session_url).send().await;
        let _ = std::fs::remove_dir_all(profile);
        title
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn broker(emulator: &Emulator, origin: &str, db: &std::path::Path) -> Broker {
    let config = BrokerConfig::new(emulator.entra_issuer(), AUDIENCE)
        .with_listen("127.0.0.1:0".parse().unwrap())
        .with_database(DatabaseUrl::sqlite(db))
        .with_cors_origins(vec![origin.to_string()]);
    let identity =
        CommunicationIdentityClient::from_connection_string(&emulator.connection_string(), None)
            .unwrap();
    Broker::start(
        config,
        Upstreams {
            identity,
            apim: None,
        },
    )
    .await
    .unwrap()
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver: scripts/browser.sh, run by .ci/run"]
async fn a_page_from_another_origin_gets_a_token_through_cors() {
    azure_user_tokens::http::install_crypto_provider();
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let token = emulator.mint_entra_token(&EntraTokenClaims::new(
        AUDIENCE,
        "web-app",
        "00000000-0000-0000-0000-00000000b10b",
        chrono::Duration::hours(1),
    ));
    let scratch = std::env::temp_dir().join(format!("broker-browser-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&scratch).unwrap();
    let driver = Driver::start().await;

    // The broker allows the page's origin: the preflight passes, the
    // Authorization header goes through, the page reads the answer.
    let (listener, origin) = bind().await;
    let broker = broker(&emulator, &origin, &scratch.join("broker.db")).await;
    serve(listener, page(broker.base_url(), token.expose()));
    let title = driver.title_of(&format!("{origin}/")).await;
    assert!(title.starts_with("status:200:8:acs:"), "{title}");

    // A page from an origin the broker does not list: the browser stops at
    // the preflight and never sends the token request.
    let (listener, other) = bind().await;
    serve(listener, page(broker.base_url(), token.expose()));
    let title = driver.title_of(&format!("{other}/")).await;
    assert_eq!(title, "error:TypeError");
    let metrics = broker.metrics().render();
    assert!(
        metrics.contains(
            r#"broker_http_requests_total{route="/v1/token",method="POST",status="200"} 1"#
        ),
        "{metrics}"
    );
    broker.shutdown().await;
    emulator.shutdown().await;
    drop(driver);
    let _ = std::fs::remove_dir_all(scratch);
}
