//! Injected faults: a seeded, reproducible choice made before a request is
//! processed, so a fault never fakes success and never half-applies a change.

use std::sync::{Mutex, PoisonError};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What to do instead of processing a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// 429 Too Many Requests with retry hints.
    Throttle,
    /// 503 Service Unavailable with retry hints.
    Unavailable,
    /// Drop the connection with a TCP reset, no response.
    Reset,
}

/// Decides, request by request, whether to inject a fault.
pub(crate) struct FaultInjector {
    rate: f64,
    seed: u64,
    rng: Mutex<StdRng>,
}

impl FaultInjector {
    /// `rate` in 0.0..=1.0; the same seed gives the same sequence of decisions.
    pub(crate) fn new(rate: f64, seed: u64) -> Self {
        FaultInjector {
            rate,
            seed,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// The seed in use (printed so a run can be reproduced).
    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether faults are on at all.
    pub(crate) fn enabled(&self) -> bool {
        self.rate > 0.0
    }

    /// The decision for the next request.
    pub(crate) fn next(&self) -> Option<Fault> {
        if !self.enabled() {
            return None;
        }
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        if rng.random::<f64>() >= self.rate {
            return None;
        }
        Some(match rng.random_range(0..3u8) {
            0 => Fault::Throttle,
            1 => Fault::Unavailable,
            _ => Fault::Reset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(injector: &FaultInjector, n: usize) -> Vec<Option<Fault>> {
        (0..n).map(|_| injector.next()).collect()
    }

    #[test]
    fn same_seed_same_sequence() {
        let a = sequence(&FaultInjector::new(0.5, 42), 200);
        let b = sequence(&FaultInjector::new(0.5, 42), 200);
        let c = sequence(&FaultInjector::new(0.5, 43), 200);
        assert_eq!(a, b);
        assert_ne!(a, c);
        for kind in [Fault::Throttle, Fault::Unavailable, Fault::Reset] {
            assert!(a.contains(&Some(kind)), "{kind:?} never drawn");
        }
        assert!(a.contains(&None));
    }

    #[test]
    fn rate_zero_never_and_rate_one_always() {
        assert!(
            sequence(&FaultInjector::new(0.0, 1), 100)
                .iter()
                .all(Option::is_none)
        );
        assert!(
            sequence(&FaultInjector::new(1.0, 1), 100)
                .iter()
                .all(Option::is_some)
        );
    }
}
