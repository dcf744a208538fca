//! `azure-user-tokens broker`: run the token broker until Ctrl-C (or SIGTERM).
//!
//! Every flag can come from `AZURE_USER_TOKENS_BROKER_<FLAG>`; the ACS
//! resource comes from the global flags and variables every command reads
//! (`--connection-string`, `COMMUNICATION_SERVICES_CONNECTION_STRING`, …).
//! `--emulator` runs it on the embedded emulator, whose Entra is the issuer.
//! It is ready when it has printed its `ready:` line.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::failure::{CommandResult, Failure};
use super::global::GlobalArgs;
use super::signal::stop_signal;
use crate::ClientOptions;
use crate::broker::{
    ApimSettings, Broker, BrokerConfig, BrokerError, DEFAULT_LISTEN, DatabaseUrl, IdentityCreation,
    Upstreams, parse_apim_service,
};
use crate::identity::{CommunicationIdentityClientOptions, Scope};

/// The longest an ACS call may take, retries included (under the default lease).
const ACS_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The audience `--emulator` uses unless `--audience` is given.
#[cfg(feature = "emulator")]
pub const EMULATOR_AUDIENCE: &str = "api://azure-user-tokens-broker";

/// Flags of `azure-user-tokens broker`.
#[derive(Debug, Args)]
pub struct BrokerArgs {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR:PORT", env = "AZURE_USER_TOKENS_BROKER_LISTEN", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,

    /// The OIDC issuer of the app's access tokens (exactly their `iss`);
    /// keys come from <issuer>/.well-known/openid-configuration.
    #[arg(
        long,
        value_name = "URL",
        env = "AZURE_USER_TOKENS_BROKER_ISSUER",
        required_unless_present = "emulator"
    )]
    issuer: Option<String>,

    /// The audience the app's access tokens must name (`aud`).
    #[arg(
        long,
        value_name = "AUD",
        env = "AZURE_USER_TOKENS_BROKER_AUDIENCE",
        required_unless_present = "emulator"
    )]
    audience: Option<String>,

    /// Where the mapping lives: sqlite:///path/broker.db or postgres://user@host/db
    /// [default: broker.db under the user's data directory].
    #[arg(
        long,
        value_name = "URL",
        env = "AZURE_USER_TOKENS_BROKER_DATABASE",
        hide_env_values = true
    )]
    database: Option<DatabaseUrl>,

    /// Callers whose token's roles claim has this role may use /v1/admin/…
    #[arg(long, value_name = "ROLE", env = "AZURE_USER_TOKENS_BROKER_ADMIN_ROLE")]
    admin_role: Option<String>,

    /// The claim holding roles.
    #[arg(
        long,
        value_name = "CLAIM",
        env = "AZURE_USER_TOKENS_BROKER_ROLES_CLAIM",
        default_value = "roles"
    )]
    roles_claim: String,

    /// Token requests per app user per minute (0: no limit).
    #[arg(long, value_name = "N", env = "AZURE_USER_TOKENS_BROKER_RATE_LIMIT_PER_MINUTE", default_value_t = crate::broker::DEFAULT_RATE_LIMIT_PER_MINUTE)]
    rate_limit_per_minute: u32,

    /// Serve a cached token while it has at least this many minutes left.
    #[arg(
        long,
        value_name = "MINUTES",
        env = "AZURE_USER_TOKENS_BROKER_CACHE_MIN_REMAINING_MINUTES",
        default_value_t = 10
    )]
    cache_min_remaining_minutes: u64,

    /// Reuse a user's mapping row (identity, token revision) read from the
    /// database for this many milliseconds (0: read it on every request; at
    /// most 60000). A revoke through another broker on the same database
    /// takes effect here within this long; through this one, at once.
    #[arg(
        long,
        value_name = "MS",
        env = "AZURE_USER_TOKENS_BROKER_ROW_CACHE_TTL_MS",
        default_value_t = crate::broker::DEFAULT_ROW_CACHE_TTL.as_millis() as u64
    )]
    row_cache_ttl_ms: u64,

    /// Turn the token cache off (every token request is an ACS call).
    #[arg(long, env = "AZURE_USER_TOKENS_BROKER_NO_TOKEN_CACHE")]
    no_token_cache: bool,

    /// A browser origin allowed to call (CORS), e.g. https://app.example.com,
    /// or * for any; repeat or separate with commas.
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "AZURE_USER_TOKENS_BROKER_CORS_ORIGINS",
        value_delimiter = ','
    )]
    cors_origins: Vec<String>,

    /// A scope callers may ask for; repeat or separate with commas
    /// [default: chat, voip, chat.join, chat.join.limited, voip.join].
    #[arg(
        long = "allowed-scope",
        value_name = "SCOPE",
        env = "AZURE_USER_TOKENS_BROKER_ALLOWED_SCOPES",
        value_delimiter = ','
    )]
    allowed_scopes: Vec<String>,

    /// Leeway on the tokens' exp and nbf, in seconds (at most 300).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "AZURE_USER_TOKENS_BROKER_LEEWAY_SECONDS",
        default_value_t = 60
    )]
    leeway_seconds: u64,

    /// How long a broker owns a user's pending row while creating their
    /// identity, in seconds (longer than an ACS call with retries).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "AZURE_USER_TOKENS_BROKER_LEASE_SECONDS",
        default_value_t = 60
    )]
    lease_seconds: u64,

    /// The largest request body accepted, in bytes.
    #[arg(long, value_name = "BYTES", env = "AZURE_USER_TOKENS_BROKER_MAX_BODY_BYTES", default_value_t = crate::broker::DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,

    /// Serve /v1/apim-token for this API Management service:
    /// /subscriptions/…/resourceGroups/…/providers/Microsoft.ApiManagement/service/…
    #[arg(
        long,
        value_name = "RESOURCE_ID",
        env = "AZURE_USER_TOKENS_BROKER_APIM_SERVICE"
    )]
    apim_service: Option<String>,

    /// The claim holding the email an APIM user is created with.
    #[arg(
        long,
        value_name = "CLAIM",
        env = "AZURE_USER_TOKENS_BROKER_APIM_EMAIL_CLAIM",
        default_value = "email"
    )]
    apim_email_claim: String,

    /// How identities are created: auto (customId where the api-version
    /// supports it) or plain.
    #[arg(long, value_enum, env = "AZURE_USER_TOKENS_BROKER_IDENTITY_CREATION", default_value_t = Creation::Auto)]
    identity_creation: Creation,

    /// Run on the embedded emulator: its ACS, APIM and Entra (the issuer),
    /// with a throw-away database unless --database is given.
    #[cfg(feature = "emulator")]
    #[arg(long)]
    emulator: bool,

    /// Where the embedded emulator listens, with --emulator.
    #[cfg(feature = "emulator")]
    #[arg(
        long,
        value_name = "ADDR:PORT",
        default_value = "127.0.0.1:8081",
        requires = "emulator"
    )]
    emulator_listen: SocketAddr,
}

