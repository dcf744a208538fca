//! `azure-user-tokens emulator`: run the local emulator until Ctrl-C (or SIGTERM).
//!
//! It is ready when it has printed its `ready:` line. Secrets given as flags
//! are visible to other users of the machine (a known weakness of argv): each
//! can come from an environment variable instead.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::failure::{CommandResult, Failure};
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

    /// Keep users and revocations in this JSON file (loaded at start, saved
    /// atomically after every change).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,

    /// Serve HTTPS with a fresh CA and a certificate for 127.0.0.1 and localhost.
    #[arg(long)]
    tls: bool,

    /// Where to write the CA certificate (PEM) with --tls [default: a file in
    /// the temporary directory, printed at start].
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

    /// Answer APIM user deletes as ARM long-running operations (202, then
    /// status checks) under the api-versions that make them long-running.
    #[arg(long)]
    async_deletes: bool,

    /// Status checks an asynchronous delete takes to finish (1 to 100).
    #[arg(long, value_name = "N", default_value_t = EmulatorConfig::DEFAULT_ASYNC_DELETE_POLLS, requires = "async_deletes")]
    async_delete_polls: u32,
}

impl EmulatorArgs {
    fn config(&self) -> EmulatorConfig {
        let mut config = EmulatorConfig::default()
            .with_listen(self.listen)
            .with_resource_id(&self.resource_id)
            .with_tenant_id(&self.tenant_id)
            .with_client_id(&self.client_id)
            .with_tls(self.tls)
            .with_fault_rate(self.fault_rate)
            .with_fault_retry_after_ms(self.fault_retry_after_ms)
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
        config
    }
}

/// Starts the emulator, prints where it is, serves until Ctrl-C or SIGTERM.
pub async fn run(args: EmulatorArgs) -> CommandResult {
    // Listen for signals before announcing readiness, so a signal sent right
    // after `ready:` is never missed.
    let stop = stop_signal();
    let emulator = Emulator::start(args.config()).await.map_err(|e| match e {
        EmulatorError::Config { .. } => Failure::input(e.to_string()),
        other => Failure::failed(format!("cannot start the emulator: {other}")),
    })?;
    let ca_file = match emulator.ca_certificate_pem() {
        Some(pem) => {
            let path = args.ca_file.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!(
                    "azure-user-tokens-emulator-ca-{}.pem",
                    emulator.local_addr().port()
                ))
            });
            std::fs::write(&path, pem).map_err(|e| {
                Failure::failed(format!(
                    "cannot write the CA certificate to {}: {e}",
                    path.display()
                ))
            })?;
            Some(path)
        }
        None => None,
    };
    print_banner(&emulator, ca_file.as_deref())
        .map_err(|e| Failure::failed(format!("cannot write to stdout: {e}")))?;
    stop.await;
    // stdout may be closed by now (a reader that stopped at `ready:`).
    let _ = writeln!(std::io::stdout(), "stopping");
    emulator.shutdown().await;
    Ok(())
}

/// Where everything is, one `name: value` per line, ending with `ready:`.
/// Secrets are printed only when they are the public defaults.
fn print_banner(emulator: &Emulator, ca_file: Option<&std::path::Path>) -> std::io::Result<()> {
    let config = emulator.config();
    let base = emulator.base_url();
    let access_key = public_or(
        config.access_key(),
        defaults::ACS_ACCESS_KEY,
        "--access-key",
    );
    let mut lines = vec![
        "azure-user-tokens emulator".to_string(),
        format!("endpoint: {base}"),
        format!("connection string: endpoint={base}/;accesskey={access_key}"),
        format!("entra authority: {base}"),
        format!("entra tenant: {}", config.tenant_id()),
        format!("entra client id: {}", config.client_id()),
        format!(
            "entra client secret: {}",
            public_or(
                config.client_secret(),
                defaults::CLIENT_SECRET,
                "--client-secret"
            )
        ),
        format!(
            "apim service: {base}/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ApiManagement/service/{}",
            defaults::SUBSCRIPTION_ID,
            defaults::RESOURCE_GROUP,
            defaults::APIM_SERVICE
        ),
        format!(
            "apim primary key: {}",
            public_or(
                config.apim_primary_key(),
                defaults::APIM_PRIMARY_KEY,
                "--apim-primary-key"
            )
        ),
        format!(
            "apim secondary key: {}",
            public_or(
                config.apim_secondary_key(),
                defaults::APIM_SECONDARY_KEY,
                "--apim-secondary-key"
            )
        ),
        format!("stats: {base}/_emulator/stats"),
    ];
    if let Some(path) = config.state_file() {
        lines.push(format!("state file: {}", path.display()));
    }
    if let Some(path) = ca_file {
        lines.push(format!("tls ca certificate: {}", path.display()));
    }
    if config.fault_rate() > 0.0 {
        lines.push(format!(
            "faults: rate {} seed {} retry-after-ms {}",
            config.fault_rate(),
            emulator.fault_seed(),
            config.fault_retry_after_ms()
        ));
    }
    lines.push("ready: press Ctrl-C to stop".to_string());
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()
}

/// A secret's value when it is the public default, else a placeholder naming its flag.
fn public_or<'a>(value: &'a Secret, default: &str, flag: &str) -> std::borrow::Cow<'a, str> {
    if value.expose() == default {
        value.expose().into()
    } else {
        format!("<value of {flag}>").into()
    }
}
