//! The client against the alternatives, side by side in one run against one
//! emulator process (`azure-user-tokens emulator`, bench profile):
//!
//! - (a) `get_token` median latency, our client vs a raw hyper request with
//!   the same bytes — target ratio ≤ 1.10;
//! - (b) `get_token` throughput at 64 concurrent callers, our client vs the
//!   official Python SDK (threads) — target ≥ 25×;
//! - (c) the CLI's peak RSS — target ≤ 20 MB;
//! - issue 5: offline APIM token minting on one thread vs Python's `hmac` —
//!   target ≥ 5×.
//!
//! ```text
//! scripts/bench.sh                                  # makes the Python venv, then:
//! cargo bench --bench versus -- --python target/interop-venv/bin/python [--seconds 10]
//! ```
//! Without a Python that has azure-communication-identity, the Python
//! columns are skipped.

#[path = "../shared/emulator_process.rs"]
mod emulator_process;

mod cli_rss;
mod latency;
mod mint;
mod throughput;

use std::path::PathBuf;

use azure_user_tokens::emulator::defaults;
use emulator_process::EmulatorProcess;

const CALLERS: usize = 64;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let (mut python, mut seconds, mut profile) = (None, 10u64, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--python" => python = args.next().map(PathBuf::from),
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(seconds),
            // `--profile ours|raw|reqwest|mint SECONDS`: one contender alone, one
            // call at a time, for a profiler to watch.
            "--profile" => profile = args.next().zip(args.next().and_then(|s| s.parse().ok())),
            other => eprintln!("ignoring {other:?}"),
        }
    }
    if let Some((who, seconds)) = profile {
        if who == "mint" {
            println!("mint: {:.0} tokens/s", mint::ours(seconds));
            return;
        }
        let emulator = EmulatorProcess::start(&[]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let calls = runtime.block_on(latency::alone(
            &who,
            &emulator.connection_string,
            emulator.authority(),
            defaults::ACS_ACCESS_KEY,
            seconds,
        ));
        println!("{who}: {calls} calls in {seconds} s");
        return;
    }
    let python = python.or_else(|| {
        let venv = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/interop-venv/bin/python"
        ));
        venv.exists().then_some(venv)
    });

    let emulator = EmulatorProcess::start(&[]);
    let cs = emulator.connection_string.clone();
    println!(
        "emulator: {} (pid {})",
        emulator.endpoint,
        emulator.child.id()
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let latency = runtime.block_on(latency::measure(
        &cs,
        emulator.authority(),
        defaults::ACS_ACCESS_KEY,
    ));
    drop(runtime);
    println!(
        "(a) get_token latency, {} calls each: ours median {:.0} µs (p90 {:.0}), raw hyper median {:.0} µs (p90 {:.0}); ratio {:.3} — target <= 1.10 {}",
        latency.samples,
        latency.ours_median,
        latency.ours_p90,
        latency.raw_median,
        latency.raw_p90,
        latency.ratio(),
        verdict(latency.ratio() <= 1.10)
    );
    println!(
        "    breakdown: the same bytes through a plain reqwest::Client: median {:.0} µs (ratio {:.3} to raw hyper)",
        latency.reqwest_median,
        latency.reqwest_median / latency.raw_median
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let ours = runtime.block_on(throughput::ours(&cs, CALLERS, seconds));
    drop(runtime);
    let theirs = python.as_deref().and_then(|p| {
        throughput::python_sdk(
            p,
            &emulator.endpoint,
            defaults::ACS_ACCESS_KEY,
            CALLERS,
            seconds,
        )
    });
    match &theirs {
        Some(theirs) => println!(
            "(b) get_token at {CALLERS} callers for {seconds} s: ours {:.0}/s ({} errors), Python SDK {:.0}/s ({} errors); ratio {:.1}x — target >= 25x {}",
            ours.per_second,
            ours.errors,
            theirs.per_second,
            theirs.errors,
            ours.per_second / theirs.per_second,
            verdict(ours.per_second / theirs.per_second >= 25.0)
        ),
        None => println!(
            "(b) get_token at {CALLERS} callers for {seconds} s: ours {:.0}/s ({} errors); Python SDK skipped (no --python)",
            ours.per_second, ours.errors
        ),
    }

    let user_id = {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            azure_user_tokens::identity::CommunicationIdentityClient::from_connection_string(
                &azure_user_tokens::Secret::new(cs.as_str()),
                None,
            )
            .expect("a client")
            .create_user()
            .await
            .expect("a user")
        })
    };
    let acs_env = [("COMMUNICATION_SERVICES_CONNECTION_STRING", cs.as_str())];
    let issue = cli_rss::peak_kb(
        &[
            "identity",
            "token",
            "issue",
            "--user-id",
            user_id.raw_id(),
            "--scope",
            "voip",
        ],
        &acs_env,
        5,
    );
    let apim_env = [
        ("AZURE_TENANT_ID", defaults::TENANT_ID),
        ("AZURE_CLIENT_ID", defaults::CLIENT_ID),
        ("AZURE_CLIENT_SECRET", defaults::CLIENT_SECRET),
        ("AZURE_AUTHORITY_HOST", emulator.endpoint.as_str()),
        (
            "AZURE_RESOURCE_MANAGER_ENDPOINT",
            emulator.endpoint.as_str(),
        ),
    ];
    let apim = cli_rss::peak_kb(
        &[
            "apim",
            "user",
            "token",
            "--subscription-id",
            defaults::SUBSCRIPTION_ID,
            "--resource-group",
            defaults::RESOURCE_GROUP,
            "--service-name",
            defaults::APIM_SERVICE,
            "--user-id",
            "userId1718",
            "--expires-in",
            "1h",
        ],
        &apim_env,
        5,
    );
    let mint = cli_rss::peak_kb(
        &[
            "apim",
            "sas",
            "mint",
            "--user-id",
            "u",
            "--expires-in",
            "1h",
        ],
        &[("APIM_SAS_KEY", "k")],
        5,
    );
    match (issue, apim, mint) {
        (Some(issue), Some(apim), Some(mint)) => println!(
            "(c) CLI peak RSS: identity token issue {:.1} MB, apim user token {:.1} MB, apim sas mint {:.1} MB — target <= 20 MB {}",
            mb(issue),
            mb(apim),
            mb(mint),
            verdict(issue.max(apim).max(mint) <= 20 * 1024)
        ),
        _ => println!(
            "(c) CLI peak RSS skipped: needs GNU time (/usr/bin/time; apt-get install time)"
        ),
    }

    let (emulator_peak, _) = emulator_process::memory_kb(emulator.child.id());
    drop(emulator);
    let ours = mint::ours(3);
    match python.as_deref().and_then(|p| mint::python(p, 3)) {
        Some(theirs) => println!(
            "(issue 5) offline mint on one thread: ours {:.0} tokens/s, Python hmac {:.0} tokens/s; ratio {:.1}x — target >= 5x {}",
            ours,
            theirs,
            ours / theirs,
            verdict(ours / theirs >= 5.0)
        ),
        None => println!(
            "(issue 5) offline mint on one thread: ours {ours:.0} tokens/s; Python skipped"
        ),
    }
    println!(
        "(emulator peak RSS during the run: {:.1} MB)",
        mb(emulator_peak)
    );
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}
