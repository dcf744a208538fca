//! `azure-user-tokens emulator`: run the local emulator until Ctrl-C (or SIGTERM).
//!
//! It is ready when it has printed its `ready:` line (text, the default) or
//! its one-line JSON document (`--output json`). Secrets given as flags are
//! visible to other users of the machine (a known weakness of argv): each can
//! come from an environment variable instead.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::failure::{CommandResult, Failure};
use super::output::OutputFormat;
use super::shapes::{EmulatorApim, EmulatorEntra, EmulatorFaults, EmulatorStarted};
use super::signal::stop_signal;
use crate::Secret;
use crate::emulator::{Emulator, EmulatorConfig, EmulatorError, defaults};

/// Flags of `azure-user-tokens emulator`; every one has a documented default.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR:PORT", default_value = defaults::LISTEN)]
    listen: SocketAddr,

    /// ACS access key (base64) that signed requests must use [default: the
    /// well-known emulator key].
    #[arg(
        long,
        value_name = "BASE64",
        env = "AZURE_USER_TOKENS_EMULATOR_ACCESS_KEY",
        hide_env_values = true
    )]
    access_key: Option<Secret>,

    /// ACS resource id, part of every user id.
    #[arg(long, value_name = "ID", env = "AZURE_USER_TOKENS_EMULATOR_RESOURCE_ID", default_value = defaults::ACS_RESOURCE_ID)]
    resource_id: String,

    /// Entra tenant id.
    #[arg(long, value_name = "ID", env = "AZURE_USER_TOKENS_EMULATOR_TENANT_ID", default_value = defaults::TENANT_ID)]
    tenant_id: String,

    /// Client id accepted by the client-credentials grant.
    #[arg(long, value_name = "ID", env = "AZURE_USER_TOKENS_EMULATOR_CLIENT_ID", default_value = defaults::CLIENT_ID)]
    client_id: String,

    /// Client secret accepted by the client-credentials grant [default: the
    /// well-known emulator secret].
    #[arg(
        long,
        value_name = "SECRET",
        env = "AZURE_USER_TOKENS_EMULATOR_CLIENT_SECRET",
        hide_env_values = true
    )]
    client_secret: Option<Secret>,

    /// A user the password grant accepts, besides the well-known default
    /// user (repeatable). Prefer the variable: argv is visible to others.
    #[arg(
        long = "user",
        value_name = "NAME:PASSWORD",
        env = "AZURE_USER_TOKENS_EMULATOR_USER",
        hide_env_values = true
    )]
    users: Vec<Secret>,

    /// APIM primary key (signs `primary` user tokens) [default: well-known].
    #[arg(
        long,
        value_name = "KEY",
        env = "AZURE_USER_TOKENS_EMULATOR_APIM_PRIMARY_KEY",
        hide_env_values = true
    )]
    apim_primary_key: Option<Secret>,

    /// APIM secondary key (signs `secondary` user tokens) [default: well-known].
    #[arg(
        long,
        value_name = "KEY",
        env = "AZURE_USER_TOKENS_EMULATOR_APIM_SECONDARY_KEY",
        hide_env_values = true
    )]
    apim_secondary_key: Option<Secret>,

    /// Keep users, revocations, assignments and long-running operations in
    /// this JSON file (loaded at start; every change is appended to
    /// FILE.journal and flushed to disk before it is answered).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,

    /// Serve HTTPS with a fresh CA and a certificate for 127.0.0.1 and localhost.
    #[arg(long)]
    tls: bool,

    /// Where to write the CA certificate (PEM) with --tls; a file or symlink
    /// there is replaced, never written through [default: ca.pem in a new
    /// private directory in the temporary directory, printed at start and
    /// removed at stop].
    #[arg(long, value_name = "FILE", requires = "tls")]
    ca_file: Option<PathBuf>,

    /// Fraction (0.0 to 1.0) of requests answered with 429, 503 or a
    /// connection reset, before processing.
    #[arg(long, value_name = "FRACTION", default_value_t = 0.0)]
    fault_rate: f64,

    /// Seed of the fault sequence (random unless given; printed at start).
    #[arg(long, value_name = "N")]
    fault_seed: Option<u64>,

    /// Delay faults ask for (retry-after-ms; Retry-After rounded up to seconds).
    #[arg(long, value_name = "N", default_value_t = defaults::FAULT_RETRY_AFTER_MS)]
    fault_retry_after_ms: u64,

    /// Answer every ACS and APIM request this many milliseconds later, as
    /// Azure answers in tens of ms (Entra is not delayed; at most 60000).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    latency_ms: u64,

    /// Refuse ACS identity creations and token issues beyond N per 30 s
    /// with 429 and Retry-After, as Azure does beyond 1000 per resource
    /// (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 0)]
    acs_throttle_limit: u32,

    /// Inject faults after processing instead: the change is made (and
    /// saved), then the connection is reset or answered 500.
    #[arg(long)]
    fault_after_processing: bool,

    /// Seconds a client may take to send a request's head, its body, or
    /// its first request after connecting.
    #[arg(long, value_name = "SECONDS", default_value_t = defaults::REQUEST_TIMEOUT.as_secs_f64())]
    request_timeout: f64,

    /// Seconds a kept-alive connection may idle between requests.
    #[arg(long, value_name = "SECONDS", default_value_t = defaults::IDLE_TIMEOUT.as_secs_f64())]
    idle_timeout: f64,

    /// Most connections served at once (fewer under a lower open-file
    /// limit); more wait in the listen backlog.
    #[arg(long, value_name = "N", default_value_t = defaults::MAX_CONNECTIONS)]
    max_connections: usize,

    /// Answer APIM user deletes as ARM long-running operations (202, then
    /// status checks) under the api-versions that make them long-running.
    #[arg(long)]
    async_deletes: bool,

    /// Status checks an asynchronous delete takes to finish (1 to 100).
    #[arg(long, value_name = "N", default_value_t = EmulatorConfig::DEFAULT_ASYNC_DELETE_POLLS, requires = "async_deletes")]
    async_delete_polls: u32,

    /// What to print once it serves: `name: value` lines ending with
    /// `ready:` (text), or one JSON document on one line (json; shape
    /// `EmulatorStarted` in `azure_user_tokens::cli::shapes`). Both show the
    /// well-known keys, client secret and default user's password, which are
    /// public like Azurite's account key; a key or secret you set (`--user`
    /// passwords included) is never printed.
    // Shadows the global `--output` (same id): its default differs here.
    #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Text, hide_possible_values = true)]
    output: OutputFormat,

    #[command(flatten)]
    client_flags: ClientFlags,
}

