//! (a) One `get_token` at a time: our client against the same bytes through
//! a plain `reqwest::Client` and through raw hyper (`same_bytes.rs`),
//! interleaved in rounds against one emulator.

use std::time::{Duration, Instant};

use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationUserIdentifier, Scope,
};

use crate::emulator_process::process_cpu;
use crate::same_bytes::{PlainReqwest, Raw, Wire};

const ROUNDS: usize = 20;
const PER_ROUND: usize = 250;

/// One contender's latencies, in microseconds.
pub struct Quantiles {
    pub p50: f64,
    pub p99: f64,
}

/// Ours, plain reqwest and raw hyper.
pub struct Latency {
    pub ours: Quantiles,
    pub reqwest: Quantiles,
    pub raw: Quantiles,
    pub samples: usize,
}

/// The three contenders against one emulator, for one user.
pub struct Contenders {
    pub client: CommunicationIdentityClient,
    pub user: CommunicationUserIdentifier,
    pub raw: Raw,
    pub plain: PlainReqwest,
}

impl Contenders {
    pub async fn new(connection_string: &str, authority: &str, key: &str) -> Contenders {
        let client = CommunicationIdentityClient::from_connection_string(
            &azure_user_tokens::Secret::new(connection_string),
            None,
        )
        .expect("a client");
        let user = client.create_user().await.expect("a user");
        let wire = Wire {
            authority,
            key,
            user: user.raw_id(),
            api_version: client.api_version(),
        };
        let raw = Raw::connect(&wire).await;
        let plain = PlainReqwest::new(&wire);
        Contenders {
            client,
            user,
            raw,
            plain,
        }
    }

    /// One call by `who` (`ours`, `reqwest` or `raw`).
    pub async fn call(&mut self, who: &str) {
        match who {
            "raw" => drop(self.raw.get_token().await.expect("a token")),
            "reqwest" => drop(self.plain.get_token().await.expect("a token")),
            _ => drop(
                self.client
                    .get_token(&self.user, &[Scope::VoIp], None)
                    .await
                    .expect("a token"),
            ),
        }
    }
}

const WHO: [&str; 3] = ["ours", "reqwest", "raw"];

/// Measures all three, `ROUNDS` rounds of `PER_ROUND` calls each, rotating
/// which goes first.
pub async fn measure(connection_string: &str, authority: &str, key: &str) -> Latency {
    let mut contenders = Contenders::new(connection_string, authority, key).await;
    for _ in 0..300 {
        for who in WHO {
            contenders.call(who).await;
        }
    }
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for round in 0..ROUNDS {
        for turn in 0..3 {
            let who = (round + turn) % 3;
            for _ in 0..PER_ROUND {
                let started = Instant::now();
                contenders.call(WHO[who]).await;
                samples[who].push(started.elapsed());
            }
        }
    }
    let [mut ours, mut plain, mut raw] = samples;
    Latency {
        samples: ours.len(),
        ours: quantiles(&mut ours),
        reqwest: quantiles(&mut plain),
        raw: quantiles(&mut raw),
    }
}

fn quantiles(samples: &mut [Duration]) -> Quantiles {
    samples.sort_unstable();
    Quantiles {
        p50: percentile(samples, 0.5),
        p99: percentile(samples, 0.99),
    }
}

/// The `q` quantile of sorted samples, in microseconds.
fn percentile(sorted: &[Duration], q: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[at].as_secs_f64() * 1e6
}

/// One contender (`ours`, `reqwest` or `raw`) alone, one call at a time,
/// for `seconds` (for a sampling profiler) after 100 calls to warm up;
/// returns the calls made and the CPU time per call in µs.
pub async fn alone(
    who: &str,
    connection_string: &str,
    authority: &str,
    key: &str,
    seconds: u64,
) -> (u64, f64) {
    let mut contenders = Contenders::new(connection_string, authority, key).await;
    for _ in 0..100 {
        contenders.call(who).await;
    }
    let cpu_before = process_cpu();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut calls = 0;
    while Instant::now() < deadline {
        contenders.call(who).await;
        calls += 1;
    }
    let cpu = process_cpu().saturating_sub(cpu_before);
    (calls, cpu.as_secs_f64() * 1e6 / calls.max(1) as f64)
}

/// One contender alone for exactly `calls` calls after a fixed warm-up of
/// 100 (for instruction counts: two runs with different `calls` give the
/// cost of one call as their difference, setup and warm-up cancelled out).
pub async fn counted(who: &str, connection_string: &str, authority: &str, key: &str, calls: u64) {
    let mut contenders = Contenders::new(connection_string, authority, key).await;
    for _ in 0..100 {
        contenders.call(who).await;
    }
    for _ in 0..calls {
        contenders.call(who).await;
    }
}
