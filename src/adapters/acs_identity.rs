//! Adapter over the generated ACS identity client.
//!
//! Request bodies are built and responses read through their JSON wire
//! names (stable across api-versions), so only operation and definition
//! names tie this file to the generated code.

use chrono::{DateTime, Utc};
use progenitor_client::ClientInfo;
use serde_json::{Value, json};

use super::{from_wire, to_wire};
use crate::AccessToken;
use crate::error::{Error, ErrorKind, Result};
use crate::generated::acs_identity as generated;
use crate::pipeline::{CallContext, Pipeline, run};

pub use generated::Client;

super::pipeline_hooks!(generated::Client);

/// A generated client for `endpoint` that sends through `pipeline`.
pub fn client(endpoint: &str, http: reqwest::Client, pipeline: Pipeline) -> Client {
    Client::new_with_client(endpoint.trim_end_matches('/'), http, pipeline)
}

/// The api-version of the spec the build used (`info.version`).
pub fn default_api_version() -> &'static str {
    <Client as ClientInfo<Pipeline>>::api_version()
}

/// `POST /identities`: a new identity, and a token when `scopes` is not empty.
pub async fn create_identity(
    client: &Client,
    context: CallContext,
    api_version: &str,
    scopes: &[String],
    expires_in_minutes: Option<u32>,
) -> Result<(String, Option<AccessToken>)> {
    let mut body = serde_json::Map::new();
    if !scopes.is_empty() {
        body.insert("createTokenWithScopes".into(), json!(scopes));
    }
    if let Some(minutes) = expires_in_minutes {
        body.insert("expiresInMinutes".into(), json!(minutes));
    }
    let body: generated::types::CommunicationIdentityCreateRequest =
        from_wire(Value::Object(body))?;
    let call = client
        .communication_identity_create()
        .api_version(api_version)
        .body(body)
        .send();
    let result = to_wire(run(context, call).await?.into_inner())?;
    let id = result["identity"]["id"]
        .as_str()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| invalid_response("the created identity has no id"))?
        .to_string();
    let token = match &result["accessToken"] {
        Value::Null => None,
        token => Some(access_token(token)?),
    };
    Ok((id, token))
}

/// `POST /identities/{id}/:issueAccessToken`.
pub async fn issue_access_token(
    client: &Client,
    context: CallContext,
    api_version: &str,
    id: &str,
    scopes: &[String],
    expires_in_minutes: Option<u32>,
) -> Result<AccessToken> {
    let mut body = json!({ "scopes": scopes });
    if let Some(minutes) = expires_in_minutes {
        body["expiresInMinutes"] = json!(minutes);
    }
    let body: generated::types::CommunicationIdentityAccessTokenRequest = from_wire(body)?;
    let call = client
        .communication_identity_issue_access_token()
        .api_version(api_version)
        .id(id)
        .body(body)
        .send();
    access_token(&to_wire(run(context, call).await?.into_inner())?)
}

/// `POST /identities/{id}/:revokeAccessTokens`.
pub async fn revoke_access_tokens(
    client: &Client,
    context: CallContext,
    api_version: &str,
    id: &str,
) -> Result<()> {
    let call = client
        .communication_identity_revoke_access_tokens()
        .api_version(api_version)
        .id(id)
        .send();
    run(context, call).await.map(|_| ())
}

/// `DELETE /identities/{id}`.
pub async fn delete_identity(
    client: &Client,
    context: CallContext,
    api_version: &str,
    id: &str,
) -> Result<()> {
    let call = client
        .communication_identity_delete()
        .api_version(api_version)
        .id(id)
        .send();
    run(context, call).await.map(|_| ())
}

/// `POST /teamsUser/:exchangeAccessToken`.
pub async fn exchange_teams_user_access_token(
    client: &Client,
    context: CallContext,
    api_version: &str,
    teams_token: &str,
    app_id: &str,
    user_id: &str,
) -> Result<AccessToken> {
    let body: generated::types::TeamsUserExchangeTokenRequest =
        from_wire(json!({ "token": teams_token, "appId": app_id, "userId": user_id }))?;
    let call = client
        .communication_identity_exchange_teams_user_access_token()
        .api_version(api_version)
        .body(body)
        .send();
    access_token(&to_wire(run(context, call).await?.into_inner())?)
}

/// `{"token", "expiresOn"}` → [`AccessToken`].
fn access_token(value: &Value) -> Result<AccessToken> {
    let token = value["token"]
        .as_str()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_response("the access token is missing"))?;
    let expires_on = value["expiresOn"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or_else(|| invalid_response("the access token has no valid expiresOn"))?
        .with_timezone(&Utc);
    Ok(AccessToken::new(token, expires_on))
}

fn invalid_response(message: &str) -> Error {
    Error::new(ErrorKind::InvalidResponse, message)
}
