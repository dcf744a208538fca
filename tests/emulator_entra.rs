//! The emulator's Entra endpoints: discovery, client credentials, the
//! password grant and managed identity.
#![cfg(feature = "emulator")]

mod emulator_common;

use azure_user_tokens::emulator::{Emulator, EmulatorConfig, defaults};
use emulator_common::*;
use reqwest::{Response, StatusCode};
use serde_json::Value;

fn token_url(emulator: &Emulator, tenant: &str) -> String {
    format!("{}/{tenant}/oauth2/v2.0/token", emulator.base_url())
}

async fn token_form(emulator: &Emulator, tenant: &str, form: &[(&str, &str)]) -> Response {
    client()
        .post(token_url(emulator, tenant))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn assert_aad_error(response: Response, status: StatusCode, error: &str) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS")
    );
    assert!(body["error_codes"][0].is_u64(), "{body}");
    assert!(
        !body.to_string().contains(defaults::CLIENT_SECRET),
        "{body}"
    );
}

fn header(token: &str) -> Value {
    use base64::Engine;
    let part = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn discovery_points_at_the_emulator() {
    let emulator = start().await;
    let url = format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        emulator.base_url(),
        defaults::TENANT_ID
    );
    let response = client().get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["token_endpoint"],
        token_url(&emulator, defaults::TENANT_ID)
    );
    assert_eq!(
        body["issuer"],
        format!("{}/{}/v2.0", emulator.base_url(), defaults::TENANT_ID)
    );
    assert_eq!(body["issuer"], emulator.entra_issuer());
    assert_eq!(body["id_token_signing_alg_values_supported"][0], "ES256");

    // The JWKS serves the key whose kid every token names.
    let jwks_uri = body["jwks_uri"].as_str().unwrap();
    let jwks: Value = client()
        .get(jwks_uri)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    assert_eq!(
        (key["alg"].as_str(), key["use"].as_str()),
        (Some("ES256"), Some("sig"))
    );
    let token = client_credentials_token(&emulator, "https://management.azure.com/.default").await;
    let header = header(&token);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], key["kid"]);

    let unknown = client()
        .get(url.replace(defaults::TENANT_ID, "other-tenant"))
        .send()
        .await
        .unwrap();
    assert_aad_error(unknown, StatusCode::BAD_REQUEST, "invalid_tenant").await;
}

