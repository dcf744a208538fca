//! User creates per second against an emulator that keeps a state file,
//! with 0 and 20,000 users already in it: a write must cost the same
//! whatever the number of users (each create is fsynced before its answer).
//!
//! ```text
//! cargo bench --bench state_file                  # 5 s per size, sizes 0 and 20000
//! cargo bench --bench state_file -- 10 0 20000 50000
//! ```
//!
//! The emulator runs in-process on 127.0.0.1; 16 tasks create users through
//! the HMAC-signed identity client. The state file is pre-filled by writing
//! its JSON directly, so a large start costs nothing.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions,
};
use azure_user_tokens::{ClientOptions, RetryOptions};

const TASKS: usize = 16;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut sizes: Vec<usize> = args.iter().skip(1).filter_map(|s| s.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![0, 20_000];
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    println!("| users at start | creates | seconds | creates/s |");
    println!("|---:|---:|---:|---:|");
    for users in sizes {
        let (created, elapsed) = runtime.block_on(measure(users, seconds));
        println!(
            "| {users} | {created} | {:.1} | {:.0} |",
            elapsed.as_secs_f64(),
            created as f64 / elapsed.as_secs_f64()
        );
    }
}

async fn measure(users: usize, seconds: u64) -> (u64, Duration) {
    let dir = std::env::temp_dir().join(format!(
        "azure-user-tokens-bench-state-{}-{users}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join("state.json");
    prefill(&path, users).await;

    let emulator = Emulator::start(EmulatorConfig::default().with_state_file(&path))
        .await
        .expect("the emulator starts");
    assert_eq!(emulator.stats().users as usize, users);
    let options = CommunicationIdentityClientOptions::default()
        .with_client_options(ClientOptions::default().with_retry(RetryOptions::none()));
    let client = CommunicationIdentityClient::from_connection_string(
        &emulator.connection_string(),
        Some(options),
    )
    .expect("a client");
    let client = Arc::new(client);
    let created = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (client, created) = (client.clone(), created.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    client.create_user().await.expect("a create");
                    created.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a load task");
    }
    let elapsed = started.elapsed();
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    (created.load(Ordering::Relaxed), elapsed)
}

/// A state file holding the seed plus `users` identities.
async fn prefill(path: &Path, users: usize) {
    // The emulator writes its seed; the identities are added to that JSON.
    Emulator::start(EmulatorConfig::default().with_state_file(path))
        .await
        .expect("the emulator starts")
        .shutdown()
        .await;
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("the seed")).expect("JSON");
    let identities = state["identities"]
        .as_object_mut()
        .expect("an identities map");
    for n in 0..users {
        identities.insert(
            format!("8:acs:084c2c1b-b21d-4a6c-996a-19ca84a9863f_bench-{n:08}"),
            serde_json::json!({"createdAt": "2024-01-01T00:00:00Z"}),
        );
    }
    std::fs::write(path, serde_json::to_vec(&state).expect("JSON")).expect("the prefilled file");
}
