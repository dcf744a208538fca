//! `azure-user-tokens emulator`: what it prints, which secrets it never
//! echoes, and that it serves once it says `ready:`.
#![cfg(all(feature = "emulator", feature = "cli"))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use azure_user_tokens::emulator::defaults;

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
        let mut command = Command::new(BINARY);
        command
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
            let ready = line.starts_with("ready:");
            banner.push(line);
            if ready {
                break;
            }
        }
        assert!(
            banner.last().is_some_and(|l| l.starts_with("ready:")),
            "{banner:?}"
        );
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
        let authority = self.line("endpoint: ").trim_start_matches("http://");
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
    let response = running.get("/_emulator/stats");
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.contains("\"users\":0"), "{response}");
}

#[test]
fn a_given_key_or_secret_is_never_echoed() {
    let key = "c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA==";
    let secret = "client-secret-not-to-be-printed";
    let from_flags = Running::start(&["--access-key", key, "--client-secret", secret], &[]);
    let from_env = Running::start(
        &[],
        &[
            ("AZURE_USER_TOKENS_EMULATOR_ACCESS_KEY", key),
            ("AZURE_USER_TOKENS_EMULATOR_CLIENT_SECRET", secret),
        ],
    );
    for running in [&from_flags, &from_env] {
        let text = running.text();
        assert!(!text.contains(key), "{text}");
        assert!(!text.contains(secret), "{text}");
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
