//! The Teams Phone extension (api-version 2025-06-30 and later): assignments
//! that say which Entra principal of which tenant may exchange its token, from
//! which client applications, and the exchange itself.
//!
//! Choices where the specs are silent (the service's behaviour is not
//! documented): tenant, object and client ids must be UUIDs (400
//! `ValidationError` naming the field); deleting an assignment that does not
//! exist answers 204, as Azure's REST guidelines ask of `DELETE`; an exchange
//! needs an assignment of either principal type whose `clientIds` list the
//! token's `azp` (v2 tokens) or `appid` (v1): an assignment without client ids
//! grants no client. The exchanged identity is the spec example's
//! `8:acs:<resource id>_<tenant id>_<object id>`, the same on every exchange.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::access_token;
use super::error::AcsError;
use super::validation::optional_json;
use super::wire::{
    AssignmentRequest, AssignmentResponse, CommunicationIdentity, CreateIdentityResponse,
};
use crate::emulator::app::SharedApp;
use crate::emulator::entra::tokens::{self, ACS_AUDIENCE};
use crate::emulator::http::header_str;
use crate::emulator::store::TeamsExtensionAssignment;

/// The principal types an assignment may name, as the spec spells them.
pub(crate) const PRINCIPAL_TYPES: [&str; 2] = ["user", "resourceAccount"];

/// The scopes of an exchanged Teams Phone extension token (calling only).
const EXCHANGED_SCOPES: [&str; 1] = ["voip"];

/// `GET …/assignments/{objectId}` → 200, or 404 `AssignmentNotFound`.
pub(crate) async fn get_assignment(
    State(app): State<SharedApp>,
    Path((tenant_id, object_id)): Path<(String, String)>,
) -> Result<Response, AcsError> {
    let key = key_of(&tenant_id, &object_id)?;
    let assignment = app
        .store
        .read(|state| state.teams_extension_assignments.get(&key).cloned())
        .ok_or_else(assignment_not_found)?;
    Ok(Json(wire(assignment)).into_response())
}

