//! The emulator's APIM users API over ARM: users, paging, ETags, shared access
//! tokens, 404s, api-versions and bearer authentication.
#![cfg(feature = "emulator")]

mod emulator_common;

use azure_user_tokens::Secret;
use azure_user_tokens::apim::SharedAccessToken;
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EntraTokenClaims, defaults};
use chrono::{Duration, SecondsFormat, Utc};
use emulator_common::*;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

const SERVICE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1";

struct Arm {
    emulator: Emulator,
    token: String,
}

impl Arm {
    async fn start() -> Self {
        let emulator = start().await;
        let token =
            client_credentials_token(&emulator, "https://management.azure.com/.default").await;
        Arm { emulator, token }
    }

    fn url(&self, path: &str) -> String {
        let separator = if path.contains('?') { '&' } else { '?' };
        format!(
            "{}{path}{separator}api-version={APIM_API}",
            self.emulator.base_url()
        )
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> Response {
        let mut request = client()
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        request.send().await.unwrap()
    }

    async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None, None).await
    }
}

fn etag(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_string()
}

fn new_user(email: &str) -> Value {
    json!({"properties": {"email": email, "firstName": "Ada", "lastName": "Lovelace", "note": null}})
}

async fn assert_arm_error(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    let error = &body["error"];
    assert_eq!(error["code"], code, "{body}");
    assert!(error["message"].is_string(), "{body}");
    assert!(error.get("target").is_some(), "{body}");
    assert_eq!(error["details"], json!([]), "{body}");
    assert_eq!(error["additionalInfo"], json!([]), "{body}");
    body
}

#[tokio::test]
async fn seeded_users_exist_with_etags() {
    let arm = Arm::start().await;
    for user in ["1", "userId1718"] {
        let response = arm.get(&format!("{SERVICE}/users/{user}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{user}");
        assert!(etag(&response).starts_with('"'));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["name"], user);
        assert_eq!(body["type"], "Microsoft.ApiManagement/service/users");
        assert_eq!(body["id"], format!("{SERVICE}/users/{user}"));
        assert_eq!(body["properties"]["state"], "active");
    }
    let head = arm
        .send(Method::HEAD, &format!("{SERVICE}/users/1"), None, None)
        .await;
    assert_eq!(head.status(), StatusCode::OK);
    assert!(head.headers().contains_key("etag"));
    assert_eq!(arm.emulator.stats().apim_users, 2);
}

