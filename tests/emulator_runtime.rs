//! The emulator as a server: stats, injected faults, the modelled service
//! cost (latency, ACS's creation/issue limit), the state file, TLS and
//! shutdown.
#![cfg(feature = "emulator")]

mod emulator_common;

use std::path::PathBuf;
use std::sync::Arc;

use azure_user_tokens::emulator::{Emulator, EmulatorConfig, defaults};
use emulator_common::*;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn stats_are_integers_without_secrets_and_not_counted() {
    let emulator = start().await;
    create_identity(&emulator).await;
    let _ = client()
        .get(format!("{}/nowhere", emulator.base_url()))
        .send()
        .await
        .unwrap();
    let response = client()
        .get(format!("{}/_emulator/stats", emulator.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    for secret in [
        defaults::ACS_ACCESS_KEY,
        defaults::CLIENT_SECRET,
        defaults::APIM_PRIMARY_KEY,
    ] {
        assert!(!text.contains(secret));
    }
    let stats: Value = serde_json::from_str(&text).unwrap();
    for field in [
        "requests",
        "auth_failures",
        "faults_injected",
        "tokens_issued",
        "users",
        "apim_users",
        "replayed_changes",
        "teams_extension_assignments",
        "throttled",
    ] {
        assert!(stats[field].is_u64(), "{field}: {stats}");
    }
    assert_eq!(stats["requests"], 2, "stats calls are not counted");
    assert_eq!(stats["users"], 1);
    assert_eq!(stats["apim_users"], 2);
    assert_eq!(
        serde_json::to_value(emulator.stats()).unwrap(),
        stats,
        "the library and the endpoint agree"
    );
}

/// What a client saw for one request.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Status(u16, Option<String>, Option<String>),
    ConnectionFailed,
}

async fn outcomes(emulator: &Emulator, n: usize) -> Vec<Outcome> {
    let mut seen = Vec::new();
    for _ in 0..n {
        // A fresh client per request: no connection reuse between faults.
        let result = client()
            .get(format!("{}/nowhere", emulator.base_url()))
            .send()
            .await;
        seen.push(match result {
            Ok(response) => {
                let header = |name: &str| {
                    response
                        .headers()
                        .get(name)
                        .map(|v| v.to_str().unwrap().to_string())
                };
                Outcome::Status(
                    response.status().as_u16(),
                    header("retry-after-ms"),
                    header("retry-after"),
                )
            }
            Err(_) => Outcome::ConnectionFailed,
        });
    }
    seen
}

fn faulty(seed: u64) -> EmulatorConfig {
    EmulatorConfig::default()
        .with_fault_rate(0.5)
        .with_fault_seed(seed)
        .with_fault_retry_after_ms(1500)
}

#[tokio::test]
async fn faults_are_reproducible_from_the_seed() {
    let first = outcomes(&start_with(faulty(7)).await, 40).await;
    let second = outcomes(&start_with(faulty(7)).await, 40).await;
    let other = outcomes(&start_with(faulty(8)).await, 40).await;
    assert_eq!(first, second);
    assert_ne!(first, other);
    let throttled = Outcome::Status(429, Some("1500".into()), Some("2".into()));
    let unavailable = Outcome::Status(503, Some("1500".into()), Some("2".into()));
    let passed = Outcome::Status(404, None, None);
    for expected in [
        &throttled,
        &unavailable,
        &Outcome::ConnectionFailed,
        &passed,
    ] {
        assert!(
            first.contains(expected),
            "{expected:?} never seen in {first:?}"
        );
    }
}

#[tokio::test]
async fn faults_happen_before_processing() {
    let emulator = start_with(
        EmulatorConfig::default()
            .with_fault_rate(1.0)
            .with_fault_seed(1),
    )
    .await;
    for _ in 0..12 {
        let signature =
            Signature::new(&emulator, "POST", "/identities?api-version=2023-10-01", b"");
        let result = signature
            .apply(client().post(format!(
                "{}/identities?api-version=2023-10-01",
                emulator.base_url()
            )))
            .send()
            .await;
        if let Ok(response) = result {
            assert!(
                matches!(response.status().as_u16(), 429 | 503),
                "{}",
                response.status()
            );
            let body: Value = response.json().await.unwrap();
            assert!(body["error"]["code"].is_string());
        }
    }
    let stats = emulator.stats();
    assert_eq!(stats.users, 0, "no faulted request created anything");
    assert_eq!(stats.faults_injected, 12);
    assert_eq!(stats.requests, 12);
    assert_eq!(stats.tokens_issued, 0);
}

fn scratch_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "azure-user-tokens-emulator-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("state.json")
}

