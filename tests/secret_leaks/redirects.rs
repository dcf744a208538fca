//! Redirect targets: a server on 127.0.0.1 answers every request with a
//! redirect to a second one (another origin), which records whatever
//! reaches it. Every kind of credentialed request — the Entra client-secret
//! form, managed identity, HMAC-signed and bearer ACS calls, ARM calls and
//! their nextLink pages — must stop at the redirect with a typed error that
//! does not name the target; the second server must see nothing.

use std::sync::{Arc, Mutex};

use azure_user_tokens::apim::{ApiManagementClient, ApiManagementClientOptions, ApimUserRef};
use azure_user_tokens::credential::{
    ClientSecretCredential, ClientSecretCredentialOptions, MANAGEMENT_SCOPE,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, StaticTokenCredential,
    TokenCredential,
};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions,
};
use azure_user_tokens::{AccessToken, ClientOptions, Error, RetryOptions, Secret};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::scan::{self, Secrets};

/// A server that keeps every byte it receives and answers with a token.
pub struct Recorder {
    pub url: String,
    received: Arc<Mutex<Vec<u8>>>,
    connections: Arc<Mutex<usize>>,
    task: JoinHandle<()>,
}

impl Recorder {
    pub async fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let (bytes, count) = (received.clone(), connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                *count.lock().unwrap() += 1;
                let bytes = bytes.clone();
                tokio::spawn(async move {
                    let mut buffer = [0u8; 8192];
                    // Whatever arrives in the first moments is kept.
                    while let Ok(Ok(n)) = tokio::time::timeout(
                        std::time::Duration::from_millis(200),
                        stream.read(&mut buffer),
                    )
                    .await
                    {
                        if n == 0 {
                            break;
                        }
                        bytes.lock().unwrap().extend_from_slice(&buffer[..n]);
                    }
                    let body = r#"{"access_token":"stolen","expires_in":3600,"expires_on":"4102444800","token":"stolen","expiresOn":"2100-01-01T00:00:00Z","identity":{"id":"8:acs:x_y"}}"#;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Recorder {
            url,
            received,
            connections,
            task,
        }
    }

    pub fn received(&self) -> String {
        String::from_utf8_lossy(&self.received.lock().unwrap()).into_owned()
    }

    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A server that answers every request with `status` and a `Location` on
/// the recorder (a path carrying a would-be secret, to check errors never
/// name it).
pub async fn redirector(status: u16, target: &str) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let location = format!("{target}/collect?sig=redirect-target-marker");
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let location = location.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 8192];
                let _ = tokio::time::timeout(
                    std::time::Duration::from_millis(200),
                    stream.read(&mut buffer),
                )
                .await;
                let answer = format!(
                    "HTTP/1.1 {status} Moved\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, task)
}

fn once() -> ClientOptions {
    ClientOptions::default().with_retry(RetryOptions::none())
}

/// Each credentialed request kind against a redirect; returns the errors.
async fn every_kind(url: &str) -> Vec<(&'static str, azure_user_tokens::Result<()>)> {
    let connection_string = format!("endpoint={url}/;accesskey={}", scan::access_key());
    let identity_options =
        || Some(CommunicationIdentityClientOptions::default().with_client_options(once()));
    let hmac = CommunicationIdentityClient::from_connection_string(
        &Secret::new(connection_string),
        identity_options(),
    )
    .unwrap();
    let bearer = Arc::new(StaticTokenCredential::new(AccessToken::new(
        scan::CLIENT_SECRET,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )));
    let acs_bearer =
        CommunicationIdentityClient::new(url, bearer.clone(), identity_options()).unwrap();
    let arm = ApiManagementClient::new(
        url,
        bearer,
        Some(ApiManagementClientOptions::default().with_client_options(once())),
    )
    .unwrap();
    let user = ApimUserRef::new(
        "00000000-0000-0000-0000-000000000000",
        "rg1",
        "apimService1",
        "u1",
    )
    .unwrap();
    let secret = ClientSecretCredential::new(
        "t",
        "c",
        Secret::new(scan::CLIENT_SECRET),
        Some(
            ClientSecretCredentialOptions::default()
                .with_authority_host(url)
                .with_client_options(once()),
        ),
    )
    .unwrap();
    let managed = ManagedIdentityCredential::new(Some(
        ManagedIdentityCredentialOptions::default().with_endpoint(url),
    ))
    .unwrap();
    let mut listed = arm.list_users(user.service(), None);
    let list = match listed.next().await {
        Some(Err(error)) => Err(error),
        _ => Ok(()),
    };
    vec![
        (
            "the Entra client-secret form",
            secret.get_token(MANAGEMENT_SCOPE).await.map(drop),
        ),
        (
            "managed identity",
            managed.get_token(MANAGEMENT_SCOPE).await.map(drop),
        ),
        (
            "an HMAC-signed ACS call",
            hmac.create_user().await.map(drop),
        ),
        (
            "a bearer ACS call",
            acs_bearer.create_user().await.map(drop),
        ),
        ("an ARM call", arm.get_user(&user).await.map(drop)),
        ("an ARM list (paged)", list),
    ]
}

/// Runs every kind against 301/302/303/307/308; returns problems found.
pub async fn check(secrets: &Secrets) -> Vec<String> {
    let recorder = Recorder::start().await;
    let mut problems = Vec::new();
    for status in [301, 302, 303, 307, 308] {
        let (url, task) = redirector(status, &recorder.url).await;
        for (kind, outcome) in every_kind(&url).await {
            match outcome {
                Ok(()) => problems.push(format!("{status}: {kind} succeeded through a redirect")),
                Err(error) => problems.extend(error_problems(status, kind, &error, secrets)),
            }
        }
        task.abort();
    }
    let received = recorder.received();
    problems.extend(secrets.find_in("what reached the redirect target", &received, &[]));
    if recorder.connections() != 0 {
        problems.push(format!(
            "the redirect target got {} connection(s): {}",
            recorder.connections(),
            &received[..received.len().min(300)]
        ));
    }
    problems
}

fn error_problems(status: u16, kind: &str, error: &Error, secrets: &Secrets) -> Vec<String> {
    let text = format!("{error} {error:?}");
    let mut problems = secrets.find_in(&format!("{status}: the error of {kind}"), &text, &[]);
    if error.status() != Some(status) || !error.message().contains("redirect") {
        problems.push(format!("{status}: {kind}: not a redirect error: {error}"));
    }
    if text.contains("redirect-target-marker") {
        problems.push(format!("{status}: {kind}: the error names the target"));
    }
    problems
}
