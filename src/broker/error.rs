//! How the broker fails: every error is an answer with a status and a
//! `{"error": {"code", "message"}}` body; nothing echoes a token or secret.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::api::{ErrorDetail, ErrorResponse};
use super::auth::AuthError;
use super::store::StoreError;

/// How long clients are asked to wait when ACS is throttling or unavailable
/// (the facade has already waited out the service's own `Retry-After`).
pub const UPSTREAM_RETRY_AFTER: Duration = Duration::from_secs(10);

/// A failed broker request.
#[derive(Debug)]
pub enum ApiError {
    /// The bearer token was refused (401) or keys are unavailable (503).
    Auth(AuthError),
    /// The token lacks the admin role (403).
    Forbidden(&'static str),
    /// The token lacks a claim this request needs (403).
    MissingClaim(String),
    /// Bad request input (400), nothing sent.
    Invalid {
        /// The request field.
        field: &'static str,
        /// Why, with the limits.
        message: String,
    },
    /// The body is not the JSON expected (400/413/415).
    Body(StatusCode, String),
    /// Nothing there (404).
    NotFound(&'static str, String),
    /// The per-user rate limit (429 with `Retry-After`).
    RateLimited(Duration),
    /// Another broker is creating this user's identity and has not finished.
    Busy,
    /// A facade call failed.
    Upstream(crate::Error),
    /// The database failed.
    Store(StoreError),
    /// A fault injected for tests (as if the process died there).
    Injected(&'static str),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::Store(error)
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        ApiError::Auth(error)
    }
}

fn body(status: StatusCode, code: &str, message: String, target: Option<String>) -> Response {
    (
        status,
        Json(ErrorResponse {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                target,
            },
        }),
    )
        .into_response()
}

fn with_header(mut response: Response, name: header::HeaderName, value: String) -> Response {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(name, value);
    }
    response
}

fn retry_after(response: Response, wait: Duration) -> Response {
    // Whole seconds, rounded up, at least 1.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    with_header(response, header::RETRY_AFTER, seconds.max(1).to_string())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Auth(error) if error.is_unavailable() => retry_after(
                body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "KeysUnavailable",
                    error.describe().to_string(),
                    None,
                ),
                Duration::from_secs(5),
            ),
            ApiError::Auth(error) => with_header(
                body(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    error.describe().to_string(),
                    None,
                ),
                header::WWW_AUTHENTICATE,
                error.www_authenticate(),
            ),
            ApiError::Forbidden(why) => with_header(
                body(
                    StatusCode::FORBIDDEN,
                    "insufficient_scope",
                    why.to_string(),
                    None,
                ),
                header::WWW_AUTHENTICATE,
                format!(r#"Bearer error="insufficient_scope", error_description="{why}""#),
            ),
            ApiError::MissingClaim(claim) => body(
                StatusCode::FORBIDDEN,
                "MissingClaim",
                format!("the access token has no {claim:?} claim, which this request needs"),
                None,
            ),
            ApiError::Invalid { field, message } => body(
                StatusCode::BAD_REQUEST,
                "ValidationError",
                message,
                Some(field.to_string()),
            ),
            ApiError::Body(status, message) => body(status, "BadRequestBody", message, None),
            ApiError::NotFound(code, message) => body(StatusCode::NOT_FOUND, code, message, None),
            ApiError::RateLimited(wait) => retry_after(
                body(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RateLimited",
                    "too many token requests for this user; retry after the Retry-After delay"
                        .to_string(),
                    None,
                ),
                wait,
            ),
            ApiError::Busy => retry_after(
                body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "IdentityBusy",
                    "another broker is creating this user's identity; retry shortly".to_string(),
                    None,
                ),
                Duration::from_secs(1),
            ),
            ApiError::Upstream(error) => upstream(error),
            ApiError::Store(error) => {
                tracing::error!(%error, "database failure");
                retry_after(
                    body(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "DatabaseUnavailable",
                        "the broker's database failed; retry later".to_string(),
                        None,
                    ),
                    Duration::from_secs(5),
                )
            }
            ApiError::Injected(point) => body(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InjectedFault",
                format!("a fault was injected {point}"),
                None,
            ),
        }
    }
}

/// A facade error as the broker's answer: the client learns whether to
/// retry, never the broker's credentials.
fn upstream(error: crate::Error) -> Response {
    if error.is_validation() {
        return body(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            error.message().to_string(),
            error.field().map(str::to_string),
        );
    }
    let code = error.code().unwrap_or("").to_string();
    match error.status() {
        Some(429) | Some(503) => {
            tracing::warn!(%error, "upstream throttled or unavailable after retries");
            retry_after(
                body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "UpstreamUnavailable",
                    format!("the upstream service is busy ({error}); retry later"),
                    None,
                ),
                UPSTREAM_RETRY_AFTER,
            )
        }
        Some(400) => body(
            StatusCode::BAD_REQUEST,
            if code.is_empty() {
                "ValidationError"
            } else {
                &code
            },
            error.message().to_string(),
            error.target().map(str::to_string),
        ),
        Some(401 | 403) => {
            tracing::error!(%error, "the upstream service refused the broker's credentials");
            body(
                StatusCode::BAD_GATEWAY,
                "UpstreamAuthentication",
                "the upstream service refused the broker's credentials".to_string(),
                None,
            )
        }
        _ if error.is_timeout() => body(
            StatusCode::GATEWAY_TIMEOUT,
            "UpstreamTimeout",
            format!("the upstream service did not answer in time ({error})"),
            None,
        ),
        _ => {
            tracing::warn!(%error, "upstream failure");
            body(
                StatusCode::BAD_GATEWAY,
                "UpstreamFailure",
                format!("the upstream service failed: {error}"),
                None,
            )
        }
    }
}