/// The global flags that configure clients of a service, declared here with
/// the global ones' ids so that clap does not offer them in `emulator --help`
/// (a subcommand's own argument shadows a global one), and rejected if given.
#[derive(Debug, Args)]
struct ClientFlags {
    #[arg(long, hide = true)]
    connection_string: Option<Secret>,
    #[arg(long, hide = true)]
    endpoint: Option<String>,
    #[arg(long, hide = true)]
    management_endpoint: Option<String>,
    #[arg(long, hide = true)]
    authority_host: Option<String>,
}

impl ClientFlags {
    /// Exit 2 naming the first one given (before or after `emulator`).
    fn reject(&self) -> CommandResult {
        let given = [
            ("--connection-string", self.connection_string.is_some()),
            ("--endpoint", self.endpoint.is_some()),
            ("--management-endpoint", self.management_endpoint.is_some()),
            ("--authority-host", self.authority_host.is_some()),
        ];
        match given.iter().find(|(_, given)| *given) {
            Some((flag, _)) => Err(Failure::input(format!(
                "`emulator` does not take {flag}: it configures clients of a service, and the \
                 emulator serves its own endpoint (see `azure-user-tokens emulator --help`)"
            ))),
            None => Ok(()),
        }
    }
}

impl EmulatorArgs {
    fn config(&self) -> CommandResult<EmulatorConfig> {
        let mut config = EmulatorConfig::default()
            .with_listen(self.listen)
            .with_resource_id(&self.resource_id)
            .with_tenant_id(&self.tenant_id)
            .with_client_id(&self.client_id)
            .with_tls(self.tls)
            .with_fault_rate(self.fault_rate)
            .with_fault_retry_after_ms(self.fault_retry_after_ms)
            .with_fault_after_processing(self.fault_after_processing)
            .with_latency(std::time::Duration::from_millis(self.latency_ms))
            .with_acs_throttle(self.acs_throttle_limit, defaults::ACS_THROTTLE_WINDOW)
            .with_request_timeout(seconds("--request-timeout", self.request_timeout)?)
            .with_idle_timeout(seconds("--idle-timeout", self.idle_timeout)?)
            .with_max_connections(self.max_connections)
            .with_async_deletes(self.async_deletes)
            .with_async_delete_polls(self.async_delete_polls);
        if let Some(key) = &self.access_key {
            config = config.with_access_key(key.clone());
        }
        if let Some(secret) = &self.client_secret {
            config = config.with_client_secret(secret.clone());
        }
        if let Some(key) = &self.apim_primary_key {
            config = config.with_apim_primary_key(key.clone());
        }
        if let Some(key) = &self.apim_secondary_key {
            config = config.with_apim_secondary_key(key.clone());
        }
        if let Some(path) = &self.state {
            config = config.with_state_file(path);
        }
        if let Some(seed) = self.fault_seed {
            config = config.with_fault_seed(seed);
        }
        for user in &self.users {
            let Some((name, password)) = user.expose().split_once(':') else {
                return Err(Failure::input(
                    "--user takes NAME:PASSWORD (the value is not shown: it holds a password)",
                ));
            };
            config = config.with_user(name, Secret::new(password));
        }
        Ok(config)
    }
}

