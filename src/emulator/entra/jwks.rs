//! `GET /{tenant}/discovery/v2.0/keys`: the JSON Web Key Set the discovery
//! document's `jwks_uri` points at (the public half of the ES256 key).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::AadError;
use crate::emulator::app::SharedApp;

/// The tenant's signing keys.
pub(crate) async fn keys(State(app): State<SharedApp>, Path(tenant): Path<String>) -> Response {
    if !app.is_tenant(&tenant) {
        return AadError::unknown_tenant(&tenant).into_response();
    }
    Json(json!({"keys": [app.keys.entra.public_jwk()]})).into_response()
}
