//! Two `azure-user-tokens broker` processes on one database (a SQLite file,
//! and PostgreSQL when configured): 64 concurrent first calls for 30 users,
//! spread over both, make exactly 30 identities.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use reqwest::StatusCode;

use crate::harness::{Env, TestDb, databases};
use crate::issuer::AUDIENCE;

struct BrokerProcess {
    child: Child,
    base_url: String,
}

impl BrokerProcess {
    fn start(env: &Env, db: &TestDb) -> BrokerProcess {
        let home = std::env::temp_dir().join(format!("broker-process-home-{}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_azure-user-tokens"))
            .args([
                "broker",
                "--listen",
                "127.0.0.1:0",
                "--rate-limit-per-minute",
                "0",
            ])
            .args(["--issuer", env.issuer.url(), "--audience", AUDIENCE])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &home)
            // Secrets through the environment, as documented.
            .env("AZURE_USER_TOKENS_BROKER_DATABASE", &db.raw)
            .env(
                "COMMUNICATION_SERVICES_CONNECTION_STRING",
                env.emulator.connection_string().expose(),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the broker starts");
        let stdout = child.stdout.take().unwrap();
        let mut process = BrokerProcess {
            child,
            base_url: String::new(),
        };
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(url) = line.strip_prefix("broker: ") {
                process.base_url = url.to_string();
            }
            if line.starts_with("ready:") {
                break;
            }
        }
        assert!(
            !process.base_url.is_empty(),
            "the broker printed its address"
        );
        process
    }

    /// SIGTERM, then its exit status.
    fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

impl Drop for BrokerProcess {
    /// A failing test does not leave its broker running (after `stop`, a no-op).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn two_broker_processes_on_one_database_make_one_identity_per_user() {
    for db in databases().await {
        let env = Arc::new(Env::start().await);
        let first = BrokerProcess::start(&env, &db);
        let second = BrokerProcess::start(&env, &db);
        let urls = [first.base_url.clone(), second.base_url.clone()];
        let mut tasks = Vec::new();
        for call in 0..64 {
            let env = env.clone();
            let url = urls[call % 2].clone();
            tasks.push(tokio::spawn(async move {
                let user = format!("user-{}", call % 30);
                let answer = env
                    .http
                    .post(format!("{url}/v1/token"))
                    .bearer_auth(env.issuer.token(&user))
                    .json(&serde_json::json!({"scopes": ["voip"]}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), StatusCode::OK);
                let body: serde_json::Value = answer.json().await.unwrap();
                (user, body["userId"].as_str().unwrap().to_string())
            }));
        }
        let mut ids: HashMap<String, String> = HashMap::new();
        for task in tasks {
            let (user, id) = task.await.unwrap();
            assert_eq!(ids.entry(user).or_insert_with(|| id.clone()), &id);
        }
        assert_eq!(ids.len(), 30);
        assert_eq!(env.identities(), 30, "exactly 30 identities on {}", db.kind);
        assert!(first.stop().success(), "SIGTERM is a clean exit");
        assert!(second.stop().success());
        db.remove().await;
    }
}

/// `broker --emulator` with `extra` flags, up to its `ready:` line; its
/// banner's `name: value` lines.
fn start_on_emulator(extra: &[&str]) -> (BrokerProcess, HashMap<String, String>) {
    let home = std::env::temp_dir().join(format!("broker-emulator-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_azure-user-tokens"))
        .args(["broker", "--emulator", "--listen", "127.0.0.1:0"])
        .args(["--emulator-listen", "127.0.0.1:0"])
        .args(extra)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the broker starts");
    let stdout = child.stdout.take().unwrap();
    let mut process = BrokerProcess {
        child,
        base_url: String::new(),
    };
    let mut banner = HashMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if line.starts_with("ready:") {
            break;
        }
        if let Some((name, value)) = line.split_once(": ") {
            banner.insert(name.to_string(), value.to_string());
        }
    }
    process.base_url = banner
        .get("broker")
        .cloned()
        .expect("the broker printed its address");
    (process, banner)
}

/// `broker --emulator`: its banner's test token works, and so does a fresh
/// token got the way the banner (and the README) says.
#[tokio::test]
async fn the_emulator_flow_works_as_printed() {
    let (process, banner) = start_on_emulator(&[]);
    let broker = banner["broker"].clone();
    azure_user_tokens::http::install_crypto_provider();
    let http = reqwest::Client::new();
    let token_for = |bearer: String| {
        http.post(format!("{broker}/v1/token"))
            .bearer_auth(bearer)
            .json(&serde_json::json!({"scopes": ["voip"]}))
            .send()
    };
    let printed = token_for(banner["test user token (valid 1 h)"].clone())
        .await
        .unwrap();
    assert_eq!(printed.status(), StatusCode::OK);

    let printed: serde_json::Value = printed.json().await.unwrap();

    // The printed curl commands: client credentials, and the password grant
    // of the emulator's default user (another app user, so another identity).
    let mut user_ids = Vec::new();
    for prefix in ["a fresh token", "another app user's token"] {
        let curl = &banner[banner
            .keys()
            .find(|k| k.starts_with(prefix))
            .unwrap_or_else(|| panic!("the banner has a line '{prefix}…'"))];
        let words: Vec<&str> = curl.split_whitespace().collect();
        let form: Vec<(&str, &str)> = words
            .windows(2)
            .filter(|w| w[0] == "-d")
            .filter_map(|w| w[1].split_once('='))
            .collect();
        let token_url = words.last().unwrap();
        let answer: serde_json::Value = http
            .post(*token_url)
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let fresh = answer["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("{prefix}: no token in {answer}"))
            .to_string();
        let answer = token_for(fresh).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{prefix}");
        let answer: serde_json::Value = answer.json().await.unwrap();
        user_ids.push(answer["userId"].as_str().unwrap().to_string());
    }
    assert_ne!(
        user_ids[0], user_ids[1],
        "the default user is another app user than the client"
    );
    assert!(printed["userId"].is_string());
    assert!(process.stop().success());
}

/// The CLI's `--timeout` bounds commands, not the broker: it keeps serving
/// past it, like the emulator.
#[tokio::test]
async fn the_broker_outlives_the_cli_timeout() {
    let (process, _) = start_on_emulator(&["--timeout", "1s"]);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    azure_user_tokens::http::install_crypto_provider();
    let health = reqwest::get(format!("{}/healthz", process.base_url))
        .await
        .expect("the broker still serves after --timeout");
    assert_eq!(health.status(), StatusCode::OK);
    assert!(process.stop().success(), "SIGTERM is a clean exit");
}
