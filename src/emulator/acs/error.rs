//! Communication Services error bodies:
//! `{"error":{"code","message","target"?}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error response of the ACS identity API.
#[derive(Debug)]
pub(crate) struct AcsError {
    status: StatusCode,
    code: &'static str,
    message: String,
    target: Option<&'static str>,
}

impl AcsError {
    /// Any status and code.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AcsError {
            status,
            code,
            message: message.into(),
            target: None,
        }
    }

    /// 400 `ValidationError` about `target`.
    pub(crate) fn validation(target: &'static str, message: impl Into<String>) -> Self {
        AcsError {
            target: Some(target),
            ..AcsError::new(StatusCode::BAD_REQUEST, "ValidationError", message)
        }
    }

    /// 404 for an identity that does not exist (or no longer does).
    pub(crate) fn identity_not_found() -> Self {
        AcsError::new(
            StatusCode::NOT_FOUND,
            "IdentityNotFound",
            "The identity was not found.",
        )
    }

    /// 401 for a request whose credentials were refused; says which check
    /// failed, never the values involved.
    pub(crate) fn denied(reason: &str) -> Self {
        AcsError::new(
            StatusCode::UNAUTHORIZED,
            "Denied",
            format!("Denied by the resource provider. {reason}"),
        )
    }

    /// 400 for a body that is not the JSON the operation takes. Only the
    /// position is reported: the body may hold a token.
    pub(crate) fn unreadable_body(error: &serde_json::Error) -> Self {
        let what = if error.is_data() {
            "does not have the expected shape"
        } else {
            "is not valid JSON"
        };
        AcsError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!(
                "The request body {what} (line {}, column {}).",
                error.line(),
                error.column()
            ),
        )
    }

    fn body(&self) -> Value {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(target) = self.target {
            error["target"] = json!(target);
        }
        json!({ "error": error })
    }
}

impl IntoResponse for AcsError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}
