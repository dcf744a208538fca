//! Pipeline behaviour seen from the wire: every retry is signed afresh with
//! the same request id, and a `nextLink` off the management origin is never
//! followed.

#![cfg(feature = "emulator")]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use azure_user_tokens::apim::{ApiManagementClient, ApimService};
use azure_user_tokens::auth::hmac;
use azure_user_tokens::credential::StaticTokenCredential;
use azure_user_tokens::identity::{CommunicationIdentityClient, CommunicationUserIdentifier};
use azure_user_tokens::{AccessToken, Secret};
use base64::Engine;
use chrono::{Duration, Utc};
use futures_util::StreamExt;

/// What one request looked like.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    target: String,
    headers: HeaderMap,
    body: Bytes,
}

type Log = Arc<Mutex<Vec<Seen>>>;
type Answer = Arc<dyn Fn(usize, &Seen) -> Response + Send + Sync>;

/// A server on 127.0.0.1 that records requests and answers with `answer(n, request)`.
async fn server(answer: Answer) -> (String, Log) {
    let log: Log = Arc::default();
    let state = (log.clone(), answer);
    let app = Router::new()
        .fallback(
            |State((log, answer)): State<(Log, Answer)>,
             method: Method,
             uri: Uri,
             headers: HeaderMap,
             body: Bytes| async move {
                let seen = Seen {
                    method,
                    target: uri
                        .path_and_query()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_default(),
                    headers,
                    body,
                };
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(seen.clone());
                    log.len()
                };
                answer(n, &seen)
            },
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, log)
}

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

#[tokio::test]
async fn every_retry_is_signed_afresh_with_the_same_request_id() {
    let (base, log) = server(Arc::new(|n, _| {
        if n == 1 {
            // Long enough that the next attempt's x-ms-date (whole seconds) changes.
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [("retry-after-ms", "1100")],
                "",
            )
                .into_response()
        } else {
            StatusCode::NO_CONTENT.into_response()
        }
    }))
    .await;
    let options = azure_user_tokens::ClientOptions::default().with_retry(
        azure_user_tokens::RetryOptions::default()
            .with_max_retries(3)
            .with_max_delay(std::time::Duration::from_secs(2)),
    );
    let client = CommunicationIdentityClient::from_connection_string(
        &azure_user_tokens::Secret::new(format!("endpoint={base}/;accesskey={KEY}")),
        Some(
            azure_user_tokens::identity::CommunicationIdentityClientOptions::default()
                .with_client_options(options),
        ),
    )
    .unwrap();
    let user =
        CommunicationUserIdentifier::new("8:acs:00000000-1111-2222-3333-444444444444_1").unwrap();
    client.revoke_tokens(&user).await.unwrap();

    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one retry");
    let key = base64::engine::general_purpose::STANDARD
        .decode(KEY)
        .unwrap();
    let host = base.trim_start_matches("http://");
    for request in &seen {
        assert!(
            request.target.starts_with("/identities/8:acs:"),
            "raw path: {}",
            request.target
        );
        let header = |name: &str| request.headers[name].to_str().unwrap().to_string();
        let (_, signature) = hmac::parse_authorization(&header("authorization"))
            .map(|(h, s)| (h.to_string(), s.to_string()))
            .unwrap();
        assert_eq!(
            header("x-ms-content-sha256"),
            hmac::content_hash(&request.body)
        );
        let to_sign = hmac::string_to_sign(
            request.method.as_str(),
            &request.target,
            &header("x-ms-date"),
            host,
            &header("x-ms-content-sha256"),
        );
        assert!(
            hmac::verify(&key, &to_sign, &signature),
            "attempt signature verifies"
        );
    }
    assert_ne!(
        seen[0].headers["x-ms-date"], seen[1].headers["x-ms-date"],
        "a fresh date per attempt"
    );
    assert_eq!(
        seen[0].headers["x-ms-client-request-id"], seen[1].headers["x-ms-client-request-id"],
        "one request id across attempts"
    );
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused() {
    let (base, log) = server(Arc::new(|_, _| {
        (
            StatusCode::OK,
            [("content-type", "application/json")],
            r#"{"value":[{"name":"a","properties":{}}],"nextLink":"http://127.0.0.2:1/steal?api-version=2024-05-01"}"#,
        )
            .into_response()
    }))
    .await;
    let credential = StaticTokenCredential::new(AccessToken::new(
        Secret::new("bearer-token-value"),
        Utc::now() + Duration::hours(1),
    ));
    let client = ApiManagementClient::new(&base, Arc::new(credential), None).unwrap();
    let service = ApimService::new("00000000-0000-0000-0000-000000000000", "rg1", "svc").unwrap();
    let results: Vec<_> = client.list_users(&service, None).collect().await;
    assert_eq!(results.len(), 2, "the first page's user, then the refusal");
    assert_eq!(results[0].as_ref().unwrap().user_id, "a");
    let err = results[1].as_ref().unwrap_err();
    assert!(
        err.message().contains("refusing to follow a nextLink"),
        "{err}"
    );
    assert_eq!(
        log.lock().unwrap().len(),
        1,
        "nothing was sent to the other origin"
    );
}

#[tokio::test]
async fn the_teams_extension_exchange_carries_the_users_token_and_no_signature() {
    use azure_user_tokens::adapters::acs_identity::{
        BOUND_OPERATIONS, EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN, default_api_version,
    };
    let (base, log) = server(Arc::new(|n, _| {
        if n == 1 {
            // A retry hint: the second attempt must carry the same token.
            (StatusCode::SERVICE_UNAVAILABLE, [("retry-after-ms", "1")], "").into_response()
        } else {
            axum::Json(serde_json::json!({
                "identity": {"id": "8:acs:r_t_o"},
                "accessToken": {"token": "acs.jwt.token", "expiresOn": "2030-01-01T00:00:00.0000000+00:00"}
            }))
            .into_response()
        }
    }))
    .await;
    let client = CommunicationIdentityClient::from_connection_string(
        &azure_user_tokens::Secret::new(format!("endpoint={base}/;accesskey={KEY}")),
        None,
    )
    .unwrap();
    let result = client
        .exchange_teams_extension_token(&Secret::new("teams-user-entra-token"))
        .await;
    if !BOUND_OPERATIONS.contains(&EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN) {
        assert!(result.unwrap_err().is_unsupported());
        assert!(log.lock().unwrap().is_empty());
        return;
    }
    let (user, token) = result.unwrap();
    assert_eq!(user.raw_id(), "8:acs:r_t_o");
    assert_eq!(token.token.expose(), "acs.jwt.token");
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one retry");
    for request in &seen {
        assert_eq!(request.method, Method::POST);
        assert_eq!(
            request.target,
            format!(
                "/access/teamsExtension/:exchangeAccessToken?api-version={}",
                default_api_version()
            )
        );
        assert_eq!(
            request.headers["authorization"],
            "Bearer teams-user-entra-token"
        );
        assert!(request.headers.get("x-ms-date").is_none());
        assert!(request.headers.get("x-ms-content-sha256").is_none());
        assert_eq!(request.headers["content-type"], "application/json");
        assert_eq!(&request.body[..], b"{}");
    }
    assert_eq!(
        seen[0].headers["x-ms-client-request-id"],
        seen[1].headers["x-ms-client-request-id"]
    );
}
