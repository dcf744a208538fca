//! The first thing each request meets: it is counted, and maybe faulted,
//! before the router sees it (so a fault never half-applies a change).

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::json;
use tower::ServiceExt;

use super::app::{INTERNAL_PREFIX, SharedApp};
use super::faults::Fault;
use super::reset::ResetSwitch;

/// Returned instead of a response to make hyper drop the connection.
#[derive(Debug, thiserror::Error)]
#[error("connection reset by an injected fault")]
pub(crate) struct InjectedReset;

/// Counts, applies faults, then routes.
pub(crate) async fn handle(
    app: SharedApp,
    router: Router,
    reset: ResetSwitch,
    request: Request<Incoming>,
) -> Result<Response<Body>, InjectedReset> {
    if !request.uri().path().starts_with(INTERNAL_PREFIX) {
        app.counters.request();
        if let Some(fault) = app.faults.next() {
            app.counters.fault();
            tracing::debug!(?fault, method = %request.method(), path = request.uri().path(), "fault injected");
            return match fault {
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
            };
        }
    }
    let response = router
        .oneshot(request.map(Body::new))
        .await
        .unwrap_or_else(|never| match never {});
    Ok(response)
}

/// A fault answer with `retry-after-ms` and `Retry-After` (whole seconds, rounded up).
fn fault_response(status: StatusCode, code: &str, retry_after_ms: u64) -> Response<Body> {
    let body = json!({"error": {
        "code": code,
        "message": "Injected by the emulator (--fault-rate); the request was not processed.",
    }});
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
