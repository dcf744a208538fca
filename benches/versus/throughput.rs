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

use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationUserIdentifier, Scope,
};

use crate::emulator_process::process_cpu;
use crate::same_bytes::{PlainReqwest, Raw, Wire};

/// Calls per second, failed calls, and the client process's CPU time per
/// call (µs, all threads; the emulator is another process).
pub struct Throughput {
    pub per_second: f64,
    pub errors: u64,
    pub cpu_per_call: f64,
}

/// What the callers of one run share: the counts, the phase, and how many
/// calls are left to make.
struct Run {
    done: AtomicU64,
    failed: AtomicU64,
    measuring: AtomicBool,
    stop: AtomicBool,
    budget: AtomicU64,
}

impl Run {
    /// A run of at most `calls` calls.
    fn new(calls: u64) -> Run {
        Run {
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            measuring: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            budget: AtomicU64::new(calls),
        }
    }

    /// Whether a caller should make another call (taking it from the budget).
    fn running(&self) -> bool {
        !self.stop.load(Ordering::Relaxed)
            && self
                .budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
                .is_ok()
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
        let (started, cpu_before) = (Instant::now(), process_cpu());
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        self.measuring.store(false, Ordering::Relaxed);
        let (elapsed, cpu) = (started.elapsed(), process_cpu().saturating_sub(cpu_before));
        self.stop.store(true, Ordering::Relaxed);
        for caller in callers {
            let _ = caller.await;
        }
        let calls = self.done.load(Ordering::Relaxed) + self.failed.load(Ordering::Relaxed);
        Throughput {
            per_second: self.done.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64(),
            errors: self.failed.load(Ordering::Relaxed),
            cpu_per_call: cpu.as_secs_f64() * 1e6 / calls.max(1) as f64,
        }
    }
}

/// The three Rust contenders, measured one after the other.
pub struct Rust {
    pub ours: Throughput,
    pub reqwest: Throughput,
    pub raw: Throughput,
}

/// The contenders of [`rust`], in its order.
pub const CONTENDERS: [&str; 3] = ["ours", "reqwest", "raw"];

/// Ours, plain reqwest and raw hyper (those of [`CONTENDERS`] that `only`
/// names, all if empty), `callers` each for `seconds` (after a one-second
/// warm-up each), in `rounds` rounds of `seconds / rounds` rotating which
/// goes first: each figure is the median round's (NaN for one not run).
pub async fn rust(
    connection_string: &str,
    authority: &str,
    key: &str,
    callers: usize,
    seconds: u64,
    rounds: usize,
    only: &[&str],
) -> Rust {
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
    let per_round = seconds.div_ceil(rounds as u64).max(1);
    let mut figures: [Vec<Throughput>; 3] = Default::default();
    for round in 0..rounds {
        for turn in 0..3 {
            let who = (round + turn) % 3;
            if !only.is_empty() && !only.contains(&CONTENDERS[who]) {
                continue;
            }
            let run = Arc::new(Run::new(u64::MAX));
            let tasks = spawn_callers(who, &run, &client, &user, &wire, callers).await;
            figures[who].push(run.measure(per_round, tasks).await);
        }
    }
    let [ours, reqwest, raw] = figures.map(median);
    Rust { ours, reqwest, raw }
}

/// `who` (one of [`CONTENDERS`]) with `callers` concurrent callers making
/// exactly `calls` calls in all, after each caller's first (for instruction
/// counts: two runs with different `calls` give the cost of one call at
/// this concurrency as their difference).
pub async fn counted(
    connection_string: &str,
    authority: &str,
    key: &str,
    callers: usize,
    who: &str,
    calls: u64,
) {
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
    let who = CONTENDERS
        .iter()
        .position(|c| *c == who)
        .unwrap_or_else(|| panic!("{who} is one of {CONTENDERS:?}"));
    let run = Arc::new(Run::new(callers as u64 + calls));
    for task in spawn_callers(who, &run, &client, &user, &wire, callers).await {
        task.await.expect("a caller");
    }
    assert_eq!(run.failed.load(Ordering::Relaxed), 0, "failed calls");
}

/// `callers` tasks calling through contender `who` while `run` runs.
async fn spawn_callers(
    who: usize,
    run: &Arc<Run>,
    client: &CommunicationIdentityClient,
    user: &CommunicationUserIdentifier,
    wire: &Wire<'_>,
    callers: usize,
) -> Vec<tokio::task::JoinHandle<()>> {
    match who {
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
            let plain = PlainReqwest::new(wire);
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
                let (run, mut raw) = (run.clone(), Raw::connect(wire).await);
                tasks.push(tokio::spawn(async move {
                    while run.running() {
                        run.record(raw.get_token().await.is_ok());
                    }
                }));
            }
            tasks
        }
    }
}

/// The round with the median rate (errors summed over all rounds).
fn median(mut rounds: Vec<Throughput>) -> Throughput {
    if rounds.is_empty() {
        return Throughput {
            per_second: f64::NAN,
            errors: 0,
            cpu_per_call: f64::NAN,
        };
    }
    let errors = rounds.iter().map(|r| r.errors).sum();
    rounds.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    let middle = rounds.swap_remove(rounds.len() / 2);
    Throughput { errors, ..middle }
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
        cpu_per_call: f64::NAN,
    })
}
