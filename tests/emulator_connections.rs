//! Connection exhaustion: under a 256-descriptor limit, a few hundred idle
//! connections and connections trickling a body byte by byte must not lock
//! other clients out — a well-formed request is answered within seconds.
//! (Short timeouts are configured for the test; the defaults are 10 s for
//! heads, bodies and first requests and 30 s for idle keep-alive.)
#![cfg(all(feature = "emulator", feature = "cli", unix))]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const BINARY: &str = env!("CARGO_BIN_EXE_azure-user-tokens");
const IDLE: usize = 220;
const TRICKLING: usize = 100;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The emulator with 256 descriptors at most (soft and hard: raising the
/// soft limit cannot help), one-second request and idle timeouts.
fn start() -> (Running, String) {
    let command_line = format!(
        "ulimit -n 256; exec '{BINARY}' emulator --listen 127.0.0.1:0 \
         --request-timeout 1 --idle-timeout 1"
    );
    let mut child = Command::new("sh")
        .args(["-c", &command_line])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut endpoint = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("endpoint: ") {
            endpoint = Some(url.to_string());
        }
        if line.starts_with("ready:") {
            break;
        }
    }
    (Running(child), endpoint.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_trickling_connections_do_not_lock_others_out() {
    let (_emulator, endpoint) = start();
    let address = endpoint.strip_prefix("http://").unwrap().to_string();

    let mut attackers = Vec::new();
    for _ in 0..IDLE {
        // Connects and says nothing.
        if let Ok(stream) = TcpStream::connect(&address).await {
            attackers.push(tokio::spawn(async move {
                let _held = stream;
                tokio::time::sleep(Duration::from_secs(30)).await;
            }));
        }
    }
    for _ in 0..TRICKLING {
        // A whole head, then a body byte every 300 ms, for as long as allowed.
        if let Ok(mut stream) = TcpStream::connect(&address).await {
            attackers.push(tokio::spawn(async move {
                let head = "POST /identities?api-version=2023-10-01 HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..100 {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    if stream.write_all(b" ").await.is_err() {
                        return;
                    }
                }
            }));
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // More connections than descriptors are now open or queued: a
    // well-formed request still gets its answer within seconds.
    let started = Instant::now();
    let answer = azure_user_tokens::http::default_client()
        .unwrap()
        .get(format!("{endpoint}/_emulator/stats"))
        .timeout(Duration::from_secs(15))
        .send()
        .await
        .expect("the stats are served");
    let waited = started.elapsed();
    assert!(answer.status().is_success(), "{}", answer.status());
    assert!(waited < Duration::from_secs(5), "answered after {waited:?}");
    for attacker in attackers {
        attacker.abort();
    }
}
