//! The broker's JSON shapes. `/openapi.json` is generated from these types
//! (schemars), so the document and the code cannot disagree.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `POST /v1/token`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    /// Scopes, e.g. `["voip"]` or `["chat", "voip"]`.
    pub scopes: Vec<String>,
    /// Lifetime in minutes, 60–1440 (default 1440, as the service's).
    #[serde(default)]
    pub expires_in_minutes: Option<u32>,
}

/// An ACS user access token for the caller.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    /// The caller's Communication Services identity (`8:acs:…`).
    pub user_id: String,
    /// The access token (a JWT).
    pub token: String,
    /// When it expires (RFC 3339).
    pub expires_on: chrono::DateTime<chrono::Utc>,
}

/// `GET /v1/me` and the admin equivalent.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeResponse {
    /// The caller's Communication Services identity (`8:acs:…`).
    pub user_id: String,
}

/// `POST /v1/apim-token`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApimTokenRequest {
    /// How long the token lives: an ISO 8601 duration (`PT8H`, `P1D`), at
    /// most 30 days.
    pub expires_in: String,
}

/// An API Management user shared access token.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApimTokenResponse {
    /// The token (`<userId>&<yyyyMMddHHmm>&<signature>`); send it as
    /// `Authorization: SharedAccessSignature <token>`.
    pub token: String,
    /// Its expiry, truncated to the minute as APIM does (RFC 3339).
    pub expiry: chrono::DateTime<chrono::Utc>,
}

/// Every error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The error's code and message.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ErrorDetail {
    /// A stable code (`invalid_token`, `ValidationError`, `RateLimited`, …).
    pub code: String,
    /// A human-readable message (never a token or secret).
    pub message: String,
    /// The request field at fault, for validation errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// `GET /healthz` and `GET /readyz`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct HealthResponse {
    /// `ok`, or `unavailable` (with what is not ready).
    pub status: String,
    /// Each check and its result (`ok` or why not), for `/readyz`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub checks: std::collections::BTreeMap<String, String>,
}
