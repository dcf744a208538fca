//! The emulator's asynchronous APIM user deletes (`with_async_deletes`): 202
//! with ARM's monitors, the user gone only once a status check reports
//! `Succeeded`, failures reported as ARM does.
#![cfg(feature = "emulator")]

mod emulator_common;

use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
use emulator_common::*;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

const SERVICE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1";

struct Arm {
    emulator: Emulator,
    token: String,
}

impl Arm {
    async fn start(polls: u32) -> Self {
        Self::start_with(
            EmulatorConfig::default()
                .with_async_deletes(true)
                .with_async_delete_polls(polls),
        )
        .await
    }

    async fn start_with(config: EmulatorConfig) -> Self {
        let emulator = start_with(config).await;
        let token =
            client_credentials_token(&emulator, "https://management.azure.com/.default").await;
        Arm { emulator, token }
    }

    async fn send(&self, method: Method, url: &str, if_match: Option<&str>) -> Response {
        let url = if url.starts_with("http") {
            url.to_string()
        } else {
            format!("{}{url}", self.emulator.base_url())
        };
        let mut request = client().request(method, url).bearer_auth(&self.token);
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        request.send().await.unwrap()
    }

    async fn user_status(&self, user: &str) -> StatusCode {
        self.send(
            Method::GET,
            &format!("{SERVICE}/users/{user}?api-version={APIM_API}"),
            None,
        )
        .await
        .status()
    }

    async fn delete(&self, user: &str, version: &str, if_match: &str) -> Response {
        self.send(
            Method::DELETE,
            &format!("{SERVICE}/users/{user}?api-version={version}"),
            Some(if_match),
        )
        .await
    }
}

