//! [`Broker`]: start one (in-process or from the `broker` command), ask
//! where it is, stop it gracefully.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::acs::Acs;
use super::apim::Apim;
use super::auth::Authenticator;
use super::config::BrokerConfig;
use super::http;
use super::mapping::Mapper;
use super::metrics::Metrics;
use super::row_cache::RowCache;
use super::service::Service;
use super::store::{Store, StoreError};
use crate::apim::ApiManagementClient;
use crate::identity::CommunicationIdentityClient;

/// Why a broker did not start.
#[derive(Debug)]
pub enum BrokerError {
    /// A setting is wrong (nothing was started).
    Config(crate::Error),
    /// The database could not be opened or migrated.
    Database(StoreError),
    /// The listen address could not be bound.
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl std::fmt::Display for BrokerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BrokerError::Config(e) => write!(f, "{e}"),
            BrokerError::Database(e) => write!(f, "{e}"),
            BrokerError::Bind { address, source } => {
                write!(f, "cannot listen on {address}: {source}")
            }
        }
    }
}

impl std::error::Error for BrokerError {}

/// The clients the broker calls through (built by the caller, so the broker
/// never depends on how the facade's clients are constructed).
pub struct Upstreams {
    /// Communication Services identities and tokens.
    pub identity: CommunicationIdentityClient,
    /// API Management, when `/v1/apim-token` is served.
    pub apim: Option<ApiManagementClient>,
}

/// A running token broker.
///
/// ```no_run
/// # async fn demo(identity: azure_user_tokens::identity::CommunicationIdentityClient) -> Result<(), Box<dyn std::error::Error>> {
/// use azure_user_tokens::broker::{Broker, BrokerConfig, Upstreams};
/// let config = BrokerConfig::new("https://login.example.com/tenant/v2.0", "api://my-app");
/// let broker = Broker::start(config, Upstreams { identity, apim: None }).await?;
/// println!("serving on {}", broker.base_url());
/// broker.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Broker {
    service: Arc<Service>,
    local_addr: SocketAddr,
    base_url: String,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Broker {
    /// Checks the settings, opens and migrates the database, binds and
    /// serves. Returns once it accepts connections. Sends nothing to ACS.
    pub async fn start(config: BrokerConfig, upstreams: Upstreams) -> Result<Broker, BrokerError> {
        config.validate().map_err(BrokerError::Config)?;
        let auth = Authenticator::new(
            &config.issuer,
            &config.audience,
            config.leeway,
            config.jwks_refetch_interval,
        )
        .map_err(BrokerError::Config)?;
        let metrics = Arc::new(Metrics::new());
        let apim = match (&config.apim, upstreams.apim) {
            (Some(settings), Some(client)) => {
                Some(Apim::new(client, settings.clone(), metrics.clone()))
            }
            (Some(_), None) => {
                return Err(BrokerError::Config(crate::Error::validation(
                    "apim",
                    "an APIM service is configured but no APIM client was given",
                )));
            }
            (None, _) => None,
        };
        let store = Store::connect(&config.database)
            .await
            .map_err(BrokerError::Database)?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| BrokerError::Bind {
                    address: config.listen,
                    source,
                })?;
        let local_addr = listener.local_addr().map_err(|source| BrokerError::Bind {
            address: config.listen,
            source,
        })?;
        let acs = Acs::new(
            upstreams.identity,
            config.identity_creation,
            metrics.clone(),
        )
        .await;
        tracing::info!(custom_ids = acs.idempotent_creation(), "identity creation");
        let rows = RowCache::new(config.row_cache_ttl, config.cache_max_entries);
        let mapper = Mapper::new(
            store,
            acs,
            rows,
            config.lease,
            metrics.clone(),
            config.fault,
        );
        let service = Arc::new(Service::new(config, auth, mapper, apim, metrics));
        let router = http::router(service.clone());
        let (shutdown, signal) = watch::channel(false);
        let task = tokio::spawn(http::serve::run(listener, router, signal));
        tracing::info!(%local_addr, database = service.mapper.store().kind(), "broker listening");
        // Off the start path: fetch the issuer's keys, finish interrupted deletes.
        let background = service.clone();
        tokio::spawn(async move {
            if let Err(error) = background.auth.prefetch().await {
                tracing::warn!(%error, "cannot fetch the issuer's keys yet; will retry on demand");
            }
            match background.mapper.finish_interrupted_deletes().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(n, "finished deletes interrupted by a crash"),
                Err(error) => tracing::warn!(?error, "cannot finish interrupted deletes"),
            }
        });
        Ok(Broker {
            base_url: format!("http://{local_addr}"),
            service,
            local_addr,
            shutdown,
            task: Some(task),
        })
    }

    /// `http://ADDR:PORT`, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The metrics (the same as `GET /metrics`).
    pub fn metrics(&self) -> &Metrics {
        &self.service.metrics
    }

    /// Whether identities are created with `customId` (idempotent), which
    /// the client's api-version decides.
    pub fn idempotent_creation(&self) -> bool {
        self.service.mapper.acs().idempotent_creation()
    }

    /// The database (the broker's tests; not API).
    #[doc(hidden)]
    pub fn store(&self) -> &Store {
        self.service.mapper.store()
    }

    /// Stops accepting, lets requests in flight finish (up to 10 s), closes
    /// the database.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.service.mapper.store().close().await;
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}
