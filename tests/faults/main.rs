//! 10,000 identity and APIM calls against an emulator that answers a
//! quarter of all requests with a fault (429, 503 or a TCP reset, seeded):
//! every call succeeds or is reported failed, and afterwards the emulator
//! holds exactly what the client believes — the users alive, the tokens
//! issued — with no user created twice. Then faults *after* processing
//! (the answer lost): a create is never repeated into a second user while
//! safe calls recover; and replays are counted, as the service accepts them.

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

/// Faults *after* processing: the emulator makes (and saves) the change,
/// then resets the connection or answers 500 — the answer is lost. A create
/// must never be repeated into a second user: each call sends exactly one
/// request, and each request made exactly one user. Calls that are safe to
/// repeat (issuing a token, revoking, reading and upserting APIM users)
/// retry through the same faults and succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambiguous_failures_never_duplicate_a_create_and_safe_calls_recover() {
    const CREATES: u64 = 300;
    let emulator = emulator_with(
        EmulatorConfig::default()
            .with_fault_rate(0.3)
            .with_fault_seed(SEED)
            .with_fault_after_processing(true),
    )
    .await;
    let identity = identity_client_with(&emulator, fast_retries(10));
    let before = stats(&emulator);
    let mut created = Vec::new();
    let mut ambiguous = 0u64;
    for _ in 0..CREATES {
        match identity.create_user().await {
            Ok(user) => created.push(user),
            Err(error) => {
                let lost_answer = error.status() == Some(500)
                    || (error.status().is_none()
                        && error.kind() == azure_user_tokens::ErrorKind::Transport);
                assert!(lost_answer, "a create failed otherwise: {error}");
                ambiguous += 1;
            }
        }
    }
    let after = stats(&emulator);
    assert!(ambiguous >= CREATES / 10, "only {ambiguous} lost answers");
    assert_eq!(
        after.requests - before.requests,
        CREATES,
        "a create was sent more than once"
    );
    assert_eq!(
        after.users - before.users,
        CREATES,
        "every create request made one user: {} acknowledged, {ambiguous} lost",
        created.len()
    );
    assert_eq!(after.replayed_changes, 0, "no create was repeated");

    // Safe calls recover through the same faults.
    let user = created.first().expect("some creates were acknowledged");
    for _ in 0..60 {
        identity
            .get_token(user, &[Scope::VoIp], None)
            .await
            .expect("issuing a token is retried until it is answered");
        identity
            .revoke_tokens(user)
            .await
            .expect("revoking is retried until it is answered");
    }
    let apim = ApiManagementClient::new(
        emulator.base_url(),
        entra_credential(&emulator),
        Some(
            azure_user_tokens::apim::ApiManagementClientOptions::default()
                .with_client_options(fast_retries(10)),
        ),
    )
    .unwrap();
    let service = ApimService::new(
        "00000000-0000-0000-0000-000000000000",
        "rg1",
        "apimService1",
    )
    .unwrap();
    let apim_user = service.user("ambiguous").unwrap();
    for n in 0..30 {
        let details =
            azure_user_tokens::apim::NewApimUser::new(format!("a{n}@example.com"), "Am", "Biguous");
        apim.create_or_update_user(&apim_user, &details, None)
            .await
            .expect("an upsert is retried until it is answered");
        apim.get_user(&apim_user)
            .await
            .expect("a read is retried until it is answered");
    }
    let end = stats(&emulator);
    assert!(
        end.replayed_changes > 0,
        "safe changes were repeated after lost answers, and the log says so"
    );
}

/// A signed request replayed within the 15-minute date window is accepted,
/// as the real service accepts it (five sends, five users); the emulator
/// logs and counts it as a replay because the client request id repeats.
/// Our clients send a fresh id per call, so their calls never look replayed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_are_accepted_like_the_service_does_and_counted() {
    use azure_user_tokens::auth::hmac;
    use base64::Engine;
    let emulator = emulator().await;
    let key = base64::engine::general_purpose::STANDARD
        .decode(azure_user_tokens::emulator::defaults::ACS_ACCESS_KEY)
        .unwrap();
    let host = emulator
        .base_url()
        .trim_start_matches("http://")
        .to_string();
    let path = "/identities?api-version=2023-10-01";
    let date = hmac::http_date(chrono::Utc::now());
    let hash = hmac::content_hash(b"");
    let signature = hmac::signature(
        &key,
        &hmac::string_to_sign("POST", path, &date, &host, &hash),
    );
    let http = azure_user_tokens::http::default_client().unwrap();
    for _ in 0..5 {
        let answer = http
            .post(format!("{}{path}", emulator.base_url()))
            .header("x-ms-date", &date)
            .header("x-ms-content-sha256", &hash)
            .header("authorization", hmac::authorization(&signature))
            .header("x-ms-client-request-id", "captured-request-1")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201);
    }
    let after_replays = stats(&emulator);
    assert_eq!(after_replays.users, 5);
    assert_eq!(after_replays.replayed_changes, 4);

    let identity = identity_client(&emulator);
    for _ in 0..5 {
        identity.create_user().await.unwrap();
    }
    assert_eq!(
        stats(&emulator).replayed_changes,
        4,
        "each call of ours carries its own request id"
    );
}
