//! ARM `ErrorResponse` bodies:
//! `{"error":{"code","message","target","details":[],"additionalInfo":[]}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error response of Azure Resource Manager or the APIM provider.
#[derive(Debug)]
pub(crate) struct ArmError {
    status: StatusCode,
    code: &'static str,
    message: String,
    target: Option<String>,
}

impl ArmError {
    /// Any status and code.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ArmError {
            status,
            code,
            message: message.into(),
            target: None,
        }
    }

    /// Names the input the error is about.
    pub(crate) fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// 400 `ValidationError` about `target`.
    pub(crate) fn validation(target: &str, message: impl Into<String>) -> Self {
        ArmError::new(StatusCode::BAD_REQUEST, "ValidationError", message).with_target(target)
    }

    /// 404 `ResourceNotFound`.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ArmError::new(StatusCode::NOT_FOUND, "ResourceNotFound", message)
    }

    /// 400 for a body that is not the JSON the operation takes (position only).
    pub(crate) fn unreadable_body(error: &serde_json::Error) -> Self {
        ArmError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContent",
            format!(
                "The request content was invalid and could not be deserialized (line {}, column {}).",
                error.line(),
                error.column()
            ),
        )
    }

    /// 412 for an `If-Match` that does not hold.
    pub(crate) fn precondition_failed(message: impl Into<String>) -> Self {
        ArmError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            message,
        )
        .with_target("If-Match")
    }
}

impl IntoResponse for ArmError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "target": self.target,
                "details": [],
                "additionalInfo": [],
            }
        });
        (self.status, Json(body)).into_response()
    }
}
