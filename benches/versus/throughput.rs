//! (b) `get_token` throughput at 64 concurrent callers, one contender after
//! the other against the same emulator: our client (64 tasks sharing one
//! client), the same bytes through a plain `reqwest::Client` (64 tasks
//! sharing one client) and through raw hyper (64 tasks, a connection each),
//! all on a 2-worker runtime; and the official Python SDK (64 threads, one
//! client each).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azure_user_tokens::identity::{CommunicationIdentityClient, Scope};

use crate::same_bytes::{PlainReqwest, Raw, Wire};

/// Calls per second and failed calls.
pub struct Throughput {
    pub per_second: f64,
    pub errors: u64,
}

/// What the callers of one run share: the counts and the phase.
#[derive(Default)]
struct Run {
    done: AtomicU64,
    failed: AtomicU64,
    measuring: AtomicBool,
    stop: AtomicBool,
}

impl Run {
    /// Whether callers should go on.
    fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
    }

    /// Counts one call's outcome, while measuring.
    fn record(&self, ok: bool) {
        if self.measuring.load(Ordering::Relaxed) {
            if ok { &self.done } else { &self.failed }.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A one-second warm-up, `seconds` measured, then stops the callers.
    async fn measure(&self, seconds: u64, callers: Vec<tokio::task::JoinHandle<()>>) -> Throughput {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.measuring.store(true, Ordering::Relaxed);
        let started = Instant::now();
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        self.measuring.store(false, Ordering::Relaxed);
        let elapsed = started.elapsed();
        self.stop.store(true, Ordering::Relaxed);
        for caller in callers {
            let _ = caller.await;
        }
        Throughput {
            per_second: self.done.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64(),
            errors: self.failed.load(Ordering::Relaxed),
        }
    }
}

/// The three Rust contenders, measured one after the other.
pub struct Rust {
    pub ours: Throughput,
    pub reqwest: Throughput,
    pub raw: Throughput,
}

/// Ours, plain reqwest and raw hyper, `callers` each for `seconds` (after a
/// one-second warm-up each), in `rounds` rounds of `seconds / rounds`
/// rotating which goes first: each figure is the median round's.
pub async fn rust(
    connection_string: &str,
    authority: &str,
    key: &str,
    callers: usize,
    seconds: u64,
    rounds: usize,
) -> Rust {
    let client =
        CommunicationIdentityClient::from_connection_string(connection_string).expect("a client");
    let user = client.create_user().await.expect("a user");
    let wire = Wire {
        authority,
        key,
        user: user.raw_id(),
        api_version: client.api_version(),
    };
    let per_round = seconds.div_ceil(rounds as u64).max(1);
    let mut figures: [Vec<Throughput>; 3] = Default::default();
    for round in 0..rounds {
        for turn in 0..3 {
            let who = (round + turn) % 3;
            let run = Arc::new(Run::default());
            let tasks: Vec<_> = match who {
                0 => (0..callers)
                    .map(|_| {
                        let (run, client, user) = (run.clone(), client.clone(), user.clone());
                        tokio::spawn(async move {
                            while run.running() {
                                let result = client.get_token(&user, &[Scope::VoIp], None).await;
                                run.record(result.is_ok());
                            }
                        })
                    })
                    .collect(),
                1 => {
                    let plain = PlainReqwest::new(&wire);
                    (0..callers)
                        .map(|_| {
                            let (run, plain) = (run.clone(), plain.clone());
                            tokio::spawn(async move {
                                while run.running() {
                                    run.record(plain.get_token().await.is_ok());
                                }
                            })
                        })
                        .collect()
                }
                _ => {
                    let mut tasks = Vec::with_capacity(callers);
                    for _ in 0..callers {
                        let (run, mut raw) = (run.clone(), Raw::connect(&wire).await);
                        tasks.push(tokio::spawn(async move {
                            while run.running() {
                                run.record(raw.get_token().await.is_ok());
                            }
                        }));
                    }
                    tasks
                }
            };
            figures[who].push(run.measure(per_round, tasks).await);
        }
    }
    let [ours, reqwest, raw] = figures.map(median);
    Rust { ours, reqwest, raw }
}

/// The round with the median rate (errors summed over all rounds).
fn median(mut rounds: Vec<Throughput>) -> Throughput {
    let errors = rounds.iter().map(|r| r.errors).sum();
    rounds.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    let middle = rounds.swap_remove(rounds.len() / 2);
    Throughput {
        per_second: middle.per_second,
        errors,
    }
}

/// The official SDK (azure-communication-identity) in `python`, with
/// `callers` threads for `seconds`.
pub fn python_sdk(
    python: &Path,
    endpoint: &str,
    key: &str,
    callers: usize,
    seconds: u64,
) -> Option<Throughput> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/python/sdk_throughput.py"
    );
    let output = Command::new(python)
        .args([
            script,
            endpoint,
            key,
            &callers.to_string(),
            &seconds.to_string(),
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "the Python SDK run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    Some(Throughput {
        per_second: value["per_second"].as_f64()?,
        errors: value["errors"].as_u64()?,
    })
}
