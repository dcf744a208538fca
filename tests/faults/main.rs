//! 10,000 identity and APIM calls against an emulator that answers a
//! quarter of all requests with a fault (429, 503 or a TCP reset, seeded):
//! every call succeeds or is reported failed, and afterwards the emulator
//! holds exactly what the client believes — the users alive, the tokens
//! issued — with no user created twice.

#![cfg(feature = "emulator")]

mod ledger;
mod workload;

#[path = "../common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use azure_user_tokens::apim::{ApiManagementClient, ApimService};
use azure_user_tokens::credential::{MANAGEMENT_SCOPE, TokenCredential};
use azure_user_tokens::emulator::EmulatorConfig;
use azure_user_tokens::identity::{CommunicationUserIdentifier, Scope};
use common::*;
use ledger::Ledger;

const CALLS: usize = 10_000;
const WORKERS: usize = 8;
const SEED: u64 = 20_240_501;
const FAULT_RATE: f64 = 0.25;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_calls_under_faults_leave_the_emulator_as_the_client_believes() {
    let emulator = emulator_with(
        EmulatorConfig::default()
            .with_fault_rate(FAULT_RATE)
            .with_fault_seed(SEED)
            .with_fault_retry_after_ms(1),
    )
    .await;
    let identity = identity_client_with(&emulator, fast_retries(5));
    let credential = entra_credential(&emulator);
    // The bearer token is fetched (through the faults) once, before counting.
    credential
        .get_token(MANAGEMENT_SCOPE)
        .await
        .expect("an Entra token");
    let apim = ApiManagementClient::new(
        emulator.base_url(),
        credential,
        Some(
            azure_user_tokens::apim::ApiManagementClientOptions::default()
                .with_client_options(fast_retries(5)),
        ),
    )
    .unwrap();
    let service = ApimService::new(
        "00000000-0000-0000-0000-000000000000",
        "rg1",
        "apimService1",
    )
    .unwrap();
    let before = stats(&emulator);

    let workers = (0..WORKERS).map(|worker| {
        let clients = workload::Clients {
            identity: &identity,
            apim: &apim,
            service: &service,
        };
        workload::run(worker, CALLS / WORKERS, SEED + worker as u64, clients)
    });
    let mut belief = Ledger::default();
    for ledger in futures_util::future::join_all(workers).await {
        belief.merge(ledger);
    }
    let after = stats(&emulator);

    assert_eq!(belief.calls(), CALLS as u64, "every call is accounted for");
    assert!(belief.anomalies.is_empty(), "{:#?}", belief.anomalies);
    let failed = belief.calls() - belief.succeeded;
    assert!(
        belief.succeeded >= CALLS as u64 * 95 / 100,
        "{failed} calls failed: {:?}",
        belief.failed
    );
    let faulted = (after.faults_injected - before.faults_injected) as f64;
    let requests = (after.requests - before.requests) as f64;
    assert!(
        (0.2..0.3).contains(&(faulted / requests)),
        "{faulted} faults in {requests} requests"
    );
    assert_eq!(after.auth_failures, 0, "every attempt was signed afresh");
    assert_eq!(
        after.users as usize,
        belief.acs_alive.len(),
        "ACS users alive: {} created, {} deleted",
        belief.acs_created,
        belief.acs_deleted.len()
    );
    assert_eq!(
        after.tokens_issued - before.tokens_issued,
        belief.tokens,
        "tokens issued"
    );
    assert_eq!(
        after.apim_users as usize,
        belief.apim_alive.len() + 2,
        "APIM users: the two seeds plus those created and not deleted"
    );
    eprintln!(
        "{} calls, {} failed {:?}; {} requests, {} faults; {} ACS users alive, {} tokens",
        belief.calls(),
        failed,
        belief.failed,
        requests,
        faulted,
        belief.acs_alive.len(),
        belief.tokens
    );

    verify_exact_state(&emulator, &belief, &service).await;
}

/// Beyond the counts: each user believed alive exists, each deleted one is
/// gone, and the APIM user list is exactly the expected set.
async fn verify_exact_state(
    emulator: &azure_user_tokens::emulator::Emulator,
    belief: &Ledger,
    service: &ApimService,
) {
    let identity = identity_client_with(emulator, fast_retries(30));
    for raw in &belief.acs_alive {
        let user = CommunicationUserIdentifier::new(raw.as_str()).unwrap();
        identity
            .get_token(&user, &[Scope::Chat], None)
            .await
            .unwrap_or_else(|e| panic!("{raw} should be alive: {e}"));
    }
    for raw in belief.acs_deleted.iter().take(200) {
        let user = CommunicationUserIdentifier::new(raw.as_str()).unwrap();
        let error = identity
            .get_token(&user, &[Scope::Chat], None)
            .await
            .expect_err("a deleted user");
        assert!(error.is_not_found(), "{raw}: {error}");
    }

    let apim = ApiManagementClient::new(
        emulator.base_url(),
        entra_credential(emulator),
        Some(
            azure_user_tokens::apim::ApiManagementClientOptions::default()
                .with_client_options(fast_retries(30)),
        ),
    )
    .unwrap();
    let listed = loop {
        let mut names = BTreeSet::new();
        let mut users = apim.list_users(service, None);
        let mut complete = true;
        while let Some(user) = users.next().await {
            match user {
                Ok(user) => {
                    assert!(
                        names.insert(user.user_id.to_lowercase()),
                        "{} listed twice",
                        user.user_id
                    );
                }
                Err(_) => {
                    complete = false;
                    break;
                }
            }
        }
        if complete {
            break names;
        }
    };
    let mut expected: BTreeSet<String> = belief.apim_alive.clone();
    expected.extend(["1".to_string(), "userid1718".to_string()]);
    assert_eq!(listed, expected);
}
