//! ACS user tokens kept in memory (never on disk, never logged), by
//! (identity, its token revision, scopes, lifetime). A token is served while
//! it has at least the configured minimum lifetime left; concurrent misses
//! for one key make one ACS call.
//!
//! The revision comes from the database row and is bumped by every revoke, so
//! a broker process never serves a token cached before a revoke made through
//! another process: its key no longer matches.

use std::collections::HashMap;
use std::future::Future;
use std::sync::RwLock;

use chrono::{Duration, Utc};

use super::keyed_lock::KeyedLocks;
use crate::AccessToken;

/// What a cached token is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    /// The ACS identity (`8:acs:…`).
    pub acs_user_id: String,
    /// The row's token revision when the token was issued.
    pub revision: i64,
    /// Scopes, sorted and deduplicated.
    pub scopes: Vec<String>,
    /// The lifetime asked for, in minutes.
    pub minutes: u32,
}

/// The in-memory token cache.
pub(crate) struct TokenCache {
    enabled: bool,
    min_remaining: Duration,
    max_entries: usize,
    entries: RwLock<HashMap<CacheKey, AccessToken>>,
    fetching: KeyedLocks<CacheKey>,
}

impl TokenCache {
    /// A cache serving tokens with at least `min_remaining` left; `enabled`
    /// false makes every request a miss (and every miss an ACS call).
    pub(crate) fn new(enabled: bool, min_remaining: Duration, max_entries: usize) -> Self {
        TokenCache {
            enabled,
            min_remaining,
            max_entries,
            entries: RwLock::new(HashMap::new()),
            fetching: KeyedLocks::new(),
        }
    }

    fn servable(&self, key: &CacheKey) -> Option<AccessToken> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|token| !token.expires_within(self.min_remaining, Utc::now()))
            .cloned()
    }

    /// A cached token for `key` (`true`: a hit), else the one `fetch` gets,
    /// cached. Callers missing at once for one key wait for the first one's
    /// fetch.
    pub(crate) async fn get_or_fetch<F, Fut, E>(
        &self,
        key: CacheKey,
        fetch: F,
    ) -> Result<(AccessToken, bool), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken, E>>,
    {
        if !self.enabled {
            return fetch().await.map(|token| (token, false));
        }
        if let Some(token) = self.servable(&key) {
            return Ok((token, true));
        }
        let _guard = self.fetching.lock(key.clone()).await;
        if let Some(token) = self.servable(&key) {
            return Ok((token, true));
        }
        let token = fetch().await?;
        self.insert(key, token.clone());
        Ok((token, false))
    }

    fn insert(&self, key: CacheKey, token: AccessToken) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.max_entries {
            let now = Utc::now();
            entries.retain(|_, t| !t.expires_within(self.min_remaining, now));
        }
        // Still full: serve this one uncached rather than grow without bound.
        if entries.len() < self.max_entries {
            entries.insert(key, token);
        }
    }

    /// Forgets every token of one identity (after a revoke or delete).
    pub(crate) fn forget_identity(&self, acs_user_id: &str) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|key, _| key.acs_user_id != acs_user_id);
    }

    /// Entries held.
    pub(crate) fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(user: &str, revision: i64) -> CacheKey {
        CacheKey {
            acs_user_id: user.into(),
            revision,
            scopes: vec!["voip".into()],
            minutes: 60,
        }
    }

    fn token(minutes: i64) -> AccessToken {
        AccessToken::new("t", Utc::now() + Duration::minutes(minutes))
    }

    #[tokio::test]
    async fn hits_until_the_minimum_remaining_lifetime() {
        let cache = TokenCache::new(true, Duration::minutes(10), 100);
        let fetch = |minutes| move || async move { Ok::<_, ()>(token(minutes)) };
        assert!(!cache.get_or_fetch(key("a", 0), fetch(60)).await.unwrap().1);
        assert!(cache.get_or_fetch(key("a", 0), fetch(60)).await.unwrap().1);
        // Another revision is another key.
        assert!(!cache.get_or_fetch(key("a", 1), fetch(60)).await.unwrap().1);
        // A token with less than the minimum left is not served.
        assert!(!cache.get_or_fetch(key("b", 0), fetch(5)).await.unwrap().1);
        assert!(!cache.get_or_fetch(key("b", 0), fetch(5)).await.unwrap().1);
        cache.forget_identity("a");
        assert!(!cache.get_or_fetch(key("a", 0), fetch(60)).await.unwrap().1);
    }

    #[tokio::test]
    async fn concurrent_misses_fetch_once() {
        let cache = Arc::new(TokenCache::new(true, Duration::minutes(10), 100));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (cache, calls) = (cache.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_fetch(key("a", 0), || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok::<_, ()>(token(60))
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

    #[tokio::test]
    async fn off_means_every_call_fetches_and_full_means_uncached() {
        let off = TokenCache::new(false, Duration::minutes(10), 100);
        for _ in 0..3 {
            let (_, hit) = off
                .get_or_fetch(key("a", 0), || async { Ok::<_, ()>(token(60)) })
                .await
                .unwrap();
            assert!(!hit);
        }
        assert_eq!(off.len(), 0);
        let tiny = TokenCache::new(true, Duration::minutes(10), 1);
        for user in ["a", "b"] {
            tiny.get_or_fetch(key(user, 0), || async { Ok::<_, ()>(token(60)) })
                .await
                .unwrap();
        }
        assert_eq!(tiny.len(), 1);
    }
}
