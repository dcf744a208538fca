//! `ApiManagementClient` against the emulator started in-process.

#![cfg(feature = "emulator")]

mod common;

use std::sync::Arc;

use azure_user_tokens::apim::{
    ApiManagementClient, ApiManagementClientOptions, ApimService, ApimUserRef, KeyType,
    ListUsersOptions, NewApimUser,
};
use azure_user_tokens::credential::{StaticTokenCredential, TokenCredential};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EntraTokenClaims, defaults};
use azure_user_tokens::{AccessToken, Secret};
use chrono::{Duration, Utc};
use common::*;
use futures_util::StreamExt;

fn service() -> ApimService {
    ApimService::new(
        defaults::SUBSCRIPTION_ID,
        defaults::RESOURCE_GROUP,
        defaults::APIM_SERVICE,
    )
    .unwrap()
}

fn apim_client(emulator: &Emulator) -> ApiManagementClient {
    apim_client_with(emulator, ApiManagementClientOptions::default())
}

fn apim_client_with(
    emulator: &Emulator,
    options: ApiManagementClientOptions,
) -> ApiManagementClient {
    ApiManagementClient::new(
        emulator.base_url(),
        entra_credential(emulator),
        Some(options),
    )
    .unwrap()
}

fn static_credential(token: Secret) -> Arc<dyn TokenCredential> {
    Arc::new(StaticTokenCredential::new(AccessToken::new(
        token,
        Utc::now() + Duration::hours(1),
    )))
}

#[tokio::test]
async fn the_seed_users_token_verifies_offline_with_the_emulators_key() {
    let emulator = emulator().await;
    let client = apim_client(&emulator);
    let user = service().user("userId1718").unwrap();
    let expiry = Utc::now() + Duration::days(1);
    let token = client
        .get_shared_access_token(&user, KeyType::Primary, expiry)
        .await
        .unwrap();
    assert_eq!(token.user_id(), "userId1718");
    assert_eq!(
        token.expires_at().timestamp(),
        expiry.timestamp() / 60 * 60,
        "truncated to the minute"
    );
    assert!(token.verify(emulator.config().apim_primary_key()));
    assert!(!token.verify(emulator.config().apim_secondary_key()));

    let secondary = client
        .get_shared_access_token(&user, KeyType::Secondary, expiry)
        .await
        .unwrap();
    assert!(secondary.verify(emulator.config().apim_secondary_key()));
}

#[tokio::test]
async fn a_lifetime_counts_from_the_call_and_is_checked_before_sending() {
    let emulator = emulator().await;
    let client = apim_client(&emulator);
    let user = service().user("userId1718").unwrap();
    let before = Utc::now();
    let token = client
        .get_shared_access_token(
            &user,
            KeyType::Primary,
            std::time::Duration::from_secs(8 * 3600),
        )
        .await
        .unwrap();
    let expected = before + Duration::hours(8);
    let drift = (token.expires_at() - expected).num_seconds().abs();
    assert!(drift <= 61, "{} vs {expected}", token.expires_at());

    let requests_before = requests(&emulator);
    for lifetime in [
        std::time::Duration::ZERO,
        std::time::Duration::from_secs(31 * 24 * 3600),
        std::time::Duration::MAX,
    ] {
        let err = client
            .get_shared_access_token(&user, KeyType::Primary, lifetime)
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("expiry"), "{lifetime:?}: {err}");
    }
    assert_eq!(requests(&emulator), requests_before, "nothing was sent");
}

#[tokio::test]
async fn an_unknown_user_is_not_found() {
    let emulator = emulator().await;
    let client = apim_client(&emulator);
    let user = service().user("nobody").unwrap();
    let err = client
        .get_shared_access_token(&user, KeyType::Primary, Utc::now() + Duration::hours(1))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(err.code().is_some(), "{err}");
    let err = client.get_user(&user).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn bad_or_foreign_bearer_tokens_are_unauthorized() {
    let emulator = emulator().await;
    let user = service().user("userId1718").unwrap();
    let expiry = Utc::now() + Duration::hours(1);

    let garbage = ApiManagementClient::new(
        emulator.base_url(),
        static_credential(Secret::new("garbage")),
        None,
    )
    .unwrap();
    let err = garbage
        .get_shared_access_token(&user, KeyType::Primary, expiry)
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");

    let for_acs = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://communication.azure.com",
        emulator.config().client_id(),
        "00000000-0000-0000-0000-00000000000b",
        Duration::hours(1),
    ));
    let wrong_audience =
        ApiManagementClient::new(emulator.base_url(), static_credential(for_acs), None).unwrap();
    let err = wrong_audience.get_user(&user).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");

    let expired = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://management.azure.com",
        emulator.config().client_id(),
        "00000000-0000-0000-0000-00000000000b",
        Duration::minutes(-10),
    ));
    let expired_client =
        ApiManagementClient::new(emulator.base_url(), static_credential(expired), None).unwrap();
    let err = expired_client.get_user(&user).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
}

