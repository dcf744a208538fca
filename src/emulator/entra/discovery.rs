//! `GET /{tenant}/v2.0/.well-known/openid-configuration`: what MSAL reads
//! before asking for a token.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::AadError;
use crate::emulator::app::SharedApp;
use crate::emulator::http::origin;

/// The OpenID Connect discovery document of the emulator's tenant.
pub(crate) async fn openid_configuration(
    State(app): State<SharedApp>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if !app.is_tenant(&tenant) {
        return AadError::unknown_tenant(&tenant).into_response();
    }
    let base = format!("{}/{tenant}", origin(&headers, &uri, app.scheme));
    Json(json!({
        // Fixed, whatever Host the client used: it must equal every token's `iss`.
        "issuer": app.entra_issuer(),
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "grant_types_supported": ["client_credentials", "password"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "claims_supported": ["aud", "iss", "iat", "nbf", "exp", "appid", "azp", "oid", "sub", "tid", "ver"],
        "request_uri_parameter_supported": false,
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    }))
    .into_response()
}
