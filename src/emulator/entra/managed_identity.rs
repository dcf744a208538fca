//! `GET /metadata/identity/oauth2/token`: the managed-identity (IMDS) endpoint.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::tokens::{self, EntraTokenClaims, TOKEN_LIFETIME};
use crate::emulator::app::SharedApp;
use crate::emulator::http::{header_str, query_param};

/// A token for `resource`, in the IMDS response shape (numbers as strings).
/// Requires `Metadata: true`, as IMDS does.
pub(crate) async fn token(State(app): State<SharedApp>, headers: HeaderMap, uri: Uri) -> Response {
    let metadata = header_str(&headers, "metadata").unwrap_or("");
    if !metadata.eq_ignore_ascii_case("true") {
        return imds_error("Required metadata header not specified");
    }
    let Some(resource) = query_param(&uri, "resource").filter(|r| !r.is_empty()) else {
        return imds_error("Required audience parameter not specified");
    };
    if query_param(&uri, "api-version").is_none() {
        return imds_error("Required api-version parameter not specified");
    }
    let client_id = query_param(&uri, "client_id")
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| app.config.client_id().to_string());
    let audience = resource.trim_end_matches('/').to_string();
    let claims = EntraTokenClaims::new(
        audience,
        client_id.clone(),
        tokens::object_id_for(&client_id),
        TOKEN_LIFETIME,
    );
    let access_token = tokens::mint(&app, &claims);
    app.counters.token_issued();
    let expires_in = TOKEN_LIFETIME.num_seconds().to_string();
    Json(json!({
        "access_token": access_token,
        "client_id": client_id,
        "expires_in": expires_in,
        "expires_on": claims.expires_at.timestamp().to_string(),
        "ext_expires_in": expires_in,
        "not_before": claims.not_before.timestamp().to_string(),
        "resource": resource,
        "token_type": "Bearer",
    }))
    .into_response()
}

fn imds_error(description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "invalid_request", "error_description": description})),
    )
        .into_response()
}
