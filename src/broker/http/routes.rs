//! Every route, once: its handler and its description. The router and
//! `/openapi.json` are both built from this table, so the document lists
//! exactly what is served.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use schemars::JsonSchema;
use schemars::r#gen::SchemaGenerator;
use schemars::schema::Schema;

use super::SharedService;
use super::extract::{Admin, Authenticated, JsonBody};
use crate::broker::api::{
    ApimTokenRequest, ApimTokenResponse, ErrorResponse, HealthResponse, MeResponse, TokenRequest,
    TokenResponse,
};
use crate::broker::app_user::AppUser;
use crate::broker::error::ApiError;
use crate::broker::metrics::CONTENT_TYPE as METRICS_CONTENT_TYPE;

/// A schema of a Rust type, for the table.
pub(crate) type SchemaOf = fn(&mut SchemaGenerator) -> Schema;

fn schema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone (operations endpoints).
    Open,
    /// A valid bearer token.
    Bearer,
    /// A valid bearer token with the admin role.
    Admin,
}

/// What a response carries.
pub(crate) enum Body {
    None,
    Json(SchemaOf),
    Text(&'static str),
}

/// One route.
pub(crate) struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    pub access: Access,
    pub request: Option<SchemaOf>,
    pub responses: Vec<(u16, &'static str, Body)>,
    pub handler: MethodRouter<SharedService>,
}

fn error_responses(access: Access) -> Vec<(u16, &'static str, Body)> {
    let mut responses = Vec::new();
    if access != Access::Open {
        responses.push((
            401,
            "Missing or invalid bearer token (WWW-Authenticate: Bearer error=\"invalid_token\")",
            Body::Json(schema::<ErrorResponse>),
        ));
    }
    if access == Access::Admin {
        responses.push((
            403,
            "The token lacks the admin role",
            Body::Json(schema::<ErrorResponse>),
        ));
    }
    responses.push((
        503,
        "A dependency is unavailable (Retry-After)",
        Body::Json(schema::<ErrorResponse>),
    ));
    responses
}

fn with_errors(
    access: Access,
    mut responses: Vec<(u16, &'static str, Body)>,
) -> Vec<(u16, &'static str, Body)> {
    responses.extend(error_responses(access));
    responses
}

/// The table.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    let error = || Body::Json(schema::<ErrorResponse>);
    vec![
        Endpoint {
            method: Method::POST,
            path: "/v1/token",
            operation_id: "issueToken",
            summary: "An ACS access token for the caller (identity created on first call; cached)",
            access: Access::Bearer,
            request: Some(schema::<TokenRequest>),
            responses: with_errors(
                Access::Bearer,
                vec![
                    (200, "The token", Body::Json(schema::<TokenResponse>)),
                    (400, "Bad scopes or lifetime; nothing was sent", error()),
                    (429, "Per-user rate limit (Retry-After)", error()),
                ],
            ),
            handler: post(issue_token),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/me",
            operation_id: "getMe",
            summary: "The caller's ACS identity",
            access: Access::Bearer,
            request: None,
            responses: with_errors(
                Access::Bearer,
                vec![
                    (200, "The identity", Body::Json(schema::<MeResponse>)),
                    (404, "No identity yet (before the first token)", error()),
                ],
            ),
            handler: get(get_me),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/me/revoke",
            operation_id: "revokeMe",
            summary: "Revokes the caller's tokens at ACS and drops cached ones",
            access: Access::Bearer,
            request: None,
            responses: with_errors(
                Access::Bearer,
                vec![(204, "Revoked", Body::None), (404, "No identity", error())],
            ),
            handler: post(revoke_me),
        },
        Endpoint {
            method: Method::DELETE,
            path: "/v1/me",
            operation_id: "deleteMe",
            summary: "Deletes the caller's ACS identity, then the mapping (idempotent)",
            access: Access::Bearer,
            request: None,
            responses: with_errors(Access::Bearer, vec![(204, "Deleted", Body::None)]),
            handler: delete(delete_me),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/apim-token",
            operation_id: "issueApimToken",
            summary: "An API Management shared access token for the caller's APIM user",
            access: Access::Bearer,
            request: Some(schema::<ApimTokenRequest>),
            responses: with_errors(
                Access::Bearer,
                vec![
                    (200, "The token", Body::Json(schema::<ApimTokenResponse>)),
                    (400, "Bad duration", error()),
                    (403, "The token lacks the email claim", error()),
                    (404, "No APIM service configured", error()),
                    (429, "Per-user rate limit (Retry-After)", error()),
                ],
            ),
            handler: post(issue_apim_token),
        },
        Endpoint {
            method: Method::GET,
            path: "/v1/admin/users/{issuer}/{subject}",
            operation_id: "adminGetUser",
            summary: "An app user's ACS identity (issuer URL-encoded)",
            access: Access::Admin,
            request: None,
            responses: with_errors(
                Access::Admin,
                vec![
                    (200, "The identity", Body::Json(schema::<MeResponse>)),
                    (404, "No identity", error()),
                ],
            ),
            handler: get(admin_get),
        },
        Endpoint {
            method: Method::POST,
            path: "/v1/admin/users/{issuer}/{subject}/revoke",
            operation_id: "adminRevokeUser",
            summary: "Revokes an app user's tokens",
            access: Access::Admin,
            request: None,
            responses: with_errors(
                Access::Admin,
                vec![(204, "Revoked", Body::None), (404, "No identity", error())],
            ),
            handler: post(admin_revoke),
        },
        Endpoint {
            method: Method::DELETE,
            path: "/v1/admin/users/{issuer}/{subject}",
            operation_id: "adminDeleteUser",
            summary: "Deletes an app user's ACS identity, then the mapping (idempotent)",
            access: Access::Admin,
            request: None,
            responses: with_errors(Access::Admin, vec![(204, "Deleted", Body::None)]),
            handler: delete(admin_delete),
        },
        Endpoint {
            method: Method::GET,
            path: "/healthz",
            operation_id: "health",
            summary: "The process is up",
            access: Access::Open,
            request: None,
            responses: vec![(200, "Up", Body::Json(schema::<HealthResponse>))],
            handler: get(healthz),
        },
        Endpoint {
            method: Method::GET,
            path: "/readyz",
            operation_id: "ready",
            summary: "The database, the issuer's keys and ACS are reachable",
            access: Access::Open,
            request: None,
            responses: vec![
                (200, "Ready", Body::Json(schema::<HealthResponse>)),
                (
                    503,
                    "Not ready, with each check's result",
                    Body::Json(schema::<HealthResponse>),
                ),
            ],
            handler: get(readyz),
        },
        Endpoint {
            method: Method::GET,
            path: "/metrics",
            operation_id: "metrics",
            summary: "Prometheus metrics",
            access: Access::Open,
            request: None,
            responses: vec![(
                200,
                "Prometheus text format 0.0.4",
                Body::Text("text/plain"),
            )],
            handler: get(metrics),
        },
        Endpoint {
            method: Method::GET,
            path: "/openapi.json",
            operation_id: "openapi",
            summary: "This document",
            access: Access::Open,
            request: None,
            responses: vec![(200, "OpenAPI 3.0", Body::Text("application/json"))],
            handler: get(openapi),
        },
    ]
}

async fn issue_token(
    State(service): State<SharedService>,
    Authenticated(caller): Authenticated,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    service.token(&caller, request).await.map(Json)
}

async fn get_me(
    State(service): State<SharedService>,
    Authenticated(caller): Authenticated,
) -> Result<Json<MeResponse>, ApiError> {
    me(&service, &caller.user).await
}

async fn revoke_me(
    State(service): State<SharedService>,
    Authenticated(caller): Authenticated,
) -> Result<StatusCode, ApiError> {
    revoke(&service, &caller.user).await
}

async fn delete_me(
    State(service): State<SharedService>,
    Authenticated(caller): Authenticated,
) -> Result<StatusCode, ApiError> {
    service.delete(&caller.user).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn issue_apim_token(
    State(service): State<SharedService>,
    Authenticated(caller): Authenticated,
    JsonBody(request): JsonBody<ApimTokenRequest>,
) -> Result<Json<ApimTokenResponse>, ApiError> {
    service.apim_token(&caller, request).await.map(Json)
}

async fn admin_get(
    State(service): State<SharedService>,
    _admin: Admin,
    Path((issuer, subject)): Path<(String, String)>,
) -> Result<Json<MeResponse>, ApiError> {
    me(&service, &AppUser::new(issuer, subject)).await
}

async fn admin_revoke(
    State(service): State<SharedService>,
    _admin: Admin,
    Path((issuer, subject)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    revoke(&service, &AppUser::new(issuer, subject)).await
}

async fn admin_delete(
    State(service): State<SharedService>,
    _admin: Admin,
    Path((issuer, subject)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    service.delete(&AppUser::new(issuer, subject)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(service: &SharedService, user: &AppUser) -> Result<Json<MeResponse>, ApiError> {
    match service.mapper.existing(user).await? {
        Some(mapped) => Ok(Json(MeResponse {
            user_id: mapped.acs_user.raw_id().to_string(),
        })),
        None => Err(no_identity()),
    }
}

async fn revoke(service: &SharedService, user: &AppUser) -> Result<StatusCode, ApiError> {
    if service.revoke(user).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_identity())
    }
}

fn no_identity() -> ApiError {
    ApiError::NotFound(
        "IdentityNotFound",
        "no Communication Services identity yet: the first POST /v1/token creates it".to_string(),
    )
}

async fn healthz() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".to_string(),
        checks: Default::default(),
    })
}

async fn readyz(State(service): State<SharedService>) -> Response {
    match service.readiness().await {
        Ok(()) => Json(HealthResponse {
            status: "ok".to_string(),
            checks: Default::default(),
        })
        .into_response(),
        Err(failures) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(HealthResponse {
                status: "unavailable".to_string(),
                checks: failures.into_iter().collect(),
            }),
        )
            .into_response(),
    }
}

async fn metrics(State(service): State<SharedService>) -> Response {
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        service.metrics.render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::document().to_string(),
    )
        .into_response()
}
