//! No secret ever shows: every library operation and CLI command, with
//! tracing at TRACE (`RUST_LOG=trace --verbose` for the CLI), scanned for the
//! access key (base64 and decoded), the client secret, the APIM keys, the
//! connection string and every token handed out — in logs, stderr, error
//! messages and the `Debug` of every public type that holds a secret. Only a
//! token a command was asked to print may appear, on its own stdout. The
//! token broker likewise: its output, start-up errors and HTTP answers. A
//! redirect target never receives anything: credentials do not follow
//! redirects.

#![cfg(all(feature = "cli", feature = "emulator"))]

#[cfg(feature = "broker")]
mod broker;
mod capture;
mod cli;
#[path = "../common/mod.rs"]
mod common;
mod library;
mod redirects;
mod scan;

use std::time::Duration;

use azure_user_tokens::Secret;
use azure_user_tokens::emulator::Emulator;
use azure_user_tokens::pipeline::{Authentication, CallContext, ClientOptions};
use clap::Parser;
use scan::Secrets;

static SECRETS: Secrets = Secrets::new();

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn library_logs_errors_and_debug_output_never_show_a_secret() {
    capture::install();
    let emulator = Emulator::start(library::config()).await.unwrap();
    let mut seen = library::Seen::default();
    library::run(&emulator, &SECRETS, &mut seen).await;

    // Retries, resets and throttling log more: run again through faults.
    let faulty = Emulator::start(
        library::config()
            .with_fault_rate(0.4)
            .with_fault_seed(3)
            .with_fault_retry_after_ms(1),
    )
    .await
    .unwrap();
    library::through_faults(&faulty, &SECRETS, &mut seen).await;

    debug_of_internal_types(&mut seen);
    let logged = capture::logged();
    assert!(
        logged.contains("TRACE") && logged.contains("azure_user_tokens.operation"),
        "the capture saw no tracing: {}",
        &logged[..logged.len().min(500)]
    );
    let mut leaks = SECRETS.find_in("the tracing output", &logged, &[]);
    for (what, text) in &seen.0 {
        leaks.extend(SECRETS.find_in(what, text, &[]));
    }
    assert!(
        leaks.is_empty(),
        "{} leak(s) among {} renderings and {} bytes of logs, looking for {} secrets:\n{}",
        leaks.len(),
        seen.0.len(),
        logged.len(),
        SECRETS.count(),
        leaks.join("\n")
    );
}

/// Public types that carry a secret on its way to the wire.
fn debug_of_internal_types(seen: &mut library::Seen) {
    let key = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        scan::access_key(),
    )
    .unwrap();
    seen.debug("HMAC authentication", &Authentication::AccessKey(key));
    let mut context = CallContext::new(true, Some(Duration::from_secs(5)));
    context.bearer = Some(azure_user_tokens::AccessToken::new(
        Secret::new(scan::CLIENT_SECRET),
        chrono::Utc::now(),
    ));
    seen.debug("a call context with a bearer token", &context);
    seen.debug("client options", &ClientOptions::default());
    let connection_string = format!(
        "endpoint=http://127.0.0.1:1/;accesskey={}",
        scan::access_key()
    );
    let cli = azure_user_tokens::cli::Cli::try_parse_from([
        "azure-user-tokens",
        "--connection-string",
        &connection_string,
        "identity",
        "token",
        "get-for-teams-user",
        "--aad-token",
        scan::CLIENT_SECRET,
        "--client-id",
        "c",
        "--user-object-id",
        "o",
    ])
    .unwrap();
    seen.debug("the parsed command line", &cli);
    let emulator = azure_user_tokens::cli::Cli::try_parse_from([
        "azure-user-tokens",
        "emulator",
        "--access-key",
        &scan::access_key(),
        "--client-secret",
        scan::CLIENT_SECRET,
        "--apim-primary-key",
        scan::APIM_PRIMARY_KEY,
        "--apim-secondary-key",
        scan::APIM_SECONDARY_KEY,
    ])
    .unwrap();
    seen.debug("the parsed emulator command line", &emulator);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_stderr_and_stdout_never_show_a_secret() {
    let emulator = Emulator::start(library::config()).await.unwrap();
    SECRETS.add("connection string", emulator.connection_string().expose());
    let emulator = std::sync::Arc::new(emulator);
    let runner = emulator.clone();
    let printed = tokio::task::spawn_blocking(move || cli::run_all(&runner, &SECRETS))
        .await
        .unwrap();
    let mut leaks = Vec::new();
    let mut traced = 0;
    for (printed, allowed) in &printed {
        if printed.stderr.contains("TRACE") || printed.stderr.contains("DEBUG") {
            traced += 1;
        }
        let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
        leaks.extend(SECRETS.find_in(
            &format!("stderr of `{}`", printed.command),
            &printed.stderr,
            &[],
        ));
        leaks.extend(SECRETS.find_in(
            &format!("stdout of `{}`", printed.command),
            &printed.stdout,
            &allowed,
        ));
    }
    assert!(
        traced * 2 > printed.len(),
        "only {traced} of {} commands logged anything",
        printed.len()
    );
    assert!(
        leaks.is_empty(),
        "{} leak(s) in {} commands:\n{}",
        leaks.len(),
        printed.len(),
        leaks.join("\n")
    );
}

/// The token broker: its banner, logs at TRACE, start-up errors and HTTP
/// answers, with secrets in its configuration and tokens passing through.
#[cfg(feature = "broker")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_output_errors_and_answers_never_show_a_secret() {
    let emulator = Emulator::start(library::config()).await.unwrap();
    SECRETS.add("connection string", emulator.connection_string().expose());
    let seen = broker::run_all(&emulator, &SECRETS).await;
    let mut leaks = Vec::new();
    for seen in &seen {
        let allowed: Vec<&str> = seen.allowed.iter().map(String::as_str).collect();
        leaks.extend(SECRETS.find_in(&seen.place, &seen.text, &allowed));
    }
    assert!(
        leaks.is_empty(),
        "{} leak(s) in {} outputs and answers:\n{}",
        leaks.len(),
        seen.len(),
        leaks.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credential_follows_a_redirect_to_another_origin() {
    let problems = redirects::check(&SECRETS).await;
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