/// `--identity-creation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Creation {
    Auto,
    Plain,
}

impl BrokerArgs {
    /// The configuration, for `issuer` and `audience`.
    fn config(&self, issuer: &str, audience: &str) -> CommandResult<BrokerConfig> {
        let mut config = BrokerConfig::new(issuer, audience)
            .with_listen(self.listen)
            .with_roles_claim(&self.roles_claim)
            .with_rate_limit_per_minute(self.rate_limit_per_minute)
            .with_cache_min_remaining(Duration::from_secs(
                self.cache_min_remaining_minutes.saturating_mul(60),
            ))
            .with_token_cache(!self.no_token_cache)
            .with_row_cache_ttl(Duration::from_millis(self.row_cache_ttl_ms))
            .with_cors_origins(self.cors_origins.clone())
            .with_leeway(Duration::from_secs(self.leeway_seconds))
            .with_lease(Duration::from_secs(self.lease_seconds))
            .with_max_body_bytes(self.max_body_bytes)
            .with_identity_creation(match self.identity_creation {
                Creation::Auto => IdentityCreation::Auto,
                Creation::Plain => IdentityCreation::Plain,
            });
        if let Some(database) = &self.database {
            config = config.with_database(database.clone());
        }
        if let Some(role) = &self.admin_role {
            config = config.with_admin_role(role);
        }
        if !self.allowed_scopes.is_empty() {
            config = config.with_allowed_scopes(
                self.allowed_scopes
                    .iter()
                    .map(|s| Scope::from(s.trim()))
                    .collect(),
            );
        }
        if let Some(service) = &self.apim_service {
            let settings = ApimSettings::new(parse_apim_service(service)?)
                .with_email_claim(self.apim_email_claim.as_str());
            config = config.with_apim(settings);
        }
        Ok(config)
    }

    #[cfg(feature = "emulator")]
    fn on_emulator(&self) -> bool {
        self.emulator
    }

    #[cfg(not(feature = "emulator"))]
    fn on_emulator(&self) -> bool {
        false
    }
}

/// Starts the broker, prints where it is, serves until Ctrl-C or SIGTERM.
pub async fn run(args: BrokerArgs, global: &GlobalArgs) -> CommandResult {
    let stop = stop_signal();
    if args.on_emulator() {
        #[cfg(feature = "emulator")]
        return emulator::run(args, stop).await;
    }
    let (Some(issuer), Some(audience)) = (&args.issuer, &args.audience) else {
        return Err(Failure::input("--issuer and --audience are required"));
    };
    let config = args.config(issuer, audience)?;
    let apim = match config.apim() {
        Some(_) => Some(global.apim_client()?),
        None => None,
    };
    // A call (retries included) ends well within the 60 s lease, so a slow
    // ACS never lets another broker take over a row still being created.
    let identity = global.identity_client_with(Some(
        CommunicationIdentityClientOptions::default()
            .with_client_options(ClientOptions::default().with_total_timeout(ACS_CALL_TIMEOUT)),
    ))?;
    let upstreams = Upstreams { identity, apim };
    let database = config.database().to_string();
    let broker = start(config, upstreams).await?;
    let lines = vec![
        "azure-user-tokens broker".to_string(),
        format!("broker: {}", broker.base_url()),
        format!("issuer: {issuer}"),
        format!("audience: {audience}"),
        format!("database: {database}"),
        format!("openapi: {}/openapi.json", broker.base_url()),
    ];
    serve_until(broker, lines, stop).await
}

