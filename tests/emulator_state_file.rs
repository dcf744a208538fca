//! The emulator's state file under pressure: a write the disk refuses fails
//! its request (503, the service's error shape), changes nothing, is logged
//! at error level without `-v`, and every acknowledged write survives a
//! restart; a second emulator on the same file refuses to start.
#![cfg(all(feature = "emulator", feature = "cli"))]

#[path = "common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
use azure_user_tokens::identity::CommunicationIdentityClient;
use azure_user_tokens::pipeline::{ClientOptions, RetryOptions};

const BINARY: &str = env!("CARGO_BIN_EXE_azure-user-tokens");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aut-state-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.json")
}

/// `azure-user-tokens emulator --state PATH` (without `-v`), its file size
/// limited to `limit_kib` KiB when given (a full disk: writes past it fail
/// with EFBIG; SIGXFSZ is ignored so the write fails instead of the process).
fn spawn(path: &Path, limit_kib: Option<u32>) -> (Child, String) {
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

fn stop(mut child: Child) -> String {
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
    CommunicationIdentityClient::from_connection_string(connection_string)
        .unwrap()
        .with_options(ClientOptions::default().with_retry(RetryOptions::none()))
        .unwrap()
}

async fn users(connection_string: &str) -> u64 {
    let endpoint = connection_string
        .strip_prefix("endpoint=")
        .and_then(|rest| rest.split_once("/;"))
        .unwrap()
        .0;
    let stats: serde_json::Value = azure_user_tokens::http::default_client()
        .unwrap()
        .get(format!("{endpoint}/_emulator/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["users"].as_u64().unwrap()
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
