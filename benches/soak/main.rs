//! Soak: 64 concurrent clients against one emulator process for 60 s — each
//! its own identity and APIM client, looping create user → issue token →
//! revoke → delete, plus an APIM user token — with zero errors allowed, and
//! resident memory of both processes sampled every second and reported.
//!
//! ```text
//! scripts/soak.sh                           # 60 s, 64 clients
//! cargo bench --bench soak -- 120 64        # seconds, clients
//! ```
//! Memory counts as flat when the last ten seconds' average RSS is within
//! 10 % (or 2 MB) of the average over seconds 10–20, after warm-up.

#[path = "../shared/emulator_process.rs"]
#[allow(dead_code)]
mod emulator_process;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azure_user_tokens::apim::{ApiManagementClient, ApimUserRef, KeyType};
use azure_user_tokens::credential::ClientSecretCredential;
use azure_user_tokens::emulator::defaults;
use azure_user_tokens::identity::{CommunicationIdentityClient, Scope};
use chrono::Utc;
use emulator_process::{EmulatorProcess, memory_kb};

#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    errors: AtomicU64,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let seconds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(60);
    let clients: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(64);

    let emulator = EmulatorProcess::start(&[]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let counts = Arc::new(Counts::default());
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            runtime.spawn(client_loop(
                emulator.endpoint.clone(),
                emulator.connection_string.clone(),
                counts.clone(),
                stop.clone(),
            ))
        })
        .collect();

    let me = std::process::id();
    let started = Instant::now();
    let mut samples: Vec<(u64, u64, u64)> = Vec::new();
    println!(
        "{:>5} {:>10} {:>8} {:>14} {:>14}",
        "s", "calls", "errors", "clients RSS", "emulator RSS"
    );
    for second in 1..=seconds {
        std::thread::sleep(Duration::from_secs(second).saturating_sub(started.elapsed()));
        let (_, clients_rss) = memory_kb(me);
        let (_, emulator_rss) = memory_kb(emulator.child.id());
        let calls = counts.calls.load(Ordering::Relaxed);
        samples.push((calls, clients_rss, emulator_rss));
        if second % 5 == 0 || second == 1 {
            println!(
                "{second:>5} {calls:>10} {:>8} {:>11.1} MB {:>11.1} MB",
                counts.errors.load(Ordering::Relaxed),
                clients_rss as f64 / 1024.0,
                emulator_rss as f64 / 1024.0
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    runtime.block_on(async {
        for worker in workers {
            let _ = worker.await;
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let calls = counts.calls.load(Ordering::Relaxed);
    let errors = counts.errors.load(Ordering::Relaxed);
    let (clients_peak, _) = memory_kb(me);
    let (emulator_peak, _) = memory_kb(emulator.child.id());
    println!("clients:        {clients}, {seconds} s");
    println!(
        "calls:          {calls} ({:.0}/s), errors: {errors}",
        calls as f64 / elapsed
    );
    for (name, column, peak) in [
        ("clients RSS", 1, clients_peak),
        ("emulator RSS", 2, emulator_peak),
    ] {
        let (early, late, flat) = flatness(&samples, column);
        println!(
            "{name:<15} s10–20 avg {:.1} MB, last 10 s avg {:.1} MB, peak {:.1} MB: {}",
            early / 1024.0,
            late / 1024.0,
            peak as f64 / 1024.0,
            if flat { "flat" } else { "GROWING" }
        );
    }
    println!(
        "verdict:        {}",
        if errors == 0 { "zero errors" } else { "ERRORS" }
    );
}

/// (average of seconds 10–20, average of the last 10 s, whether flat).
fn flatness(samples: &[(u64, u64, u64)], column: usize) -> (f64, f64, bool) {
    let value = |s: &(u64, u64, u64)| if column == 1 { s.1 } else { s.2 } as f64;
    let average = |window: &[(u64, u64, u64)]| {
        window.iter().map(value).sum::<f64>() / window.len().max(1) as f64
    };
    let early = average(&samples[samples.len().min(10)..samples.len().min(20)]);
    let late = average(&samples[samples.len().saturating_sub(10)..]);
    (early, late, late <= (early * 1.10).max(early + 2048.0))
}

/// One client's loop until `stop`.
async fn client_loop(
    endpoint: String,
    connection_string: String,
    counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
) {
    let identity = CommunicationIdentityClient::from_connection_string(
        &azure_user_tokens::Secret::new(connection_string),
        None,
    )
    .expect("a client");
    let credential = ClientSecretCredential::new(
        defaults::TENANT_ID,
        defaults::CLIENT_ID,
        azure_user_tokens::Secret::from(defaults::CLIENT_SECRET),
        Some(
            azure_user_tokens::credential::ClientSecretCredentialOptions::default()
                .with_authority_host(&endpoint),
        ),
    )
    .expect("a credential");
    let apim =
        ApiManagementClient::new(&endpoint, Arc::new(credential), None).expect("an APIM client");
    let apim_user = ApimUserRef::new(
        defaults::SUBSCRIPTION_ID,
        defaults::RESOURCE_GROUP,
        defaults::APIM_SERVICE,
        "userId1718",
    )
    .expect("valid names");
    let record = |ok: bool| {
        counts.calls.fetch_add(1, Ordering::Relaxed);
        if !ok {
            counts.errors.fetch_add(1, Ordering::Relaxed);
        }
    };
    while !stop.load(Ordering::Relaxed) {
        let user = match identity.create_user().await {
            Ok(user) => {
                record(true);
                user
            }
            Err(error) => {
                eprintln!("create_user: {error}");
                record(false);
                continue;
            }
        };
        for result in [
            identity
                .get_token(
                    &user,
                    &[Scope::VoIp],
                    Some(std::time::Duration::from_secs(60 * 60)),
                )
                .await
                .map(drop),
            identity.revoke_tokens(&user).await,
            identity.delete_user(&user).await,
            apim.get_shared_access_token(
                &apim_user,
                KeyType::Primary,
                Utc::now() + chrono::Duration::hours(1),
            )
            .await
            .map(drop),
        ] {
            if let Err(error) = &result {
                eprintln!("{error}");
            }
            record(result.is_ok());
        }
    }
}