/// A positive number of seconds, at most a day.
fn seconds(flag: &str, value: f64) -> CommandResult<std::time::Duration> {
    crate::lifetime::capped_wait(value, std::time::Duration::from_secs(86_400))
        .filter(|d| !d.is_zero() && value <= 86_400.0)
        .ok_or_else(|| {
            Failure::input(format!(
                "{flag} must be more than 0 and at most 86400 seconds"
            ))
        })
}

/// Starts the emulator, prints where it is, serves until Ctrl-C or SIGTERM.
pub async fn run(args: EmulatorArgs) -> CommandResult {
    args.client_flags.reject()?;
    // Listen for signals before announcing readiness, so a signal sent right
    // after `ready:` is never missed.
    let stop = stop_signal();
    let emulator = Emulator::start(args.config()?).await.map_err(|e| match e {
        EmulatorError::Config { .. } => Failure::input(e.to_string()),
        other => Failure::failed(format!("cannot start the emulator: {other}")),
    })?;
    let ca_file = match emulator.ca_certificate_pem() {
        Some(pem) => Some(
            crate::emulator::write_ca_file(pem, args.ca_file.as_deref())
                .map_err(|e| Failure::failed(format!("cannot write the CA certificate: {e}")))?,
        ),
        None => None,
    };
    let started = started(&emulator, ca_file.as_deref());
    let printed = match args.output {
        OutputFormat::Text => print_banner(&started),
        OutputFormat::Json => print_json(&started),
    };
    printed.map_err(|e| Failure::failed(format!("cannot write to stdout: {e}")))?;
    stop.await;
    if args.output == OutputFormat::Text {
        // stdout may be closed by now (a reader that stopped at `ready:`).
        let _ = writeln!(std::io::stdout(), "stopping");
    }
    emulator.shutdown().await;
    if let (Some(file), None) = (&ca_file, &args.ca_file) {
        crate::emulator::remove_default_ca_file(file);
    }
    Ok(())
}

