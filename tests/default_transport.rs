//! The facade's default transport (src/pipeline/direct.rs) keeps what
//! reqwest gives users: TLS verified against the platform's roots, and
//! proxies from the environment. Each case runs the CLI in its own process,
//! so the environment it reads is its own.

#![cfg(all(feature = "cli", feature = "emulator"))]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;

use azure_user_tokens::emulator::EmulatorConfig;
use common::*;

fn create_user(env: &[(&str, &str)]) -> std::process::Output {
    output_of(
        cli_command(&["--output", "json", "identity", "user", "create"], env),
        None,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_is_verified_against_the_platforms_roots() {
    let emulator = emulator_with(EmulatorConfig::default().with_tls(true)).await;
    let connection_string = emulator.connection_string().expose().to_string();
    let dir = std::env::temp_dir().join(format!("aut-transport-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, emulator.ca_certificate_pem().unwrap()).unwrap();
    let env = |roots: &str| {
        [
            (
                "COMMUNICATION_SERVICES_CONNECTION_STRING",
                connection_string.clone(),
            ),
            // rustls-platform-verifier reads the platform's roots through
            // rustls-native-certs, which takes SSL_CERT_FILE instead.
            ("SSL_CERT_FILE", roots.to_string()),
        ]
    };

    let trusted = env(ca.to_str().unwrap());
    let trusted: Vec<(&str, &str)> = trusted.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = create_user(&trusted);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("8:acs:"),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // Roots without the emulator's CA: the certificate is refused.
    let other = dir.join("other.pem");
    let other_ca =
        azure_user_tokens::emulator::Emulator::start(EmulatorConfig::default().with_tls(true))
            .await
            .unwrap()
            .ca_certificate_pem()
            .unwrap()
            .to_string();
    std::fs::write(&other, other_ca).unwrap();
    let untrusted = env(other.to_str().unwrap());
    let untrusted: Vec<(&str, &str)> = untrusted.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let output = create_user(&untrusted);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("certificate"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A "proxy" that answers one request itself, as a created user, and
/// returns the request line it got.
fn one_request_proxy() -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let proxy = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).unwrap();
            assert!(n > 0, "the client closed before a whole head");
            head.extend_from_slice(&buf[..n]);
        }
        let body = r#"{"identity":{"id":"8:acs:through-the-proxy"}}"#;
        write!(
            socket,
            "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let head = String::from_utf8_lossy(&head).into_owned();
        head.lines().next().unwrap_or_default().to_string()
    });
    (url, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_from_the_environment_is_used() {
    let emulator = emulator().await;
    let connection_string = emulator.connection_string().expose().to_string();
    let (proxy, request_line) = one_request_proxy();
    let output = create_user(&[
        (
            "COMMUNICATION_SERVICES_CONNECTION_STRING",
            &connection_string,
        ),
        ("HTTP_PROXY", &proxy),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("8:acs:through-the-proxy"),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A proxied request names the whole URL.
    let line = request_line.join().unwrap();
    let expected = format!("POST {}/identities?api-version=", emulator.base_url());
    assert!(line.starts_with(&expected), "{line} / {expected}");
    assert_eq!(requests(&emulator), 0, "the emulator itself got nothing");
}
