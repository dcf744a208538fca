//! The emulator's ACS identity API: every route, every validation error and
//! every authentication failure, against an in-process emulator.
#![cfg(feature = "emulator")]

mod emulator_common;

use azure_user_tokens::emulator::{EmulatorConfig, EntraTokenClaims, defaults};
use chrono::{DateTime, Duration, Utc};
use emulator_common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn issue_path(id: &str) -> String {
    format!("/identities/{id}/:issueAccessToken?api-version={ACS_API}")
}

fn encoded(id: &str) -> String {
    id.replace(':', "%3A")
}

fn assert_expires_on_shape(expires_on: &str) {
    // 2023-10-10T21:39:39.3244584+00:00
    assert_eq!(expires_on.len(), 33, "{expires_on}");
    assert!(expires_on.ends_with("+00:00"), "{expires_on}");
    assert_eq!(&expires_on[19..20], ".", "{expires_on}");
    assert!(
        expires_on[20..27].bytes().all(|b| b.is_ascii_digit()),
        "{expires_on}"
    );
    DateTime::parse_from_rfc3339(expires_on).unwrap();
}

#[tokio::test]
async fn create_without_body_returns_an_acs_id_and_no_token() {
    let emulator = start().await;
    let response = acs(
        &emulator,
        "POST",
        &format!("/identities?api-version={ACS_API}"),
        "",
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let id = body["identity"]["id"].as_str().unwrap();
    let prefix = format!("8:acs:{}_", defaults::ACS_RESOURCE_ID);
    assert!(id.starts_with(&prefix), "{id}");
    uuid::Uuid::parse_str(&id[prefix.len()..]).unwrap();
    assert!(body.get("accessToken").is_none(), "{body}");
    assert_eq!(emulator.stats().users, 1);
}

#[tokio::test]
async fn create_accepts_empty_and_null_optional_fields() {
    let emulator = start().await;
    for body in [
        "{}",
        "null",
        r#"{"createTokenWithScopes":null,"expiresInMinutes":null}"#,
        r#"{"createTokenWithScopes":[]}"#,
    ] {
        let response = acs(
            &emulator,
            "POST",
            &format!("/identities?api-version={ACS_API}"),
            body,
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{body}");
        let body: Value = response.json().await.unwrap();
        assert!(body.get("accessToken").is_none());
    }
    assert_eq!(emulator.stats().users, 4);
}

#[tokio::test]
async fn create_with_scopes_returns_a_token_with_the_service_claims() {
    let emulator = start().await;
    let body = r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}"#;
    let response = acs(
        &emulator,
        "POST",
        &format!("/identities?api-version={ACS_API}"),
        body,
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    let id = body["identity"]["id"].as_str().unwrap();
    let token = body["accessToken"]["token"].as_str().unwrap();
    let expires_on = body["accessToken"]["expiresOn"].as_str().unwrap();
    assert_expires_on_shape(expires_on);

    let claims = claims(token);
    assert_eq!(claims["skypeid"], id.strip_prefix("8:").unwrap());
    assert_eq!(claims["acsScope"], "chat,voip");
    assert_eq!(claims["resourceId"], defaults::ACS_RESOURCE_ID);
    assert!(claims["scp"].is_number());
    let iat = claims["iat"].as_i64().unwrap();
    assert_eq!(claims["csi"], iat.to_string());
    assert_eq!(claims["exp"].as_i64().unwrap() - iat, 3600);
    let expires = DateTime::parse_from_rfc3339(expires_on).unwrap();
    assert_eq!(expires.timestamp(), claims["exp"].as_i64().unwrap());
    assert_eq!(emulator.stats().tokens_issued, 1);
}

#[tokio::test]
async fn issue_token_defaults_to_24_hours_and_accepts_raw_and_encoded_ids() {
    let emulator = start().await;
    let id = create_identity(&emulator).await;
    for path in [issue_path(&id), issue_path(&encoded(&id))] {
        let response = acs(&emulator, "POST", &path, r#"{"scopes":["voip"]}"#).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_expires_on_shape(body["expiresOn"].as_str().unwrap());
        let claims = claims(body["token"].as_str().unwrap());
        assert_eq!(claims["acsScope"], "voip");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            24 * 3600
        );
    }
    let response = acs(
        &emulator,
        "POST",
        &issue_path(&id),
        r#"{"scopes":["chat.join","chat.join.limited","voip.join"],"expiresInMinutes":1440}"#,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn expires_in_minutes_outside_60_to_1440_is_the_service_error() {
    let emulator = start().await;
    let id = create_identity(&emulator).await;
    for minutes in [59, 1441] {
        let expected = json!({"error": {
            "code": "ValidationError",
            "message": format!("ExpiresInMinutes value {minutes} is invalid. Value must be within the [60, 1440] interval."),
            "target": "ExpiresInMinutes",
        }});
        let issue = acs(
            &emulator,
            "POST",
            &issue_path(&id),
            &format!(r#"{{"scopes":["chat"],"expiresInMinutes":{minutes}}}"#),
        )
        .await;
        assert_eq!(issue.status(), StatusCode::BAD_REQUEST);
        assert_eq!(issue.json::<Value>().await.unwrap(), expected);

        let create = acs(
            &emulator,
            "POST",
            &format!("/identities?api-version={ACS_API}"),
            &format!(r#"{{"createTokenWithScopes":["chat"],"expiresInMinutes":{minutes}}}"#),
        )
        .await;
        assert_eq!(create.status(), StatusCode::BAD_REQUEST);
        assert_eq!(create.json::<Value>().await.unwrap(), expected);
    }
    assert_eq!(
        emulator.stats().users,
        1,
        "a rejected create creates nobody"
    );
}

#[tokio::test]
async fn bad_scopes_and_bodies_are_400() {
    let emulator = start().await;
    let id = create_identity(&emulator).await;
    for body in [
        r#"{"scopes":["email"]}"#,
        r#"{"scopes":[]}"#,
        r#"{}"#,
        "",
        r#"{"scopes":"chat"}"#,
        r#"{"scopes":["chat"],"expiresInMinutes":"60"}"#,
        "{not json",
    ] {
        let response = acs(&emulator, "POST", &issue_path(&id), body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"]["code"].is_string(), "{error}");
        assert!(error["error"]["message"].is_string(), "{error}");
    }
    let response = acs(
        &emulator,
        "POST",
        &format!("/identities?api-version={ACS_API}"),
        r#"{"createTokenWithScopes":["chat","bogus"]}"#,
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["target"], "Scopes");
}

#[tokio::test]
async fn unknown_identities_are_404_on_every_route() {
    let emulator = start().await;
    let unknown = format!(
        "8:acs:{}_{}",
        defaults::ACS_RESOURCE_ID,
        uuid::Uuid::new_v4()
    );
    let issue = acs(
        &emulator,
        "POST",
        &issue_path(&unknown),
        r#"{"scopes":["chat"]}"#,
    )
    .await;
    assert_eq!(issue.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(issue).await, "IdentityNotFound");
    let revoke = acs(
        &emulator,
        "POST",
        &format!("/identities/{unknown}/:revokeAccessTokens?api-version={ACS_API}"),
        "",
    )
    .await;
    assert_eq!(revoke.status(), StatusCode::NOT_FOUND);
    let delete = acs(
        &emulator,
        "DELETE",
        &format!("/identities/{unknown}?api-version={ACS_API}"),
        "",
    )
    .await;
    assert_eq!(delete.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn revoke_then_delete_are_observable() {
    let emulator = start().await;
    let id = create_identity(&emulator).await;
    let revoke = acs(
        &emulator,
        "POST",
        &format!(
            "/identities/{}/:revokeAccessTokens?api-version={ACS_API}",
            encoded(&id)
        ),
        "",
    )
    .await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    assert!(revoke.text().await.unwrap().is_empty());
    // Revoking invalidates earlier tokens, not the identity.
    let issue = acs(
        &emulator,
        "POST",
        &issue_path(&id),
        r#"{"scopes":["chat"]}"#,
    )
    .await;
    assert_eq!(issue.status(), StatusCode::OK);

    let delete_path = format!("/identities/{}?api-version={ACS_API}", encoded(&id));
    let delete = acs(&emulator, "DELETE", &delete_path, "").await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    assert_eq!(emulator.stats().users, 0);
    let issue = acs(
        &emulator,
        "POST",
        &issue_path(&id),
        r#"{"scopes":["chat"]}"#,
    )
    .await;
    assert_eq!(issue.status(), StatusCode::NOT_FOUND);
    let again = acs(&emulator, "DELETE", &delete_path, "").await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_served_api_version_works_and_others_are_400() {
    let emulator = start().await;
    for version in [
        "2021-03-07",
        "2022-06-01",
        "2022-10-01",
        "2023-10-01",
        "2025-06-30",
    ] {
        let response = acs(
            &emulator,
            "POST",
            &format!("/identities?api-version={version}"),
            "",
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{version}");
    }
    for path in ["/identities?api-version=2020-07-20-preview2", "/identities"] {
        let response = acs(&emulator, "POST", path, "").await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("api-version")
        );
    }
    assert_eq!(emulator.stats().users, 5);
}

/// A Teams user's Entra token from the emulator's password grant.
async fn teams_user_token(emulator: &azure_user_tokens::emulator::Emulator) -> (String, Value) {
    let response = client()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            emulator.base_url(),
            defaults::TENANT_ID
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "11111111-1111-1111-1111-111111111111"),
            ("username", defaults::USER_NAME),
            ("password", defaults::USER_PASSWORD),
            (
                "scope",
                "https://auth.msft.communication.azure.com/Teams.ManageCalls",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_string();
    let claims = claims(&token);
    (token, claims)
}

fn exchange_body(token: &str, app_id: &Value, user_id: &Value) -> String {
    json!({"token": token, "appId": app_id, "userId": user_id}).to_string()
}

const EXCHANGE: &str = "/teamsUser/:exchangeAccessToken?api-version=2023-10-01";

#[tokio::test]
async fn teams_exchange_accepts_a_matching_emulator_token() {
    let emulator = start().await;
    let (token, entra) = teams_user_token(&emulator).await;
    assert_eq!(entra["appid"], "11111111-1111-1111-1111-111111111111");
    let body = exchange_body(&token, &entra["appid"], &entra["oid"]);
    let response = acs(&emulator, "POST", EXCHANGE, &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_expires_on_shape(body["expiresOn"].as_str().unwrap());
    let acs_claims = claims(body["token"].as_str().unwrap());
    assert!(acs_claims["exp"].as_i64().unwrap() <= entra["exp"].as_i64().unwrap());
}

#[tokio::test]
async fn teams_exchange_checks_the_token_first_then_the_ids() {
    let emulator = start().await;
    let (token, entra) = teams_user_token(&emulator).await;
    let expired = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://auth.msft.communication.azure.com",
        entra["appid"].as_str().unwrap(),
        entra["oid"].as_str().unwrap(),
        Duration::minutes(-5),
    ));
    // Signed by an emulator with other secrets: a foreign signature.
    let foreign_emulator =
        start_with(EmulatorConfig::default().with_client_secret("another secret")).await;
    let foreign_signed = foreign_emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://auth.msft.communication.azure.com",
        entra["appid"].as_str().unwrap(),
        entra["oid"].as_str().unwrap(),
        Duration::hours(1),
    ));

    let empty = json!("");
    // Token problems win over empty ids.
    for bad_token in [
        "",
        "not-a-jwt",
        "a.b.c",
        expired.expose(),
        foreign_signed.expose(),
    ] {
        let response = acs(
            &emulator,
            "POST",
            EXCHANGE,
            &exchange_body(bad_token, &empty, &empty),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{bad_token:.20}"
        );
        assert_eq!(error_code(response).await, "InvalidAccessToken");
    }
    let missing_token = acs(&emulator, "POST", EXCHANGE, r#"{"appId":"a","userId":"b"}"#).await;
    assert_eq!(missing_token.status(), StatusCode::UNAUTHORIZED);

    for (app_id, user_id) in [
        (json!(""), entra["oid"].clone()),
        (entra["appid"].clone(), json!("")),
        (Value::Null, entra["oid"].clone()),
        (
            json!("22222222-2222-2222-2222-222222222222"),
            entra["oid"].clone(),
        ),
        (
            entra["appid"].clone(),
            json!("33333333-3333-3333-3333-333333333333"),
        ),
    ] {
        let response = acs(
            &emulator,
            "POST",
            EXCHANGE,
            &exchange_body(&token, &app_id, &user_id),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{app_id} {user_id}"
        );
        assert_eq!(error_code(response).await, "ValidationError");
    }
}

#[tokio::test]
async fn unknown_routes_are_json_404() {
    let emulator = start().await;
    let response = client()
        .get(format!("{}/nothing/here", emulator.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "NotFound");
}

// --- authentication -------------------------------------------------------

const CREATE: &str = "/identities?api-version=2023-10-01";

/// Sends a create request with headers from `signature`, the body `sent`.
async fn send_create(
    emulator: &azure_user_tokens::emulator::Emulator,
    signature: &Signature,
    path_sent: &str,
    sent: &str,
) -> reqwest::Response {
    let request = client()
        .post(format!("{}{path_sent}", emulator.base_url()))
        .body(sent.to_string());
    signature.apply(request).send().await.unwrap()
}

async fn assert_denied(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "Denied", "{what}: {body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(!message.contains(defaults::ACS_ACCESS_KEY), "{message}");
}

#[tokio::test]
async fn hmac_failures_are_401_and_nothing_is_processed() {
    let emulator = start().await;
    let body = r#"{"createTokenWithScopes":["chat"]}"#;
    let good = || Signature::new(&emulator, "POST", CREATE, body.as_bytes());

    let mut wrong_key = good();
    wrong_key.key = b"some other key".to_vec();
    assert_denied(
        send_create(&emulator, &wrong_key, CREATE, body).await,
        "wrong key",
    )
    .await;

    // Body changed after signing: the content hash no longer matches.
    let tampered = r#"{"createTokenWithScopes":["voip"]}"#;
    assert_denied(
        send_create(&emulator, &good(), CREATE, tampered).await,
        "tampered body",
    )
    .await;

    // Body and hash changed, signature kept.
    let signed_for_other_body = good();
    let (date, _, authorization) = signed_for_other_body.headers();
    let response = client()
        .post(format!("{}{CREATE}", emulator.base_url()))
        .header("x-ms-date", date)
        .header(
            "x-ms-content-sha256",
            azure_user_tokens::auth::hmac::content_hash(tampered.as_bytes()),
        )
        .header("authorization", authorization)
        .body(tampered)
        .send()
        .await
        .unwrap();
    assert_denied(response, "tampered body with recomputed hash").await;

    let other_path = "/identities?api-version=2022-06-01";
    assert_denied(
        send_create(&emulator, &good(), other_path, body).await,
        "tampered path",
    )
    .await;

    let mut stale = good();
    stale.date = Utc::now() - Duration::minutes(16);
    assert_denied(
        send_create(&emulator, &stale, CREATE, body).await,
        "stale date",
    )
    .await;

    let mut future = good();
    future.date = Utc::now() + Duration::minutes(16);
    assert_denied(
        send_create(&emulator, &future, CREATE, body).await,
        "future date",
    )
    .await;

    let mut wrong_host = good();
    wrong_host.host = format!("localhost:{}", emulator.local_addr().port());
    assert_denied(
        send_create(&emulator, &wrong_host, CREATE, body).await,
        "host",
    )
    .await;

    let mut no_port = good();
    no_port.host = "127.0.0.1".to_string();
    assert_denied(
        send_create(&emulator, &no_port, CREATE, body).await,
        "host without port",
    )
    .await;

    assert_eq!(
        emulator.stats().users,
        0,
        "no rejected request was processed"
    );
    assert_eq!(emulator.stats().auth_failures, 8);

    let mut slightly_skewed = good();
    slightly_skewed.date = Utc::now() - Duration::minutes(14);
    let response = send_create(&emulator, &slightly_skewed, CREATE, body).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "14 minutes of skew is allowed"
    );
}

#[tokio::test]
async fn missing_or_malformed_headers_are_401() {
    let emulator = start().await;
    let (date, hash, authorization) = Signature::new(&emulator, "POST", CREATE, b"").headers();
    let url = format!("{}{CREATE}", emulator.base_url());
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no headers", vec![]),
        (
            "no authorization",
            vec![
                ("x-ms-date", date.clone()),
                ("x-ms-content-sha256", hash.clone()),
            ],
        ),
        (
            "no date",
            vec![
                ("x-ms-content-sha256", hash.clone()),
                ("authorization", authorization.clone()),
            ],
        ),
        (
            "no content hash",
            vec![
                ("x-ms-date", date.clone()),
                ("authorization", authorization.clone()),
            ],
        ),
        (
            "unparsable date",
            vec![
                ("x-ms-date", "yesterday".to_string()),
                ("x-ms-content-sha256", hash.clone()),
                ("authorization", authorization.clone()),
            ],
        ),
        (
            "other signed headers",
            vec![
                ("x-ms-date", date.clone()),
                ("x-ms-content-sha256", hash.clone()),
                (
                    "authorization",
                    authorization.replace("x-ms-date;host;", "host;x-ms-date;"),
                ),
            ],
        ),
        (
            "other scheme",
            vec![
                ("x-ms-date", date.clone()),
                ("x-ms-content-sha256", hash.clone()),
                ("authorization", "SharedKey abc".to_string()),
            ],
        ),
    ];
    for (what, headers) in cases {
        let mut request = client().post(&url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        assert_denied(request.send().await.unwrap(), what).await;
    }
    assert_eq!(emulator.stats().users, 0);
}

#[tokio::test]
async fn the_raw_request_target_is_signed_not_the_decoded_one() {
    let emulator = start().await;
    let id = create_identity(&emulator).await;
    let sent = issue_path(&encoded(&id));
    let body = r#"{"scopes":["chat"]}"#;
    // Signed over the decoded path, sent encoded: must fail.
    let decoded_signature = Signature::new(&emulator, "POST", &issue_path(&id), body.as_bytes());
    let request = client()
        .post(format!("{}{sent}", emulator.base_url()))
        .body(body);
    assert_denied(
        decoded_signature.apply(request).send().await.unwrap(),
        "decoded path",
    )
    .await;
    // Signed as sent: works.
    let response = acs(&emulator, "POST", &sent, body).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn bearer_tokens_for_communication_are_accepted() {
    let emulator = start().await;
    let token =
        client_credentials_token(&emulator, "https://communication.azure.com//.default").await;
    let response = client()
        .post(format!("{}{CREATE}", emulator.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn bearer_tokens_with_wrong_audience_expired_or_foreign_are_401() {
    let emulator = start().await;
    let arm = client_credentials_token(&emulator, "https://management.azure.com/.default").await;
    let expired = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://communication.azure.com",
        defaults::CLIENT_ID,
        "44444444-4444-4444-4444-444444444444",
        Duration::seconds(-1),
    ));
    let not_yet = {
        let mut claims = EntraTokenClaims::new(
            "https://communication.azure.com",
            defaults::CLIENT_ID,
            "44444444-4444-4444-4444-444444444444",
            Duration::hours(2),
        );
        claims.not_before = Utc::now() + Duration::hours(1);
        emulator.mint_entra_token(&claims)
    };
    let foreign = start_with(EmulatorConfig::default().with_client_secret("x"))
        .await
        .mint_entra_token(&EntraTokenClaims::new(
            "https://communication.azure.com",
            defaults::CLIENT_ID,
            "44444444-4444-4444-4444-444444444444",
            Duration::hours(1),
        ));
    for (what, token) in [
        ("wrong audience", arm.as_str()),
        ("expired", expired.expose()),
        ("not yet valid", not_yet.expose()),
        ("foreign", foreign.expose()),
        ("garbage", "abc"),
    ] {
        let response = client()
            .post(format!("{}{CREATE}", emulator.base_url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_denied(response, what).await;
    }
    assert_eq!(emulator.stats().users, 0);
}