/// Where everything is. Secrets are there only when they are the public defaults.
fn started(emulator: &Emulator, ca_file: Option<&std::path::Path>) -> EmulatorStarted {
    let config = emulator.config();
    let settings = emulator.settings();
    let endpoint = settings.endpoint().to_string();
    let access_key = public(settings.access_key(), defaults::ACS_ACCESS_KEY);
    EmulatorStarted {
        connection_string: access_key
            .as_ref()
            .map(|key| format!("endpoint={endpoint}/;accesskey={key}")),
        access_key,
        resource_id: config.resource_id().to_string(),
        entra: EmulatorEntra {
            authority: settings.authority_host().to_string(),
            tenant_id: settings.tenant_id().to_string(),
            client_id: settings.client_id().to_string(),
            client_secret: public(settings.client_secret(), defaults::CLIENT_SECRET),
            user: defaults::USER_NAME.to_string(),
            user_password: defaults::USER_PASSWORD.to_string(),
        },
        apim: EmulatorApim {
            resource_url: format!(
                "{endpoint}/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ApiManagement/service/{}",
                defaults::SUBSCRIPTION_ID,
                defaults::RESOURCE_GROUP,
                defaults::APIM_SERVICE
            ),
            subscription_id: defaults::SUBSCRIPTION_ID.to_string(),
            resource_group: defaults::RESOURCE_GROUP.to_string(),
            service_name: defaults::APIM_SERVICE.to_string(),
            primary_key: public(settings.apim_primary_key(), defaults::APIM_PRIMARY_KEY),
            secondary_key: public(settings.apim_secondary_key(), defaults::APIM_SECONDARY_KEY),
        },
        stats_url: format!("{endpoint}/_emulator/stats"),
        state_file: config.state_file().map(|p| p.display().to_string()),
        tls_ca_certificate: ca_file.map(|p| p.display().to_string()),
        faults: (config.fault_rate() > 0.0).then(|| EmulatorFaults {
            rate: config.fault_rate(),
            seed: emulator.fault_seed(),
            retry_after_ms: config.fault_retry_after_ms(),
        }),
        endpoint,
    }
}

/// A secret's value when it is the public default; `None` when it was set.
fn public(value: &Secret, default: &str) -> Option<String> {
    (value.expose() == default).then(|| default.to_string())
}

/// The document on one line, so a script can read exactly one line.
fn print_json(started: &EmulatorStarted) -> std::io::Result<()> {
    let line = serde_json::to_string(started).map_err(std::io::Error::other)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// Where everything is, one `name: value` per line, ending with `ready:`.
/// A secret that was set shows as a placeholder naming its flag.
fn print_banner(started: &EmulatorStarted) -> std::io::Result<()> {
    let or_flag = |value: &Option<String>, flag: &str| {
        value
            .clone()
            .unwrap_or_else(|| format!("<value of {flag}>"))
    };
    let endpoint = &started.endpoint;
    let mut lines = vec![
        "azure-user-tokens emulator".to_string(),
        format!("endpoint: {endpoint}"),
        format!(
            "connection string: endpoint={endpoint}/;accesskey={}",
            or_flag(&started.access_key, "--access-key")
        ),
        format!("entra authority: {}", started.entra.authority),
        format!("entra tenant: {}", started.entra.tenant_id),
        format!("entra client id: {}", started.entra.client_id),
        format!(
            "entra client secret: {}",
            or_flag(&started.entra.client_secret, "--client-secret")
        ),
        format!("entra user: {}", started.entra.user),
        format!("entra user password: {}", started.entra.user_password),
        format!("apim service: {}", started.apim.resource_url),
        format!(
            "apim primary key: {}",
            or_flag(&started.apim.primary_key, "--apim-primary-key")
        ),
        format!(
            "apim secondary key: {}",
            or_flag(&started.apim.secondary_key, "--apim-secondary-key")
        ),
        format!("stats: {}", started.stats_url),
    ];
    if let Some(path) = &started.state_file {
        lines.push(format!("state file: {path}"));
    }
    if let Some(path) = &started.tls_ca_certificate {
        lines.push(format!("tls ca certificate: {path}"));
    }
    if let Some(faults) = &started.faults {
        lines.push(format!(
            "faults: rate {} seed {} retry-after-ms {}",
            faults.rate, faults.seed, faults.retry_after_ms
        ));
    }
    lines.push("ready: press Ctrl-C to stop".to_string());
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()
}
