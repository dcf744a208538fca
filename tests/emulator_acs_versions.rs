//! The emulator's ACS Identity api-versions: every published one is served
//! with the operations it has (404 for the others, 400 for unknown versions),
//! and 2025-03-02-preview's `customId` (idempotent creation) and
//! `GET /identities/{id}`, persisted across a restart.
#![cfg(feature = "emulator")]

mod emulator_common;

use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EntraTokenClaims};
use chrono::{DateTime, Duration, Utc};
use emulator_common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PREVIEW: &str = "2025-03-02-preview";

/// Every version the emulator serves (DESIGN §8 and the module docs).
const SERVED: [&str; 14] = [
    "2021-02-22-preview1",
    "2021-03-07",
    "2021-03-31-preview1",
    "2021-10-31-preview",
    "2022-06-01",
    "2022-09-01",
    "2022-10-01",
    "2023-08-01",
    "2023-10-01",
    "2025-03-02-preview",
    "2025-04-01-preview",
    "2025-06-30",
    "2026-07-22",
    "2026-09-23",
];

async fn create(emulator: &Emulator, version: &str, body: Value) -> (StatusCode, Value) {
    let response = acs(
        emulator,
        "POST",
        &format!("/identities?api-version={version}"),
        &body.to_string(),
    )
    .await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn get(emulator: &Emulator, version: &str, id: &str) -> reqwest::Response {
    acs(
        emulator,
        "GET",
        &format!("/identities/{id}?api-version={version}"),
        "",
    )
    .await
}

#[tokio::test]
async fn every_published_version_creates_and_unknown_ones_are_400() {
    let emulator = start().await;
    for version in SERVED {
        let (status, body) = create(&emulator, version, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{version}");
        assert!(body["identity"]["id"].is_string(), "{version}");
    }
    for version in [
        "2020-07-20-preview2",
        "2023-08-30-preview",
        "2024-01-01",
        "latest",
    ] {
        let (status, body) = create(&emulator, version, json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{version}");
        assert_eq!(body["error"]["code"], "UnsupportedApiVersion");
    }
    assert_eq!(emulator.stats().users, SERVED.len() as u64);
}

#[tokio::test]
async fn operations_a_version_lacks_are_404() {
    let emulator = start().await;
    let id = create_identity(&emulator).await;
    let cases = [
        (
            "2021-03-07",
            "POST",
            "/teamsUser/:exchangeAccessToken".to_string(),
        ),
        (
            "2021-02-22-preview1",
            "POST",
            "/teamsUser/:exchangeAccessToken".to_string(),
        ),
        ("2023-10-01", "GET", format!("/identities/{id}")),
        ("2025-06-30", "GET", format!("/identities/{id}")),
        ("2026-09-23", "GET", format!("/identities/{id}")),
    ];
    for (version, method, path) in cases {
        let response = acs(
            &emulator,
            method,
            &format!("{path}?api-version={version}"),
            "{}",
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{method} {path} {version}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "NotFound", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(version), "{message}");
    }
    // The identity was not touched by any of them.
    assert_eq!(get(&emulator, PREVIEW, &id).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn early_previews_exchange_the_teams_token_alone() {
    let emulator = start().await;
    let token = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://auth.msft.communication.azure.com",
        "11111111-1111-1111-1111-111111111111",
        "22222222-2222-2222-2222-222222222222",
        Duration::hours(1),
    ));
    let body = json!({"token": token.expose()}).to_string();
    for (version, expected) in [
        ("2021-10-31-preview", StatusCode::OK),
        ("2021-03-31-preview1", StatusCode::OK),
        ("2022-06-01", StatusCode::BAD_REQUEST),
    ] {
        let response = acs(
            &emulator,
            "POST",
            &format!("/teamsUser/:exchangeAccessToken?api-version={version}"),
            &body,
        )
        .await;
        assert_eq!(response.status(), expected, "{version}");
    }
}

#[tokio::test]
async fn the_same_custom_id_gives_the_same_identity() {
    let emulator = start().await;
    let (status, first) =
        create(&emulator, PREVIEW, json!({"customId": "sally@contoso.com"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = first["identity"]["id"].as_str().unwrap().to_string();
    assert_eq!(first["identity"]["customId"], "sally@contoso.com");
    assert!(
        first["identity"].get("lastTokenIssuedAt").is_none(),
        "{first}"
    );

    let (status, again) = create(
        &emulator,
        PREVIEW,
        json!({"customId": "sally@contoso.com", "createTokenWithScopes": ["chat"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "the spec declares only 201");
    assert_eq!(again["identity"]["id"], id.as_str());
    let token_claims = claims(again["accessToken"]["token"].as_str().unwrap());
    assert_eq!(token_claims["skypeid"], id.strip_prefix("8:").unwrap());
    let issued = again["identity"]["lastTokenIssuedAt"].as_str().unwrap();
    let issued = DateTime::parse_from_rfc3339(issued).unwrap();
    assert!((Utc::now() - issued.with_timezone(&Utc)).abs() < Duration::minutes(1));

    let (_, other) = create(&emulator, PREVIEW, json!({"customId": "Sally@contoso.com"})).await;
    assert_ne!(
        other["identity"]["id"],
        id.as_str(),
        "custom ids are case-sensitive"
    );
    let (_, plain) = create(&emulator, PREVIEW, json!({})).await;
    assert!(plain["identity"].get("customId").is_none(), "{plain}");
    assert_eq!(emulator.stats().users, 3);
}

#[tokio::test]
async fn concurrent_creations_with_one_custom_id_make_one_identity() {
    let emulator = start().await;
    let creations = (0..8).map(|_| create(&emulator, PREVIEW, json!({"customId": "race"})));
    let results = futures_util::future::join_all(creations).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::CREATED);
            body["identity"]["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(emulator.stats().users, 1);
}

#[tokio::test]
async fn custom_ids_are_1_to_256_characters() {
    let emulator = start().await;
    for bad in [String::new(), "x".repeat(257), "é".repeat(257)] {
        let (status, body) = create(&emulator, PREVIEW, json!({"customId": bad})).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{} chars",
            bad.chars().count()
        );
        assert_eq!(body["error"]["code"], "ValidationError");
        assert_eq!(body["error"]["target"], "CustomId");
    }
    for good in ["x".repeat(256), "é".repeat(256), "a".to_string()] {
        let (status, _) = create(&emulator, PREVIEW, json!({"customId": good})).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = create(&emulator, PREVIEW, json!({"customId": 5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(emulator.stats().users, 3);
}

#[tokio::test]
async fn versions_without_custom_ids_ignore_them() {
    let emulator = start().await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (status, body) = create(&emulator, "2025-06-30", json!({"customId": "sally"})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["identity"].as_object().unwrap().len(), 1, "{body}");
        ids.push(body["identity"]["id"].as_str().unwrap().to_string());
    }
    assert_ne!(ids[0], ids[1]);
    // The preview does not find them by that custom id either.
    let (_, body) = create(&emulator, PREVIEW, json!({"customId": "sally"})).await;
    assert!(!ids.contains(&body["identity"]["id"].as_str().unwrap().to_string()));
}

#[tokio::test]
async fn get_reports_the_custom_id_and_the_last_token_time() {
    let emulator = start().await;
    let (_, created) = create(&emulator, PREVIEW, json!({"customId": "bob"})).await;
    let id = created["identity"]["id"].as_str().unwrap().to_string();
    let response = get(&emulator, PREVIEW, &id).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"id": id, "customId": "bob"})
    );

    let before = Utc::now();
    let issue = acs(
        &emulator,
        "POST",
        &format!("/identities/{id}/:issueAccessToken?api-version=2023-10-01"),
        r#"{"scopes":["voip"]}"#,
    )
    .await;
    assert_eq!(issue.status(), StatusCode::OK);
    let encoded = id.replace(':', "%3A");
    let body: Value = get(&emulator, PREVIEW, &encoded)
        .await
        .json()
        .await
        .unwrap();
    let last = body["lastTokenIssuedAt"].as_str().unwrap();
    assert!(last.ends_with("+00:00") && last.len() == 33, "{last}");
    let last = DateTime::parse_from_rfc3339(last)
        .unwrap()
        .with_timezone(&Utc);
    assert!(
        last >= before - Duration::seconds(1) && last <= Utc::now(),
        "{last}"
    );

    let plain = create_identity(&emulator).await;
    let body: Value = get(&emulator, PREVIEW, &plain).await.json().await.unwrap();
    assert_eq!(body, json!({"id": plain}));

    let unknown = get(&emulator, PREVIEW, &format!("{plain}0")).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(unknown).await, "IdentityNotFound");
}

#[tokio::test]
async fn deleting_an_identity_frees_its_custom_id() {
    let emulator = start().await;
    let (_, first) = create(&emulator, PREVIEW, json!({"customId": "carol"})).await;
    let id = first["identity"]["id"].as_str().unwrap().to_string();
    let deleted = acs(
        &emulator,
        "DELETE",
        &format!("/identities/{id}?api-version={PREVIEW}"),
        "",
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(&emulator, PREVIEW, &id).await.status(),
        StatusCode::NOT_FOUND
    );
    let (status, second) = create(&emulator, PREVIEW, json!({"customId": "carol"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(second["identity"]["id"], id.as_str());
    assert_eq!(emulator.stats().users, 1);
}

#[tokio::test]
async fn custom_ids_and_token_times_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "azure-user-tokens-acs-versions-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let config = || EmulatorConfig::default().with_state_file(&path);

    let emulator = start_with(config()).await;
    let (_, created) = create(
        &emulator,
        PREVIEW,
        json!({"customId": "dave", "createTokenWithScopes": ["chat"]}),
    )
    .await;
    let id = created["identity"]["id"].as_str().unwrap().to_string();
    let before: Value = get(&emulator, PREVIEW, &id).await.json().await.unwrap();
    let journal = std::fs::read_to_string(dir.join("state.json.journal")).unwrap();
    assert!(journal.contains("\"customIds\""), "{journal}");
    drop(emulator); // no graceful stop: the journal alone holds them

    let restarted = start_with(config()).await;
    let after: Value = get(&restarted, PREVIEW, &id).await.json().await.unwrap();
    assert_eq!(after, before);
    assert!(after["lastTokenIssuedAt"].is_string(), "{after}");
    let journal_len = || {
        std::fs::metadata(dir.join("state.json.journal"))
            .unwrap()
            .len()
    };
    let written = journal_len();
    let (_, again) = create(&restarted, PREVIEW, json!({"customId": "dave"})).await;
    assert_eq!(again["identity"]["id"], id.as_str());
    assert_eq!(restarted.stats().users, 1);
    assert_eq!(journal_len(), written, "creating it again changed nothing");
    restarted.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
