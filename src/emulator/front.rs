//! The first thing each request meets: it is counted, logged with its
//! client request id, and maybe faulted — before the router sees it (so a
//! fault never half-applies a change), or, with `fault_after_processing`,
//! after it (the change is made and the answer lost). A change whose client
//! request id already changed state is logged as a replay.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode};
use serde_json::json;
use tower::ServiceExt;

use super::app::{INTERNAL_PREFIX, SharedApp};
use super::faults::Fault;
use super::reset::ResetSwitch;
use super::service_model;
use crate::pipeline::CLIENT_REQUEST_ID;

/// Returned instead of a response to make hyper drop the connection.
#[derive(Debug, thiserror::Error)]
#[error("connection reset by an injected fault")]
pub(crate) struct InjectedReset;

/// Counts, applies faults, then routes. A fault comes before processing
/// (nothing changes), or after it with `fault_after_processing` (the change
/// is made, then the answer is lost: a reset, or a 500).
pub(crate) async fn handle(
    app: SharedApp,
    router: Router,
    reset: ResetSwitch,
    request: Request<Body>,
) -> Result<Response<Body>, InjectedReset> {
    let internal = request.uri().path().starts_with(INTERNAL_PREFIX);
    let fault = if internal {
        None
    } else {
        app.counters.request();
        app.faults.next()
    };
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let request_id = request
        .headers()
        .get(CLIENT_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    tracing::debug!(%method, path, request_id = request_id.as_deref().unwrap_or(""), "request");
    // The modelled service's latency, before any fault or processing (a
    // throttled or refused answer takes as long to come). ACS's limit is
    // applied on the ACS routes, after authentication
    // (`service_model::acs_limit`).
    if !internal && service_model::is_data_plane(&path) {
        let latency = app.config.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
    if let Some(fault) = fault {
        app.counters.fault();
        if !app.config.fault_after_processing() {
            tracing::debug!(?fault, %method, path, "fault injected before processing");
            return before_processing(&app, fault, &reset);
        }
    }
    let response = router
        .oneshot(request)
        .await
        .unwrap_or_else(|never| match never {});
    if response.status().is_success() && !matches!(method, Method::GET | Method::HEAD) {
        app.replays.changed(request_id.as_deref(), &method, &path);
    }
    match fault {
        None => Ok(response),
        Some(fault) => {
            tracing::debug!(?fault, %method, path, "fault injected after processing");
            after_processing(fault, &reset)
        }
    }
}

/// A fault instead of processing: 429 or 503 with retry hints, or a reset.
fn before_processing(
    app: &SharedApp,
    fault: Fault,
    reset: &ResetSwitch,
) -> Result<Response<Body>, InjectedReset> {
    match fault {
        Fault::Reset => {
            reset.trip();
            Err(InjectedReset)
        }
        Fault::Throttle => Ok(fault_response(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            app.config.fault_retry_after_ms(),
        )),
        Fault::Unavailable => Ok(fault_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            app.config.fault_retry_after_ms(),
        )),
    }
}

/// The answer to a processed request, lost: a reset, or a 500 that does not
/// say whether anything happened (what a failing gateway sends).
fn after_processing(fault: Fault, reset: &ResetSwitch) -> Result<Response<Body>, InjectedReset> {
    match fault {
        Fault::Reset => {
            reset.trip();
            Err(InjectedReset)
        }
        Fault::Throttle | Fault::Unavailable => {
            let body = json!({"error": {
                "code": "InternalServerError",
                "message": "Injected by the emulator (--fault-after-processing): the request was processed, the answer lost.",
            }});
            let mut response = Response::new(Body::from(body.to_string()));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
                .headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
            Ok(response)
        }
    }
}

/// A fault answer with `retry-after-ms` and `Retry-After` (whole seconds, rounded up).
fn fault_response(status: StatusCode, code: &str, retry_after_ms: u64) -> Response<Body> {
    retry_response(
        status,
        code,
        "Injected by the emulator (--fault-rate); the request was not processed.",
        retry_after_ms,
    )
}

/// An unprocessed request's answer in the service's error shape, with
/// `retry-after-ms` and `Retry-After` (whole seconds, rounded up).
pub(super) fn retry_response(
    status: StatusCode,
    code: &str,
    message: &str,
    retry_after_ms: u64,
) -> Response<Body> {
    let body = json!({"error": {"code": code, "message": message}});
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("retry-after-ms", HeaderValue::from(retry_after_ms));
    headers.insert(
        "retry-after",
        HeaderValue::from(retry_after_ms.div_ceil(1000)),
    );
    response
}
