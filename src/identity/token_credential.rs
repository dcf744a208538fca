//! `CommunicationTokenCredential`: a user access token that refreshes itself,
//! for callers of other Communication Services (chat, calling).

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::BoxFuture;
use crate::{AccessToken, Secret, jwt};

/// Refresh on demand when a token expires within this margin.
pub const ON_DEMAND_MARGIN: chrono::Duration = chrono::Duration::minutes(2);
/// Refresh proactively this long before expiry.
pub const PROACTIVE_MARGIN: chrono::Duration = chrono::Duration::minutes(10);
/// After a failed proactive refresh, try again this much later (or sooner,
/// at half the remaining lifetime).
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);
/// Never schedule refreshes closer together than this.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// Where "now" comes from; tests substitute a controllable clock.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that follows tokio's timer, so tests with paused time
/// (`tokio::time::pause`/`advance`) control both "now" and every sleep.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    start_utc: DateTime<Utc>,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that reads `start_utc` now and moves with tokio's time.
    pub fn starting_at(start_utc: DateTime<Utc>) -> Self {
        TokioClock {
            start_utc,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now() - self.start;
        chrono::Duration::from_std(elapsed)
            .ok()
            .and_then(|elapsed| self.start_utc.checked_add_signed(elapsed))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

type Refresher = dyn Fn() -> BoxFuture<'static, Result<Secret>> + Send + Sync;

/// A Communication Services user token for other ACS clients: a fixed token,
/// or one that a refresher you supply renews.
///
/// - [`get_token`](Self::get_token) refreshes when the token expires within
///   two minutes; concurrent callers share one refresh.
/// - With proactive refreshing, a background task renews it ten minutes
///   before expiry (or at half the remaining lifetime when the refresher
///   hands back a token that is already close to expiry, so it never spins).
/// - A refreshed token that has already expired is an error; a failing
///   proactive refresh is retried later.
/// - [`close`](Self::close), or dropping the last clone, stops the timer.
///
/// The refresher is any `Fn() -> impl Future<Output = Result<Secret>>`,
/// typically a call to your backend, which gets the token from a
/// [`CommunicationIdentityClient`](super::CommunicationIdentityClient). Its
/// own errors become this crate's with [`Error::credential`]:
///
/// ```
/// use azure_user_tokens::identity::{CommunicationTokenCredential, CommunicationTokenRefreshOptions};
/// use azure_user_tokens::{Error, Secret};
/// # use azure_user_tokens::identity::{CommunicationIdentityClient, CommunicationUserIdentifier, Scope};
/// # static BACKEND: std::sync::OnceLock<(CommunicationIdentityClient, CommunicationUserIdentifier)> =
/// #     std::sync::OnceLock::new();
///
/// /// Your own call to your backend, with its own error type.
/// async fn token_from_backend() -> Result<String, std::io::Error> {
///     // … an HTTP call to your service, which uses a CommunicationIdentityClient …
/// #   let (identity, user) = BACKEND.get().unwrap();
/// #   let token = identity.get_token(user, &[Scope::VoIp], None).await.map_err(std::io::Error::other)?;
/// #   Ok(token.token.expose().to_string())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_user_tokens::Result<()> {
/// # let emulator = azure_user_tokens::emulator::Emulator::start(Default::default()).await.unwrap();
/// # let identity = emulator.settings().identity_client(None)?;
/// # let user = identity.create_user().await?;
/// # BACKEND.set((identity, user)).unwrap();
/// let credential = CommunicationTokenCredential::from_refresher(
///     || async { token_from_backend().await.map(Secret::new).map_err(Error::credential) },
///     Some(CommunicationTokenRefreshOptions::default().with_proactive_refresh(true)),
/// )?;
/// let token = credential.get_token().await?; // refreshed when it nears expiry
/// assert!(token.expires_on > chrono::Utc::now());
/// credential.close(); // stops the background refresh (dropping it does too)
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CommunicationTokenCredential {
    shared: Arc<Shared>,
}

struct Shared {
    refresher: Option<Arc<Refresher>>,
    clock: Arc<dyn Clock>,
    current: tokio::sync::Mutex<Option<AccessToken>>,
    closed: std::sync::atomic::AtomicBool,
    timer: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// How a [`CommunicationTokenCredential`] with a refresher behaves (as the
/// JavaScript SDK's `CommunicationTokenRefreshOptions`, the refresher itself
/// being the constructor's first argument).
///
/// ```
/// use azure_user_tokens::Secret;
/// use azure_user_tokens::identity::CommunicationTokenRefreshOptions;
/// # let token_you_already_have = Secret::new("eyJ…");
/// let options = CommunicationTokenRefreshOptions::default()
///     .with_initial_token(token_you_already_have)
///     .with_proactive_refresh(true);
/// ```
#[derive(Clone)]
pub struct CommunicationTokenRefreshOptions {
    initial_token: Option<Secret>,
    proactive_refresh: bool,
    clock: Arc<dyn Clock>,
}

impl Default for CommunicationTokenRefreshOptions {
    fn default() -> Self {
        CommunicationTokenRefreshOptions {
            initial_token: None,
            proactive_refresh: false,
            clock: Arc::new(SystemClock),
        }
    }
}

impl CommunicationTokenRefreshOptions {
    /// A token (a JWT) to use until it nears expiry, before the first refresh.
    pub fn with_initial_token(mut self, token: Secret) -> Self {
        self.initial_token = Some(token);
        self
    }

    /// Renews the token in the background ten minutes before it expires
    /// (default: only on demand). Needs a tokio runtime when the credential
    /// is built.
    pub fn with_proactive_refresh(mut self, proactive_refresh: bool) -> Self {
        self.proactive_refresh = proactive_refresh;
        self
    }

    /// Reads "now" from this clock (tests: [`TokioClock`] with paused time).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether the token is renewed in the background.
    pub fn refreshes_proactively(&self) -> bool {
        self.proactive_refresh
    }
}

impl fmt::Debug for CommunicationTokenRefreshOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationTokenRefreshOptions")
            .field("initial_token", &self.initial_token)
            .field("proactive_refresh", &self.proactive_refresh)
            .field("clock", &self.clock)
            .finish()
    }
}

impl CommunicationTokenCredential {
    /// A fixed token (a JWT: its `exp` is read, base64url).
    pub fn from_token(token: Secret) -> Result<Self> {
        let expires_on = jwt::expiry(token.expose())?;
        Ok(Self::new(
            None,
            Arc::new(SystemClock),
            Some(AccessToken::new(token, expires_on)),
        ))
    }

    /// A token renewed by `refresher`, as `options` say (default: no initial
    /// token, refreshed on demand).
    pub fn from_refresher<F, Fut>(
        refresher: F,
        options: Option<CommunicationTokenRefreshOptions>,
    ) -> Result<Self>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Secret>> + Send + 'static,
    {
        let options = options.unwrap_or_default();
        let initial = match options.initial_token {
            Some(token) => {
                let expires_on = jwt::expiry(token.expose())?;
                Some(AccessToken::new(token, expires_on))
            }
            None => None,
        };
        let refresher: Arc<Refresher> = Arc::new(move || Box::pin(refresher()));
        let credential = Self::new(Some(refresher), options.clock, initial);
        if options.proactive_refresh {
            credential.start_timer()?;
        }
        Ok(credential)
    }

    fn new(
        refresher: Option<Arc<Refresher>>,
        clock: Arc<dyn Clock>,
        initial: Option<AccessToken>,
    ) -> Self {
        CommunicationTokenCredential {
            shared: Arc::new(Shared {
                refresher,
                clock,
                current: tokio::sync::Mutex::new(initial),
                closed: std::sync::atomic::AtomicBool::new(false),
                timer: Mutex::new(None),
            }),
        }
    }

    /// A token valid for at least two more minutes, refreshing if needed.
    pub async fn get_token(&self) -> Result<AccessToken> {
        self.shared.token(ON_DEMAND_MARGIN).await
    }

    /// Stops the background refresh; later calls fail.
    pub fn close(&self) {
        self.shared
            .closed
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(timer) = self
            .shared
            .timer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            timer.abort();
        }
    }

    fn start_timer(&self) -> Result<()> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::new(
                ErrorKind::Usage,
                "proactive refreshing needs a tokio runtime: build the credential inside one \
                 (or use azure_user_tokens::blocking::CommunicationTokenCredential)",
            )
        })?;
        // The task holds only a weak reference, so dropping the credential stops it.
        let weak = Arc::downgrade(&self.shared);
        let task = runtime.spawn(async move {
            let Some(shared) = weak.upgrade() else { return };
            let mut delay = shared.next_refresh_delay().await;
            drop(shared);
            loop {
                tokio::time::sleep(delay).await;
                let Some(shared) = weak.upgrade() else { return };
                if shared.closed.load(std::sync::atomic::Ordering::SeqCst) {
                    return;
                }
                delay = match shared.token(PROACTIVE_MARGIN).await {
                    Ok(_) => shared.next_refresh_delay().await,
                    Err(error) => {
                        tracing::warn!(%error, "proactive token refresh failed; will retry");
                        shared.retry_delay().await
                    }
                };
            }
        });
        *self.shared.timer.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        Ok(())
    }
}

