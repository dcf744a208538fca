//! ARM long-running operations: asynchronous APIM user deletes (the emulator's
//! `with_async_deletes` mode) and their two monitors, as ARM serves them.
//!
//! A delete answers 202 with `Azure-AsyncOperation` (→ `…/operationStatuses/{id}`,
//! always 200 with `{"id","name","status","startTime","endTime"?,"error"?}`),
//! `Location` (→ `…/operationResults/{id}`: 202 while running, 204 once done,
//! the error status if it failed) and `Retry-After`. Each status check of
//! either URL counts as a poll; the configured poll (default the second)
//! completes the operation: the user is deleted then, unless it changed since
//! (its ETag no longer matches the delete's `If-Match`: the operation fails
//! with `PreconditionFailed`). Operations live in the state (a restart does not
//! lose them); finished ones are kept, the oldest dropped past
//! [`MAX_FINISHED`].

use axum::Json;
use axum::http::header::{LOCATION, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use serde_json::json;
use uuid::Uuid;

use super::ApimCall;
use super::error::ArmError;
use super::etag;
use crate::emulator::store::{ArmOperation, ArmOperationStatus, State};

/// Finished operations kept for later status checks.
pub(crate) const MAX_FINISHED: usize = 1000;

/// The delay ARM asks for between status checks, in seconds.
pub(crate) const RETRY_AFTER_SECONDS: u32 = 1;

/// Accepts the delete of `user_key` (which exists and whose ETag matched):
/// 202 with the monitors' URLs.
pub(crate) async fn accept_delete(
    call: &ApimCall<'_>,
    user_key: String,
    if_match: &str,
) -> Result<Response, ArmError> {
    let new_id = Uuid::new_v4().to_string();
    let operation = ArmOperation {
        user_key,
        if_match: if_match.to_string(),
        polls_left: call.app.config.async_delete_polls(),
        status: ArmOperationStatus::InProgress,
        started_at: Utc::now(),
        ended_at: None,
        error: None,
    };
    // A second delete of a user whose delete is running joins that operation.
    let id = call
        .app
        .store
        .modify(|state| {
            let running = state.arm_operations.iter().find(|(_, op)| {
                op.status == ArmOperationStatus::InProgress && op.user_key == operation.user_key
            });
            if let Some((id, _)) = running {
                return Ok::<_, ArmError>(id.clone());
            }
            state.arm_operations.insert(new_id.clone(), operation);
            Ok(new_id)
        })
        .await?;
    let mut response = StatusCode::ACCEPTED.into_response();
    let headers = response.headers_mut();
    set(
        headers,
        LOCATION,
        &monitor_url(call, "operationResults", &id),
    );
    set(
        headers,
        HeaderName::from_static("azure-asyncoperation"),
        &monitor_url(call, "operationStatuses", &id),
    );
    set(headers, RETRY_AFTER, &RETRY_AFTER_SECONDS.to_string());
    Ok(response)
}

/// `GET …/operationStatuses/{id}` → 200 with the status.
pub(crate) async fn status(call: &ApimCall<'_>, id: &str) -> Result<Response, ArmError> {
    let operation = poll(call, id).await?;
    let mut body = json!({
        "id": format!("{}/operationStatuses/{id}", call.service_id),
        "name": id,
        "status": operation.status.as_str(),
        "startTime": operation.started_at.to_rfc3339_opts(SecondsFormat::Millis, true),
    });
    if let Some(ended) = operation.ended_at {
        body["endTime"] = json!(ended.to_rfc3339_opts(SecondsFormat::Millis, true));
    }
    if let Some((code, message)) = &operation.error {
        body["error"] = json!({"code": code, "message": message});
    }
    let mut response = Json(body).into_response();
    if operation.status == ArmOperationStatus::InProgress {
        set(
            response.headers_mut(),
            RETRY_AFTER,
            &RETRY_AFTER_SECONDS.to_string(),
        );
    }
    Ok(response)
}

/// `GET …/operationResults/{id}` → 202 while running, 204 once done, the
/// error if it failed.
pub(crate) async fn result(call: &ApimCall<'_>, id: &str) -> Result<Response, ArmError> {
    let operation = poll(call, id).await?;
    match operation.status {
        ArmOperationStatus::InProgress => {
            let mut response = StatusCode::ACCEPTED.into_response();
            let headers = response.headers_mut();
            set(
                headers,
                LOCATION,
                &monitor_url(call, "operationResults", id),
            );
            set(headers, RETRY_AFTER, &RETRY_AFTER_SECONDS.to_string());
            Ok(response)
        }
        ArmOperationStatus::Succeeded => Ok(StatusCode::NO_CONTENT.into_response()),
        ArmOperationStatus::Failed => {
            let (code, message) = operation.error.unwrap_or_default();
            Err(failure(&code, message))
        }
    }
}

/// Counts a status check and, on the last one, completes the operation.
async fn poll(call: &ApimCall<'_>, id: &str) -> Result<ArmOperation, ArmError> {
    call.app
        .store
        .modify(|state| {
            let Some(operation) = state.arm_operations.get(id) else {
                return Err(ArmError::not_found(format!(
                    "The operation '{id}' was not found."
                )));
            };
            if operation.status != ArmOperationStatus::InProgress {
                return Ok(operation.clone());
            }
            let mut operation = operation.clone();
            operation.polls_left = operation.polls_left.saturating_sub(1);
            if operation.polls_left == 0 {
                complete(state, &mut operation);
            }
            state
                .arm_operations
                .insert(id.to_string(), operation.clone());
            forget_oldest_finished(state);
            Ok(operation)
        })
        .await
}

/// Deletes the user unless it changed since the delete was accepted.
fn complete(state: &mut State, operation: &mut ArmOperation) {
    let current = state
        .apim_users
        .get(&operation.user_key)
        .map(|user| etag::of_version(user.version));
    match current {
        Some(etag) if !etag::matches(&operation.if_match, &etag) => {
            operation.status = ArmOperationStatus::Failed;
            operation.error = Some((
                "PreconditionFailed".to_string(),
                "The user changed after the delete was accepted: its ETag no longer matches."
                    .to_string(),
            ));
        }
        _ => {
            state.apim_users.remove(&operation.user_key);
            operation.status = ArmOperationStatus::Succeeded;
        }
    }
    operation.ended_at = Some(Utc::now());
}

/// Keeps at most [`MAX_FINISHED`] finished operations.
fn forget_oldest_finished(state: &mut State) {
    let mut finished: Vec<_> = state
        .arm_operations
        .iter()
        .filter(|(_, op)| op.status != ArmOperationStatus::InProgress)
        .map(|(id, op)| (op.ended_at, id.clone()))
        .collect();
    let Some(excess) = finished.len().checked_sub(MAX_FINISHED) else {
        return;
    };
    finished.sort_unstable();
    for (_, id) in finished.into_iter().take(excess) {
        state.arm_operations.remove(&id);
    }
}

fn failure(code: &str, message: String) -> ArmError {
    match code {
        "PreconditionFailed" => ArmError::precondition_failed(message),
        _ => ArmError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        ),
    }
}

/// An absolute monitor URL on the origin the client used, with its api-version.
fn monitor_url(call: &ApimCall<'_>, kind: &str, id: &str) -> String {
    format!(
        "{}{}/{kind}/{id}?api-version={}",
        call.origin, call.service_id, call.version.name
    )
}

fn set(headers: &mut axum::http::HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}
