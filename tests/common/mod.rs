//! Helpers shared by the integration tests: an in-process emulator and
//! clients pointed at it.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use azure_user_tokens::credential::{ClientSecretCredential, ClientSecretCredentialOptions};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, Stats};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions,
};
use azure_user_tokens::{ClientOptions, RetryOptions};

/// An emulator on 127.0.0.1 with the well-known defaults.
pub async fn emulator() -> Emulator {
    emulator_with(EmulatorConfig::default()).await
}

/// An emulator with `config`.
pub async fn emulator_with(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).await.expect("the emulator starts")
}

/// Fast retries, so fault tests take milliseconds.
pub fn fast_retries(max_retries: u32) -> ClientOptions {
    ClientOptions::default().with_retry(
        RetryOptions::default()
            .with_max_retries(max_retries)
            .with_initial_delay(Duration::from_millis(1))
            .with_max_delay(Duration::from_millis(20)),
    )
}

/// An identity client signing with the emulator's access key.
pub fn identity_client(emulator: &Emulator) -> CommunicationIdentityClient {
    CommunicationIdentityClient::from_connection_string(&emulator.connection_string(), None)
        .expect("the emulator's connection string is valid")
}

/// An identity client signing with the emulator's access key, with `options`.
pub fn identity_client_with(
    emulator: &Emulator,
    options: ClientOptions,
) -> CommunicationIdentityClient {
    let options = CommunicationIdentityClientOptions::default().with_client_options(options);
    CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        Some(options),
    )
    .expect("the emulator's connection string is valid")
}

/// A client-secret credential against the emulator's Entra endpoint.
pub fn entra_credential(emulator: &Emulator) -> Arc<ClientSecretCredential> {
    let options = ClientSecretCredentialOptions::default().with_client_options(fast_retries(12));
    Arc::new(
        emulator
            .settings()
            .credential(Some(options))
            .expect("the emulator's credentials are valid"),
    )
}

/// The CLI binary in a clean environment: only `PATH`, a scratch `HOME`, and
/// a closed loopback port as the managed-identity endpoint (never the real
/// IMDS address), with `args` and `env` added.
#[cfg(feature = "cli")]
pub fn cli_command(args: &[&str], env: &[(&str, &str)]) -> std::process::Command {
    let home = std::env::temp_dir().join(format!("aut-cli-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("a scratch HOME");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_azure-user-tokens"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9")
        .envs(env.iter().copied());
    command
}

/// Runs `command` to completion, feeding `stdin` (if any) and capturing
/// stdout and stderr.
pub fn output_of(mut command: std::process::Command, stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the command starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input.as_bytes())
            .expect("stdin takes the input");
    }
    child.wait_with_output().expect("the command finishes")
}

/// Checks `value` against the JSON Schema of the CLI shape whose command
/// name contains `schema_key` (`azure_user_tokens::cli::shapes::schemas`).
#[cfg(feature = "cli")]
pub fn assert_shape(value: &serde_json::Value, schema_key: &str) {
    let (_, schema) = azure_user_tokens::cli::shapes::schemas()
        .into_iter()
        .find(|(key, _)| key.contains(schema_key))
        .unwrap_or_else(|| panic!("no schema for {schema_key}"));
    let schema = serde_json::to_value(schema).expect("a schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{schema_key}: {errors:?} in {value}");
}

/// The CLI flags naming the emulator's APIM service.
pub const APIM_SERVICE_ARGS: [&str; 6] = [
    "--subscription-id",
    "00000000-0000-0000-0000-000000000000",
    "--resource-group",
    "rg1",
    "--service-name",
    "apimService1",
];

/// The emulator's request counter.
pub fn requests(emulator: &Emulator) -> u64 {
    stats(emulator).requests
}

/// The emulator's counters.
pub fn stats(emulator: &Emulator) -> Stats {
    emulator.stats()
}

/// A credential that counts the tokens asked of it (to prove a call used none).
#[derive(Debug)]
pub struct CountingCredential<C> {
    inner: C,
    calls: std::sync::atomic::AtomicUsize,
}

impl<C> CountingCredential<C> {
    /// Counts the calls made to `inner`.
    pub fn new(inner: C) -> Self {
        CountingCredential {
            inner,
            calls: Default::default(),
        }
    }

    /// How many tokens were asked for.
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl<C: azure_user_tokens::credential::TokenCredential>
    azure_user_tokens::credential::TokenCredential for CountingCredential<C>
{
    fn get_token<'a>(
        &'a self,
        scope: &'a str,
    ) -> azure_user_tokens::pipeline::BoxFuture<
        'a,
        azure_user_tokens::Result<azure_user_tokens::AccessToken>,
    > {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.get_token(scope)
    }
}
