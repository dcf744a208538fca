//! A tiny HTTP/1.1 server on 127.0.0.1 that answers every request with the
//! same scripted bytes: malformed JSON, huge bodies, a stall mid-body, an
//! early close. Just enough HTTP to read a request; the answers are raw.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What the server does once it has read a request.
#[derive(Clone)]
pub enum Script {
    /// Writes these bytes, then closes the connection.
    Reply(Arc<Vec<u8>>),
    /// Writes these bytes, then holds the connection open, silent.
    Stall(Arc<Vec<u8>>),
}

impl Script {
    /// A complete response with `Content-Length` and `Connection: close`.
    pub fn json(status: u16, body: &str) -> Script {
        Script::Reply(Arc::new(response(status, body.as_bytes())))
    }

    /// A complete JSON response with extra header lines (`name: value\r\n` each).
    pub fn with_headers(status: u16, headers: &str, body: &str) -> Script {
        let mut out = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(body.as_bytes());
        Script::Reply(Arc::new(out))
    }

    /// A redirect (`status`, e.g. 307) to another origin, where nothing listens.
    pub fn redirect(status: u16) -> Script {
        Script::with_headers(
            status,
            "location: http://127.0.0.1:9/elsewhere?code=from-the-redirect\r\n",
            "",
        )
    }

    /// A complete response whose body is `body` verbatim.
    pub fn bytes(status: u16, body: &[u8]) -> Script {
        Script::Reply(Arc::new(response(status, body)))
    }

    /// A chunked response (no `Content-Length`), in 64 KiB chunks.
    pub fn chunked(status: u16, body: &[u8]) -> Script {
        let mut out = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        )
        .into_bytes();
        for chunk in body.chunks(64 * 1024) {
            out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        Script::Reply(Arc::new(out))
    }

    /// Announces `announced` body bytes, sends `sent` of them, then closes.
    pub fn close_early(announced: usize, sent: &str) -> Script {
        Script::Reply(Arc::new(head(200, announced, sent)))
    }

    /// Announces `announced` body bytes, sends `sent` of them, then stalls.
    pub fn stall_mid_body(announced: usize, sent: &str) -> Script {
        Script::Stall(Arc::new(head(200, announced, sent)))
    }

    /// Closes the connection without answering.
    pub fn hang_up() -> Script {
        Script::Reply(Arc::new(Vec::new()))
    }
}

fn response(status: u16, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn head(status: u16, announced: usize, sent: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\n\r\n{sent}"
    )
    .into_bytes()
}

/// A running scripted server; stops (with every connection) when dropped.
pub struct RawServer {
    address: SocketAddr,
    requests: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl RawServer {
    /// Binds 127.0.0.1 on a free port and serves `script` to every request.
    pub async fn start(script: Script) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let (script, counter) = (script.clone(), counter.clone());
                connections.spawn(serve(stream, script, counter));
            }
        });
        RawServer {
            address,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Requests read so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, script: Script, requests: Arc<AtomicUsize>) {
    if read_request(&mut stream).await.is_none() {
        return;
    }
    requests.fetch_add(1, Ordering::SeqCst);
    match script {
        Script::Reply(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
        Script::Stall(bytes) => {
            let _ = stream.write_all(&bytes).await;
            tokio::time::sleep(Duration::from_secs(120)).await;
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` on EOF.
async fn read_request(stream: &mut TcpStream) -> Option<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    Some(())
}
