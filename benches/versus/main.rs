//! The client against the alternatives, side by side in one run against one
//! emulator process (`azure-user-tokens emulator`, bench profile):
//!
//! - (a) `get_token` latency (p50, p99) one call at a time: our client, the
//!   same bytes through a plain `reqwest::Client`, and through raw hyper —
//!   target: ours ≤ 1.05× plain reqwest's median;
//! - (b) `get_token` throughput at 64 concurrent callers: the same three,
//!   and the official Python SDK (threads) — targets: ours ≥ 0.9× plain
//!   reqwest's, ≥ 25× the Python SDK's;
//! - (c) the CLI's peak RSS — target ≤ 20 MB;
//! - issue 5: offline APIM token minting on one thread vs Python's `hmac` —
//!   target ≥ 5×.
//!
//! ```text
//! scripts/bench.sh versus                           # makes the Python venv, then:
//! cargo bench --bench versus -- --python target/interop-venv/bin/python [--seconds 12] [--rounds 3]
//! cargo bench --bench versus -- --profile ours|reqwest|raw|mint SECONDS   # one alone, for perf
//! cargo bench --bench versus -- --calls ours|reqwest|raw N                # exactly N calls, for callgrind
//! ```
//! Without a Python that has azure-communication-identity, the Python
//! columns are skipped. `wire_check` first proves the three Rust contenders
//! send the same bytes.

#[path = "../shared/emulator_process.rs"]
mod emulator_process;

mod cli_rss;
mod latency;
mod mint;
mod same_bytes;
mod throughput;
mod wire_check;

use std::path::PathBuf;

use azure_user_tokens::emulator::defaults;
use emulator_process::EmulatorProcess;