#[tokio::test]
async fn arm_segment_names_are_case_insensitive() {
    let arm = Arm::start().await;
    let lowered = SERVICE
        .replace("resourceGroups", "resourcegroups")
        .replace("providers", "Providers")
        .replace("Microsoft.ApiManagement", "microsoft.apimanagement")
        .replace("apimService1", "APIMSERVICE1");
    let response = arm.get(&format!("{lowered}/USERS/userid1718")).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn list_is_paged_with_absolute_next_links() {
    let arm = Arm::start().await;
    let create = arm
        .send(
            Method::PUT,
            &format!("{SERVICE}/users/third"),
            Some(new_user("third@contoso.com")),
            None,
        )
        .await;
    assert_eq!(create.status(), StatusCode::CREATED);

    let mut names = Vec::new();
    let mut url = arm.url(&format!("{SERVICE}/users?$top=2"));
    let mut pages = 0;
    loop {
        let response = client()
            .get(&url)
            .bearer_auth(&arm.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["count"], 3);
        pages += 1;
        for user in body["value"].as_array().unwrap() {
            names.push(user["name"].as_str().unwrap().to_string());
        }
        match body["nextLink"].as_str() {
            Some(next) => {
                assert!(next.starts_with(arm.emulator.base_url()), "{next}");
                assert!(next.contains("api-version=2024-05-01"), "{next}");
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(names, ["1", "third", "userId1718"]);

    let skipped: Value = arm
        .get(&format!("{SERVICE}/users?$skip=2"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(skipped["value"].as_array().unwrap().len(), 1);
    assert!(skipped.get("nextLink").is_none());

    for bad in ["$top=0", "$top=x", "$skip=-1", "$filter=name eq 'x'"] {
        let response = arm.get(&format!("{SERVICE}/users?{bad}")).await;
        assert_arm_error(response, StatusCode::BAD_REQUEST, "ValidationError").await;
    }
}

#[tokio::test]
async fn create_or_update_returns_201_then_200_and_honours_if_match() {
    let arm = Arm::start().await;
    let path = format!("{SERVICE}/users/ada");
    let created = arm
        .send(Method::PUT, &path, Some(new_user("ada@contoso.com")), None)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let first_etag = etag(&created);
    let body: Value = created.json().await.unwrap();
    assert_eq!(body["properties"]["email"], "ada@contoso.com");
    assert_eq!(body["properties"]["identities"][0]["provider"], "Basic");

    let replaced = arm
        .send(Method::PUT, &path, Some(new_user("ada@fabrikam.com")), None)
        .await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let second_etag = etag(&replaced);
    assert_ne!(first_etag, second_etag);

    let stale = arm
        .send(
            Method::PUT,
            &path,
            Some(new_user("x@contoso.com")),
            Some(&first_etag),
        )
        .await;
    assert_arm_error(stale, StatusCode::PRECONDITION_FAILED, "PreconditionFailed").await;
    let current = arm
        .send(
            Method::PUT,
            &path,
            Some(new_user("y@contoso.com")),
            Some(&second_etag),
        )
        .await;
    assert_eq!(current.status(), StatusCode::OK);
    let missing = arm
        .send(
            Method::PUT,
            &format!("{SERVICE}/users/nobody"),
            Some(new_user("n@contoso.com")),
            Some("*"),
        )
        .await;
    assert_arm_error(
        missing,
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailed",
    )
    .await;
    assert_eq!(arm.emulator.stats().apim_users, 3);
}

#[tokio::test]
async fn create_validates_the_body() {
    let arm = Arm::start().await;
    let path = format!("{SERVICE}/users/bad");
    for body in [
        json!({"properties": {"firstName": "A", "lastName": "B"}}),
        json!({"properties": {"email": "not-an-email", "firstName": "A", "lastName": "B"}}),
        json!({"properties": {"email": "a@b.c", "lastName": "B"}}),
        json!({"properties": {"email": "a@b.c", "firstName": "", "lastName": "B"}}),
        json!({"properties": {"email": "a@b.c", "firstName": "A", "lastName": "B", "state": "asleep"}}),
        json!({"properties": {"email": "a@b.c", "firstName": "A", "lastName": "B", "identities": [{"provider": "Basic"}]}}),
        json!({}),
    ] {
        let response = arm.send(Method::PUT, &path, Some(body.clone()), None).await;
        assert_arm_error(response, StatusCode::BAD_REQUEST, "ValidationError").await;
    }
    let response = client()
        .put(arm.url(&path))
        .bearer_auth(&arm.token)
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_arm_error(response, StatusCode::BAD_REQUEST, "InvalidRequestContent").await;
    assert_eq!(arm.emulator.stats().apim_users, 2);
}

#[tokio::test]
async fn update_needs_if_match_and_changes_only_what_is_sent() {
    let arm = Arm::start().await;
    let path = format!("{SERVICE}/users/userId1718");
    let patch = json!({"properties": {"note": "vip"}});
    let without = arm
        .send(Method::PATCH, &path, Some(patch.clone()), None)
        .await;
    assert_arm_error(
        without,
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailed",
    )
    .await;
    let updated = arm.send(Method::PATCH, &path, Some(patch), Some("*")).await;
    assert_eq!(updated.status(), StatusCode::OK);
    let body: Value = updated.json().await.unwrap();
    assert_eq!(body["properties"]["note"], "vip");
    assert_eq!(body["properties"]["email"], "foobar@outlook.com");
}

#[tokio::test]
async fn delete_needs_a_matching_if_match() {
    let arm = Arm::start().await;
    let path = format!("{SERVICE}/users/userId1718");
    let current = etag(&arm.get(&path).await);
    let without = arm.send(Method::DELETE, &path, None, None).await;
    assert_arm_error(
        without,
        StatusCode::PRECONDITION_FAILED,
        "PreconditionFailed",
    )
    .await;
    let wrong = arm
        .send(Method::DELETE, &path, None, Some("\"AAAAAAAAAAk=\""))
        .await;
    assert_arm_error(wrong, StatusCode::PRECONDITION_FAILED, "PreconditionFailed").await;
    assert_eq!(arm.emulator.stats().apim_users, 2);

    let deleted = arm.send(Method::DELETE, &path, None, Some(&current)).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let again = arm.send(Method::DELETE, &path, None, Some("*")).await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    assert_arm_error(
        arm.get(&path).await,
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
    )
    .await;
    assert_eq!(arm.emulator.stats().apim_users, 1);
}

fn token_request(key_type: &str, expiry: chrono::DateTime<Utc>) -> Value {
    json!({"properties": {"keyType": key_type, "expiry": expiry.to_rfc3339_opts(SecondsFormat::Millis, true)}})
}

#[tokio::test]
async fn shared_access_tokens_verify_with_the_chosen_key() {
    let arm = Arm::start().await;
    let path = format!("{SERVICE}/users/userId1718/token");
    let expiry = Utc::now() + Duration::days(1);
    for (key_type, key, other) in [
        (
            "primary",
            defaults::APIM_PRIMARY_KEY,
            defaults::APIM_SECONDARY_KEY,
        ),
        (
            "secondary",
            defaults::APIM_SECONDARY_KEY,
            defaults::APIM_PRIMARY_KEY,
        ),
    ] {
        let response = arm
            .send(
                Method::POST,
                &path,
                Some(token_request(key_type, expiry)),
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{key_type}");
        let body: Value = response.json().await.unwrap();
        let compact = body["value"].as_str().unwrap();
        assert!(compact.starts_with("userId1718&"), "{compact}");
        let token = SharedAccessToken::parse(compact).unwrap();
        assert_eq!(token.user_id(), "userId1718");
        assert!(token.verify(&Secret::new(key)), "{key_type}");
        assert!(!token.verify(&Secret::new(other)), "{key_type}");
        assert!((expiry - token.expires_at()) < Duration::minutes(1));
    }
    assert_eq!(
        arm.emulator.stats().tokens_issued,
        3,
        "one ARM token and two SAS"
    );
}

#[tokio::test]
async fn shared_access_token_validation() {
    let arm = Arm::start().await;
    let path = format!("{SERVICE}/users/userId1718/token");
    let now = Utc::now();
    for body in [
        token_request("primary", now - Duration::minutes(1)),
        token_request("primary", now + Duration::days(31)),
        token_request("tertiary", now + Duration::days(1)),
        json!({"properties": {"keyType": "primary"}}),
        json!({"properties": {"keyType": "primary", "expiry": "tomorrow"}}),
        json!({"properties": {"expiry": (now + Duration::days(1)).to_rfc3339()}}),
        json!({}),
    ] {
        let response = arm
            .send(Method::POST, &path, Some(body.clone()), None)
            .await;
        assert_arm_error(response, StatusCode::BAD_REQUEST, "ValidationError").await;
    }
    let unknown = arm
        .send(
            Method::POST,
            &format!("{SERVICE}/users/ghost/token"),
            Some(token_request("primary", now + Duration::days(1))),
            None,
        )
        .await;
    assert_arm_error(unknown, StatusCode::NOT_FOUND, "ResourceNotFound").await;
}

#[tokio::test]
async fn unknown_subscription_group_service_or_user_is_404() {
    let arm = Arm::start().await;
    let cases = [
        (
            SERVICE.replace(
                "00000000-0000-0000-0000-000000000000",
                "11111111-0000-0000-0000-000000000000",
            ),
            "SubscriptionNotFound",
        ),
        (SERVICE.replace("rg1", "rg2"), "ResourceGroupNotFound"),
        (
            SERVICE.replace("apimService1", "apimService2"),
            "ResourceNotFound",
        ),
    ];
    for (service, code) in cases {
        let response = arm.get(&format!("{service}/users/1")).await;
        assert_arm_error(response, StatusCode::NOT_FOUND, code).await;
    }
    let response = arm.get(&format!("{SERVICE}/users/nobody")).await;
    assert_arm_error(response, StatusCode::NOT_FOUND, "ResourceNotFound").await;
    let response = arm.get(&format!("{SERVICE}/apis")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_published_api_versions_from_2022_08_01() {
    let arm = Arm::start().await;
    for version in [
        "2022-08-01",
        "2022-09-01-preview",
        "2023-03-01-preview",
        "2023-05-01-preview",
        "2023-09-01-preview",
        "2024-05-01",
        "2024-06-01-preview",
        "2024-10-01-preview",
        "2025-03-01-preview",
        "2025-09-01-preview",
        "2026-09-01-preview",
    ] {
        let response = client()
            .get(format!(
                "{}{SERVICE}/users/1?api-version={version}",
                arm.emulator.base_url()
            ))
            .bearer_auth(&arm.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{version}");
    }
    // Dates in range that were never published are refused like any other.
    for query in [
        "?api-version=2021-08-01",
        "?api-version=2023-01-01",
        "?api-version=2024-05-01-preview",
        "?api-version=2025-01-01",
        "",
    ] {
        let response = client()
            .get(format!(
                "{}{SERVICE}/users/1{query}",
                arm.emulator.base_url()
            ))
            .bearer_auth(&arm.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
}

#[tokio::test]
async fn arm_needs_a_valid_management_bearer_token() {
    let arm = Arm::start().await;
    let acs =
        client_credentials_token(&arm.emulator, "https://communication.azure.com//.default").await;
    let claims = |lifetime| {
        EntraTokenClaims::new(
            "https://management.azure.com",
            defaults::CLIENT_ID,
            "55555555-5555-5555-5555-555555555555",
            lifetime,
        )
    };
    let expired = arm
        .emulator
        .mint_entra_token(&claims(Duration::seconds(-30)));
    let foreign = start_with(EmulatorConfig::default().with_client_secret("other"))
        .await
        .mint_entra_token(&claims(Duration::hours(1)));
    let url = arm.url(&format!("{SERVICE}/users/1"));
    let mut requests = vec![
        ("none", client().get(&url)),
        (
            "HMAC",
            client()
                .get(&url)
                .header("authorization", "HMAC-SHA256 SignedHeaders=x&Signature=y"),
        ),
    ];
    for (what, token) in [
        ("wrong audience", acs.as_str()),
        ("expired", expired.expose()),
        ("foreign", foreign.expose()),
        ("garbage", "x.y.z"),
    ] {
        requests.push((what, client().get(&url).bearer_auth(token)));
    }
    let count = requests.len() as u64;
    for (what, request) in requests {
        let response = request.send().await.unwrap();
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{what}"
        );
        let body = assert_arm_error(
            response,
            StatusCode::UNAUTHORIZED,
            if what == "none" {
                "AuthenticationFailed"
            } else {
                "InvalidAuthenticationToken"
            },
        )
        .await;
        assert!(!body.to_string().contains(defaults::CLIENT_SECRET));
    }
    assert_eq!(arm.emulator.stats().auth_failures, count);
}
