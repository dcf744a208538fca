//! Bad input, table-driven: every case ends in a typed
//! `azure_user_tokens::Error` of the right kind, naming the right field or
//! status, with a message that says what is wrong — never a panic. Input
//! refused locally never reaches the emulator (its `requests` counter does
//! not move); malformed answers come from a scripted server on 127.0.0.1.

#![cfg(feature = "emulator")]

#[cfg(feature = "cli")]
mod cli;
#[macro_use]
mod expect;
mod local;
mod raw_server;
mod server;

#[path = "../common/mod.rs"]
mod common;

use azure_user_tokens::apim::{ApiManagementClient, ApimUserRef};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_input_is_refused_before_anything_is_sent() {
    let emulator = emulator().await;
    let identity = identity_client(&emulator);
    let user = identity
        .create_user()
        .await
        .expect("a user to spoil calls for");
    let apim = ApiManagementClient::new(emulator.base_url(), entra_credential(&emulator), None)
        .expect("an APIM client");
    let apim_user = ApimUserRef::new(
        "00000000-0000-0000-0000-000000000000",
        "rg1",
        "apimService1",
        "userId1718",
    )
    .expect("valid names");
    let ready = local::Ready {
        identity,
        apim,
        user,
        apim_user,
    };

    let mut cases = local::construction();
    cases.extend(local::calls(&ready));
    cases.extend(local::parsing());
    let count = cases.len();
    let mut failures = Vec::new();
    for case in cases {
        let name = case.name.clone();
        let before = requests(&emulator);
        failures.extend(expect::run(case).await);
        let after = requests(&emulator);
        if after != before {
            failures.push(format!(
                "{name}: {} request(s) reached the emulator",
                after - before
            ));
        }
    }
    assert!(count >= 60, "only {count} client-side cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_answers_are_typed_errors() {
    let cases = server::cases();
    let count = cases.len();
    let mut failures = Vec::new();
    for case in cases {
        let server = raw_server::RawServer::start(case.script).await;
        let call = server::call(case.op, &server);
        failures.extend(
            expect::run(expect::Case {
                name: format!("{} ({:?})", case.name, case.op),
                expect: case.expect,
                call: Box::pin(call),
            })
            .await,
        );
        if server.requests() == 0 {
            failures.push(format!("{}: the scripted server saw no request", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The command-line tool: hostile flags exit 2, hostile answers exit 1,
/// never 101 (a panic) and never with the secret it was given.
#[cfg(feature = "cli")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_never_panics_on_hostile_input_or_answers() {
    let mut failures = Vec::new();
    let local = cli::local_cases();
    let mut count = local.len();
    let outcomes = tokio::task::spawn_blocking(move || {
        local
            .iter()
            .filter_map(|c| cli::run(c).err())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    failures.extend(outcomes);
    for (name, script) in cli::scripts() {
        let server = raw_server::RawServer::start(script).await;
        let cases = cli::server_cases(&server.url(), name);
        count += cases.len();
        let outcomes = tokio::task::spawn_blocking(move || {
            cases
                .iter()
                .filter_map(|c| cli::run(c).err())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        failures.extend(outcomes);
        if server.requests() == 0 {
            failures.push(format!("{name}: the scripted server saw no request"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} CLI cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
