//! Before anything is timed: our client, plain reqwest and raw hyper send the
//! same bytes. Each sends one `get_token` to a listener that records the
//! request; the request lines, header names in order, header values (but the
//! date, request id and signature, fresh per request) and bodies must match.

use std::time::Duration;

use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationUserIdentifier, Scope,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::same_bytes::{PlainReqwest, Raw, Wire};

const ANSWER: &str = r#"{"token":"t","expiresOn":"2030-01-01T00:00:00Z"}"#;
/// Fresh per request: compared by presence only.
const FRESH: [&str; 3] = ["x-ms-date", "x-ms-client-request-id", "authorization"];

/// Panics naming the first difference; returns the number of headers sent.
pub async fn check(key: &str) -> usize {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a listener");
    let authority = listener.local_addr().expect("an address").to_string();
    let recorder = tokio::spawn(record(listener, 3));
    let client = CommunicationIdentityClient::from_connection_string(
        &azure_user_tokens::Secret::new(format!("endpoint=http://{authority}/;accesskey={key}")),
        None,
    )
    .expect("a client");
    let user = CommunicationUserIdentifier::new("8:acs:bench_wire-check").expect("an id");
    let wire = Wire {
        authority: &authority,
        key,
        user: user.raw_id(),
        api_version: client.api_version(),
    };
    client
        .get_token(&user, &[Scope::VoIp], None)
        .await
        .expect("our client's call");
    PlainReqwest::new(&wire)
        .get_token()
        .await
        .expect("plain reqwest's call");
    Raw::connect(&wire)
        .await
        .get_token()
        .await
        .expect("raw hyper's call");
    let requests = tokio::time::timeout(Duration::from_secs(10), recorder)
        .await
        .expect("three requests")
        .expect("the recorder");
    let [ours, reqwest, raw] = <[Request; 3]>::try_from(requests).expect("three requests");
    for (name, theirs) in [("plain reqwest", &reqwest), ("raw hyper", &raw)] {
        assert_eq!(ours.line, theirs.line, "{name}: request line");
        let names = |r: &Request| r.headers.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&ours),
            names(theirs),
            "{name}: header names and order"
        );
        for ((header, mine), (_, other)) in ours.headers.iter().zip(&theirs.headers) {
            if !FRESH.contains(&header.as_str()) {
                assert_eq!(mine, other, "{name}: {header}");
            }
        }
        assert_eq!(ours.body, theirs.body, "{name}: body");
    }
    ours.headers.len()
}

#[derive(Debug)]
struct Request {
    line: String,
    /// (lower-case name, value) in the order sent.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Accepts connections and answers `count` requests (keep-alive), returning them.
async fn record(listener: TcpListener, count: usize) -> Vec<Request> {
    let mut requests = Vec::new();
    while requests.len() < count {
        let (mut stream, _) = listener.accept().await.expect("a connection");
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            let read = stream.read(&mut chunk).await.expect("a read");
            assert!(read > 0, "the connection closed mid-request");
            buffer.extend_from_slice(&chunk[..read]);
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
        };
        let head = String::from_utf8(buffer[..head_end].to_vec()).expect("an ASCII head");
        let mut lines = head.split("\r\n");
        let line = lines.next().expect("a request line").to_string();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (name, value) = l.split_once(':').expect("a header line");
                (name.to_ascii_lowercase(), value.trim().to_string())
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map(|(_, v)| v.parse().expect("a length"))
            .unwrap_or(0);
        let mut body = buffer[head_end + 4..].to_vec();
        while body.len() < length {
            let read = stream.read(&mut chunk).await.expect("a read");
            assert!(read > 0, "the connection closed mid-body");
            body.extend_from_slice(&chunk[..read]);
        }
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{ANSWER}",
            ANSWER.len()
        );
        stream
            .write_all(answer.as_bytes())
            .await
            .expect("an answer");
        requests.push(Request {
            line,
            headers,
            body,
        });
    }
    requests
}
