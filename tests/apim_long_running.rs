//! `ApiManagementClient::delete_user` follows ARM long-running deletes
//! through the pipeline: against the emulator's asynchronous deletes, and
//! against a recording server that answers hostile polls (huge Retry-After,
//! monitors on another origin, endless InProgress, malformed statuses).

#![cfg(feature = "emulator")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use azure_user_tokens::apim::{ApiManagementClient, ApiManagementClientOptions, ApimUserRef};
use azure_user_tokens::credential::StaticTokenCredential;
use azure_user_tokens::emulator::EmulatorConfig;
use azure_user_tokens::{
    AccessToken, ClientOptions, ErrorKind, OperationFailed, PollingOptions, RetryOptions, Secret,
};

/// What one request looked like.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    target: String,
    headers: HeaderMap,
}

type Log = Arc<Mutex<Vec<Seen>>>;
type Answer = Arc<dyn Fn(usize, &Seen, &str) -> Response + Send + Sync>;

/// A server on 127.0.0.1 answering `answer(n, request, its own base URL)`.
async fn server(answer: Answer) -> (String, Log) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let state = (log.clone(), answer, base.clone());
    let app = Router::new()
        .fallback(
            |State((log, answer, base)): State<(Log, Answer, String)>,
             method: Method,
             uri: Uri,
             headers: HeaderMap| async move {
                let seen = Seen {
                    method,
                    target: uri
                        .path_and_query()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_default(),
                    headers,
                };
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(seen.clone());
                    log.len()
                };
                answer(n, &seen, &base)
            },
        )
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, log)
}

fn user() -> ApimUserRef {
    ApimUserRef::new(
        "00000000-0000-0000-0000-000000000000",
        "rg1",
        "apimService1",
        "u1",
    )
    .unwrap()
}

/// Polls that never wait long, and no retries unless asked.
fn fast_polling() -> ClientOptions {
    ClientOptions::default()
        .with_retry(RetryOptions::none())
        .with_polling(PollingOptions::default().with_max_interval(Duration::from_millis(10)))
}

fn with(options: ClientOptions) -> ApiManagementClientOptions {
    ApiManagementClientOptions::default().with_client_options(options)
}

fn client(base: &str, options: ClientOptions) -> ApiManagementClient {
    let credential = StaticTokenCredential::new(AccessToken::new(
        Secret::new("bearer-token-value"),
        chrono::Utc::now() + chrono::Duration::hours(1),
    ));
    ApiManagementClient::new(base, Arc::new(credential), Some(with(options))).unwrap()
}

fn accepted(headers: &[(&'static str, String)]) -> Response {
    let mut response = StatusCode::ACCEPTED.into_response();
    for (name, value) in headers {
        response.headers_mut().insert(*name, value.parse().unwrap());
    }
    response
}

fn json(status: StatusCode, body: &str, retry_after: Option<&str>) -> Response {
    let mut response = (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", seconds.parse().unwrap());
    }
    response
}

/// 202 with both monitors and a huge Retry-After; then `statuses` in turn
/// from the status monitor (the last one repeated).
fn status_server(statuses: &'static [&'static str]) -> Answer {
    Arc::new(move |n, _, base| {
        if n == 1 {
            return accepted(&[
                ("azure-asyncoperation", format!("{base}/status/1")),
                ("location", format!("{base}/result/1")),
                ("retry-after", "3600".to_string()),
            ]);
        }
        let body = statuses[(n - 2).min(statuses.len() - 1)];
        json(StatusCode::OK, body, Some("3600"))
    })
}

#[tokio::test]
async fn the_status_monitor_is_polled_through_the_pipeline_until_it_succeeds() {
    let (base, log) = server(status_server(&[
        r#"{"status":"InProgress"}"#,
        r#"{"status":"Running"}"#,
        r#"{"status":"Succeeded"}"#,
    ]))
    .await;
    let started = Instant::now();
    client(&base, fast_polling())
        .delete_user(&user(), None)
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "Retry-After: 3600 was capped"
    );
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "the delete and three status checks");
    assert_eq!(seen[0].method, Method::DELETE);
    let request_id = &seen[0].headers["x-ms-client-request-id"];
    for check in &seen[1..] {
        assert_eq!(check.method, Method::GET);
        assert_eq!(check.target, "/status/1", "Azure-AsyncOperation wins");
        assert_eq!(
            check.headers["authorization"], "Bearer bearer-token-value",
            "the credential goes with every check"
        );
        assert_eq!(&check.headers["x-ms-client-request-id"], request_id);
    }
}