impl Shared {
    /// The current token if it is good beyond `margin`, else a refreshed one.
    async fn token(&self, margin: chrono::Duration) -> Result<AccessToken> {
        if self.closed.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::new(
                ErrorKind::Credential,
                "the credential is closed",
            ));
        }
        // Holding the lock during the refresh makes concurrent callers share it.
        let mut current = self.current.lock().await;
        let now = self.clock.now();
        if let Some(token) = current.as_ref().filter(|t| !t.expires_within(margin, now)) {
            return Ok(token.clone());
        }
        let Some(refresher) = &self.refresher else {
            return match current.as_ref() {
                Some(token) if token.expires_on > now => Ok(token.clone()),
                _ => Err(Error::new(
                    ErrorKind::Credential,
                    "the token has expired and there is no refresher",
                )),
            };
        };
        let fresh = refresher().await?;
        let expires_on = jwt::expiry(fresh.expose())?;
        if expires_on <= self.clock.now() {
            return Err(Error::new(
                ErrorKind::Credential,
                format!("the refresher returned a token that expired at {expires_on}"),
            ));
        }
        let token = AccessToken::new(fresh, expires_on);
        *current = Some(token.clone());
        Ok(token)
    }

    /// When the next proactive refresh is due: ten minutes before expiry, or
    /// at half the remaining lifetime if that is sooner than now.
    async fn next_refresh_delay(&self) -> Duration {
        let now = self.clock.now();
        let Some(expires_on) = self.current.lock().await.as_ref().map(|t| t.expires_on) else {
            return Duration::ZERO;
        };
        let remaining = expires_on - now;
        let until_margin = remaining - PROACTIVE_MARGIN;
        let delay = if until_margin > chrono::Duration::zero() {
            until_margin
        } else {
            remaining / 2
        };
        delay.to_std().unwrap_or(Duration::ZERO).max(MIN_INTERVAL)
    }

    async fn retry_delay(&self) -> Duration {
        let now = self.clock.now();
        let remaining = self
            .current
            .lock()
            .await
            .as_ref()
            .map(|t| (t.expires_on - now) / 2)
            .and_then(|d| d.to_std().ok())
            .unwrap_or(RETRY_AFTER_FAILURE);
        remaining.min(RETRY_AFTER_FAILURE).max(MIN_INTERVAL)
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(timer) = self.timer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            timer.abort();
        }
    }
}

impl fmt::Debug for CommunicationTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CommunicationTokenCredential")
            .field("refresher", &self.shared.refresher.as_ref().map(|_| ".."))
            .field("clock", &self.shared.clock)
            .finish()
    }
}
