//! (b) `get_token` throughput at 64 concurrent callers: our client (64 tasks
//! sharing one client) against the official Python SDK (64 threads, one
//! client each), one after the other against the same emulator.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azure_user_tokens::identity::{CommunicationIdentityClient, Scope};

/// Calls per second and failed calls.
pub struct Throughput {
    pub per_second: f64,
    pub errors: u64,
}

/// Ours: `callers` tasks for `seconds` (after a one-second warm-up).
pub async fn ours(connection_string: &str, callers: usize, seconds: u64) -> Throughput {
    let client = CommunicationIdentityClient::from_connection_string(
        &azure_user_tokens::Secret::new(connection_string),
        None,
    )
    .expect("a client");
    let user = client.create_user().await.expect("a user");
    let (done, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (measuring, stop) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (client, user) = (client.clone(), user.clone());
            let (done, failed, measuring, stop) = (
                done.clone(),
                failed.clone(),
                measuring.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let ok = client.get_token(&user, &[Scope::VoIp], None).await.is_ok();
                    if measuring.load(Ordering::Relaxed) {
                        if ok { &done } else { &failed }.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    Throughput {
        per_second: done.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64(),
        errors: failed.load(Ordering::Relaxed),
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
