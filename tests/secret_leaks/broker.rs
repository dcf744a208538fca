//! `azure-user-tokens broker` with this suite's secrets in its configuration
//! (the ACS connection string, the Entra client secret for APIM, a database
//! URL with a password), at TRACE: its stdout, stderr and HTTP answers never
//! show one, nor a bearer token it was sent, nor an ACS token it handed out
//! (those appear only in the answer that carries them).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use azure_user_tokens::emulator::{Emulator, EntraTokenClaims};
use clap::Parser;
use reqwest::StatusCode;

use crate::cli::{Printed, command, printed};
use crate::scan::{self, Secrets};

/// The password of the database URLs the broker is given.
pub const DATABASE_PASSWORD: &str = "leak-test-database-password-4242";
const AUDIENCE: &str = "api://leak-test-broker";
const APIM_SERVICE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1";

/// What one look at the broker showed: where, the text, and the secrets
/// allowed in it (the token an answer was asked to carry).
pub struct Seen {
    pub place: String,
    pub text: String,
    pub allowed: Vec<String>,
}

/// Runs a broker against `emulator` through its routes, then brokers that
/// cannot start; returns everything they printed and answered.
pub async fn run_all(emulator: &Emulator, secrets: &Secrets) -> Vec<Seen> {
    secrets.add("the database password", DATABASE_PASSWORD);
    let mut seen = vec![parsed_command_line(emulator)];
    seen.extend(serving(emulator, secrets).await);
    for (what, env) in failing_starts(emulator) {
        let args = broker_args(emulator);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let broker = command(&args, &env);
        let output = tokio::task::spawn_blocking(move || crate::common::output_of(broker, None))
            .await
            .unwrap();
        assert!(
            !output.status.success(),
            "{what}: the broker refuses to start"
        );
        let printed = printed(&["broker", what], output);
        assert!(
            printed.stderr.contains("error:"),
            "{what}: says why on stderr: {}",
            printed.stderr
        );
        seen.extend(of_printed(printed));
    }
    seen
}

/// The `Debug` of a parsed `broker` command line holding the secrets as flags.
fn parsed_command_line(emulator: &Emulator) -> Seen {
    let database = format!("postgres://broker:{DATABASE_PASSWORD}@127.0.0.1:9/broker");
    let mut args = vec![
        "azure-user-tokens".to_string(),
        "--connection-string".to_string(),
        emulator.connection_string().expose().to_string(),
    ];
    args.extend(broker_args(emulator));
    args.extend(["--database".to_string(), database]);
    let cli = azure_user_tokens::cli::Cli::try_parse_from(args).unwrap();
    Seen {
        place: "the Debug of the parsed broker command line".to_string(),
        text: format!("{cli:?}"),
        allowed: Vec::new(),
    }
}

/// The flags every run shares: the emulator's Entra as the issuer, an APIM
/// service, no rate limit.
fn broker_args(emulator: &Emulator) -> Vec<String> {
    [
        "broker",
        "--listen",
        "127.0.0.1:0",
        "--issuer",
        &emulator.entra_issuer(),
        "--audience",
        AUDIENCE,
        "--apim-service",
        APIM_SERVICE,
        "--rate-limit-per-minute",
        "0",
    ]
    .map(String::from)
    .to_vec()
}

/// The ACS connection string and the ARM credentials (client secret), as
/// the README configures them: through the environment.
fn upstream_env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    let config = emulator.config();
    vec![
        (
            "COMMUNICATION_SERVICES_CONNECTION_STRING",
            emulator.connection_string().expose().to_string(),
        ),
        ("AZURE_TENANT_ID", config.tenant_id().to_string()),
        ("AZURE_CLIENT_ID", config.client_id().to_string()),
        ("AZURE_CLIENT_SECRET", scan::CLIENT_SECRET.to_string()),
        ("AZURE_AUTHORITY_HOST", emulator.base_url().to_string()),
        (
            "AZURE_RESOURCE_MANAGER_ENDPOINT",
            emulator.base_url().to_string(),
        ),
    ]
}

/// Configurations a broker cannot start with, each holding a secret.
fn failing_starts(emulator: &Emulator) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let with = |name: &'static str, value: String| {
        let mut env = upstream_env(emulator);
        env.retain(|(k, _)| *k != name);
        env.push((name, value));
        env
    };
    vec![
        (
            "a PostgreSQL server that is not there",
            with(
                "AZURE_USER_TOKENS_BROKER_DATABASE",
                format!("postgres://broker:{DATABASE_PASSWORD}@127.0.0.1:9/broker"),
            ),
        ),
        (
            "a PostgreSQL URL with a bad port",
            with(
                "AZURE_USER_TOKENS_BROKER_DATABASE",
                format!("postgres://broker:{DATABASE_PASSWORD}@127.0.0.1:port/broker"),
            ),
        ),
        (
            "a connection string with a bad endpoint",
            with(
                "COMMUNICATION_SERVICES_CONNECTION_STRING",
                format!("endpoint=not a url;accesskey={}", scan::access_key()),
            ),
        ),
    ]
}

