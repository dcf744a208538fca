//! Identity operations: create (optionally with a token), issue a token,
//! revoke tokens, delete.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use uuid::Uuid;

use super::access_token;
use super::error::AcsError;
use super::validation::{self, optional_json};
use super::wire::{
    CommunicationIdentity, CreateIdentityRequest, CreateIdentityResponse, IssueTokenRequest,
};
use crate::emulator::app::SharedApp;
use crate::emulator::store::Identity;

/// `POST /identities` → 201 with the new id and, if scopes were asked for, a token.
pub(crate) async fn create(
    State(app): State<SharedApp>,
    body: Bytes,
) -> Result<Response, AcsError> {
    let request: CreateIdentityRequest = optional_json(&body)?;
    let minutes = validation::expires_in_minutes(request.expires_in_minutes)?;
    let scopes = validation::scopes(request.create_token_with_scopes.as_deref().unwrap_or(&[]))?;

    let id = format!("8:acs:{}_{}", app.config.resource_id(), Uuid::new_v4());
    let identity = Identity {
        created_at: Utc::now(),
        tokens_revoked_at: None,
    };
    app.store
        .modify(|state| {
            state.identities.insert(id.clone(), identity);
            Ok::<_, AcsError>(())
        })
        .await?;
    let access_token =
        (!scopes.is_empty()).then(|| access_token::issue(&app, skype_id(&id), &scopes, minutes));
    tracing::debug!(scopes = scopes.len(), "identity created");
    Ok((
        StatusCode::CREATED,
        Json(CreateIdentityResponse {
            identity: CommunicationIdentity { id },
            access_token,
        }),
    )
        .into_response())
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
    if !app.store.read(|state| state.identities.contains_key(&id)) {
        return Err(AcsError::identity_not_found());
    }
    let token = access_token::issue(&app, skype_id(&id), &scopes, minutes);
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

/// `DELETE /identities/{id}` → 204; later calls for the id get 404.
pub(crate) async fn delete(
    State(app): State<SharedApp>,
    Path(id): Path<String>,
) -> Result<StatusCode, AcsError> {
    app.store
        .modify(|state| match state.identities.remove(&id) {
            Some(_) => Ok(()),
            None => Err(AcsError::identity_not_found()),
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The `skypeid` claim: the id without its `8:` prefix.
fn skype_id(id: &str) -> &str {
    id.strip_prefix("8:").unwrap_or(id)
}