#[tokio::test]
async fn client_credentials_mint_tokens_for_the_scope_audience() {
    let emulator = start().await;
    let response = token_form(
        &emulator,
        defaults::TENANT_ID,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", defaults::CLIENT_ID),
            ("client_secret", defaults::CLIENT_SECRET),
            ("scope", "https://communication.azure.com//.default"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["ext_expires_in"], 3600);
    let claims = claims(body["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], "https://communication.azure.com");
    assert_eq!(claims["tid"], defaults::TENANT_ID);
    assert_eq!(claims["appid"], defaults::CLIENT_ID);
    assert_eq!(claims["iss"], emulator.entra_issuer());
    assert!(uuid::Uuid::parse_str(claims["oid"].as_str().unwrap()).is_ok());
    let iat = claims["iat"].as_i64().unwrap();
    assert_eq!(claims["exp"].as_i64().unwrap() - iat, 3600);
    assert!(claims["nbf"].as_i64().unwrap() <= iat);

    let arm = client_credentials_token(&emulator, "https://management.azure.com/.default").await;
    assert_eq!(
        emulator_common::claims(&arm)["aud"],
        "https://management.azure.com"
    );
    assert_eq!(emulator.stats().tokens_issued, 2);
    assert_eq!(emulator.stats().requests, 2);
}

#[tokio::test]
async fn wrong_client_or_secret_is_401_invalid_client() {
    let emulator = start().await;
    let scope = "https://management.azure.com/.default";
    let wrong_secret = token_form(
        &emulator,
        defaults::TENANT_ID,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", defaults::CLIENT_ID),
            ("client_secret", "guess"),
            ("scope", scope),
        ],
    )
    .await;
    assert_aad_error(wrong_secret, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let wrong_client = token_form(
        &emulator,
        defaults::TENANT_ID,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "66666666-6666-6666-6666-666666666666"),
            ("client_secret", defaults::CLIENT_SECRET),
            ("scope", scope),
        ],
    )
    .await;
    assert_aad_error(wrong_client, StatusCode::UNAUTHORIZED, "invalid_client").await;
    assert_eq!(emulator.stats().auth_failures, 2);
    assert_eq!(emulator.stats().tokens_issued, 0);
}

#[tokio::test]
async fn malformed_token_requests_are_400() {
    let emulator = start().await;
    let good = [
        ("grant_type", "client_credentials"),
        ("client_id", defaults::CLIENT_ID),
        ("client_secret", defaults::CLIENT_SECRET),
        ("scope", "https://management.azure.com/.default"),
    ];
    let unknown_tenant = token_form(&emulator, "not-my-tenant", &good).await;
    assert_aad_error(unknown_tenant, StatusCode::BAD_REQUEST, "invalid_tenant").await;

    for (drop, error) in [
        ("grant_type", "invalid_request"),
        ("client_id", "invalid_request"),
        ("client_secret", "invalid_request"),
        ("scope", "invalid_request"),
    ] {
        let form: Vec<_> = good.iter().filter(|(k, _)| *k != drop).copied().collect();
        let response = token_form(&emulator, defaults::TENANT_ID, &form).await;
        assert_aad_error(response, StatusCode::BAD_REQUEST, error).await;
    }
    let mut other_grant = good;
    other_grant[0] = ("grant_type", "authorization_code");
    let response = token_form(&emulator, defaults::TENANT_ID, &other_grant).await;
    assert_aad_error(response, StatusCode::BAD_REQUEST, "unsupported_grant_type").await;

    let mut no_default = good;
    no_default[3] = ("scope", "https://management.azure.com/user_impersonation");
    let response = token_form(&emulator, defaults::TENANT_ID, &no_default).await;
    assert_aad_error(response, StatusCode::BAD_REQUEST, "invalid_scope").await;
}

#[tokio::test]
async fn password_grant_sets_appid_and_a_stable_oid() {
    let uuid_user = "88888888-8888-8888-8888-888888888888";
    let emulator = start_with(EmulatorConfig::default().with_user(uuid_user, "pw-2")).await;
    let grant = |username: &'static str, password: &'static str| {
        [
            ("grant_type", "password"),
            ("client_id", "77777777-7777-7777-7777-777777777777"),
            ("username", username),
            ("password", password),
            (
                "scope",
                "https://auth.msft.communication.azure.com/Teams.ManageCalls",
            ),
        ]
    };
    let mut oids = Vec::new();
    for (username, password) in [
        (defaults::USER_NAME, defaults::USER_PASSWORD),
        ("ALICE@contoso.com", defaults::USER_PASSWORD),
        (uuid_user, "pw-2"),
    ] {
        let response = token_form(&emulator, defaults::TENANT_ID, &grant(username, password)).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let claims = claims(body["access_token"].as_str().unwrap());
        assert_eq!(claims["appid"], "77777777-7777-7777-7777-777777777777");
        assert_eq!(claims["aud"], "https://auth.msft.communication.azure.com");
        oids.push(claims["oid"].as_str().unwrap().to_string());
    }
    assert_eq!(oids[0], oids[1]);
    assert_eq!(oids[2], uuid_user);

    let mut no_password = grant("bob", "x").to_vec();
    no_password.retain(|(k, _)| *k != "password");
    let response = token_form(&emulator, defaults::TENANT_ID, &no_password).await;
    assert_aad_error(response, StatusCode::BAD_REQUEST, "invalid_request").await;
}

#[tokio::test]
async fn password_grant_refuses_unknown_users_and_wrong_passwords() {
    let emulator = start().await;
    let before = emulator.stats().auth_failures;
    for (username, password) in [
        ("mallory@contoso.com", "anything"),
        (defaults::USER_NAME, "anything"),
        (
            defaults::USER_NAME,
            "emu8Q~well-known-emulator-user-passwor",
        ),
        ("alice", defaults::USER_PASSWORD),
    ] {
        for scope in [
            "https://auth.msft.communication.azure.com/Teams.ManageCalls",
            "https://management.azure.com/.default",
            "https://communication.azure.com//.default",
        ] {
            let form = [
                ("grant_type", "password"),
                ("client_id", "77777777-7777-7777-7777-777777777777"),
                ("username", username),
                ("password", password),
                ("scope", scope),
            ];
            let response = token_form(&emulator, defaults::TENANT_ID, &form).await;
            assert_aad_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
        }
    }
    assert_eq!(emulator.stats().auth_failures - before, 12);
    assert_eq!(emulator.stats().tokens_issued, 0);
}

#[tokio::test]
async fn managed_identity_needs_the_metadata_header() {
    let emulator = start().await;
    let url = format!(
        "{}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F",
        emulator.base_url()
    );
    let without = client().get(&url).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::BAD_REQUEST);
    let body: Value = without.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");

    let response = client()
        .get(&url)
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["resource"], "https://management.azure.com/");
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(expires_on > chrono::Utc::now().timestamp());
    assert!(body["expires_in"].is_string());
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(claims(token)["aud"], "https://management.azure.com");

    // The token works on ARM.
    let user = client()
        .get(format!(
            "{}/subscriptions/{}/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1/users/1?api-version=2024-05-01",
            emulator.base_url(),
            defaults::SUBSCRIPTION_ID
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(user.status(), StatusCode::OK);

    let no_resource = client()
        .get(format!(
            "{}/metadata/identity/oauth2/token?api-version=2018-02-01",
            emulator.base_url()
        ))
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(no_resource.status(), StatusCode::BAD_REQUEST);
}
