//! The blocking `CommunicationTokenCredential`.

use std::fmt;
use std::sync::Arc;

use super::runtime::BlockingRuntime;
use crate::error::{Error, ErrorKind, Result};
use crate::identity::{self, CommunicationTokenRefreshOptions};
use crate::{AccessToken, Secret};

/// [`identity::CommunicationTokenCredential`] for code without an async
/// runtime: the refresher is a plain function, and
/// [`get_token`](Self::get_token) blocks.
///
/// The refresher runs on a thread of its own (outside any runtime), so it may
/// call your backend with a blocking HTTP client, or a
/// [`blocking::CommunicationIdentityClient`](super::CommunicationIdentityClient).
/// With [`with_proactive_refresh`](CommunicationTokenRefreshOptions::with_proactive_refresh)
/// the credential keeps one background thread that renews the token ten
/// minutes before it expires; [`close`](Self::close) or dropping the last
/// clone stops it.
///
/// ```
/// use azure_user_tokens::blocking::{CommunicationIdentityClient, CommunicationTokenCredential};
/// use azure_user_tokens::identity::{CommunicationTokenRefreshOptions, Scope};
///
/// # fn main() -> azure_user_tokens::Result<()> {
/// # let emulator_runtime = tokio::runtime::Runtime::new().unwrap();
/// # let emulator = emulator_runtime
/// #     .block_on(azure_user_tokens::emulator::Emulator::start(Default::default()))
/// #     .unwrap();
/// # let connection_string = emulator.connection_string();
/// let identity = CommunicationIdentityClient::from_connection_string(&connection_string, None)?;
/// let user = identity.create_user()?;
/// let credential = CommunicationTokenCredential::from_refresher(
///     move || Ok(identity.get_token(&user, &[Scope::VoIp], None)?.token),
///     Some(CommunicationTokenRefreshOptions::default().with_proactive_refresh(true)),
/// )?;
/// let token = credential.get_token()?;
/// assert!(token.expires_on > chrono::Utc::now());
/// credential.close();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CommunicationTokenCredential {
    inner: identity::CommunicationTokenCredential,
    runtime: BlockingRuntime,
}

impl CommunicationTokenCredential {
    /// See [`identity::CommunicationTokenCredential::from_token`].
    pub fn from_token(token: Secret) -> Result<Self> {
        Ok(CommunicationTokenCredential {
            inner: identity::CommunicationTokenCredential::from_token(token)?,
            runtime: BlockingRuntime::current_thread()?,
        })
    }

    /// A token renewed by `refresher` (a blocking function; return its own
    /// errors with [`Error::credential`]), as `options` say.
    pub fn from_refresher<F>(
        refresher: F,
        options: Option<CommunicationTokenRefreshOptions>,
    ) -> Result<Self>
    where
        F: Fn() -> Result<Secret> + Send + Sync + 'static,
    {
        let options = options.unwrap_or_default();
        let runtime = if options.refreshes_proactively() {
            BlockingRuntime::with_background_worker()?
        } else {
            BlockingRuntime::current_thread()?
        };
        let refresher = Arc::new(refresher);
        let refresh = move || {
            let refresher = refresher.clone();
            async move { on_own_thread(move || refresher()).await }
        };
        let inner = runtime.enter(|| {
            identity::CommunicationTokenCredential::from_refresher(refresh, Some(options))
        })?;
        Ok(CommunicationTokenCredential { inner, runtime })
    }

    /// A token valid for at least two more minutes, refreshing (and
    /// blocking) if needed.
    pub fn get_token(&self) -> Result<AccessToken> {
        self.runtime.run(
            "CommunicationTokenCredential::get_token",
            self.inner.get_token(),
        )
    }

    /// Stops the background refresh; later calls fail.
    pub fn close(&self) {
        self.inner.close();
    }
}

/// Runs a blocking refresher on a thread outside every runtime (so it may
/// use blocking clients) and waits for it without blocking the runtime.
async fn on_own_thread(
    refresher: impl FnOnce() -> Result<Secret> + Send + 'static,
) -> Result<Secret> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("azure-user-tokens-refresher".into())
        .spawn(move || {
            let _ = sender.send(refresher());
        })
        .map_err(Error::credential)?;
    receiver.await.map_err(|_| {
        Error::new(
            ErrorKind::Credential,
            "the token refresher panicked before returning a token",
        )
    })?
}

impl fmt::Debug for CommunicationTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::CommunicationTokenCredential")
            .field("inner", &self.inner)
            .finish()
    }
}