const CALLERS: usize = 64;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let (mut python, mut seconds, mut rounds, mut profile, mut counted, mut concurrent) =
        (None, 12u64, 3usize, None, None, None);
    let mut counted_concurrent = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--python" => python = args.next().map(PathBuf::from),
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).unwrap_or(seconds),
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(rounds)
                    .max(1)
            }
            // `--profile ours|raw|reqwest|mint SECONDS`: one contender alone, one
            // call at a time, for a profiler to watch.
            "--profile" => profile = args.next().zip(args.next().and_then(|s| s.parse().ok())),
            // `--calls ours|raw|reqwest N`: exactly N calls after a fixed warm-up,
            // for instruction counts (scripts/profile.sh).
            "--calls" => {
                counted = args
                    .next()
                    .zip(args.next().and_then(|s| s.parse::<u64>().ok()))
            }
            // `--calls-64 ours|raw|reqwest N`: exactly N calls by 64 callers on
            // the throughput runtime, for instruction counts.
            "--calls-64" => {
                counted_concurrent = args
                    .next()
                    .zip(args.next().and_then(|s| s.parse::<u64>().ok()))
            }
            // `--throughput ours|raw|reqwest SECONDS`: one contender at 64
            // callers, for a profiler to watch.
            "--throughput" => {
                concurrent = args
                    .next()
                    .zip(args.next().and_then(|s| s.parse::<u64>().ok()))
            }
            other => eprintln!("ignoring {other:?}"),
        }
    }
    if let Some((who, calls)) = counted_concurrent {
        let emulator = EmulatorProcess::start(&[]);
        multi_thread().block_on(throughput::counted(
            &emulator.connection_string,
            emulator.authority(),
            defaults::ACS_ACCESS_KEY,
            CALLERS,
            &who,
            calls,
        ));
        println!("{who}: {calls} calls by {CALLERS} callers after one each to warm up");
        return;
    }
    if let Some((who, seconds)) = concurrent {
        let emulator = EmulatorProcess::start(&[]);
        let figures = multi_thread().block_on(throughput::rust(
            &emulator.connection_string,
            emulator.authority(),
            defaults::ACS_ACCESS_KEY,
            CALLERS,
            seconds,
            1,
            &[who.as_str()],
        ));
        let [run] = [figures.ours, figures.reqwest, figures.raw]
            .into_iter()
            .filter(|f| !f.per_second.is_nan())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap_or_else(|_| panic!("{who} is one of {:?}", throughput::CONTENDERS));
        println!(
            "{who}: {:.0} calls/s at {CALLERS} callers, {:.1} µs of client CPU per call, {} errors",
            run.per_second, run.cpu_per_call, run.errors
        );
        return;
    }
    if let Some((who, calls)) = counted {
        let emulator = EmulatorProcess::start(&[]);
        current_thread().block_on(latency::counted(
            &who,
            &emulator.connection_string,
            emulator.authority(),
            defaults::ACS_ACCESS_KEY,
            calls,
        ));
        println!("{who}: {calls} calls after 100 to warm up");
        return;
    }
    if let Some((who, seconds)) = profile {
        if who == "mint" {
            println!("mint: {:.0} tokens/s", mint::ours(seconds));
            return;
        }
        let emulator = EmulatorProcess::start(&[]);
        let (calls, cpu) = current_thread().block_on(latency::alone(
            &who,
            &emulator.connection_string,
            emulator.authority(),
            defaults::ACS_ACCESS_KEY,
            seconds,
        ));
        println!("{who}: {calls} calls in {seconds} s, {cpu:.1} µs of CPU per call");
        return;
    }
    let python = python.or_else(|| {
        let venv = PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/interop-venv/bin/python"
        ));
        venv.exists().then_some(venv)
    });

    let headers = current_thread().block_on(wire_check::check(defaults::ACS_ACCESS_KEY));
    println!(
        "wire check: ours, plain reqwest and raw hyper send the same request line, body and {headers} headers in the same order"
    );
    let emulator = EmulatorProcess::start(&[]);
    let cs = emulator.connection_string.clone();
    println!(
        "emulator: {} (pid {}); load average {}",
        emulator.endpoint,
        emulator.child.id(),
        load_average()
    );

    let latency = current_thread().block_on(latency::measure(
        &cs,
        emulator.authority(),
        defaults::ACS_ACCESS_KEY,
    ));
    let ratio = latency.ours.p50 / latency.reqwest.p50;
    println!(
        "(a) get_token latency, {} calls each, p50 (p99) in µs: ours {:.0} ({:.0}), plain reqwest {:.0} ({:.0}), raw hyper {:.0} ({:.0}); ours/reqwest {:.3} — target <= 1.05 {}; ours/raw {:.3}; load average {}",
        latency.samples,
        latency.ours.p50,
        latency.ours.p99,
        latency.reqwest.p50,
        latency.reqwest.p99,
        latency.raw.p50,
        latency.raw.p99,
        ratio,
        verdict(ratio <= 1.05),
        latency.ours.p50 / latency.raw.p50,
        load_average()
    );

    let rust = multi_thread().block_on(throughput::rust(
        &cs,
        emulator.authority(),
        defaults::ACS_ACCESS_KEY,
        CALLERS,
        seconds,
        rounds,
        &[],
    ));
    let ratio = rust.ours.per_second / rust.reqwest.per_second;
    println!(
        "(b) get_token/s at {CALLERS} callers, median of {rounds} rounds of {} s (client CPU per call): ours {:.0} ({:.1} µs; {} errors), plain reqwest {:.0} ({:.1} µs; {} errors), raw hyper {:.0} ({:.1} µs; {} errors); ours/reqwest {:.3} — target >= 0.9 {}; ours/raw {:.3}; load average {}",
        seconds.div_ceil(rounds as u64).max(1),
        rust.ours.per_second,
        rust.ours.cpu_per_call,
        rust.ours.errors,
        rust.reqwest.per_second,
        rust.reqwest.cpu_per_call,
        rust.reqwest.errors,
        rust.raw.per_second,
        rust.raw.cpu_per_call,
        rust.raw.errors,
        ratio,
        verdict(ratio >= 0.9),
        rust.ours.per_second / rust.raw.per_second,
        load_average()
    );
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
            "(b) Python SDK at {CALLERS} threads for {seconds} s: {:.0}/s ({} errors); ours/Python {:.1}x — target >= 25x {}",
            theirs.per_second,
            theirs.errors,
            rust.ours.per_second / theirs.per_second,
            verdict(rust.ours.per_second / theirs.per_second >= 25.0)
        ),
        None => println!("(b) Python SDK skipped (no --python)"),
    }

    let user_id = {
        current_thread().block_on(async {
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

/// The throughput runtime: two workers, as many as the machine's cores.
fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The 1-minute load average (other work on the machine skews timings).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}
