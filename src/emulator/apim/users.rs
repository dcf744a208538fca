//! `User_Get`, `User_GetEntityTag` (HEAD), `User_CreateOrUpdate`, `User_Update`
//! and `User_Delete`.

use axum::Json;
use axum::http::header::ETAG;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::ApimCall;
use super::api_version::DeleteStyle;
use super::error::ArmError;
use super::wire::{UserContract, UserParameters, UserProperties};
use super::{etag, operations};
use crate::emulator::store::{ApimUser, ApimUserIdentity};

/// The states a user can be in.
const STATES: [&str; 4] = ["active", "blocked", "pending", "deleted"];

/// `GET …/users/{userId}` → 200 with `ETag`; `HEAD` the same without a body.
pub(crate) fn get(
    call: &ApimCall<'_>,
    user_id: &str,
    with_body: bool,
) -> Result<Response, ArmError> {
    let user = call
        .app
        .store
        .read(|state| state.apim_users.get(&user_id.to_lowercase()).cloned())
        .ok_or_else(|| user_not_found(user_id))?;
    Ok(if with_body {
        contract_response(StatusCode::OK, &user, call)
    } else {
        with_etag(StatusCode::OK.into_response(), user.version)
    })
}

/// `PUT …/users/{userId}` → 201 when new, 200 when replaced; `If-Match` honoured.
pub(crate) async fn create_or_update(
    call: &ApimCall<'_>,
    user_id: &str,
) -> Result<Response, ArmError> {
    check_user_id(user_id)?;
    let properties = parse_properties(call.body)?;
    let email = required(&properties.email, "email", 254)?;
    if !email.contains('@') {
        return Err(ArmError::validation(
            "email",
            "Email is not a valid email address.",
        ));
    }
    let first_name = required(&properties.first_name, "firstName", 100)?;
    let last_name = required(&properties.last_name, "lastName", 100)?;
    let user_state = state_of(&properties)?;
    let identities = identities_of(&properties)?;
    let if_match = etag::if_match(call.headers);
    let key = user_id.to_lowercase();
    let (status, user) = call
        .app
        .store
        .modify(|state| {
            let existing = state.apim_users.get(&key);
            if let Some(if_match) = if_match {
                let current = existing.map(|u| etag::of_version(u.version));
                if !current.is_some_and(|etag| etag::matches(if_match, &etag)) {
                    return Err(ArmError::precondition_failed(
                        "The If-Match header does not match the entity's current ETag.",
                    ));
                }
            }
            let (status, user) = match existing {
                Some(old) => (
                    StatusCode::OK,
                    ApimUser {
                        email,
                        first_name,
                        last_name,
                        state: user_state.unwrap_or_else(|| old.state.clone()),
                        note: properties.note.clone().or_else(|| old.note.clone()),
                        identities: identities.unwrap_or_else(|| old.identities.clone()),
                        version: old.version + 1,
                        ..old.clone()
                    },
                ),
                None => (
                    StatusCode::CREATED,
                    ApimUser {
                        name: user_id.to_string(),
                        first_name,
                        last_name,
                        state: user_state.unwrap_or_else(|| "active".to_string()),
                        note: properties.note.clone(),
                        registration_date: Utc::now(),
                        identities: identities.unwrap_or_else(|| basic_identity(&email)),
                        email,
                        version: 1,
                    },
                ),
            };
            state.apim_users.insert(key, user.clone());
            Ok((status, user))
        })
        .await?;
    Ok(contract_response(status, &user, call))
}

/// `PATCH …/users/{userId}` → 200; `If-Match` required.
pub(crate) async fn update(call: &ApimCall<'_>, user_id: &str) -> Result<Response, ArmError> {
    let properties = parse_properties(call.body)?;
    let email = optional(&properties.email, "email", 254)?;
    let first_name = optional(&properties.first_name, "firstName", 100)?;
    let last_name = optional(&properties.last_name, "lastName", 100)?;
    let user_state = state_of(&properties)?;
    let identities = identities_of(&properties)?;
    let if_match = etag::if_match(call.headers);
    let key = user_id.to_lowercase();
    let user = call
        .app
        .store
        .modify(|state| {
            let Some(old) = state.apim_users.get(&key) else {
                return Err(user_not_found(user_id));
            };
            etag::require_match(if_match, &etag::of_version(old.version))?;
            let user = ApimUser {
                email: email.unwrap_or_else(|| old.email.clone()),
                first_name: first_name.unwrap_or_else(|| old.first_name.clone()),
                last_name: last_name.unwrap_or_else(|| old.last_name.clone()),
                state: user_state.unwrap_or_else(|| old.state.clone()),
                note: properties.note.clone().or_else(|| old.note.clone()),
                identities: identities.unwrap_or_else(|| old.identities.clone()),
                version: old.version + 1,
                ..old.clone()
            };
            state.apim_users.insert(key, user.clone());
            Ok(user)
        })
        .await?;
    Ok(contract_response(StatusCode::OK, &user, call))
}

