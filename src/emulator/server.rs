//! [`Emulator`]: start one in-process, ask where it is, stop it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::app::{self, App, Keys};
use super::config::EmulatorConfig;
use super::entra::tokens::{self, EntraTokenClaims};
use super::error::EmulatorError;
use super::faults::FaultInjector;
use super::limits;
use super::replays::Replays;
use super::serve;
use super::service_model::AcsThrottle;
use super::stats::{Counters, Stats};
use super::store::Store;
use super::tls;
use crate::Secret;

/// A running emulator of ACS identity, APIM users and Entra.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
/// let emulator = Emulator::start(EmulatorConfig::default()).await?;
/// println!("serving on {}", emulator.base_url());
/// let connection_string = emulator.connection_string();
/// # let _ = connection_string;
/// emulator.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Emulator {
    app: Arc<App>,
    local_addr: SocketAddr,
    base_url: String,
    ca_pem: Option<String>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Validates the configuration, loads the state file (if any), binds the
    /// listen address and starts serving. Returns once it accepts connections.
    ///
    /// It raises the process's soft limit on open files to the hard limit,
    /// and serves at most [`EmulatorConfig::with_max_connections`]
    /// connections, fewer if the limit is lower.
    pub async fn start(config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
        let access_key = config.validate()?;
        let store = match config.state_file() {
            Some(path) => Store::open(path).await?,
            None => Store::in_memory(),
        };
        let tls = config.tls().then(tls::generate).transpose()?;
        let listener =
            TcpListener::bind(config.listen())
                .await
                .map_err(|source| EmulatorError::Bind {
                    address: config.listen(),
                    source,
                })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| EmulatorError::Bind {
                address: config.listen(),
                source,
            })?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let seed = config.fault_seed().unwrap_or_else(rand::random);
        let base_url = format!("{scheme}://{}", reachable(local_addr));
        let app = Arc::new(App {
            keys: Keys::derive(&config, &access_key),
            access_key,
            store,
            counters: Counters::default(),
            faults: FaultInjector::new(config.fault_rate(), seed),
            acs_throttle: config
                .acs_throttle()
                .map(|(limit, window)| AcsThrottle::new(limit, window)),
            replays: Replays::default(),
            scheme,
            base_url: base_url.clone(),
            config,
        });
        if !app.config.latency().is_zero() || app.config.acs_throttle().is_some() {
            tracing::info!(
                latency = ?app.config.latency(),
                acs_throttle = ?app.config.acs_throttle(),
                "modelling the service's cost"
            );
        }
        if app.faults.enabled() {
            tracing::info!(rate = app.config.fault_rate(), seed, "fault injection on");
        }
        let router = app::router(app.clone());
        let (shutdown, signal) = watch::channel(false);
        let (acceptor, ca_pem) = match tls {
            Some(setup) => (Some(setup.acceptor), Some(setup.ca_pem)),
            None => (None, None),
        };
        // Raised for everyone (connections and the state file), then a cap
        // below it, so many idle or slow clients cannot use every descriptor.
        let max_connections = limits::connection_cap(
            app.config.max_connections(),
            limits::raise_descriptor_limit(),
        );
        let task = tokio::spawn(serve::run(
            listener,
            app.clone(),
            router,
            acceptor,
            signal,
            max_connections,
        ));
        tracing::info!(%local_addr, scheme, "emulator listening");
        Ok(Emulator {
            base_url,
            app,
            local_addr,
            ca_pem,
            shutdown,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` (or `https://…` with TLS), without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `endpoint=<base url>/;accesskey=<key>`, for ACS clients.
    pub fn connection_string(&self) -> Secret {
        Secret::new(format!(
            "endpoint={}/;accesskey={}",
            self.base_url,
            self.app.config.access_key().expose()
        ))
    }

    /// The Entra issuer (`<base url>/<tenant>/v2.0`): the `iss` of its Entra
    /// tokens; `<issuer>/.well-known/openid-configuration` is its OpenID
    /// Connect discovery document, whose `jwks_uri` serves the ES256 key.
    pub fn entra_issuer(&self) -> String {
        self.app.entra_issuer()
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.app.config
    }

    /// What it has done so far (the same numbers as `GET /_emulator/stats`).
    pub fn stats(&self) -> Stats {
        self.app.stats()
    }

    /// The CA certificate (PEM) clients must trust, when serving TLS.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The seed of the fault sequence (random unless configured).
    pub fn fault_seed(&self) -> u64 {
        self.app.faults.seed()
    }

    /// Signs an Entra access token as the emulator's token endpoint would,
    /// with any claims: expired, not yet valid or for any audience, for tests.
    pub fn mint_entra_token(&self, claims: &EntraTokenClaims) -> Secret {
        Secret::new(tokens::mint(&self.app, claims))
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), and returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        // Fold the journal into the state file and release its lock.
        self.app.store.close().await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        // Another emulator may open the state file at once (every
        // acknowledged change is already in the journal).
        self.app.store.release();
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url)
            .field("config", &self.app.config)
            .finish_non_exhaustive()
    }
}

/// An address a local client can dial: unspecified addresses become loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), addr.port())
        }
        _ => addr,
    }
}
