//! `POST /teamsUser/:exchangeAccessToken`: a Teams user's Entra token for an
//! ACS token. The Entra token is checked first (401 `InvalidAccessToken`), then
//! `appId` and `userId` (400), which must match its `appid` and `oid` claims
//! (from 2022-06-01; the earlier previews took the token alone).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use super::access_token;
use super::api_versions::ApiVersion;
use super::error::AcsError;
use super::validation::optional_json;
use super::wire::TeamsExchangeRequest;
use crate::emulator::app::SharedApp;
use crate::emulator::entra::tokens::{self, BearerRejection};

/// The scopes of an exchanged Teams user token.
const TEAMS_SCOPES: [&str; 2] = ["voip", "chat"];

/// Exchanges the token; 200 `{"token","expiresOn"}`.
pub(crate) async fn exchange(
    State(app): State<SharedApp>,
    Extension(version): Extension<&'static ApiVersion>,
    body: Bytes,
) -> Result<Response, AcsError> {
    let request: TeamsExchangeRequest = optional_json(&body)?;
    let token = request.token.unwrap_or_default();
    if token.trim().is_empty() {
        return Err(invalid_token("The Entra access token is missing."));
    }
    let claims = tokens::verify(&app, token.trim()).map_err(|rejection| match rejection {
        BearerRejection::Expired => invalid_token("The Entra access token has expired."),
        BearerRejection::Malformed => invalid_token("The Entra access token is malformed."),
        other => invalid_token(other.describe()),
    })?;
    if version.teams_exchange_checks_ids {
        let app_id = required(request.app_id, "AppId")?;
        let user_id = required(request.user_id, "UserId")?;
        if !claim(&claims, "appid").eq_ignore_ascii_case(&app_id) {
            return Err(AcsError::validation(
                "AppId",
                "The AppId does not match the appid claim of the Entra access token.",
            ));
        }
        if !claim(&claims, "oid").eq_ignore_ascii_case(&user_id) {
            return Err(AcsError::validation(
                "UserId",
                "The UserId does not match the oid claim of the Entra access token.",
            ));
        }
    }
    let user_id = claim(&claims, "oid").to_string();
    let now = Utc::now();
    let entra_expiry = claims
        .get("exp")
        .and_then(Value::as_i64)
        .and_then(|exp| DateTime::from_timestamp(exp, 0))
        .unwrap_or(now);
    let expires_on = entra_expiry.min(now + Duration::hours(24));
    let skype_id = format!("orgid:{}", user_id.to_ascii_lowercase());
    let token = access_token::issue_until(&app, &skype_id, &TEAMS_SCOPES, now, expires_on);
    Ok(Json(token).into_response())
}

fn invalid_token(message: &str) -> AcsError {
    AcsError::new(StatusCode::UNAUTHORIZED, "InvalidAccessToken", message)
}

fn required(value: Option<String>, target: &'static str) -> Result<String, AcsError> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AcsError::validation(target, format!("The {target} field is required.")))
}

fn claim<'a>(claims: &'a serde_json::Map<String, Value>, name: &str) -> &'a str {
    claims.get(name).and_then(Value::as_str).unwrap_or("")
}