#[tokio::test]
async fn state_survives_a_restart() {
    let path = scratch_file("restart");
    let config = || EmulatorConfig::default().with_state_file(&path);

    let emulator = start_with(config()).await;
    assert!(path.exists(), "the state file is written at start");
    let kept = create_identity(&emulator).await;
    let deleted = create_identity(&emulator).await;
    let revoke = acs(
        &emulator,
        "POST",
        &format!("/identities/{kept}/:revokeAccessTokens?api-version={ACS_API}"),
        "",
    )
    .await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let delete = acs(
        &emulator,
        "DELETE",
        &format!("/identities/{deleted}?api-version={ACS_API}"),
        "",
    )
    .await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    let token = client_credentials_token(&emulator, "https://management.azure.com/.default").await;
    let service = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1";
    let put = client()
        .put(format!(
            "{}{service}/users/kept?api-version={APIM_API}",
            emulator.base_url()
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"properties": {"email": "k@contoso.com", "firstName": "K", "lastName": "P"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    // No shutdown: each change is on disk (in the journal) before its response.
    drop(emulator);
    let journal = std::fs::read_to_string(path.with_file_name("state.json.journal")).unwrap();
    assert_eq!(journal.lines().count(), 5, "one line per change: {journal}");

    let restarted = start_with(config()).await;
    let stats = restarted.stats();
    assert_eq!(stats.users, 1);
    assert_eq!(stats.apim_users, 3);
    let issue = acs(
        &restarted,
        "POST",
        &format!("/identities/{kept}/:issueAccessToken?api-version={ACS_API}"),
        r#"{"scopes":["chat"]}"#,
    )
    .await;
    assert_eq!(issue.status(), StatusCode::OK);
    let gone = acs(
        &restarted,
        "POST",
        &format!("/identities/{deleted}/:issueAccessToken?api-version={ACS_API}"),
        r#"{"scopes":["chat"]}"#,
    )
    .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    // Same secrets, same signing key: tokens from before the restart still work.
    let user = client()
        .get(format!(
            "{}{service}/users/kept?api-version={APIM_API}",
            restarted.base_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(user.status(), StatusCode::OK);
    restarted.shutdown().await;

    // A graceful stop folds the journal into the state file.
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(
        saved["identities"][&kept]["tokensRevokedAt"].is_string(),
        "{saved}"
    );
    assert!(saved["identities"].get(&deleted).is_none());
    assert_eq!(
        std::fs::metadata(path.with_file_name("state.json.journal"))
            .unwrap()
            .len(),
        0
    );
    let mut leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    leftovers.sort();
    assert_eq!(
        leftovers,
        ["state.json", "state.json.journal"],
        "no temporary files left behind"
    );
}

#[tokio::test]
async fn a_corrupt_state_file_fails_the_start() {
    let path = scratch_file("corrupt");
    std::fs::write(&path, "{ not json").unwrap();
    let error = Emulator::start(EmulatorConfig::default().with_state_file(&path))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("state.json"), "{error}");
}

#[tokio::test]
async fn bad_configuration_fails_the_start_without_echoing_secrets() {
    let error = Emulator::start(EmulatorConfig::default().with_access_key("%%secret%%"))
        .await
        .unwrap_err();
    assert!(!error.to_string().contains("%%secret%%"), "{error}");
    assert!(
        Emulator::start(EmulatorConfig::default().with_fault_rate(-0.1))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let emulator = start().await;
    let addr = emulator.local_addr();
    create_identity(&emulator).await;
    emulator.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn connection_string_and_base_url() {
    let emulator = start().await;
    let port = emulator.local_addr().port();
    assert_eq!(emulator.base_url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(
        emulator.connection_string().expose(),
        format!(
            "endpoint=http://127.0.0.1:{port}/;accesskey={}",
            defaults::ACS_ACCESS_KEY
        )
    );
    let debug = format!("{emulator:?} {:?}", emulator.connection_string());
    assert!(!debug.contains(defaults::ACS_ACCESS_KEY), "{debug}");
}

/// A TLS client trusting only the emulator's CA.
fn tls_connector(ca_pem: &str) -> tokio_rustls::TlsConnector {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn tls_serves_a_certificate_for_loopback_names_from_its_ca() {
    let emulator = start_with(EmulatorConfig::default().with_tls(true)).await;
    assert!(emulator.base_url().starts_with("https://127.0.0.1:"));
    let ca = emulator.ca_certificate_pem().unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    let connector = tls_connector(ca);
    for name in ["localhost", "127.0.0.1"] {
        let tcp = tokio::net::TcpStream::connect(emulator.local_addr())
            .await
            .unwrap();
        let server_name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
        let mut tls = connector.connect(server_name, tcp).await.unwrap();
        tls.write_all(
            format!("GET /_emulator/stats HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
        let mut response = String::new();
        tls.read_to_string(&mut response).await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
        assert!(response.contains("\"apim_users\":2"), "{response}");
    }
    let tcp = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .unwrap();
    let wrong_name = rustls::pki_types::ServerName::try_from("example.com").unwrap();
    assert!(connector.connect(wrong_name, tcp).await.is_err());

    // A CA from another emulator is not trusted.
    let other = start_with(EmulatorConfig::default().with_tls(true)).await;
    let tcp = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .unwrap();
    let localhost = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    assert!(
        tls_connector(other.ca_certificate_pem().unwrap())
            .connect(localhost, tcp)
            .await
            .is_err()
    );
    assert!(
        start().await.ca_certificate_pem().is_none(),
        "plain HTTP has no CA"
    );
}

#[tokio::test]
async fn the_acs_limit_refuses_creations_and_issues_beyond_it_until_the_window_ends() {
    let window = std::time::Duration::from_millis(1500);
    let emulator = start_with(EmulatorConfig::default().with_acs_throttle(3, window)).await;
    // Unauthenticated calls are refused as such and spend none of the quota.
    let create = format!("/identities?api-version={ACS_API}");
    let unsigned = || async {
        client()
            .post(format!("{}{create}", emulator.base_url()))
            .send()
            .await
            .unwrap()
            .status()
    };
    for _ in 0..5 {
        assert_eq!(unsigned().await, StatusCode::UNAUTHORIZED);
    }
    let id = create_identity(&emulator).await;
    let issue = format!(
        "/identities/{}/:issueAccessToken?api-version={ACS_API}",
        id.replace(':', "%3A")
    );
    for _ in 0..2 {
        let issued = acs(&emulator, "POST", &issue, r#"{"scopes":["voip"]}"#).await;
        assert_eq!(issued.status(), StatusCode::OK);
    }
    // The fourth creation or issue in the window is refused, unprocessed.
    let refused = acs(&emulator, "POST", &create, "").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let header = |name: &str| {
        refused.headers()[name]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let (wait_ms, wait_s) = (header("retry-after-ms"), header("retry-after"));
    assert!((1..=1500).contains(&wait_ms), "{wait_ms}");
    assert_eq!(wait_s, wait_ms.div_ceil(1000));
    assert_eq!(error_code(refused).await, "TooManyRequests");
    let refused_issue = acs(&emulator, "POST", &issue, r#"{"scopes":["voip"]}"#).await;
    assert_eq!(refused_issue.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(emulator.stats().users, 1, "a refused creation made nothing");
    // Beyond the limit, an unauthenticated call still gets its 401.
    assert_eq!(unsigned().await, StatusCode::UNAUTHORIZED);
    assert_eq!(emulator.stats().tokens_issued, 2);
    assert_eq!(
        emulator.stats().throttled,
        2,
        "the refused creation and issue"
    );
    // Revokes are not counted against it.
    let revoke = format!(
        "/identities/{}/:revokeAccessTokens?api-version={ACS_API}",
        id.replace(':', "%3A")
    );
    assert_eq!(
        acs(&emulator, "POST", &revoke, "").await.status(),
        StatusCode::NO_CONTENT
    );
    // After the wait it asked for, a new window.
    tokio::time::sleep(std::time::Duration::from_millis(wait_ms + 50)).await;
    create_identity(&emulator).await;
    assert_eq!(emulator.stats().users, 2);
}

#[tokio::test]
async fn latency_delays_acs_answers_and_not_entra() {
    let latency = std::time::Duration::from_millis(800);
    let emulator = start_with(EmulatorConfig::default().with_latency(latency)).await;
    let started = std::time::Instant::now();
    create_identity(&emulator).await;
    assert!(started.elapsed() >= latency, "{:?}", started.elapsed());
    let started = std::time::Instant::now();
    client_credentials_token(&emulator, "https://communication.azure.com/.default").await;
    assert!(started.elapsed() < latency, "{:?}", started.elapsed());
    let refused = Emulator::start(
        EmulatorConfig::default()
            .with_listen("127.0.0.1:0".parse().unwrap())
            .with_latency(std::time::Duration::from_secs(61)),
    )
    .await;
    assert!(refused.is_err(), "more than a minute of latency is refused");
}
