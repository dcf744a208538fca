//! A short-lived in-memory copy of active mapping rows, so a cache hit needs
//! no database read.
//!
//! The row's token revision is what makes a revoke through another broker
//! process effective; served from this copy, such a revoke takes effect here
//! within the time to live (the bounded staleness the operator chooses with
//! `--row-cache-ttl-ms`; 0 turns the copy off). A revoke or delete made in
//! this process drops the entry first, under the user's lock, so it is
//! effective here at once. Entries are written only under that lock, after a
//! database read, so an older row never replaces a newer one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::app_user::AppUser;
use super::mapping::Mapped;

pub(crate) struct RowCache {
    ttl: Duration,
    max_entries: usize,
    rows: Mutex<HashMap<AppUser, (Mapped, Instant)>>,
}

impl RowCache {
    pub(crate) fn new(ttl: Duration, max_entries: usize) -> Self {
        RowCache {
            ttl,
            max_entries: max_entries.max(1),
            rows: Mutex::new(HashMap::new()),
        }
    }

    /// The user's row, if read from the database less than the TTL ago.
    pub(crate) fn get(&self, user: &AppUser) -> Option<Mapped> {
        if self.ttl.is_zero() {
            return None;
        }
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        match rows.get(user) {
            Some((mapped, read_at)) if read_at.elapsed() < self.ttl => Some(mapped.clone()),
            _ => None,
        }
    }

    /// Remembers a row just read (or written) under the user's lock.
    pub(crate) fn insert(&self, user: &AppUser, mapped: &Mapped, read_at: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        if rows.len() >= self.max_entries && !rows.contains_key(user) {
            let ttl = self.ttl;
            rows.retain(|_, (_, at)| at.elapsed() < ttl);
            if rows.len() >= self.max_entries {
                rows.clear();
            }
        }
        rows.insert(user.clone(), (mapped.clone(), read_at));
    }

    /// Forgets the user's row (before this process changes it).
    pub(crate) fn forget(&self, user: &AppUser) {
        self.rows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::CommunicationUserIdentifier;

    fn mapped(revision: i64) -> Mapped {
        Mapped {
            acs_user: CommunicationUserIdentifier::new("8:acs:r_1").unwrap(),
            revision,
        }
    }

    #[test]
    fn rows_are_served_within_the_ttl_and_forgotten_on_demand() {
        let cache = RowCache::new(Duration::from_secs(60), 10);
        let alice = AppUser::new("https://idp.example/", "alice");
        assert!(cache.get(&alice).is_none());
        cache.insert(&alice, &mapped(3), Instant::now());
        assert_eq!(cache.get(&alice).unwrap().revision, 3);
        cache.forget(&alice);
        assert!(cache.get(&alice).is_none());
    }

    #[test]
    fn an_old_read_is_not_served() {
        let cache = RowCache::new(Duration::from_millis(50), 10);
        let alice = AppUser::new("https://idp.example/", "alice");
        let Some(long_ago) = Instant::now().checked_sub(Duration::from_millis(51)) else {
            return;
        };
        cache.insert(&alice, &mapped(1), long_ago);
        assert!(cache.get(&alice).is_none());
    }

    #[test]
    fn a_zero_ttl_keeps_nothing_and_the_size_is_bounded() {
        let off = RowCache::new(Duration::ZERO, 10);
        let alice = AppUser::new("https://idp.example/", "alice");
        off.insert(&alice, &mapped(1), Instant::now());
        assert!(off.get(&alice).is_none());

        let tiny = RowCache::new(Duration::from_secs(60), 2);
        for name in ["a", "b", "c"] {
            tiny.insert(
                &AppUser::new("https://idp.example/", name),
                &mapped(1),
                Instant::now(),
            );
        }
        assert!(tiny.rows.lock().unwrap().len() <= 2);
        assert!(
            tiny.get(&AppUser::new("https://idp.example/", "c"))
                .is_some()
        );
    }
}
