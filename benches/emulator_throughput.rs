//! HMAC-verified ACS token issues per second against the emulator, and the
//! emulator's peak resident memory under that load.
//!
//! ```text
//! cargo bench --bench emulator_throughput                 # 10 s, 32 connections
//! cargo bench --bench emulator_throughput -- 20 64        # seconds, connections
//! ```
//!
//! The emulator runs as its own process (the `azure-user-tokens emulator`
//! binary, built with the bench profile), so its RSS is its own; peak RSS is
//! Linux's `VmHWM`. The load generator is a minimal HTTP/1.1 client on
//! keep-alive connections, each request signed with HMAC-SHA256 (a signature
//! is reused within the second its `x-ms-date` names, as the date is the only
//! input that changes); the emulator verifies every request in full.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azure_user_tokens::auth::hmac;
use azure_user_tokens::emulator::defaults;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as AsyncBufReader};
use tokio::net::TcpStream;

const ISSUE_BODY: &str = r#"{"scopes":["voip"],"expiresInMinutes":60}"#;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(10);
    let connections: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(32);

    let mut emulator = spawn_emulator();
    let authority = emulator.authority.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let result = runtime.block_on(load(&authority, seconds, connections));
    let (rss_peak_kb, rss_now_kb) = memory_kb(emulator.child.id());
    emulator.stop();

    let (issued, errors, elapsed) = result;
    let per_second = issued as f64 / elapsed.as_secs_f64();
    println!("connections:        {connections}");
    println!("duration:           {:.1} s", elapsed.as_secs_f64());
    println!("tokens issued:      {issued} ({errors} non-200 answers)");
    println!("issues per second:  {per_second:.0}");
    println!(
        "emulator peak RSS:  {:.1} MB (now {:.1} MB)",
        rss_peak_kb as f64 / 1024.0,
        rss_now_kb as f64 / 1024.0
    );
    println!(
        "targets:            >= 20000 issues/s {}, <= 60 MB {}",
        verdict(per_second >= 20_000.0),
        verdict(rss_peak_kb <= 60 * 1024)
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

struct Emulator {
    child: Child,
    authority: String,
}

impl Emulator {
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn spawn_emulator() -> Emulator {
    let mut child = Command::new(env!("CARGO_BIN_EXE_azure-user-tokens"))
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the emulator binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut authority = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("emulator output");
        if let Some(endpoint) = line.strip_prefix("endpoint: ") {
            authority = Some(endpoint.trim_start_matches("http://").to_string());
        }
        if line.starts_with("ready:") {
            break;
        }
    }
    Emulator {
        child,
        authority: authority.expect("the emulator printed its endpoint"),
    }
}

/// Issues tokens on `connections` keep-alive connections for `seconds`
/// (after a one-second warm-up); returns (issued, errors, measured time).
async fn load(authority: &str, seconds: u64, connections: usize) -> (u64, u64, Duration) {
    let id = create_identity(authority).await;
    let path = format!(
        "/identities/{}/:issueAccessToken?api-version=2023-10-01",
        id.replace(':', "%3A")
    );
    let issued = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (authority, path) = (authority.to_string(), path.clone());
        let (issued, errors, measuring, stop) = (
            issued.clone(),
            errors.clone(),
            measuring.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(&authority).await;
            let mut signer = Signer::new(&authority, &path);
            while !stop.load(Ordering::Relaxed) {
                let status = connection.send(signer.request()).await;
                if measuring.load(Ordering::Relaxed) {
                    if status == 200 {
                        issued.fetch_add(1, Ordering::Relaxed);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    (
        issued.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
        elapsed,
    )
}

async fn create_identity(authority: &str) -> String {
    let mut connection = Connection::open(authority).await;
    let mut signer = Signer::new(authority, "/identities?api-version=2023-10-01");
    signer.body = "";
    let (status, body) = connection.exchange(signer.request()).await;
    assert_eq!(status, 201, "create identity: {body}");
    let value: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    value["identity"]["id"].as_str().expect("an id").to_string()
}

/// Builds signed requests; re-signs only when the second changes.
struct Signer {
    key: Vec<u8>,
    authority: String,
    path: String,
    body: &'static str,
    second: i64,
    request: Vec<u8>,
}

impl Signer {
    fn new(authority: &str, path: &str) -> Self {
        Signer {
            key: STANDARD.decode(defaults::ACS_ACCESS_KEY).expect("base64"),
            authority: authority.to_string(),
            path: path.to_string(),
            body: ISSUE_BODY,
            second: i64::MIN,
            request: Vec::new(),
        }
    }

    fn request(&mut self) -> &[u8] {
        let now = Utc::now();
        if now.timestamp() != self.second {
            self.second = now.timestamp();
            let date = hmac::http_date(now);
            let hash = hmac::content_hash(self.body.as_bytes());
            let to_sign = hmac::string_to_sign("POST", &self.path, &date, &self.authority, &hash);
            let authorization = hmac::authorization(&hmac::signature(&self.key, &to_sign));
            self.request = format!(
                "POST {} HTTP/1.1\r\nHost: {}\r\nx-ms-date: {date}\r\nx-ms-content-sha256: {hash}\r\n\
                 Authorization: {authorization}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n{}",
                self.path,
                self.authority,
                self.body.len(),
                self.body
            )
            .into_bytes();
        }
        &self.request
    }
}

/// One keep-alive HTTP/1.1 connection; just enough parsing for the emulator's answers.
struct Connection {
    reader: AsyncBufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
    line: String,
    body: Vec<u8>,
}

impl Connection {
    async fn open(authority: &str) -> Self {
        let stream = TcpStream::connect(authority).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (read, write) = stream.into_split();
        Connection {
            reader: AsyncBufReader::new(read),
            writer: write,
            line: String::new(),
            body: Vec::new(),
        }
    }

    async fn send(&mut self, request: &[u8]) -> u16 {
        self.writer.write_all(request).await.expect("write");
        self.read_response().await
    }

    async fn exchange(&mut self, request: &[u8]) -> (u16, String) {
        let status = self.send(request).await;
        (status, String::from_utf8_lossy(&self.body).into_owned())
    }

    async fn read_response(&mut self) -> u16 {
        self.line.clear();
        self.reader
            .read_line(&mut self.line)
            .await
            .expect("status line");
        let status = self
            .line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status code");
        let mut length = 0usize;
        loop {
            self.line.clear();
            self.reader.read_line(&mut self.line).await.expect("header");
            let header = self.line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("content-length");
            }
        }
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body).await.expect("body");
        status
    }
}

/// (VmHWM, VmRSS) of a process in KiB, from /proc (0 where unavailable).
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}
