//! `azure-user-tokens emulator`: what it prints, which secrets it never
//! echoes, and that it serves once it says `ready:`.
#![cfg(all(feature = "emulator", feature = "cli"))]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use azure_user_tokens::emulator::defaults;
use common::assert_shape;
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_azure-user-tokens");

/// A running `azure-user-tokens emulator`, killed on drop.
struct Running {
    child: Child,
    banner: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Starts the emulator and reads its banner up to the `ready:` line.
    fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
        let running = Running::spawn(&[], args, env, |line| line.starts_with("ready:"));
        assert!(
            running
                .banner
                .last()
                .is_some_and(|l| l.starts_with("ready:")),
            "{:?}",
            running.banner
        );
        running
    }

    /// Starts it with `global` flags before `emulator` and `args` after
    /// (together asking for JSON), and parses its first line.
    fn start_json(global: &[&str], args: &[&str], env: &[(&str, &str)]) -> (Running, Value) {
        let running = Running::spawn(global, args, env, |_| true);
        let line = running.banner.first().expect("a first line");
        let document = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("the first line is not JSON ({e}): {line}"));
        (running, document)
    }

    /// Starts it and reads stdout up to the line `last` accepts.
    fn spawn(
        global: &[&str],
        args: &[&str],
        env: &[(&str, &str)],
        last: impl Fn(&str) -> bool,
    ) -> Running {
        let mut command = Command::new(BINARY);
        command
            .args(global)
            .arg("emulator")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut banner = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = last(&line);
            banner.push(line);
            if done {
                break;
            }
        }
        Running { child, banner }
    }

    fn line(&self, prefix: &str) -> &str {
        self.banner
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in {:?}", self.banner))
    }

    fn text(&self) -> String {
        self.banner.join("\n")
    }

    /// `GET path` over plain HTTP; the raw response.
    fn get(&self, path: &str) -> String {
        get(self.line("endpoint: "), path)
    }
}

/// `GET path` from a plain-HTTP `endpoint`; the raw response.
fn get(endpoint: &str, path: &str) -> String {
    let authority = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Runs the binary, which must finish within 10 s (a command that should
/// be refused must not start serving).
fn run_briefly(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(BINARY)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} still running after 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Sends SIGTERM and returns everything it printed on stdout after `read`.
#[cfg(unix)]
fn stop(mut running: Running) -> String {
    let status = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut rest = String::new();
    if let Some(mut stdout) = running.child.stdout.take() {
        stdout.read_to_string(&mut rest).unwrap();
    }
    assert!(running.child.wait().unwrap().success());
    rest
}

#[test]
fn default_key_prints_the_full_connection_string_and_serves() {
    let running = Running::start(&[], &[]);
    let endpoint = running.line("endpoint: ");
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    assert_eq!(
        running.line("connection string: "),
        format!(
            "endpoint={endpoint}/;accesskey={}",
            defaults::ACS_ACCESS_KEY
        )
    );
    assert_eq!(running.line("entra user: "), defaults::USER_NAME);
    assert_eq!(
        running.line("entra user password: "),
        defaults::USER_PASSWORD
    );
    let response = running.get("/_emulator/stats");
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("\"users\":0"), "{response}");
}

#[test]
fn a_given_key_or_secret_is_never_echoed() {
    let key = "c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA==";
    let secret = "client-secret-not-to-be-printed";
    let user = "bob@contoso.com:user-password-not-to-be-printed";
    let from_flags = Running::start(
        &[
            "--access-key",
            key,
            "--client-secret",
            secret,
            "--user",
            user,
        ],
        &[],
    );
    let from_env = Running::start(
        &[],
        &[
            ("AZURE_USER_TOKENS_EMULATOR_ACCESS_KEY", key),
            ("AZURE_USER_TOKENS_EMULATOR_CLIENT_SECRET", secret),
            ("AZURE_USER_TOKENS_EMULATOR_USER", user),
        ],
    );
    for running in [&from_flags, &from_env] {
        let text = running.text();
        assert!(!text.contains(key), "{text}");
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains("user-password-not-to-be-printed"), "{text}");
        assert_eq!(running.line("entra user: "), defaults::USER_NAME);
        assert!(
            running
                .line("connection string: ")
                .ends_with(";accesskey=<value of --access-key>"),
            "{text}"
        );
    }
}

