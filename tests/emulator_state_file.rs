//! The emulator's state file under pressure: a write the disk refuses fails
//! its request (503, the service's error shape), changes nothing, is logged
//! at error level without `-v`, and every acknowledged write survives a
//! restart — for identities and for Teams Phone extension assignments; a
//! second emulator on the same file refuses to start.
#![cfg(all(feature = "emulator", feature = "cli"))]

#[path = "common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use azure_user_tokens::auth::hmac;
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, defaults};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions,
};
use azure_user_tokens::{ClientOptions, RetryOptions, Secret};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_azure-user-tokens");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aut-state-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.json")
}

/// An emulator process, killed if a failing test drops it before [`stop`].
struct Spawned(Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `azure-user-tokens emulator --state PATH` (without `-v`), its file size
/// limited to `limit_kib` KiB when given (a full disk: writes past it fail
/// with EFBIG; SIGXFSZ is ignored so the write fails instead of the process).
fn spawn(path: &Path, limit_kib: Option<u32>) -> (Spawned, String) {
    let command_line = format!(
        "{} exec '{BINARY}' emulator --listen 127.0.0.1:0 --state '{}'",
        limit_kib
            .map(|kib| format!("trap '' XFSZ; ulimit -f {};", kib * 2))
            .unwrap_or_default(),
        path.display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &command_line])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Spawned(child);
    let mut connection_string = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(cs) = line.strip_prefix("connection string: ") {
            connection_string = Some(cs.to_string());
        }
        if line.starts_with("ready:") {
            break;
        }
    }
    (
        child,
        connection_string.expect("the banner names the connection string"),
    )
}

/// Stops it gracefully (SIGTERM) and returns what it logged.
fn stop(mut spawned: Spawned) -> String {
    let child = &mut spawned.0;
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    stderr
}

fn client(connection_string: &str) -> CommunicationIdentityClient {
    let options = CommunicationIdentityClientOptions::default()
        .with_client_options(ClientOptions::default().with_retry(RetryOptions::none()));
    CommunicationIdentityClient::from_connection_string(
        &Secret::new(connection_string),
        Some(options),
    )
    .unwrap()
}

fn endpoint_of(connection_string: &str) -> &str {
    connection_string
        .strip_prefix("endpoint=")
        .and_then(|rest| rest.split_once("/;"))
        .unwrap()
        .0
}

