//! The emulator's Teams Phone extension (ACS Identity 2025-06-30 and later):
//! assignments (get / upsert / delete, validated, authenticated like the other
//! admin calls, persisted) and the token exchange with the Teams user's own
//! Entra token as the bearer.
#![cfg(feature = "emulator")]

mod emulator_common;

use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EntraTokenClaims, defaults};
use chrono::{DateTime, Duration};
use emulator_common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const API: &str = "2025-06-30";
const USER: &str = "b27b64b9-39d2-44a3-869d-67700b74e805";
const APP: &str = "2c3e1e83-8fd7-4615-ad2b-b8c1229845ac";
const OTHER_APP: &str = "07474a86-625a-452f-977b-db4e13f21260";
const USER_PASSWORD: &str = "teams-user-password";

fn assignment_path(tenant: &str, object: &str, version: &str) -> String {
    format!("/access/teamsExtension/tenants/{tenant}/assignments/{object}?api-version={version}")
}

fn mine(object: &str) -> String {
    assignment_path(defaults::TENANT_ID, object, API)
}

fn exchange_url(emulator: &Emulator, version: &str) -> String {
    format!(
        "{}/access/teamsExtension/:exchangeAccessToken?api-version={version}",
        emulator.base_url()
    )
}

/// A Teams user's Entra token for ACS, from client `app`.
fn user_token(emulator: &Emulator, app: &str, object: &str, lifetime: Duration) -> String {
    emulator
        .mint_entra_token(&EntraTokenClaims::new(
            "https://communication.azure.com",
            app,
            object,
            lifetime,
        ))
        .expose()
        .to_string()
}

async fn exchange(emulator: &Emulator, token: &str) -> reqwest::Response {
    client()
        .post(exchange_url(emulator, API))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

async fn assign(emulator: &Emulator, object: &str, body: Value) -> reqwest::Response {
    acs(emulator, "PUT", &mine(object), &body.to_string()).await
}

#[tokio::test]
async fn assignments_are_created_replaced_read_and_deleted() {
    let emulator = start().await;
    let created = assign(
        &emulator,
        USER,
        json!({"principalType": "user", "clientIds": [APP]}),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let expected = json!({
        "objectId": USER,
        "tenantId": defaults::TENANT_ID,
        "principalType": "user",
        "clientIds": [APP],
    });
    assert_eq!(created.json::<Value>().await.unwrap(), expected);
    assert_eq!(emulator.stats().teams_extension_assignments, 1);

    let replaced = assign(&emulator, USER, json!({"principalType": "resourceAccount"})).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let body: Value = replaced.json().await.unwrap();
    assert_eq!(body["principalType"], "resourceAccount");
    assert!(
        body.get("clientIds").is_none(),
        "replaced, not merged: {body}"
    );

    let read = acs(&emulator, "GET", &mine(USER), "").await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>().await.unwrap(), body);

    let deleted = acs(&emulator, "DELETE", &mine(USER), "").await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(emulator.stats().teams_extension_assignments, 0);
    let gone = acs(&emulator, "GET", &mine(USER), "").await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(gone).await, "AssignmentNotFound");
    let again = acs(&emulator, "DELETE", &mine(USER), "").await;
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "deleting a missing assignment is not an error"
    );
}