#[test]
fn tls_prints_where_the_ca_is_written() {
    let dir = std::env::temp_dir().join(format!("aut-emulator-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    let running = Running::start(&["--tls", "--ca-file", ca.to_str().unwrap()], &[]);
    assert!(running.line("endpoint: ").starts_with("https://127.0.0.1:"));
    assert_eq!(running.line("tls ca certificate: "), ca.to_str().unwrap());
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(!pem.contains("PRIVATE KEY"));
}

#[cfg(unix)]
#[test]
fn tls_never_writes_through_a_planted_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("aut-emulator-ca-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let planted = dir.join("ca.pem");
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let running = Running::start(&["--tls", "--ca-file", planted.to_str().unwrap()], &[]);
    assert_eq!(
        running.line("tls ca certificate: "),
        planted.to_str().unwrap()
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let meta = std::fs::symlink_metadata(&planted).unwrap();
    assert!(meta.is_file(), "the symlink was replaced by a file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);

    // Without --ca-file: a fresh private directory, not a predictable /tmp name.
    let default = Running::start(&["--tls"], &[]);
    let ca = std::path::PathBuf::from(default.line("tls ca certificate: "));
    let parent = ca.parent().unwrap();
    assert_eq!(
        std::fs::metadata(parent).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        std::fs::metadata(&ca).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let other = Running::start(&["--tls"], &[]);
    let other_ca = std::path::PathBuf::from(other.line("tls ca certificate: "));
    assert_ne!(other_ca, ca);
    // Killed, not stopped: remove what a graceful stop would have.
    for file in [&ca, &other_ca] {
        let _ = std::fs::remove_dir_all(file.parent().unwrap());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn faults_print_their_seed() {
    let running = Running::start(&["--fault-rate", "0.25", "--fault-seed", "99"], &[]);
    assert_eq!(
        running.line("faults: "),
        "rate 0.25 seed 99 retry-after-ms 1000"
    );
}

#[test]
fn a_bad_key_is_a_usage_error_without_the_key() {
    let output = Command::new(BINARY)
        .args(["emulator", "--access-key", "%%not-base64%%"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("access key"), "{stderr}");
    assert!(!stderr.contains("%%not-base64%%"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_gracefully() {
    let mut running = Running::start(&[], &[]);
    let status = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = running.child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

/// The flags that configure clients of a service, not the emulator.
const CLIENT_FLAGS: [(&str, &str); 4] = [
    (
        "--connection-string",
        "endpoint=http://127.0.0.1:1/;accesskey=c2VjcmV0LWluLWEtZmxhZw==",
    ),
    ("--endpoint", "http://127.0.0.1:1"),
    ("--management-endpoint", "http://127.0.0.1:2"),
    ("--authority-host", "http://127.0.0.1:3"),
];

#[test]
fn help_offers_no_flag_it_would_ignore() {
    let output = run_briefly(&["emulator", "--help"], &[]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for (flag, _) in CLIENT_FLAGS {
        assert!(!help.contains(flag), "{flag} offered in:\n{help}");
    }
    for flag in ["--listen", "--access-key", "--tls", "--output", "--verbose"] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
    assert!(help.contains("[default: text]"), "{help}");
}

#[test]
fn client_flags_are_refused_before_or_after_the_subcommand() {
    for (flag, value) in CLIENT_FLAGS {
        for args in [
            vec!["emulator", "--listen", "127.0.0.1:0", flag, value],
            vec![flag, value, "emulator", "--listen", "127.0.0.1:0"],
        ] {
            let output = run_briefly(&args, &[]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("`emulator` does not take {flag}")),
                "{args:?}: {stderr}"
            );
            assert!(!stderr.contains(value), "{args:?} echoed: {stderr}");
            assert!(output.stdout.is_empty(), "{args:?} started serving");
        }
    }
}

#[test]
fn endpoint_variables_are_not_flags() {
    let running = Running::start(
        &[],
        &[
            ("AZURE_AUTHORITY_HOST", "https://login.example.com"),
            (
                "AZURE_RESOURCE_MANAGER_ENDPOINT",
                "https://management.example.com",
            ),
        ],
    );
    assert!(
        running
            .get("/_emulator/stats")
            .starts_with("HTTP/1.1 200 OK")
    );
}

#[cfg(unix)]
#[test]
fn json_output_is_one_line_matching_its_schema() {
    let (running, document) = Running::start_json(&[], &["--output", "json"], &[]);
    assert_shape(&document, "emulator --output json");
    let endpoint = document["endpoint"].as_str().unwrap().to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{document}");
    assert_eq!(
        document["connection_string"],
        format!(
            "endpoint={endpoint}/;accesskey={}",
            defaults::ACS_ACCESS_KEY
        )
    );
    assert_eq!(document["access_key"], defaults::ACS_ACCESS_KEY);
    assert_eq!(document["entra"]["authority"], endpoint.as_str());
    assert_eq!(document["entra"]["tenant_id"], defaults::TENANT_ID);
    assert_eq!(document["entra"]["client_id"], defaults::CLIENT_ID);
    assert_eq!(document["entra"]["client_secret"], defaults::CLIENT_SECRET);
    assert_eq!(document["entra"]["user"], defaults::USER_NAME);
    assert_eq!(document["entra"]["user_password"], defaults::USER_PASSWORD);
    assert_eq!(
        document["apim"]["subscription_id"],
        defaults::SUBSCRIPTION_ID
    );
    assert_eq!(document["apim"]["resource_group"], defaults::RESOURCE_GROUP);
    assert_eq!(document["apim"]["service_name"], defaults::APIM_SERVICE);
    assert_eq!(document["apim"]["primary_key"], defaults::APIM_PRIMARY_KEY);
    assert_eq!(
        document["apim"]["secondary_key"],
        defaults::APIM_SECONDARY_KEY
    );
    assert_eq!(document["faults"], Value::Null);
    let stats = document["stats_url"].as_str().unwrap();
    let path = stats.strip_prefix(endpoint.as_str()).unwrap();
    assert!(get(&endpoint, path).starts_with("HTTP/1.1 200 OK"));
    // Nothing else on stdout, even once stopped: a script can parse it all.
    assert_eq!(stop(running), "");
}

#[test]
fn json_output_never_echoes_a_key_you_set() {
    let key = "c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA==";
    let secret = "client-secret-not-to-be-printed";
    let apim_key = "apim-key-not-to-be-printed";
    // `-o json` before the subcommand reaches it too.
    let (running, document) = Running::start_json(
        &["-o", "json"],
        &[
            "--access-key",
            key,
            "--apim-primary-key",
            apim_key,
            "--fault-rate",
            "0.5",
            "--fault-seed",
            "7",
        ],
        &[
            ("AZURE_USER_TOKENS_EMULATOR_CLIENT_SECRET", secret),
            ("AZURE_USER_TOKENS_EMULATOR_RESOURCE_ID", "my-resource"),
            (
                "AZURE_USER_TOKENS_EMULATOR_USER",
                "bob@contoso.com:user-password-not-to-be-printed",
            ),
        ],
    );
    drop(running);
    assert_shape(&document, "emulator --output json");
    let text = document.to_string();
    assert_eq!(document["entra"]["user"], defaults::USER_NAME);
    for hidden in [key, secret, apim_key, "user-password-not-to-be-printed"] {
        assert!(!text.contains(hidden), "{text}");
    }
    assert_eq!(document["connection_string"], Value::Null);
    assert_eq!(document["access_key"], Value::Null);
    assert_eq!(document["entra"]["client_secret"], Value::Null);
    assert_eq!(document["apim"]["primary_key"], Value::Null);
    assert_eq!(
        document["apim"]["secondary_key"],
        defaults::APIM_SECONDARY_KEY
    );
    assert_eq!(document["resource_id"], "my-resource");
    assert_eq!(
        document["faults"],
        serde_json::json!({"rate": 0.5, "seed": 7, "retry_after_ms": 1000})
    );
}

#[test]
fn async_delete_polls_out_of_range_are_a_usage_error() {
    let output = Command::new(BINARY)
        .args(["emulator", "--async-deletes", "--async-delete-polls", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("async delete polls"), "{stderr}");
}

#[tokio::test]
async fn async_deletes_answer_202() {
    azure_user_tokens::http::install_crypto_provider();
    let running = Running::start(&["--async-deletes", "--async-delete-polls", "1"], &[]);
    let base = running.line("endpoint: ").trim_end_matches('/').to_string();
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .post(format!("{base}/{}/oauth2/v2.0/token", defaults::TENANT_ID))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", defaults::CLIENT_ID),
            ("client_secret", defaults::CLIENT_SECRET),
            ("scope", "https://management.azure.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap();
    let response = http
        .delete(format!(
            "{base}/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ApiManagement/service/{}/users/1?api-version=2024-05-01",
            defaults::SUBSCRIPTION_ID,
            defaults::RESOURCE_GROUP,
            defaults::APIM_SERVICE
        ))
        .bearer_auth(token)
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let done = http.get(location).bearer_auth(token).send().await.unwrap();
    assert_eq!(done.status(), reqwest::StatusCode::NO_CONTENT);
}
