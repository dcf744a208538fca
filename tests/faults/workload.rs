//! A seeded mix of identity and APIM calls, one worker at a time; each
//! worker owns the users it creates, so workers never race on one user.

use std::future::Future;
use std::time::Duration;

use azure_user_tokens::apim::{ApiManagementClient, ApimService, KeyType, NewApimUser};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationUserIdentifier, Scope,
};
use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::ledger::Ledger;

/// No single call may take this long, whatever the faults: longer is a hang.
const CALL_LIMIT: Duration = Duration::from_secs(20);

/// What one worker talks to.
pub struct Clients<'a> {
    pub identity: &'a CommunicationIdentityClient,
    pub apim: &'a ApiManagementClient,
    pub service: &'a ApimService,
}

/// Runs `calls` calls chosen by a generator seeded with `seed`.
pub async fn run(worker: usize, calls: usize, seed: u64, clients: Clients<'_>) -> Ledger {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ledger = Ledger::default();
    let mut apim_serial = 0usize;
    for _ in 0..calls {
        let alive: Vec<String> = ledger.acs_alive.iter().cloned().collect();
        let roll = if alive.len() < 2 {
            0
        } else {
            rng.random_range(0..100)
        };
        let pick =
            |rng: &mut StdRng, from: &[String]| from[rng.random_range(0..from.len())].clone();
        match roll {
            0..8 => {
                if let Some(user) =
                    call(&mut ledger, "create_user", clients.identity.create_user()).await
                {
                    ledger.created(user.raw_id().to_string());
                }
            }
            8..12 => {
                let made = clients.identity.create_user_and_token(
                    &[Scope::Chat, Scope::VoIp],
                    Some(std::time::Duration::from_secs(60 * 60)),
                );
                if let Some((user, _)) = call(&mut ledger, "create_user_and_token", made).await {
                    ledger.created(user.raw_id().to_string());
                    ledger.tokens += 1;
                }
            }
            12..47 => {
                let user = id(&pick(&mut rng, &alive));
                if call(
                    &mut ledger,
                    "get_token",
                    clients.identity.get_token(&user, &[Scope::VoIp], None),
                )
                .await
                .is_some()
                {
                    ledger.tokens += 1;
                }
            }
            47..52 => {
                let user = id(&pick(&mut rng, &alive));
                call(
                    &mut ledger,
                    "revoke_tokens",
                    clients.identity.revoke_tokens(&user),
                )
                .await;
            }
            52..58 => {
                let raw = pick(&mut rng, &alive);
                if call(
                    &mut ledger,
                    "delete_user",
                    clients.identity.delete_user(&id(&raw)),
                )
                .await
                .is_some()
                {
                    ledger.acs_alive.remove(&raw);
                    ledger.acs_deleted.insert(raw);
                }
            }
            58..83 => {
                let user_id = pick_apim_user(&mut rng, &ledger);
                let user = clients.service.user(&user_id).expect("a valid user id");
                let expiry = Utc::now() + chrono::Duration::hours(8);
                let minted = clients
                    .apim
                    .get_shared_access_token(&user, KeyType::Primary, expiry);
                if call(&mut ledger, "get_shared_access_token", minted)
                    .await
                    .is_some()
                {
                    ledger.tokens += 1;
                }
            }
            83..89 => {
                apim_serial += 1;
                let user_id = format!("w{worker}-u{apim_serial}");
                let user = clients.service.user(&user_id).expect("a valid user id");
                let details =
                    NewApimUser::new(format!("{user_id}@example.com"), "Fault", "Tolerant");
                if call(
                    &mut ledger,
                    "create_or_update_user",
                    clients.apim.create_or_update_user(&user, &details, None),
                )
                .await
                .is_some()
                {
                    ledger.apim_alive.insert(user_id.to_lowercase());
                }
            }
            89..94 => {
                let user = clients
                    .service
                    .user(&pick_apim_user(&mut rng, &ledger))
                    .expect("valid");
                call(&mut ledger, "get_user", clients.apim.get_user(&user)).await;
            }
            94..98 => {
                let own: Vec<String> = ledger.apim_alive.iter().cloned().collect();
                if own.is_empty() {
                    ledger.succeeded += 1; // nothing of ours to delete: a no-op call
                    continue;
                }
                let user_id = pick(&mut rng, &own);
                let user = clients.service.user(&user_id).expect("valid");
                if call(
                    &mut ledger,
                    "apim delete_user",
                    clients.apim.delete_user(&user, None),
                )
                .await
                .is_some()
                {
                    ledger.apim_alive.remove(&user_id);
                }
            }
            _ => {
                let listed = async {
                    let mut users = clients.apim.list_users(clients.service, None);
                    let mut count = 0usize;
                    while let Some(user) = users.next().await {
                        user?;
                        count += 1;
                    }
                    Ok::<_, azure_user_tokens::Error>(count)
                };
                call(&mut ledger, "list_users", listed).await;
            }
        }
    }
    ledger
}

/// Awaits one call, recording its outcome; `None` when it failed.
async fn call<T>(
    ledger: &mut Ledger,
    operation: &str,
    future: impl Future<Output = azure_user_tokens::Result<T>>,
) -> Option<T> {
    match tokio::time::timeout(CALL_LIMIT, future).await {
        Ok(Ok(value)) => {
            ledger.succeeded += 1;
            Some(value)
        }
        Ok(Err(error)) => {
            ledger.failure(operation, &error);
            None
        }
        Err(_) => {
            ledger
                .anomalies
                .push(format!("{operation}: no answer within {CALL_LIMIT:?}"));
            *ledger
                .failed
                .entry(format!("{operation}: hang"))
                .or_default() += 1;
            None
        }
    }
}

fn id(raw: &str) -> CommunicationUserIdentifier {
    CommunicationUserIdentifier::new(raw).expect("ids the emulator returned are valid")
}

/// The spec example's user, or one this worker created.
fn pick_apim_user(rng: &mut StdRng, ledger: &Ledger) -> String {
    let own: Vec<&String> = ledger.apim_alive.iter().collect();
    if own.is_empty() || rng.random_bool(0.5) {
        "userId1718".to_string()
    } else {
        own[rng.random_range(0..own.len())].clone()
    }
}
