//! Replays made visible: every client sends a fresh `x-ms-client-request-id`
//! per call (the same on its retries), so a change arriving with an id that
//! already changed state is a replayed request — an attacker resending a
//! signed request within the 15-minute date window, as the real service
//! also accepts, or a client repeating a change after losing its answer.
//! Each is logged at warn level and counted in the stats.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use axum::http::Method;

/// How many request ids are remembered (the oldest are forgotten first).
const REMEMBERED: usize = 100_000;

/// The client request ids of recent changes.
#[derive(Debug, Default)]
pub(crate) struct Replays {
    seen: Mutex<(HashSet<String>, VecDeque<String>)>,
    count: AtomicU64,
}

impl Replays {
    /// Records a change made by a request with `request_id`.
    pub(crate) fn changed(&self, request_id: Option<&str>, method: &Method, path: &str) {
        let Some(id) = request_id.filter(|id| !id.is_empty() && id.len() <= 128) else {
            return;
        };
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let (ids, order) = &mut *seen;
        if ids.contains(id) {
            self.count.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                request_id = id,
                %method,
                path,
                "replayed request: this client request id already changed state (a replay, or a client repeating a change)"
            );
            return;
        }
        ids.insert(id.to_string());
        order.push_back(id.to_string());
        if order.len() > REMEMBERED
            && let Some(oldest) = order.pop_front()
        {
            ids.remove(&oldest);
        }
    }

    /// Changes whose request id had changed state before.
    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_change_with_one_id_is_a_replay() {
        let replays = Replays::default();
        replays.changed(Some("a"), &Method::POST, "/identities");
        replays.changed(Some("b"), &Method::POST, "/identities");
        replays.changed(None, &Method::POST, "/identities");
        assert_eq!(replays.count(), 0);
        replays.changed(Some("a"), &Method::POST, "/identities");
        assert_eq!(replays.count(), 1);
    }
}