/// `PUT …/assignments/{objectId}` → 201 when created, 200 when replaced.
pub(crate) async fn upsert_assignment(
    State(app): State<SharedApp>,
    Path((tenant_id, object_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, AcsError> {
    let tenant_id = uuid_field(&tenant_id, "tenantId")?;
    let object_id = uuid_field(&object_id, "objectId")?;
    let request: AssignmentRequest = optional_json(&body)?;
    let principal_type = principal_type(request.principal_type.as_deref())?;
    let client_ids = request.client_ids.map(|ids| client_ids(&ids)).transpose()?;
    let assignment = TeamsExtensionAssignment {
        tenant_id,
        object_id,
        principal_type,
        client_ids,
    };
    let key = TeamsExtensionAssignment::key(&assignment.tenant_id, &assignment.object_id);
    let stored = assignment.clone();
    let replaced = app
        .store
        .modify(|state| {
            Ok::<_, AcsError>(
                state
                    .teams_extension_assignments
                    .insert(key, stored)
                    .is_some(),
            )
        })
        .await?;
    let status = if replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(wire(assignment))).into_response())
}

/// `DELETE …/assignments/{objectId}` → 204, whether it existed or not.
pub(crate) async fn delete_assignment(
    State(app): State<SharedApp>,
    Path((tenant_id, object_id)): Path<(String, String)>,
) -> Result<StatusCode, AcsError> {
    let key = key_of(&tenant_id, &object_id)?;
    app.store
        .modify(|state| {
            state.teams_extension_assignments.remove(&key);
            Ok::<_, AcsError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /access/teamsExtension/:exchangeAccessToken` with the Teams user's
/// Entra token as the bearer and `{}` as the body → 200
/// `{"identity":{"id"},"accessToken":{"token","expiresOn"}}`; 401 without a
/// valid token for `https://communication.azure.com`, 403 without an
/// assignment that allows the token's user and client.
pub(crate) async fn exchange(
    State(app): State<SharedApp>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AcsError> {
    let claims = match bearer_claims(&app, &headers) {
        Ok(claims) => claims,
        Err(reason) => {
            app.counters.auth_failure();
            return Err(AcsError::new(
                StatusCode::UNAUTHORIZED,
                "InvalidAccessToken",
                reason,
            ));
        }
    };
    let _: Map<String, Value> = optional_json(&body)?;
    let tenant_id = claim(&claims, "tid").to_ascii_lowercase();
    let object_id = claim(&claims, "oid").to_ascii_lowercase();
    let client_id = ["azp", "appid"]
        .iter()
        .map(|name| claim(&claims, name))
        .find(|value| !value.is_empty())
        .unwrap_or("")
        .to_ascii_lowercase();
    let key = TeamsExtensionAssignment::key(&tenant_id, &object_id);
    let allowed = app.store.read(|state| {
        state
            .teams_extension_assignments
            .get(&key)
            .and_then(|assignment| assignment.client_ids.as_ref())
            .is_some_and(|ids| !client_id.is_empty() && ids.contains(&client_id))
    });
    if !allowed {
        return Err(AcsError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "No Teams Phone extension assignment allows this user from this client application.",
        ));
    }
    let now = Utc::now();
    let entra_expiry = claims
        .get("exp")
        .and_then(Value::as_i64)
        .and_then(|exp| DateTime::from_timestamp(exp, 0))
        .unwrap_or(now);
    let expires_on = entra_expiry.min(now + Duration::hours(24));
    let id = format!("8:acs:{}_{tenant_id}_{object_id}", app.config.resource_id());
    let token = access_token::issue_until(
        &app,
        super::identities::skype_id(&id),
        &EXCHANGED_SCOPES,
        now,
        expires_on,
    );
    Ok(Json(CreateIdentityResponse {
        identity: CommunicationIdentity::id_only(id),
        access_token: Some(token),
    })
    .into_response())
}

/// The claims of a valid bearer token for ACS; else why not (no secret).
fn bearer_claims(
    app: &crate::emulator::app::App,
    headers: &HeaderMap,
) -> Result<Map<String, Value>, &'static str> {
    let authorization = header_str(headers, AUTHORIZATION.as_str())
        .ok_or("The Authorization header with the Teams user's Entra token is missing.")?;
    let token = tokens::bearer_token(authorization).ok_or(
        "The Authorization header must carry the Teams user's Entra token as a Bearer token.",
    )?;
    tokens::verify_for(app, token, ACS_AUDIENCE).map_err(|rejection| rejection.describe())
}

fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> &'a str {
    claims.get(name).and_then(Value::as_str).unwrap_or("")
}

fn key_of(tenant_id: &str, object_id: &str) -> Result<String, AcsError> {
    Ok(TeamsExtensionAssignment::key(
        &uuid_field(tenant_id, "tenantId")?,
        &uuid_field(object_id, "objectId")?,
    ))
}

/// A UUID, in lower-case hyphenated form.
fn uuid_field(value: &str, target: &'static str) -> Result<String, AcsError> {
    Uuid::parse_str(value.trim())
        .map(|uuid| uuid.hyphenated().to_string())
        .map_err(|_| AcsError::validation(target, format!("The {target} must be a UUID.")))
}

fn principal_type(value: Option<&str>) -> Result<String, AcsError> {
    let value = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            AcsError::validation("principalType", "The principalType field is required.")
        })?;
    PRINCIPAL_TYPES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(value))
        .map(|known| known.to_string())
        .ok_or_else(|| {
            AcsError::validation(
                "principalType",
                format!(
                    "The principalType must be one of {}.",
                    PRINCIPAL_TYPES.join(", ")
                ),
            )
        })
}

/// Each a UUID; duplicates dropped, order kept.
fn client_ids(ids: &[String]) -> Result<Vec<String>, AcsError> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    let mut checked = Vec::with_capacity(ids.len());
    for id in ids {
        let id = uuid_field(id, "clientIds")?;
        if seen.insert(id.clone()) {
            checked.push(id);
        }
    }
    Ok(checked)
}

fn wire(assignment: TeamsExtensionAssignment) -> AssignmentResponse {
    AssignmentResponse {
        object_id: assignment.object_id,
        tenant_id: assignment.tenant_id,
        principal_type: assignment.principal_type,
        client_ids: assignment.client_ids,
    }
}

fn assignment_not_found() -> AcsError {
    AcsError::new(
        StatusCode::NOT_FOUND,
        "AssignmentNotFound",
        "The Teams Phone extension assignment was not found.",
    )
}