fn header(response: &Response, name: &str) -> String {
    response.headers()[name].to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_delete_is_accepted_and_the_user_goes_only_when_it_succeeds() {
    let arm = Arm::start(2).await;
    let accepted = arm.delete("userId1718", APIM_API, "*").await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let location = header(&accepted, "location");
    let status_url = header(&accepted, "azure-asyncoperation");
    assert_eq!(header(&accepted, "retry-after"), "1");
    for url in [&location, &status_url] {
        assert!(url.starts_with(arm.emulator.base_url()), "{url}");
        assert!(url.contains(&format!("api-version={APIM_API}")), "{url}");
    }
    assert_eq!(arm.user_status("userId1718").await, StatusCode::OK);

    let first = arm.send(Method::GET, &status_url, None).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(header(&first, "retry-after"), "1");
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["status"], "InProgress");
    assert!(
        body["startTime"].is_string() && body.get("endTime").is_none(),
        "{body}"
    );
    assert_eq!(
        arm.user_status("userId1718").await,
        StatusCode::OK,
        "still there while in progress"
    );
    assert_eq!(arm.emulator.stats().apim_users, 2);

    let done = arm.send(Method::GET, &location, None).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    assert_eq!(arm.user_status("userId1718").await, StatusCode::NOT_FOUND);
    assert_eq!(arm.emulator.stats().apim_users, 1);

    // Asking again keeps answering the outcome.
    let body: Value = arm
        .send(Method::GET, &status_url, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "Succeeded");
    assert!(body["endTime"].is_string(), "{body}");
    assert_eq!(
        arm.send(Method::GET, &location, None).await.status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn the_location_answers_202_until_the_configured_poll() {
    let arm = Arm::start(3).await;
    let accepted = arm.delete("1", "2024-05-01", "*").await;
    let location = header(&accepted, "location");
    for _ in 0..2 {
        let pending = arm.send(Method::GET, &location, None).await;
        assert_eq!(pending.status(), StatusCode::ACCEPTED);
        assert_eq!(header(&pending, "location"), location);
        assert!(pending.headers().contains_key("retry-after"));
        assert_eq!(arm.user_status("1").await, StatusCode::OK);
    }
    assert_eq!(
        arm.send(Method::GET, &location, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(arm.user_status("1").await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_user_changed_meanwhile_fails_the_operation() {
    let arm = Arm::start(1).await;
    let path = format!("{SERVICE}/users/userId1718?api-version={APIM_API}");
    let current = header(&arm.send(Method::GET, &path, None).await, "etag");
    let accepted = arm.delete("userId1718", APIM_API, &current).await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let changed = client()
        .patch(format!("{}{path}", arm.emulator.base_url()))
        .bearer_auth(&arm.token)
        .header("if-match", "*")
        .json(&json!({"properties": {"note": "changed"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);

    let status: Value = arm
        .send(
            Method::GET,
            &header(&accepted, "azure-asyncoperation"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "Failed");
    assert_eq!(status["error"]["code"], "PreconditionFailed");
    let result = arm
        .send(Method::GET, &header(&accepted, "location"), None)
        .await;
    assert_eq!(result.status(), StatusCode::PRECONDITION_FAILED);
    let body: Value = result.json().await.unwrap();
    assert_eq!(body["error"]["code"], "PreconditionFailed");
    assert_eq!(arm.user_status("userId1718").await, StatusCode::OK);
}

#[tokio::test]
async fn preconditions_missing_users_and_older_versions_answer_at_once() {
    let arm = Arm::start(2).await;
    let wrong = arm.delete("userId1718", APIM_API, "\"AAAAAAAAAAk=\"").await;
    assert_eq!(wrong.status(), StatusCode::PRECONDITION_FAILED);
    let missing = arm.delete("nobody", APIM_API, "*").await;
    assert_eq!(missing.status(), StatusCode::NO_CONTENT);
    // 2022-08-01's spec has no 202 for User_Delete: it stays synchronous.
    let old = arm.delete("userId1718", "2022-08-01", "*").await;
    assert_eq!(old.status(), StatusCode::NO_CONTENT);
    assert_eq!(arm.user_status("userId1718").await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_second_delete_joins_the_running_operation() {
    let arm = Arm::start(2).await;
    let first = arm.delete("1", APIM_API, "*").await;
    let second = arm.delete("1", APIM_API, "*").await;
    assert_eq!(second.status(), StatusCode::ACCEPTED);
    assert_eq!(header(&first, "location"), header(&second, "location"));
}

#[tokio::test]
async fn monitors_need_a_token_and_a_known_operation() {
    let arm = Arm::start(2).await;
    let accepted = arm.delete("1", APIM_API, "*").await;
    let location = header(&accepted, "location");
    let anonymous = client().get(&location).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for kind in ["operationStatuses", "operationResults"] {
        let unknown = arm
            .send(
                Method::GET,
                &format!("{SERVICE}/{kind}/nope?api-version={APIM_API}"),
                None,
            )
            .await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND, "{kind}");
    }
    // Neither the refused nor the unknown checks counted as polls.
    assert_eq!(
        arm.send(Method::GET, &location, None).await.status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn without_async_deletes_the_delete_is_immediate() {
    let emulator = start().await;
    let token = client_credentials_token(&emulator, "https://management.azure.com/.default").await;
    let response = client()
        .delete(format!(
            "{}{SERVICE}/users/1?api-version={APIM_API}",
            emulator.base_url()
        ))
        .bearer_auth(&token)
        .header("if-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(emulator.stats().apim_users, 1);
}

/// Operations are state: a restart keeps a running one's remaining polls
/// (replayed from the journal after an abrupt stop) and a finished one's
/// outcome (from the snapshot a graceful stop compacts the journal into).
#[tokio::test]
async fn operations_survive_a_restart_through_the_journal() {
    let dir = std::env::temp_dir().join(format!(
        "azure-user-tokens-apim-async-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let journal = dir.join("state.json.journal");
    let config = || {
        EmulatorConfig::default()
            .with_async_deletes(true)
            .with_async_delete_polls(2)
            .with_state_file(&path)
    };

    let arm = Arm::start_with(config()).await;
    let accepted = arm.delete("userId1718", APIM_API, "*").await;
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    // Monitor paths without the origin: the next emulator has another port.
    let origin = arm.emulator.base_url().to_string();
    let location = header(&accepted, "location").replace(&origin, "");
    let status_url = header(&accepted, "azure-asyncoperation").replace(&origin, "");
    let pending = arm.send(Method::GET, &location, None).await;
    assert_eq!(pending.status(), StatusCode::ACCEPTED);
    let written = std::fs::read_to_string(&journal).unwrap();
    assert!(written.contains("\"armOperations\""), "{written}");
    drop(arm); // no graceful stop: the journal alone holds the operation

    let arm = Arm::start_with(config()).await;
    assert_eq!(arm.user_status("userId1718").await, StatusCode::OK);
    // The second status check, the first since the restart, completes it.
    let done = arm.send(Method::GET, &location, None).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    assert_eq!(arm.user_status("userId1718").await, StatusCode::NOT_FOUND);
    arm.emulator.shutdown().await;
    assert_eq!(
        std::fs::metadata(&journal).unwrap().len(),
        0,
        "a graceful stop compacts the journal into the snapshot"
    );

    let arm = Arm::start_with(config()).await;
    let status: Value = arm
        .send(Method::GET, &status_url, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "Succeeded", "{status}");
    assert_eq!(
        arm.send(Method::GET, &location, None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(arm.user_status("userId1718").await, StatusCode::NOT_FOUND);
    assert_eq!(arm.emulator.stats().apim_users, 1);
    arm.emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
