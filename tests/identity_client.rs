//! `CommunicationIdentityClient` against the emulator started in-process.

#![cfg(feature = "emulator")]

mod common;

use std::sync::Arc;
use std::time::Duration;

use azure_user_tokens::ClientOptions;
use azure_user_tokens::emulator::{EmulatorConfig, EntraTokenClaims};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationIdentityClientOptions, CommunicationUserIdentifier,
    Scope,
};
use azure_user_tokens::{Secret, jwt};
use chrono::Utc;
use common::*;

#[tokio::test]
async fn the_quickstart_flow_works_end_to_end() {
    let emulator = emulator().await;
    let client = identity_client(&emulator);

    let user = client.create_user().await.unwrap();
    assert!(user.raw_id().starts_with("8:acs:"), "{user}");
    assert_eq!(stats(&emulator).users, 1);

    let token = client.get_token(&user, &[Scope::VoIp], None).await.unwrap();
    let exp = jwt::expiry(token.token.expose()).unwrap();
    assert_eq!(exp.timestamp(), token.expires_on.timestamp());
    let lifetime = token.expires_on - Utc::now();
    assert!(
        lifetime > chrono::Duration::hours(23),
        "default 24 h, got {lifetime}"
    );

    client.revoke_tokens(&user).await.unwrap();
    client.delete_user(&user).await.unwrap();
    assert_eq!(stats(&emulator).users, 0);

    let err = client
        .get_token(&user, &[Scope::Chat], None)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn create_user_and_token_honours_the_lifetime_and_scopes() {
    let emulator = emulator().await;
    let client = identity_client(&emulator);
    let (user, token) = client
        .create_user_and_token(&[Scope::Chat, Scope::VoIp], Some(Duration::from_secs(3600)))
        .await
        .unwrap();
    assert!(user.raw_id().starts_with("8:acs:"));
    let lifetime = token.expires_on - Utc::now();
    assert!(
        lifetime <= chrono::Duration::minutes(60) && lifetime > chrono::Duration::minutes(58),
        "{lifetime}"
    );
    let claims = jwt::claims(token.token.expose()).unwrap();
    let scopes = claims["acsScope"].as_str().unwrap();
    assert!(
        scopes.contains("chat") && scopes.contains("voip"),
        "{scopes}"
    );
}

#[tokio::test]
async fn local_validation_sends_nothing() {
    let emulator = emulator().await;
    let client = identity_client(&emulator);
    let user = client.create_user().await.unwrap();
    let before = requests(&emulator);

    for minutes in [0, 59, 1441] {
        let lifetime = Some(Duration::from_secs(minutes * 60));
        let err = client
            .get_token(&user, &[Scope::VoIp], lifetime)
            .await
            .unwrap_err();
        assert!(
            err.is_validation() && err.message().contains("60–1440"),
            "{err}"
        );
        let err = client
            .create_user_and_token(&[Scope::VoIp], lifetime)
            .await
            .unwrap_err();
        assert!(err.is_validation(), "{err}");
    }
    let err = client.get_token(&user, &[], None).await.unwrap_err();
    assert_eq!(err.field(), Some("scopes"));
    let err = client.create_user_and_token(&[], None).await.unwrap_err();
    assert_eq!(err.field(), Some("scopes"));
    let err = client
        .get_token_for_teams_user(&Secret::new(""), "app", "user")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("teams_user_aad_token"));
    let err = client
        .get_token_for_teams_user(&Secret::new("t"), " ", "user")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("client_id"));
    assert!(CommunicationUserIdentifier::new("").is_err());

    assert_eq!(
        requests(&emulator),
        before,
        "no request may reach the service"
    );
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let emulator = emulator().await;
    let wrong = format!(
        "endpoint={};accesskey=d3Jvbmcta2V5LXdyb25nLWtleQ==",
        emulator.base_url()
    );
    let client = CommunicationIdentityClient::from_connection_string(&wrong.into(), None).unwrap();
    let err = client.create_user().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(stats(&emulator).users, 0);
}

#[tokio::test]
async fn an_endpoint_with_a_trailing_slash_signs_correctly() {
    let emulator = emulator().await;
    let base = emulator.base_url().trim_end_matches('/');
    for endpoint in [format!("{base}/"), base.to_string()] {
        let client = CommunicationIdentityClient::from_access_key(
            &endpoint,
            emulator.config().access_key(),
            None,
        )
        .unwrap();
        client.create_user().await.unwrap();
    }
}

#[tokio::test]
async fn entra_credentials_work_too() {
    let emulator = emulator().await;
    let client =
        CommunicationIdentityClient::new(emulator.base_url(), entra_credential(&emulator), None)
            .unwrap();
    let user = client.create_user().await.unwrap();
    client
        .get_token(&user, &[Scope::Chat], Some(Duration::from_secs(2 * 3600)))
        .await
        .unwrap();
    client.delete_user(&user).await.unwrap();
}