/// A broker that serves: every route, good and bad bearer tokens, then SIGTERM.
async fn serving(emulator: &Emulator, secrets: &Secrets) -> Vec<Seen> {
    let dir = std::env::temp_dir().join(format!("leak-test-broker-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut env = upstream_env(emulator);
    env.push((
        "AZURE_USER_TOKENS_BROKER_DATABASE",
        format!("sqlite://{}", dir.join("broker.db").display()),
    ));
    let args = broker_args(emulator);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = command(&args, &env)
        .stdin(Stdio::null())
        .spawn()
        .expect("the broker starts");
    let stdout = child.stdout.take().unwrap();
    let child = KillOnDrop(Some(child));
    let (banner, base_url) = tokio::task::spawn_blocking(move || {
        let mut banner = String::new();
        let mut base_url = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            banner.push_str(&line);
            banner.push('\n');
            if let Some(url) = line.strip_prefix("broker: ") {
                base_url = url.to_string();
            }
            if line.starts_with("ready:") {
                break;
            }
        }
        (banner, base_url)
    })
    .await
    .unwrap();
    assert!(!base_url.is_empty(), "the broker started: {banner}");

    let mut seen = Vec::new();
    let bearer = |object_id: &str, lifetime: chrono::Duration| {
        let token = emulator.mint_entra_token(&EntraTokenClaims::new(
            AUDIENCE,
            "11111111-2222-3333-4444-555555555555",
            object_id,
            lifetime,
        ));
        secrets.add("a bearer token sent to the broker", token.expose());
        token.expose().to_string()
    };
    let user = bearer("leak-test-user", chrono::Duration::hours(1));
    let expired = bearer("leak-test-user", chrono::Duration::hours(-1));
    let mut forged = user.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    let http = {
        azure_user_tokens::http::install_crypto_provider();
        reqwest::Client::new()
    };
    let token_request = serde_json::json!({"scopes": ["voip"], "expiresInMinutes": 60});
    let requests: Vec<(&str, &str, Option<&str>, Option<serde_json::Value>)> = vec![
        (
            "POST",
            "/v1/token",
            Some(&user),
            Some(token_request.clone()),
        ),
        (
            "POST",
            "/v1/token",
            Some(&user),
            Some(token_request.clone()),
        ),
        ("GET", "/v1/me", Some(&user), None),
        (
            "POST",
            "/v1/apim-token",
            Some(&user),
            Some(serde_json::json!({"expiresIn": "PT1H"})),
        ),
        (
            "POST",
            "/v1/token",
            Some(&expired),
            Some(token_request.clone()),
        ),
        (
            "POST",
            "/v1/token",
            Some(&forged),
            Some(token_request.clone()),
        ),
        ("POST", "/v1/token", None, Some(token_request.clone())),
        (
            "POST",
            "/v1/token",
            Some(&user),
            Some(serde_json::json!({"scopes": ["not-a-scope"]})),
        ),
        ("POST", "/v1/me/revoke", Some(&user), None),
        ("DELETE", "/v1/me", Some(&user), None),
        ("GET", "/readyz", None, None),
        ("GET", "/metrics", None, None),
    ];
    let mut issued = 0;
    for (method, path, bearer, body) in requests {
        let mut request = http.request(method.parse().unwrap(), format!("{base_url}{path}"));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status();
        let headers = format!("{:?}", answer.headers());
        let text = answer.text().await.unwrap();
        let mut allowed = Vec::new();
        if status == StatusCode::OK && path == "/v1/token" {
            let body: serde_json::Value = serde_json::from_str(&text).unwrap();
            let token = body["token"].as_str().unwrap().to_string();
            secrets.add("an ACS token the broker handed out", &token);
            allowed.push(token);
            issued += 1;
        }
        seen.push(Seen {
            place: format!("the answer to {method} {path} ({status})"),
            text: format!("{headers}\n{text}"),
            allowed,
        });
    }
    assert_eq!(issued, 2, "the broker handed out tokens");

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap();
    assert!(output.status.success(), "SIGTERM is a clean exit");
    let mut printed = printed(&args, output);
    printed.stdout.insert_str(0, &banner);
    assert!(
        printed.stderr.contains("TRACE") || printed.stderr.contains("DEBUG"),
        "the broker logged at TRACE: {}",
        printed.stderr
    );
    seen.extend(of_printed(printed));
    let _ = std::fs::remove_dir_all(&dir);
    seen
}

fn of_printed(printed: Printed) -> [Seen; 2] {
    [
        Seen {
            place: format!("stdout of `{}`", printed.command),
            text: printed.stdout,
            allowed: Vec::new(),
        },
        Seen {
            place: format!("stderr of `{}`", printed.command),
            text: printed.stderr,
            allowed: Vec::new(),
        },
    ]
}

/// The broker process, killed if the test fails before stopping it.
struct KillOnDrop(Option<std::process::Child>);

impl KillOnDrop {
    fn id(&self) -> u32 {
        self.0.as_ref().map_or(0, std::process::Child::id)
    }

    fn wait_with_output(mut self) -> std::process::Output {
        self.0.take().unwrap().wait_with_output().unwrap()
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