#[tokio::test]
async fn ids_are_compared_as_uuids() {
    let emulator = start().await;
    let upper = assignment_path(
        &defaults::TENANT_ID.to_uppercase(),
        &USER.to_uppercase(),
        API,
    );
    let body = json!({"principalType": "USER", "clientIds": [APP.to_uppercase(), APP]});
    let created = acs(&emulator, "PUT", &upper, &body.to_string()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["objectId"], USER);
    assert_eq!(created["principalType"], "user");
    assert_eq!(created["clientIds"], json!([APP]), "duplicates dropped");
    let read = acs(&emulator, "GET", &mine(USER), "").await;
    assert_eq!(read.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_assignments_are_validation_errors_and_change_nothing() {
    let emulator = start().await;
    let good = json!({"principalType": "user", "clientIds": [APP]}).to_string();
    let cases = [
        (
            assignment_path("not-a-tenant", USER, API),
            good.clone(),
            "tenantId",
        ),
        (
            assignment_path(defaults::TENANT_ID, "x", API),
            good.clone(),
            "objectId",
        ),
        (
            mine(USER),
            json!({"clientIds": [APP]}).to_string(),
            "principalType",
        ),
        (
            mine(USER),
            json!({"principalType": ""}).to_string(),
            "principalType",
        ),
        (
            mine(USER),
            json!({"principalType": "group"}).to_string(),
            "principalType",
        ),
        (
            mine(USER),
            json!({"principalType": "user", "clientIds": ["app"]}).to_string(),
            "clientIds",
        ),
        (mine(USER), String::new(), "principalType"),
    ];
    for (path, body, target) in cases {
        let response = acs(&emulator, "PUT", &path, &body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} {body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "ValidationError", "{error}");
        assert_eq!(error["error"]["target"], target, "{error}");
    }
    for body in [
        "{",
        r#"{"principalType": 1}"#,
        r#"{"principalType":"user","clientIds":"x"}"#,
    ] {
        let response = acs(&emulator, "PUT", &mine(USER), body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let get = acs(&emulator, "GET", &assignment_path("nope", USER, API), "").await;
    assert_eq!(get.status(), StatusCode::BAD_REQUEST);
    assert_eq!(emulator.stats().teams_extension_assignments, 0);
}

#[tokio::test]
async fn assignments_need_admin_credentials() {
    let emulator = start().await;
    let url = format!("{}{}", emulator.base_url(), mine(USER));
    let body = json!({"principalType": "user"});
    let arm = client_credentials_token(&emulator, "https://management.azure.com/.default").await;
    for request in [
        client().put(&url).json(&body),
        client().put(&url).bearer_auth(&arm).json(&body),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response).await, "Denied");
    }
    assert_eq!(emulator.stats().teams_extension_assignments, 0);
    // The resource's Entra bearer token works like HMAC.
    let admin =
        client_credentials_token(&emulator, "https://communication.azure.com//.default").await;
    let response = client()
        .put(&url)
        .bearer_auth(&admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn exchange_needs_an_assignment_listing_the_client() {
    let emulator = start().await;
    let token = user_token(&emulator, APP, USER, Duration::hours(1));
    let refused = exchange(&emulator, &token).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "Forbidden");
    assert!(body["error"]["message"].is_string());

    // An assignment without client ids, or for other clients, grants nothing.
    for assignment in [
        json!({"principalType": "user"}),
        json!({"principalType": "user", "clientIds": []}),
        json!({"principalType": "user", "clientIds": [OTHER_APP]}),
    ] {
        assign(&emulator, USER, assignment.clone()).await;
        let response = exchange(&emulator, &token).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{assignment}");
    }
    // Another user's assignment does not help.
    assign(
        &emulator,
        "33333333-3333-3333-3333-333333333333",
        json!({"principalType": "user", "clientIds": [APP]}),
    )
    .await;
    assert_eq!(
        exchange(&emulator, &token).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(emulator.stats().tokens_issued, 0);
}

#[tokio::test]
async fn exchange_gives_one_stable_identity_per_user() {
    let emulator = start().await;
    for principal_type in ["user", "resourceAccount"] {
        let created = assign(
            &emulator,
            USER,
            json!({"principalType": principal_type, "clientIds": [OTHER_APP, APP]}),
        )
        .await;
        assert!(created.status().is_success());
        let token = user_token(&emulator, APP, USER, Duration::minutes(90));
        let entra = claims(&token);
        let mut ids = Vec::new();
        for _ in 0..2 {
            let response = exchange(&emulator, &token).await;
            assert_eq!(response.status(), StatusCode::OK, "{principal_type}");
            let body: Value = response.json().await.unwrap();
            ids.push(body["identity"]["id"].as_str().unwrap().to_string());
            let expires_on =
                DateTime::parse_from_rfc3339(body["accessToken"]["expiresOn"].as_str().unwrap())
                    .unwrap();
            let acs_claims = claims(body["accessToken"]["token"].as_str().unwrap());
            assert_eq!(expires_on.timestamp(), acs_claims["exp"].as_i64().unwrap());
            assert!(
                acs_claims["exp"].as_i64().unwrap() <= entra["exp"].as_i64().unwrap(),
                "never outlives the Entra token"
            );
            assert_eq!(acs_claims["resourceId"], defaults::ACS_RESOURCE_ID);
        }
        let expected = format!(
            "8:acs:{}_{}_{USER}",
            defaults::ACS_RESOURCE_ID,
            defaults::TENANT_ID
        );
        assert_eq!(ids, [expected.clone(), expected]);
    }
    assert_eq!(
        emulator.stats().users,
        0,
        "exchanged identities are not communication users"
    );
    // Taking the assignment away ends the exchanges.
    acs(&emulator, "DELETE", &mine(USER), "").await;
    let token = user_token(&emulator, APP, USER, Duration::hours(1));
    assert_eq!(
        exchange(&emulator, &token).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn exchange_accepts_only_a_valid_token_for_communication_services() {
    let emulator = start().await;
    assign(
        &emulator,
        USER,
        json!({"principalType": "user", "clientIds": [APP]}),
    )
    .await;
    let expired = user_token(&emulator, APP, USER, Duration::minutes(-5));
    let arm = emulator
        .mint_entra_token(&EntraTokenClaims::new(
            "https://management.azure.com",
            APP,
            USER,
            Duration::hours(1),
        ))
        .expose()
        .to_string();
    let foreign = start_with(EmulatorConfig::default().with_client_secret("another secret"))
        .await
        .mint_entra_token(&EntraTokenClaims::new(
            "https://communication.azure.com",
            APP,
            USER,
            Duration::hours(1),
        ))
        .expose()
        .to_string();
    let url = exchange_url(&emulator, API);
    let mut requests = vec![
        ("no credentials", client().post(&url).json(&json!({}))),
        (
            "HMAC",
            Signature::new(&emulator, "POST", &url[emulator.base_url().len()..], b"{}")
                .apply(client().post(&url).body("{}")),
        ),
    ];
    for (what, token) in [
        ("expired", expired.as_str()),
        ("audience", arm.as_str()),
        ("foreign", foreign.as_str()),
        ("garbage", "a.b.c"),
    ] {
        requests.push((
            what,
            client().post(&url).bearer_auth(token).json(&json!({})),
        ));
    }
    let count = requests.len() as u64;
    for (what, request) in requests {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "InvalidAccessToken", "{what}");
    }
    assert_eq!(emulator.stats().auth_failures, count);
    assert_eq!(emulator.stats().tokens_issued, 0);

    // A valid token with a body that is not JSON is a 400.
    let token = user_token(&emulator, APP, USER, Duration::hours(1));
    let response = client()
        .post(&url)
        .bearer_auth(&token)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // An empty body is accepted like `{}`.
    let response = client()
        .post(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn only_versions_with_the_extension_serve_it() {
    let emulator = start().await;
    let body = json!({"principalType": "user", "clientIds": [APP]}).to_string();
    for version in [
        "2021-03-07",
        "2022-10-01",
        "2023-10-01",
        "2025-04-01-preview",
    ] {
        let path = assignment_path(defaults::TENANT_ID, USER, version);
        for method in ["GET", "PUT", "DELETE"] {
            let response = acs(&emulator, method, &path, &body).await;
            assert_eq!(
                response.status(),
                StatusCode::NOT_FOUND,
                "{method} {version}"
            );
            let error: Value = response.json().await.unwrap();
            assert_eq!(error["error"]["code"], "NotFound");
            assert!(
                error["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(version),
                "{error}"
            );
        }
        let token = user_token(&emulator, APP, USER, Duration::hours(1));
        let response = client()
            .post(exchange_url(&emulator, version))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "exchange {version}"
        );
    }
    assert_eq!(emulator.stats().teams_extension_assignments, 0);
    for version in [
        "2025-03-02-preview",
        "2025-06-30",
        "2026-07-22",
        "2026-09-23",
    ] {
        let path = assignment_path(defaults::TENANT_ID, USER, version);
        let response = acs(&emulator, "PUT", &path, &body).await;
        assert!(response.status().is_success(), "{version}");
        let token = user_token(&emulator, APP, USER, Duration::hours(1));
        let response = client()
            .post(exchange_url(&emulator, version))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "exchange {version}");
    }
}

#[tokio::test]
async fn assignments_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "azure-user-tokens-teams-extension-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let config = || EmulatorConfig::default().with_state_file(&path);

    let emulator = start_with(config()).await;
    let created = assign(
        &emulator,
        USER,
        json!({"principalType": "user", "clientIds": [APP]}),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let journal = std::fs::read_to_string(dir.join("state.json.journal")).unwrap();
    assert!(
        journal.contains("\"teamsExtensionAssignments\""),
        "{journal}"
    );
    drop(emulator); // no graceful stop: the journal alone holds it

    let restarted = start_with(config()).await;
    assert_eq!(restarted.stats().teams_extension_assignments, 1);
    let read = acs(&restarted, "GET", &mine(USER), "").await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(
        read.json::<Value>().await.unwrap()["clientIds"],
        json!([APP])
    );
    let token = user_token(&restarted, APP, USER, Duration::hours(1));
    assert_eq!(exchange(&restarted, &token).await.status(), StatusCode::OK);
    restarted.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_password_grant_token_for_communication_services_exchanges() {
    // The password grant accepts configured users only: USER is one here.
    let emulator = start_with(EmulatorConfig::default().with_user(USER, USER_PASSWORD)).await;
    assign(
        &emulator,
        USER,
        json!({"principalType": "user", "clientIds": [APP]}),
    )
    .await;
    let response = client()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            emulator.base_url(),
            defaults::TENANT_ID
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", APP),
            ("username", USER),
            ("password", USER_PASSWORD),
            ("scope", "https://communication.azure.com//.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    let response = exchange(&emulator, token).await;
    assert_eq!(response.status(), StatusCode::OK);
}