async fn start(config: BrokerConfig, upstreams: Upstreams) -> CommandResult<Broker> {
    Broker::start(config, upstreams).await.map_err(|e| match e {
        BrokerError::Config(error) => Failure::from(error),
        other => Failure::failed(format!("cannot start the broker: {other}")),
    })
}

/// Prints `lines` and `ready:`, waits for the signal, shuts down.
async fn serve_until(
    broker: Broker,
    mut lines: Vec<String>,
    stop: impl std::future::Future<Output = ()>,
) -> CommandResult {
    lines.push("ready: press Ctrl-C to stop".to_string());
    {
        let mut out = std::io::stdout().lock();
        for line in &lines {
            writeln!(out, "{line}")
                .map_err(|e| Failure::failed(format!("cannot write to stdout: {e}")))?;
        }
        out.flush()
            .map_err(|e| Failure::failed(format!("cannot write to stdout: {e}")))?;
    }
    stop.await;
    let _ = writeln!(std::io::stdout(), "stopping");
    broker.shutdown().await;
    Ok(())
}

#[cfg(feature = "emulator")]
mod emulator {
    //! `broker --emulator`: the embedded emulator's ACS, APIM and Entra.

    use super::*;
    use crate::emulator::{Emulator, EmulatorConfig, EntraTokenClaims, defaults};

    pub(super) async fn run(
        args: BrokerArgs,
        stop: impl std::future::Future<Output = ()>,
    ) -> CommandResult {
        let emulator = Emulator::start(EmulatorConfig::default().with_listen(args.emulator_listen))
            .await
            .map_err(|e| Failure::failed(format!("cannot start the embedded emulator: {e}")))?;
        let issuer = args
            .issuer
            .clone()
            .unwrap_or_else(|| emulator.entra_issuer());
        let audience = args
            .audience
            .clone()
            .unwrap_or_else(|| EMULATOR_AUDIENCE.to_string());
        // A throw-away database: the emulator's identities live in its memory.
        let scratch = std::env::temp_dir().join(format!(
            "azure-user-tokens-broker-emulator-{}.db",
            std::process::id()
        ));
        let database = args
            .database
            .clone()
            .unwrap_or_else(|| DatabaseUrl::sqlite(&scratch));
        let service = format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ApiManagement/service/{}",
            defaults::SUBSCRIPTION_ID,
            defaults::RESOURCE_GROUP,
            defaults::APIM_SERVICE
        );
        let mut config = args
            .config(&issuer, &audience)?
            .with_database(database.clone());
        if args.apim_service.is_none() {
            // The emulator's tokens carry no email claim.
            let settings = ApimSettings::new(parse_apim_service(&service)?)
                .with_email_claim(args.apim_email_claim.as_str())
                .with_placeholder_email(true);
            config = config.with_apim(settings);
        }
        let upstream = emulator.settings();
        let identity = upstream.identity_client(None)?;
        let apim = upstream.apim_client(None)?;
        let broker = start(
            config,
            Upstreams {
                identity,
                apim: Some(apim),
            },
        )
        .await?;
        let base = emulator.base_url();
        let tenant = emulator.config().tenant_id();
        let token_url = format!("{base}/{tenant}/oauth2/v2.0/token");
        let sample = emulator.mint_entra_token(&EntraTokenClaims::new(
            audience.as_str(),
            defaults::CLIENT_ID,
            "00000000-0000-0000-0000-0000000000a1",
            chrono::Duration::hours(1),
        ));
        let lines = vec![
            "azure-user-tokens broker (on the embedded emulator)".to_string(),
            format!("broker: {}", broker.base_url()),
            format!("issuer: {issuer}"),
            format!("audience: {audience}"),
            format!("database: {database}"),
            format!("emulator: {base}"),
            format!("openapi: {}/openapi.json", broker.base_url()),
            format!("test user token (valid 1 h): {}", sample.expose()),
            format!(
                "a fresh token (client credentials, works as long as the emulator's well-known secret does): \
                 curl -s -d grant_type=client_credentials -d client_id={} -d client_secret={} -d scope={audience}/.default {token_url}",
                defaults::CLIENT_ID,
                defaults::CLIENT_SECRET,
            ),
            format!(
                "another app user's token (password grant, the emulator's well-known default user): \
                 curl -s -d grant_type=password -d client_id={} -d username={} -d password={} -d scope={audience}/.default {token_url}",
                defaults::CLIENT_ID,
                defaults::USER_NAME,
                defaults::USER_PASSWORD,
            ),
            format!(
                "try: curl -s -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' -d '{{\"scopes\":[\"voip\"]}}' {}/v1/token",
                broker.base_url()
            ),
        ];
        let result = serve_until(broker, lines, stop).await;
        emulator.shutdown().await;
        if args.database.is_none() {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
            }
        }
        result
    }
}