/// `DELETE …/users/{userId}` → 204, whether the user existed or not;
/// `If-Match` (`*` or the ETag) required.
///
/// 204 is the one success every api-version's spec allows (2022-08-01 lists
/// 200/204; 2023-05-01-preview on make it a long-running 202/204), so every
/// SDK accepts it. With async deletes on, the long-running versions answer
/// 202 for a user that exists (see [`operations`]).
pub(crate) async fn delete(call: &ApimCall<'_>, user_id: &str) -> Result<Response, ArmError> {
    let Some(if_match) = etag::if_match(call.headers) else {
        return Err(ArmError::precondition_failed(
            "The If-Match header is required: send '*' or the entity's ETag.",
        ));
    };
    let key = user_id.to_lowercase();
    if call.app.config.async_deletes() && call.version.delete == DeleteStyle::LongRunning {
        let current = call.app.store.read(|state| {
            state
                .apim_users
                .get(&key)
                .map(|user| etag::of_version(user.version))
        });
        let Some(current) = current else {
            return Ok(StatusCode::NO_CONTENT.into_response());
        };
        etag::require_match(Some(if_match), &current)?;
        return operations::accept_delete(call, key, if_match).await;
    }
    let if_match = Some(if_match);
    call.app
        .store
        .modify(|state| {
            if let Some(user) = state.apim_users.get(&key) {
                etag::require_match(if_match, &etag::of_version(user.version))?;
                state.apim_users.remove(&key);
            }
            Ok::<_, ArmError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn contract_response(status: StatusCode, user: &ApimUser, call: &ApimCall<'_>) -> Response {
    let body = Json(UserContract::of(user, &call.service_id));
    with_etag((status, body).into_response(), user.version)
}

fn with_etag(mut response: Response, version: u64) -> Response {
    if let Ok(value) = HeaderValue::from_str(&etag::of_version(version)) {
        response.headers_mut().insert(ETAG, value);
    }
    response
}

pub(crate) fn user_not_found(user_id: &str) -> ArmError {
    ArmError::not_found(format!("User '{user_id}' not found.")).with_target("userId")
}

fn check_user_id(user_id: &str) -> Result<(), ArmError> {
    if user_id.is_empty() || user_id.chars().count() > 80 {
        return Err(ArmError::validation(
            "userId",
            "The user id must be 1 to 80 characters.",
        ));
    }
    if user_id.contains(['&', '\n', '/', '?', '#']) {
        return Err(ArmError::validation(
            "userId",
            "The user id must not contain '&', '/', '?', '#' or a line break.",
        ));
    }
    Ok(())
}

fn parse_properties(body: &[u8]) -> Result<UserProperties, ArmError> {
    let parameters: UserParameters =
        serde_json::from_slice(body).map_err(|e| ArmError::unreadable_body(&e))?;
    parameters
        .properties
        .ok_or_else(|| ArmError::validation("properties", "The properties object is required."))
}

fn required(value: &Option<String>, name: &str, max: usize) -> Result<String, ArmError> {
    optional(value, name, max)?
        .ok_or_else(|| ArmError::validation(name, format!("The {name} field is required.")))
}

fn optional(value: &Option<String>, name: &str, max: usize) -> Result<Option<String>, ArmError> {
    match value.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Err(ArmError::validation(
            name,
            format!("The {name} field must not be empty."),
        )),
        Some(text) if text.chars().count() > max => Err(ArmError::validation(
            name,
            format!("The {name} field must be at most {max} characters."),
        )),
        Some(text) => Ok(Some(text.to_string())),
    }
}

fn state_of(properties: &UserProperties) -> Result<Option<String>, ArmError> {
    let Some(state) = properties.state.as_deref() else {
        return Ok(None);
    };
    STATES
        .iter()
        .find(|s| s.eq_ignore_ascii_case(state))
        .map(|s| Some(s.to_string()))
        .ok_or_else(|| {
            ArmError::validation(
                "state",
                format!("The state must be one of {}.", STATES.join(", ")),
            )
        })
}

/// The identities sent, if any; each needs a provider and an id.
fn identities_of(properties: &UserProperties) -> Result<Option<Vec<ApimUserIdentity>>, ArmError> {
    let Some(list) = &properties.identities else {
        return Ok(None);
    };
    list.iter()
        .map(|identity| {
            identity.to_stored().ok_or_else(|| {
                ArmError::validation("identities", "Each identity needs a provider and an id.")
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A new user without identities signs in with its email (`Basic`).
fn basic_identity(email: &str) -> Vec<ApimUserIdentity> {
    vec![ApimUserIdentity {
        provider: "Basic".to_string(),
        id: email.to_string(),
    }]
}
