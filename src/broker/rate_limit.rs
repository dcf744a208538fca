//! Per-user rate limit on token requests: a token bucket per app user
//! (`limit` requests per minute, bursts up to `limit`), in memory. Several
//! broker processes each apply it, so N processes allow up to N× the limit.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets idle this long are full again and forgotten.
const SWEEP_EVERY: usize = 4096;

/// A token bucket per key.
pub(crate) struct RateLimiter<K> {
    per_minute: u32,
    buckets: Mutex<Buckets<K>>,
}

struct Buckets<K> {
    map: HashMap<K, Bucket>,
    calls_since_sweep: usize,
}

#[derive(Clone, Copy)]
struct Bucket {
    /// Tokens left (fractional: they refill continuously).
    tokens: f64,
    updated: Instant,
}

impl<K: Eq + Hash> RateLimiter<K> {
    /// `per_minute` requests per key per minute; 0 turns the limit off.
    pub(crate) fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                calls_since_sweep: 0,
            }),
        }
    }

    /// Takes one request for `key`: `Ok` to go ahead, or how long to wait.
    pub(crate) fn check(&self, key: K, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        buckets.calls_since_sweep += 1;
        if buckets.calls_since_sweep >= SWEEP_EVERY {
            buckets.calls_since_sweep = 0;
            // A bucket idle for a minute is full: the same as no bucket.
            buckets
                .map
                .retain(|_, b| now.saturating_duration_since(b.updated) < Duration::from_secs(60));
        }
        let bucket = buckets.map.entry(key).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            Err(Duration::from_secs_f64(wait.clamp(0.0, 60.0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_up_to_the_limit_then_a_wait_that_refills() {
        let limiter = RateLimiter::new(60);
        let start = Instant::now();
        for _ in 0..60 {
            assert!(limiter.check("alice", start).is_ok());
        }
        let wait = limiter.check("alice", start).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        // Others are not affected.
        assert!(limiter.check("bob", start).is_ok());
        // One second later, one more.
        let later = start + Duration::from_secs(1);
        assert!(limiter.check("alice", later).is_ok());
        assert!(limiter.check("alice", later).is_err());
    }

    #[test]
    fn zero_is_off() {
        let limiter = RateLimiter::new(0);
        let now = Instant::now();
        for _ in 0..1000 {
            assert!(limiter.check("alice", now).is_ok());
        }
    }
}