async fn stats(connection_string: &str) -> Value {
    azure_user_tokens::http::default_client()
        .unwrap()
        .get(format!(
            "{}/_emulator/stats",
            endpoint_of(connection_string)
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn users(connection_string: &str) -> u64 {
    stats(connection_string).await["users"].as_u64().unwrap()
}

/// `method` on a Teams Phone extension assignment of the emulator's tenant,
/// HMAC-signed with the well-known key; the status and the JSON body.
async fn assignment(
    connection_string: &str,
    method: &str,
    object_id: &str,
    body: &str,
) -> (u16, Value) {
    let endpoint = endpoint_of(connection_string);
    let path_and_query = format!(
        "/access/teamsExtension/tenants/{}/assignments/{object_id}?api-version=2025-06-30",
        defaults::TENANT_ID
    );
    let date = hmac::http_date(chrono::Utc::now());
    let hash = hmac::content_hash(body.as_bytes());
    let host = endpoint.strip_prefix("http://").unwrap();
    let to_sign = hmac::string_to_sign(method, &path_and_query, &date, host, &hash);
    let key = STANDARD.decode(defaults::ACS_ACCESS_KEY).unwrap();
    let response = azure_user_tokens::http::default_client()
        .unwrap()
        .request(
            method.parse().unwrap(),
            format!("{endpoint}{path_and_query}"),
        )
        .header(hmac::DATE_HEADER, date)
        .header(hmac::CONTENT_HASH_HEADER, hash)
        .header(
            "authorization",
            hmac::authorization(&hmac::signature(&key, &to_sign)),
        )
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_the_disk_refuses_is_a_503_that_changes_nothing_and_is_logged() {
    let path = scratch("full");
    let (emulator, connection_string) = spawn(&path, Some(16));
    let identities = client(&connection_string);
    let mut acknowledged = 0u64;
    let mut refused = Vec::new();
    for _ in 0..2000 {
        match identities.create_user().await {
            Ok(_) => acknowledged += 1,
            Err(error) => {
                refused.push(error);
                if refused.len() == 3 {
                    break;
                }
            }
        }
    }
    assert!(acknowledged > 10, "the limit left room for some writes");
    for error in &refused {
        assert_eq!(error.status(), Some(503), "{error}");
        assert_eq!(error.code(), Some("ServiceUnavailable"), "{error}");
    }
    assert_eq!(refused.len(), 3, "every write past the limit is refused");
    assert_eq!(
        users(&connection_string).await,
        acknowledged,
        "the refused writes changed nothing"
    );
    let stderr = stop(emulator);
    assert!(
        stderr.contains("ERROR") && stderr.contains("could not save"),
        "logged without -v: {stderr}"
    );

    // Every acknowledged write is there after a restart, nothing else.
    let (restarted, connection_string) = spawn(&path, None);
    assert_eq!(users(&connection_string).await, acknowledged);
    client(&connection_string).create_user().await.unwrap();
    stop(restarted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_emulator_on_the_same_state_file_refuses_to_start() {
    let path = scratch("twice");
    let config = || EmulatorConfig::default().with_state_file(&path);
    let first = Emulator::start(config()).await.unwrap();
    let error = Emulator::start(config()).await.unwrap_err().to_string();
    assert!(
        error.contains("another emulator") && error.contains("state.json"),
        "{error}"
    );
    // The CLI says so too, and exits 1.
    let output = common::output_of(
        common::cli_command(
            &[
                "emulator",
                "--listen",
                "127.0.0.1:0",
                "--state",
                path.to_str().unwrap(),
            ],
            &[],
        ),
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("another emulator"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    first.shutdown().await;
    let again = Emulator::start(config()).await.unwrap();
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assignment_the_disk_refuses_is_a_503_that_changes_nothing() {
    const KEPT: &str = "b27b64b9-39d2-44a3-869d-67700b74e805";
    const REFUSED: &str = "5f1c7f1e-0a43-4c55-9a2e-3f0d9d6b1a27";
    const APP: &str = "2c3e1e83-8fd7-4615-ad2b-b8c1229845ac";
    const OTHER_APP: &str = "07474a86-625a-452f-977b-db4e13f21260";
    let path = scratch("assignments");
    let (emulator, connection_string) = spawn(&path, Some(16));
    let kept = json!({"principalType": "user", "clientIds": [APP]}).to_string();
    let (status, acknowledged) = assignment(&connection_string, "PUT", KEPT, &kept).await;
    assert_eq!(status, 201, "{acknowledged}");

    // Fill the file until the disk refuses a create; what is left is less
    // than that create's journal line, and an assignment's line is longer.
    let identities = client(&connection_string);
    let mut filled = false;
    for _ in 0..2000 {
        if let Err(error) = identities.create_user().await {
            assert_eq!(error.status(), Some(503), "{error}");
            filled = true;
            break;
        }
    }
    assert!(filled, "the file size limit was reached");

    let bigger =
        json!({"principalType": "resourceAccount", "clientIds": [APP, OTHER_APP]}).to_string();
    for object_id in [KEPT, REFUSED] {
        let (status, body) = assignment(&connection_string, "PUT", object_id, &bigger).await;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"]["code"], "ServiceUnavailable", "{body}");
    }
    // Memory is as it was: the replacement and the new one never happened.
    let (status, read) = assignment(&connection_string, "GET", KEPT, "").await;
    assert_eq!((status, &read), (200, &acknowledged));
    let (status, _) = assignment(&connection_string, "GET", REFUSED, "").await;
    assert_eq!(status, 404);
    assert_eq!(
        stats(&connection_string).await["teams_extension_assignments"],
        1
    );
    let stderr = stop(emulator);
    assert!(
        stderr.contains("ERROR") && stderr.contains("could not save"),
        "logged without -v: {stderr}"
    );

    // After a restart: the acknowledged assignment, nothing refused.
    let (restarted, connection_string) = spawn(&path, None);
    let (status, read) = assignment(&connection_string, "GET", KEPT, "").await;
    assert_eq!((status, &read), (200, &acknowledged));
    let (status, _) = assignment(&connection_string, "GET", REFUSED, "").await;
    assert_eq!(status, 404);
    stop(restarted);
}