#[tokio::test]
async fn an_entra_token_for_another_audience_is_refused() {
    let emulator = emulator().await;
    let token = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://management.azure.com",
        emulator.config().client_id(),
        "00000000-0000-0000-0000-00000000000a",
        chrono::Duration::hours(1),
    ));
    let credential = azure_user_tokens::credential::StaticTokenCredential::new(
        azure_user_tokens::AccessToken::new(token, Utc::now() + chrono::Duration::hours(1)),
    );
    let client =
        CommunicationIdentityClient::new(emulator.base_url(), Arc::new(credential), None).unwrap();
    let err = client.create_user().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
}

#[tokio::test]
async fn teams_tokens_are_exchanged() {
    let emulator = emulator().await;
    let client = identity_client(&emulator);
    let app_id = "11111111-2222-3333-4444-555555555555";
    let user_oid = "66666666-7777-8888-9999-000000000000";
    let teams_token = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://auth.msft.communication.azure.com",
        app_id,
        user_oid,
        chrono::Duration::hours(1),
    ));
    let token = client
        .get_token_for_teams_user(&teams_token, app_id, user_oid)
        .await
        .unwrap();
    assert!(token.expires_on > Utc::now());

    let err = client
        .get_token_for_teams_user(&Secret::new("not-a-jwt"), app_id, user_oid)
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(err.code(), Some("InvalidAccessToken"));
}

#[tokio::test]
async fn throttling_and_unavailability_are_retried() {
    let emulator = emulator_with(
        EmulatorConfig::default()
            .with_fault_rate(0.5)
            .with_fault_seed(7)
            .with_fault_retry_after_ms(1),
    )
    .await;
    let client = identity_client_with(&emulator, fast_retries(12));
    let user = loop {
        // create_user may report an ambiguous failure (a reset); it never duplicates.
        if let Ok(user) = client.create_user().await {
            break user;
        }
    };
    for _ in 0..20 {
        client.get_token(&user, &[Scope::VoIp], None).await.unwrap();
    }
    assert!(stats(&emulator).faults_injected > 0);
}

#[tokio::test]
async fn under_faults_the_users_created_are_exactly_those_reported() {
    let emulator = emulator_with(
        EmulatorConfig::default()
            .with_fault_rate(0.3)
            .with_fault_seed(42)
            .with_fault_retry_after_ms(1),
    )
    .await;
    let client = identity_client_with(&emulator, fast_retries(5));
    let mut created = 0;
    for _ in 0..60 {
        if client.create_user().await.is_ok() {
            created += 1;
        }
    }
    assert!(created > 0);
    assert_eq!(
        stats(&emulator).users,
        created,
        "nothing lost, nothing duplicated"
    );
}

#[tokio::test]
async fn the_api_version_override_reaches_the_wire() {
    let emulator = emulator().await;
    let version = |v: &str| Some(CommunicationIdentityClientOptions::default().with_api_version(v));
    let connection_string = emulator.connection_string();
    let older = CommunicationIdentityClient::from_connection_string(
        &connection_string,
        version("2021-03-07"),
    )
    .unwrap();
    assert_eq!(older.api_version(), "2021-03-07");
    older.create_user().await.unwrap();

    let unknown = CommunicationIdentityClient::from_connection_string(
        &connection_string,
        version("2099-01-01"),
    )
    .unwrap();
    let err = unknown.create_user().await.unwrap_err();
    assert!(err.is_bad_request(), "{err}");
}

#[tokio::test]
async fn an_attempt_timeout_ends_a_stalled_call() {
    // A server that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let _server = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let options = CommunicationIdentityClientOptions::default().with_client_options(
        fast_retries(1)
            .with_attempt_timeout(Duration::from_millis(100))
            .with_total_timeout(Duration::from_secs(5)),
    );
    let client = CommunicationIdentityClient::from_connection_string(
        &format!("endpoint=http://{address}/;accesskey=c2VjcmV0").into(),
        Some(options),
    )
    .unwrap();
    let user = CommunicationUserIdentifier::new("8:acs:x_y").unwrap();
    let err = client.revoke_tokens(&user).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(err.request_id().is_some());
}

#[tokio::test]
async fn bearer_tokens_never_go_to_a_plain_http_remote_host() {
    let emulator = emulator().await;
    let err =
        CommunicationIdentityClient::new("http://example.com", entra_credential(&emulator), None)
            .unwrap_err();
    assert!(err.is_validation(), "{err}");
}

#[tokio::test]
async fn works_over_tls_with_the_emulators_certificate() {
    let emulator = emulator_with(EmulatorConfig::default().with_tls(true)).await;
    assert!(
        emulator.base_url().starts_with("https://"),
        "{}",
        emulator.base_url()
    );
    let ca =
        reqwest::Certificate::from_pem(emulator.ca_certificate_pem().unwrap().as_bytes()).unwrap();
    azure_user_tokens::http::install_crypto_provider();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let client = identity_client_with(&emulator, ClientOptions::default().with_http_client(http));
    let user = client.create_user().await.unwrap();
    client.delete_user(&user).await.unwrap();

    // Without the CA, the certificate is not trusted.
    let untrusting = identity_client(&emulator);
    let err = untrusting.create_user().await.unwrap_err();
    assert!(!err.is_validation() && err.status().is_none(), "{err}");
    assert!(err.message().contains("certificate"), "{err}");
}
