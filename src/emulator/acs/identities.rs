//! Identity operations: create (optionally with a token, and under
//! 2025-03-02-preview idempotently by `customId`), get, issue a token, revoke
//! tokens, delete.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{Duration, Utc};
use uuid::Uuid;

use super::access_token::{self, expires_on_text};
use super::api_versions::ApiVersion;
use super::error::AcsError;
use super::validation::{self, optional_json};
use super::wire::{
    CommunicationIdentity, CreateIdentityRequest, CreateIdentityResponse, IssueTokenRequest,
};
use crate::emulator::app::SharedApp;
use crate::emulator::store::Identity;

/// The longest `customId` the service takes.
pub(crate) const MAX_CUSTOM_ID_CHARS: usize = 256;

/// `POST /identities` → 201 with the id and, if scopes were asked for, a token.
///
/// With a `customId` (2025-03-02-preview) the same custom id always gives the
/// same identity, and the answer stays 201: that version's spec declares no
/// other success status, so a 200 would break its generated clients.
pub(crate) async fn create(
    State(app): State<SharedApp>,
    Extension(version): Extension<&'static ApiVersion>,
    body: Bytes,
) -> Result<Response, AcsError> {
    let request: CreateIdentityRequest = optional_json(&body)?;
    let minutes = validation::expires_in_minutes(request.expires_in_minutes)?;
    let scopes = validation::scopes(request.create_token_with_scopes.as_deref().unwrap_or(&[]))?;
    let custom_id = match request.custom_id.filter(|_| version.custom_id) {
        Some(custom_id) => Some(checked_custom_id(custom_id)?),
        None => None,
    };

    let now = Utc::now();
    let issues_token = !scopes.is_empty();
    let new_id = format!("8:acs:{}_{}", app.config.resource_id(), Uuid::new_v4());
    let (id, identity) = app
        .store
        .modify(|state| {
            let existing = custom_id
                .as_ref()
                .and_then(|custom_id| state.custom_ids.get(custom_id))
                .and_then(|id| Some((id.clone(), state.identities.get(id)?.clone())));
            let (id, mut identity) = existing.unwrap_or_else(|| {
                let identity = Identity {
                    created_at: now,
                    tokens_revoked_at: None,
                    custom_id: custom_id.clone(),
                    last_token_issued_at: None,
                };
                (new_id, identity)
            });
            if issues_token {
                identity.last_token_issued_at = Some(now);
            }
            // Only rows that change are written: a repeated create by
            // customId without a token is not a change.
            if state.identities.get(&id) != Some(&identity) {
                state.identities.insert(id.clone(), identity.clone());
            }
            if let Some(custom_id) = custom_id
                && state.custom_ids.get(&custom_id) != Some(&id)
            {
                state.custom_ids.insert(custom_id, id.clone());
            }
            Ok::<_, AcsError>((id, identity))
        })
        .await?;
    let access_token = issues_token.then(|| {
        access_token::issue_until(
            &app,
            skype_id(&id),
            &scopes,
            now,
            now + Duration::minutes(minutes),
        )
    });
    tracing::debug!(scopes = scopes.len(), "identity created");
    Ok((
        StatusCode::CREATED,
        Json(CreateIdentityResponse {
            identity: wire_identity(version, id, &identity),
            access_token,
        }),
    )
        .into_response())
}

/// `GET /identities/{id}` → 200 `{"id","customId"?,"lastTokenIssuedAt"?}`.
pub(crate) async fn get(
    State(app): State<SharedApp>,
    Extension(version): Extension<&'static ApiVersion>,
    Path(id): Path<String>,
) -> Result<Response, AcsError> {
    let identity = app
        .store
        .read(|state| state.identities.get(&id).cloned())
        .ok_or_else(AcsError::identity_not_found)?;
    Ok(Json(wire_identity(version, id, &identity)).into_response())
}

/// `POST /identities/{id}/:issueAccessToken` → 200 `{"token","expiresOn"}`.
pub(crate) async fn issue_token(
    State(app): State<SharedApp>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AcsError> {
    let request: IssueTokenRequest = optional_json(&body)?;
    let requested = request.scopes.unwrap_or_default();
    if requested.is_empty() {
        return Err(AcsError::validation(
            "Scopes",
            "The Scopes field is required and must name at least one scope.",
        ));
    }
    let scopes = validation::scopes(&requested)?;
    let minutes = validation::expires_in_minutes(request.expires_in_minutes)?;
    let now = Utc::now();
    app.store
        .modify(|state| match state.identities.get_mut(&id) {
            Some(identity) => {
                identity.last_token_issued_at = Some(now);
                Ok(())
            }
            None => Err(AcsError::identity_not_found()),
        })
        .await?;
    let token = access_token::issue_until(
        &app,
        skype_id(&id),
        &scopes,
        now,
        now + Duration::minutes(minutes),
    );
    Ok(Json(token).into_response())
}

/// `POST /identities/{id}/:revokeAccessTokens` → 204; records the time.
pub(crate) async fn revoke(
    State(app): State<SharedApp>,
    Path(id): Path<String>,
) -> Result<StatusCode, AcsError> {
    let now = Utc::now();
    app.store
        .modify(|state| match state.identities.get_mut(&id) {
            Some(identity) => {
                identity.tokens_revoked_at = Some(now);
                Ok(())
            }
            None => Err(AcsError::identity_not_found()),
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /identities/{id}` → 204; later calls for the id get 404, and its
/// custom id is free again.
pub(crate) async fn delete(
    State(app): State<SharedApp>,
    Path(id): Path<String>,
) -> Result<StatusCode, AcsError> {
    app.store
        .modify(|state| match state.identities.remove(&id) {
            Some(identity) => {
                if let Some(custom_id) = identity.custom_id {
                    state.custom_ids.remove(&custom_id);
                }
                Ok(())
            }
            None => Err(AcsError::identity_not_found()),
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 1 to 256 characters, as the preview's spec says.
fn checked_custom_id(custom_id: String) -> Result<String, AcsError> {
    let chars = custom_id.chars().count();
    if chars == 0 || chars > MAX_CUSTOM_ID_CHARS {
        return Err(AcsError::validation(
            "CustomId",
            format!(
                "The CustomId must be 1 to {MAX_CUSTOM_ID_CHARS} characters long; it has {chars}."
            ),
        ));
    }
    Ok(custom_id)
}

/// The identity as `version` shows it.
fn wire_identity(version: &ApiVersion, id: String, identity: &Identity) -> CommunicationIdentity {
    if !version.custom_id {
        return CommunicationIdentity::id_only(id);
    }
    CommunicationIdentity {
        id,
        custom_id: identity.custom_id.clone(),
        last_token_issued_at: identity.last_token_issued_at.map(expires_on_text),
    }
}

/// The `skypeid` claim: the id without its `8:` prefix.
pub(crate) fn skype_id(id: &str) -> &str {
    id.strip_prefix("8:").unwrap_or(id)
}
