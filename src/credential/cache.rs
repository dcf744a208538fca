//! Per-scope token cache with single-flight refresh.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{Duration, Utc};

use crate::AccessToken;
use crate::error::Result;

/// How long before expiry a cached token is refreshed.
pub const REFRESH_MARGIN: Duration = Duration::minutes(5);

type Slot = Arc<tokio::sync::Mutex<Option<AccessToken>>>;

/// Caches one token per scope; a refresh holds that scope's lock, so
/// concurrent callers wait for it and share its result instead of each
/// asking the identity provider.
#[derive(Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<String, Slot>>,
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached token for `scope` if it is good for more than
    /// [`REFRESH_MARGIN`], else the result of `fetch` (cached when it succeeds).
    pub async fn get_or_fetch<F, Fut>(&self, scope: &str, fetch: F) -> Result<AccessToken>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken>>,
    {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.entry(scope.to_string()).or_default().clone()
        };
        let mut cached = slot.lock().await;
        if let Some(token) = cached
            .as_ref()
            .filter(|t| !t.expires_within(REFRESH_MARGIN, Utc::now()))
        {
            return Ok(token.clone());
        }
        let token = fetch().await?;
        *cached = Some(token.clone());
        Ok(token)
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCache { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn token(minutes: i64) -> AccessToken {
        AccessToken::new("t", Utc::now() + Duration::minutes(minutes))
    }

    #[tokio::test]
    async fn a_fresh_token_is_reused() {
        let cache = TokenCache::new();
        let calls = AtomicUsize::new(0);
        for _ in 0..3 {
            cache
                .get_or_fetch("s", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(token(60))
                })
                .await
                .unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_token_within_five_minutes_of_expiry_is_refreshed() {
        let cache = TokenCache::new();
        cache
            .get_or_fetch("s", || async { Ok(token(4)) })
            .await
            .unwrap();
        let refreshed = cache
            .get_or_fetch("s", || async { Ok(token(60)) })
            .await
            .unwrap();
        assert!(refreshed.expires_on > Utc::now() + Duration::minutes(30));
    }

    #[tokio::test]
    async fn scopes_are_cached_separately_and_failures_are_not_cached() {
        let cache = TokenCache::new();
        cache
            .get_or_fetch("a", || async { Ok(token(60)) })
            .await
            .unwrap();
        let err = cache
            .get_or_fetch("b", || async {
                Err(crate::Error::new(crate::ErrorKind::Credential, "down"))
            })
            .await;
        assert!(err.is_err());
        let b = cache.get_or_fetch("b", || async { Ok(token(60)) }).await;
        assert!(b.is_ok());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_refresh() {
        let cache = Arc::new(TokenCache::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_fetch("s", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok(token(60))
                    })
                    .await
                    .unwrap()
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