#[tokio::test]
async fn validation_sends_nothing() {
    let emulator = emulator().await;
    let client = apim_client(&emulator);
    let user = service().user("userId1718").unwrap();
    let before = requests(&emulator);
    let now = Utc::now();
    for expiry in [now - Duration::minutes(1), now + Duration::days(31)] {
        let err = client
            .get_shared_access_token(&user, KeyType::Primary, expiry)
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("expiry"), "{err}");
    }
    let err = client
        .create_or_update_user(&user, &NewApimUser::new("no-at-sign", "A", "B"), None)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("email"));
    assert!(ApimUserRef::new("x", "rg1", "apimService1", "u").is_err());
    assert!(ApimUserRef::new(defaults::SUBSCRIPTION_ID, "rg1", "-bad", "u").is_err());
    assert_eq!(
        requests(&emulator),
        before,
        "validation failures must not reach the service"
    );
}

#[tokio::test]
async fn users_are_created_read_and_deleted_with_etags() {
    let emulator = emulator().await;
    let client = apim_client(&emulator);
    let user = service().user("ada").unwrap();
    let created = client
        .create_or_update_user(
            &user,
            &NewApimUser::new("ada@example.com", "Ada", "Lovelace"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(created.user_id, "ada");
    assert_eq!(created.email.as_deref(), Some("ada@example.com"));
    let fetched = client.get_user(&user).await.unwrap();
    assert_eq!(fetched.first_name.as_deref(), Some("Ada"));
    let etag = fetched.etag.clone().expect("User_Get returns an ETag");

    let err = client
        .delete_user(&user, Some("\"stale\""))
        .await
        .unwrap_err();
    assert!(
        err.is_conflict(),
        "a stale ETag is a failed precondition: {err}"
    );
    client.delete_user(&user, Some(&etag)).await.unwrap();
    assert!(client.get_user(&user).await.unwrap_err().is_not_found());

    // Without an ETag, `If-Match: *` deletes whatever is there.
    client
        .create_or_update_user(
            &user,
            &NewApimUser::new("ada@example.com", "Ada", "L"),
            None,
        )
        .await
        .unwrap();
    client.delete_user(&user, None).await.unwrap();
}

#[tokio::test]
async fn listing_follows_next_links_across_pages() {
    let emulator = emulator().await;
    let client = apim_client(&emulator);
    for i in 0..5 {
        let user = service().user(&format!("user{i}")).unwrap();
        client
            .create_or_update_user(
                &user,
                &NewApimUser::new(format!("u{i}@example.com"), "U", "Ser"),
                None,
            )
            .await
            .unwrap();
    }
    let service = service();
    let before = requests(&emulator);
    let users = client
        .list_users(
            &service,
            Some(ListUsersOptions::default().with_page_size(2)),
        )
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<String> = users.into_iter().map(|u| u.user_id).collect();
    assert_eq!(ids.len(), 7, "two seed users and five new ones: {ids:?}");
    assert!(ids.contains(&"userId1718".to_string()) && ids.contains(&"user4".to_string()));
    assert!(
        requests(&emulator) - before >= 4,
        "four pages of at most two"
    );

    // The pager is a Stream too.
    let all: Vec<_> = client.list_users(&service, None).collect().await;
    assert_eq!(all.len(), 7);
}

#[tokio::test]
async fn throttling_is_retried() {
    let emulator = emulator_with(
        EmulatorConfig::default()
            .with_fault_rate(0.5)
            .with_fault_seed(3)
            .with_fault_retry_after_ms(1),
    )
    .await;
    let client = apim_client_with(
        &emulator,
        ApiManagementClientOptions::default().with_client_options(fast_retries(12)),
    );
    let user = service().user("userId1718").unwrap();
    for _ in 0..10 {
        client.get_user(&user).await.unwrap();
        client
            .get_shared_access_token(&user, KeyType::Primary, Utc::now() + Duration::hours(2))
            .await
            .unwrap();
    }
    assert!(stats(&emulator).faults_injected > 0);
}

#[tokio::test]
async fn the_api_version_override_reaches_the_wire() {
    let emulator = emulator().await;
    let version = |v: &str| ApiManagementClientOptions::default().with_api_version(v);
    let client = apim_client_with(&emulator, version("2022-08-01"));
    client
        .get_user(&service().user("1").unwrap())
        .await
        .unwrap();
    let too_new = apim_client_with(&emulator, version("2099-01-01"));
    let err = too_new
        .get_user(&service().user("1").unwrap())
        .await
        .unwrap_err();
    assert!(err.is_bad_request(), "{err}");
}