#[tokio::test]
async fn the_location_is_polled_until_it_stops_answering_202() {
    let (base, log) = server(Arc::new(|n, _, base| match n {
        1 => accepted(&[("location", format!("{base}/result/1"))]),
        // A moved location is followed (same origin).
        2 => accepted(&[("location", format!("{base}/result/2"))]),
        3 => accepted(&[]),
        _ => StatusCode::NO_CONTENT.into_response(),
    }))
    .await;
    client(&base, fast_polling())
        .delete_user(&user(), None)
        .await
        .unwrap();
    let targets: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.target.clone())
        .collect();
    assert_eq!(targets[1..], ["/result/1", "/result/2", "/result/2"]);
}

#[tokio::test]
async fn monitors_on_another_origin_are_never_followed() {
    for header in ["location", "azure-asyncoperation"] {
        let (base, log) = server(Arc::new(move |_, _, _| {
            accepted(&[(
                header,
                "http://127.0.0.2:1/steal?api-version=2024-05-01".to_string(),
            )])
        }))
        .await;
        let err = client(&base, fast_polling())
            .delete_user(&user(), None)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{header}");
        assert!(err.message().contains("refusing to follow"), "{err}");
        assert!(!err.to_string().contains("bearer-token-value"));
        assert_eq!(log.lock().unwrap().len(), 1, "nothing sent elsewhere");
    }
    // A moved Location to another origin is refused too.
    let (base, log) = server(Arc::new(|n, _, base| match n {
        1 => accepted(&[("location", format!("{base}/result/1"))]),
        _ => accepted(&[("location", "http://127.0.0.2:1/steal".to_string())]),
    }))
    .await;
    let err = client(&base, fast_polling())
        .delete_user(&user(), None)
        .await
        .unwrap_err();
    assert!(err.message().contains("refusing to follow"), "{err}");
    assert_eq!(log.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn endless_progress_ends_in_a_timeout() {
    // Bounded by the polling timeout…
    let (base, _) = server(status_server(&[r#"{"status":"InProgress"}"#])).await;
    let options = fast_polling().with_polling(
        PollingOptions::default()
            .with_max_interval(Duration::from_millis(10))
            .with_timeout(Duration::from_millis(300)),
    );
    let started = Instant::now();
    let err = client(&base, options)
        .delete_user(&user(), None)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // …and by the call's total timeout, whatever the polling allows.
    let (base, _) = server(status_server(&[r#"{"status":"InProgress"}"#])).await;
    let started = Instant::now();
    let err = client(
        &base,
        fast_polling().with_total_timeout(Duration::from_millis(300)),
    )
    .delete_user(&user(), None)
    .await
    .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn durations_too_large_for_an_instant_do_not_panic() {
    // A polling timeout of Duration::MAX: the call's total timeout bounds it…
    let (base, _) = server(status_server(&[r#"{"status":"InProgress"}"#])).await;
    let options = fast_polling()
        .with_polling(
            PollingOptions::default()
                .with_max_interval(Duration::from_millis(10))
                .with_timeout(Duration::MAX),
        )
        .with_total_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = client(&base, options)
        .delete_user(&user(), None)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    // …a total timeout of Duration::MAX leaves the polling timeout…
    let (base, _) = server(status_server(&[r#"{"status":"InProgress"}"#])).await;
    let options = fast_polling()
        .with_polling(
            PollingOptions::default()
                .with_max_interval(Duration::from_millis(10))
                .with_timeout(Duration::from_millis(300)),
        )
        .with_total_timeout(Duration::MAX);
    let err = client(&base, options)
        .delete_user(&user(), None)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    // …and a wait of Duration::MAX (no hint from the service) passes any
    // bound at once.
    let (base, log) = server(Arc::new(|_, _, base| {
        accepted(&[("location", format!("{base}/result/1"))])
    }))
    .await;
    let options = fast_polling().with_polling(
        PollingOptions::default()
            .with_interval(Duration::MAX)
            .with_max_interval(Duration::MAX)
            .with_timeout(Duration::MAX),
    );
    let err = client(&base, options)
        .delete_user(&user(), None)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(log.lock().unwrap().len(), 1, "no status check was made");
}

#[tokio::test]
async fn malformed_statuses_are_invalid_responses() {
    for body in [
        "not json",
        "{}",
        r#"{"status":5}"#,
        r#"{"status":""}"#,
        "[]",
    ] {
        let statuses: &'static [&'static str] = Box::leak(Box::new([body]));
        let (base, _) = server(status_server(statuses)).await;
        let err = client(&base, fast_polling())
            .delete_user(&user(), None)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{body}: {err}");
    }
    // 202 with nothing to follow.
    let (base, _) = server(Arc::new(|_, _, _| accepted(&[]))).await;
    let err = client(&base, fast_polling())
        .delete_user(&user(), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
}

#[tokio::test]
async fn failed_and_canceled_operations_are_typed_errors_with_their_error() {
    for (status, code) in [("Failed", "Conflict"), ("Canceled", "OperationCanceled")] {
        let body: &'static str = Box::leak(
            format!(
                r#"{{"status":"{status}","error":{{"code":"{code}","message":"the user has subscriptions"}}}}"#
            )
            .into_boxed_str(),
        );
        let statuses: &'static [&'static str] =
            Box::leak(Box::new([r#"{"status":"InProgress"}"#, body]));
        let (base, _) = server(status_server(statuses)).await;
        let err = client(&base, fast_polling())
            .delete_user(&user(), None)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Service);
        assert_eq!(err.code(), Some(code));
        assert!(
            err.message().contains("the user has subscriptions"),
            "{err}"
        );
        let failed = OperationFailed::find(&err).expect("typed as a failed operation");
        assert_eq!(failed.status, status);
        assert!(err.request_id().is_some());
    }
    // A location that ends in an error status.
    let (base, _) = server(Arc::new(|n, _, base| match n {
        1 => accepted(&[("location", format!("{base}/result/1"))]),
        _ => json(
            StatusCode::PRECONDITION_FAILED,
            r#"{"error":{"code":"PreconditionFailed","message":"changed"}}"#,
            None,
        ),
    }))
    .await;
    let err = client(&base, fast_polling())
        .delete_user(&user(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(412));
    assert_eq!(err.code(), Some("PreconditionFailed"));
    assert!(OperationFailed::find(&err).is_some());
}

#[tokio::test]
async fn a_status_check_that_fails_transiently_is_retried() {
    let (base, log) = server(Arc::new(|n, _, base| match n {
        1 => accepted(&[("azure-asyncoperation", format!("{base}/status/1"))]),
        2 => json(
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"error":{"code":"ServiceUnavailable","message":"busy"}}"#,
            None,
        ),
        _ => json(StatusCode::OK, r#"{"status":"Succeeded"}"#, None),
    }))
    .await;
    let options = common::fast_retries(2)
        .with_polling(PollingOptions::default().with_max_interval(Duration::from_millis(10)));
    client(&base, options)
        .delete_user(&user(), None)
        .await
        .unwrap();
    assert_eq!(log.lock().unwrap().len(), 3);
}

// --- against the emulator ------------------------------------------------

async fn emulator_client(
    config: EmulatorConfig,
    options: ApiManagementClientOptions,
) -> (azure_user_tokens::emulator::Emulator, ApiManagementClient) {
    let emulator = common::emulator_with(config.with_async_deletes(true)).await;
    let client = ApiManagementClient::new(
        emulator.base_url(),
        common::entra_credential(&emulator),
        Some(options),
    )
    .unwrap();
    (emulator, client)
}

fn seeded(user: &str) -> ApimUserRef {
    ApimUserRef::new(
        "00000000-0000-0000-0000-000000000000",
        "rg1",
        "apimService1",
        user,
    )
    .unwrap()
}

#[tokio::test]
async fn the_emulators_asynchronous_delete_is_followed_to_the_end() {
    let (emulator, client) = emulator_client(
        EmulatorConfig::default().with_async_delete_polls(3),
        with(fast_polling()),
    )
    .await;
    // The credential's token is fetched (and counted) before measuring.
    client.get_user(&seeded("userId1718")).await.unwrap();
    let before = emulator.stats().requests;
    client
        .delete_user(&seeded("userId1718"), None)
        .await
        .unwrap();
    assert_eq!(
        emulator.stats().requests - before,
        4,
        "the delete, then three status checks"
    );
    let err = client.get_user(&seeded("userId1718")).await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(emulator.stats().apim_users, 1);
}

#[tokio::test]
async fn a_delete_that_times_out_leaves_the_user() {
    let (emulator, client) = emulator_client(
        EmulatorConfig::default().with_async_delete_polls(100),
        with(
            fast_polling().with_polling(
                PollingOptions::default()
                    .with_max_interval(Duration::from_millis(10))
                    .with_timeout(Duration::from_millis(200)),
            ),
        ),
    )
    .await;
    let err = client
        .delete_user(&seeded("userId1718"), None)
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(client.get_user(&seeded("userId1718")).await.is_ok());
    assert_eq!(emulator.stats().apim_users, 2);
}

#[tokio::test]
async fn versions_whose_delete_is_not_long_running_delete_at_once() {
    let (emulator, client) = emulator_client(
        EmulatorConfig::default(),
        with(fast_polling()).with_api_version("2022-08-01"),
    )
    .await;
    client.get_user(&seeded("1")).await.unwrap();
    let before = emulator.stats().requests;
    client.delete_user(&seeded("1"), None).await.unwrap();
    assert_eq!(emulator.stats().requests - before, 1);
    assert_eq!(emulator.stats().apim_users, 1);
}
