//! Adapter over the generated ACS identity client.
//!
//! Operations are the canonical ones of the binding table
//! (`src/codegen/bindings.rs`), whatever the spec calls them; each exists
//! only where the build's spec has it (`bound!`). Request bodies are built
//! and responses read through their JSON wire names (stable across
//! api-versions), so only canonical names tie this file to the generated code.

use chrono::{DateTime, Utc};
use progenitor_client::ClientInfo;
use serde::Serialize;
use serde_json::{Value, json};

use super::{bound, from_wire, to_wire};
use crate::AccessToken;
use crate::error::{Error, ErrorKind, Result};
use crate::generated::acs_identity as generated;
use crate::pipeline::{CallContext, Pipeline, run};

pub use generated::{BOUND_OPERATIONS, Client};

super::pipeline_hooks!(generated::Client);

const MODULE: &str = "acs_identity";

/// `POST /identities`.
pub const CREATE_IDENTITY: &str = "create_identity";
/// `customId` in the `POST /identities` body (2025-03-02-preview).
pub const CREATE_IDENTITY_CUSTOM_ID: &str = "create_identity.customId";
/// `GET /identities/{id}` (2025-03-02-preview).
pub const GET_IDENTITY: &str = "get_identity";
/// `DELETE /identities/{id}`.
pub const DELETE_IDENTITY: &str = "delete_identity";
/// `POST /identities/{id}/:issueAccessToken`.
pub const ISSUE_ACCESS_TOKEN: &str = "issue_access_token";
/// `POST /identities/{id}/:revokeAccessTokens`.
pub const REVOKE_ACCESS_TOKENS: &str = "revoke_access_tokens";
/// `POST /teamsUser/:exchangeAccessToken`.
pub const EXCHANGE_TEAMS_USER_ACCESS_TOKEN: &str = "exchange_teams_user_access_token";
/// `POST /access/teamsExtension/:exchangeAccessToken` (2025-06-30).
pub const EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN: &str = "exchange_teams_extension_access_token";
/// `GET /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}` (2025-06-30).
pub const GET_TEAMS_EXTENSION_ASSIGNMENT: &str = "get_teams_extension_assignment";
/// `PUT …/assignments/{objectId}` (2025-06-30).
pub const UPSERT_TEAMS_EXTENSION_ASSIGNMENT: &str = "upsert_teams_extension_assignment";
/// `DELETE …/assignments/{objectId}` (2025-06-30).
pub const DELETE_TEAMS_EXTENSION_ASSIGNMENT: &str = "delete_teams_extension_assignment";

/// A generated client for `endpoint` that sends through `pipeline`.
pub fn client(endpoint: &str, http: reqwest::Client, pipeline: Pipeline) -> Client {
    Client::new_with_client(endpoint.trim_end_matches('/'), http, pipeline)
}

/// The api-version of the spec the build used (`info.version`).
pub fn default_api_version() -> &'static str {
    <Client as ClientInfo<Pipeline>>::api_version()
}

/// `Ok` when the build's spec has `binding` (one of the constants above),
/// else `Unsupported`, naming it and `api_version` (the one the client sends).
pub fn require(binding: &str, api_version: &str) -> Result<()> {
    super::require(
        MODULE,
        BOUND_OPERATIONS,
        binding,
        default_api_version(),
        api_version,
    )
}

#[allow(dead_code)] // only the Unsupported twins use it
fn unsupported(binding: &str) -> Error {
    match require(binding, default_api_version()) {
        Err(error) => error,
        Ok(()) => Error::new(
            ErrorKind::Unsupported,
            format!("{binding} is bound but its adapter was not compiled"),
        ),
    }
}

bound! { "acs_identity::create_identity";
    /// `POST /identities`: a new identity (the same one again for a known
    /// `custom_id`), and a token when `scopes` is not empty.
    pub async fn create_identity(
        client: &Client,
        context: CallContext,
        api_version: &str,
        custom_id: Option<&str>,
        scopes: &[String],
        expires_in_minutes: Option<u32>,
    ) -> Result<(String, Option<AccessToken>)> {
        if custom_id.is_some() {
            // A model without customId would drop it silently.
            require(CREATE_IDENTITY_CUSTOM_ID, api_version)?;
        }
        let body: generated::types::CreateIdentityRequest = from_wire(&CreateIdentityWire {
            custom_id,
            create_token_with_scopes: scopes,
            expires_in_minutes,
        })?;
        let call = client
            .create_identity()
            .api_version(api_version)
            .body(body)
            .send();
        identity_and_token(to_wire(run(context, call).await?.into_inner())?)
    }
}

bound! { "acs_identity::get_identity";
    /// `GET /identities/{id}` → `{"id", "customId"?, "lastTokenIssuedAt"?}`.
    pub async fn get_identity(
        client: &Client,
        context: CallContext,
        api_version: &str,
        id: &str,
    ) -> Result<Value> {
        let call = client.get_identity().api_version(api_version).id(id).send();
        to_wire(run(context, call).await?.into_inner())
    }
}

bound! { "acs_identity::issue_access_token";
    /// `POST /identities/{id}/:issueAccessToken`.
    pub async fn issue_access_token(
        client: &Client,
        context: CallContext,
        api_version: &str,
        id: &str,
        scopes: &[String],
        expires_in_minutes: Option<u32>,
    ) -> Result<AccessToken> {
        let body: generated::types::IssueAccessTokenRequest = from_wire(&IssueAccessTokenWire {
            scopes,
            expires_in_minutes,
        })?;
        let call = client
            .issue_access_token()
            .api_version(api_version)
            .id(id)
            .body(body)
            .send();
        access_token(to_wire(run(context, call).await?.into_inner())?)
    }
}

bound! { "acs_identity::revoke_access_tokens";
    /// `POST /identities/{id}/:revokeAccessTokens`.
    pub async fn revoke_access_tokens(
        client: &Client,
        context: CallContext,
        api_version: &str,
        id: &str,
    ) -> Result<()> {
        let call = client
            .revoke_access_tokens()
            .api_version(api_version)
            .id(id)
            .send();
        run(context, call).await.map(|_| ())
    }
}

bound! { "acs_identity::delete_identity";
    /// `DELETE /identities/{id}`.
    pub async fn delete_identity(
        client: &Client,
        context: CallContext,
        api_version: &str,
        id: &str,
    ) -> Result<()> {
        let call = client.delete_identity().api_version(api_version).id(id).send();
        run(context, call).await.map(|_| ())
    }
}

bound! { "acs_identity::exchange_teams_user_access_token";
    /// `POST /teamsUser/:exchangeAccessToken`.
    pub async fn exchange_teams_user_access_token(
        client: &Client,
        context: CallContext,
        api_version: &str,
        teams_token: &str,
        app_id: &str,
        user_id: &str,
    ) -> Result<AccessToken> {
        let body: generated::types::ExchangeTeamsUserAccessTokenRequest =
            from_wire(&json!({ "token": teams_token, "appId": app_id, "userId": user_id }))?;
        let call = client
            .exchange_teams_user_access_token()
            .api_version(api_version)
            .body(body)
            .send();
        access_token(to_wire(run(context, call).await?.into_inner())?)
    }
}

bound! { "acs_identity::exchange_teams_extension_access_token";
    /// `POST /access/teamsExtension/:exchangeAccessToken` with `{}`; the
    /// context carries the Teams user's token as its own bearer.
    pub async fn exchange_teams_extension_access_token(
        client: &Client,
        context: CallContext,
        api_version: &str,
    ) -> Result<(String, Option<AccessToken>)> {
        let body: generated::types::ExchangeTeamsExtensionAccessTokenRequest =
            from_wire(&json!({}))?;
        let call = client
            .exchange_teams_extension_access_token()
            .api_version(api_version)
            .body(body)
            .send();
        identity_and_token(to_wire(run(context, call).await?.into_inner())?)
    }
}

bound! { "acs_identity::get_teams_extension_assignment";
    /// `GET /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}`.
    pub async fn get_teams_extension_assignment(
        client: &Client,
        context: CallContext,
        api_version: &str,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<Value> {
        let call = client
            .get_teams_extension_assignment()
            .api_version(api_version)
            .tenant_id(tenant_id)
            .object_id(object_id)
            .send();
        to_wire(run(context, call).await?.into_inner())
    }
}

bound! { "acs_identity::upsert_teams_extension_assignment";
    /// `PUT …/assignments/{objectId}` with `{"principalType", "clientIds"?}`.
    pub async fn upsert_teams_extension_assignment(
        client: &Client,
        context: CallContext,
        api_version: &str,
        tenant_id: &str,
        object_id: &str,
        body: Value,
    ) -> Result<Value> {
        let body: generated::types::UpsertTeamsExtensionAssignmentRequest = from_wire(&body)?;
        let call = client
            .upsert_teams_extension_assignment()
            .api_version(api_version)
            .tenant_id(tenant_id)
            .object_id(object_id)
            .body(body)
            .send();
        to_wire(run(context, call).await?.into_inner())
    }
}

bound! { "acs_identity::delete_teams_extension_assignment";
    /// `DELETE …/assignments/{objectId}`.
    pub async fn delete_teams_extension_assignment(
        client: &Client,
        context: CallContext,
        api_version: &str,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<()> {
        let call = client
            .delete_teams_extension_assignment()
            .api_version(api_version)
            .tenant_id(tenant_id)
            .object_id(object_id)
            .send();
        run(context, call).await.map(|_| ())
    }
}

/// The `POST /identities` body, by wire name.
#[allow(dead_code)] // only bound adapters use it
#[derive(Serialize)]
struct CreateIdentityWire<'a> {
    #[serde(rename = "customId", skip_serializing_if = "Option::is_none")]
    custom_id: Option<&'a str>,
    #[serde(
        rename = "createTokenWithScopes",
        skip_serializing_if = "<[_]>::is_empty"
    )]
    create_token_with_scopes: &'a [String],
    #[serde(rename = "expiresInMinutes", skip_serializing_if = "Option::is_none")]
    expires_in_minutes: Option<u32>,
}

/// The `POST /identities/{id}/:issueAccessToken` body, by wire name.
#[allow(dead_code)] // only bound adapters use it
#[derive(Serialize)]
struct IssueAccessTokenWire<'a> {
    scopes: &'a [String],
    #[serde(rename = "expiresInMinutes", skip_serializing_if = "Option::is_none")]
    expires_in_minutes: Option<u32>,
}

/// `{"identity": {"id"}, "accessToken"?}` → the id and the token, if any.
#[allow(dead_code)] // only bound adapters use it
fn identity_and_token(mut result: Value) -> Result<(String, Option<AccessToken>)> {
    let id = field(&mut result, "identity")
        .and_then(|identity| take_string(identity, "id"))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| invalid_response("the answer names no identity"))?;
    let token = match field(&mut result, "accessToken").map(Value::take) {
        None | Some(Value::Null) => None,
        Some(token) => Some(access_token(token)?),
    };
    Ok((id, token))
}

/// `{"token", "expiresOn"}` → [`AccessToken`] (the token moved, not copied).
#[allow(dead_code)] // only bound adapters use it
fn access_token(mut value: Value) -> Result<AccessToken> {
    // The generated type keeps the service's text (see
    // codegen::fixups::dates_as_strings): this is the one parse.
    let expires_on = field(&mut value, "expiresOn")
        .and_then(|t| t.as_str())
        .ok_or_else(|| invalid_response("the access token has no expiresOn"))?;
    let expires_on = DateTime::parse_from_rfc3339(expires_on)
        .map_err(|_| {
            invalid_response(
                "the service's answer could not be read: the access token's expiresOn is not an RFC 3339 date-time",
            )
        })?
        .with_timezone(&Utc);
    let token = take_string(&mut value, "token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_response("the access token is missing"))?;
    Ok(AccessToken::new(token, expires_on))
}

/// The member `name` of `value` if it is an object. Neither `value[name]`
/// (`IndexMut` panics on a value that is not an object) nor a JSON pointer
/// (`pointer_mut` allocates for every segment).
#[allow(dead_code)] // only bound adapters use it
fn field<'a>(value: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    value.as_object_mut()?.get_mut(name)
}

/// The string member `name` of `value`, moved out of the tree (`None` for
/// anything else).
#[allow(dead_code)] // only bound adapters use it
fn take_string(value: &mut Value, name: &str) -> Option<String> {
    match field(value, name).map(Value::take) {
        Some(Value::String(text)) => Some(text),
        _ => None,
    }
}

#[allow(dead_code)] // only bound adapters use it
fn invalid_response(message: &str) -> Error {
    Error::new(ErrorKind::InvalidResponse, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_any_shape_are_read_without_panicking() {
        let (id, token) = identity_and_token(json!({
            "identity": {"id": "8:acs:u"},
            "accessToken": {"token": "t", "expiresOn": "2030-01-01T00:00:00Z"}
        }))
        .unwrap();
        assert_eq!(id, "8:acs:u");
        assert_eq!(token.unwrap().token.expose(), "t");
        let (_, token) = identity_and_token(json!({"identity": {"id": "8:acs:u"}})).unwrap();
        assert!(token.is_none());
        for odd in [
            json!("text"),
            json!({"identity": "8:acs:u"}),
            json!({"identity": {"id": 7}}),
            json!({"identity": {"id": ""}}),
            json!({"identity": {"id": "8:acs:u"}, "accessToken": "t"}),
            json!({"identity": {"id": "8:acs:u"}, "accessToken": {"token": "t"}}),
            json!({"identity": {"id": "8:acs:u"}, "accessToken": {"token": 1, "expiresOn": "2030-01-01T00:00:00Z"}}),
        ] {
            let err = identity_and_token(odd.clone()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{odd}: {err}");
        }
        assert_eq!(
            access_token(json!([1])).unwrap_err().kind(),
            ErrorKind::InvalidResponse
        );
    }

    #[test]
    fn every_binding_name_is_in_the_binding_table() {
        let table = crate::codegen::bindings::all_cfg_values();
        for name in [
            CREATE_IDENTITY,
            CREATE_IDENTITY_CUSTOM_ID,
            GET_IDENTITY,
            DELETE_IDENTITY,
            ISSUE_ACCESS_TOKEN,
            REVOKE_ACCESS_TOKENS,
            EXCHANGE_TEAMS_USER_ACCESS_TOKEN,
            EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN,
            GET_TEAMS_EXTENSION_ASSIGNMENT,
            UPSERT_TEAMS_EXTENSION_ASSIGNMENT,
            DELETE_TEAMS_EXTENSION_ASSIGNMENT,
        ] {
            assert!(table.contains(&format!("{MODULE}::{name}")), "{name}");
        }
    }

    #[test]
    fn an_absent_binding_is_unsupported_naming_operation_route_and_versions() {
        let err = super::super::require(
            MODULE,
            &["create_identity"],
            GET_IDENTITY,
            "2025-06-30",
            "2025-06-30",
        )
        .unwrap_err();
        assert!(err.is_unsupported());
        assert_eq!(
            err.message(),
            "get_identity (GET /identities/{id}) is not supported by this build: the acs_identity spec \
             it was generated from, api-version 2025-06-30, does not have it; rebuild from a spec that \
             does (see REGENERATING.md)"
        );
        let err = super::super::require(
            MODULE,
            &["create_identity"],
            CREATE_IDENTITY_CUSTOM_ID,
            "2025-06-30",
            "2025-03-02-preview",
        )
        .unwrap_err();
        assert!(
            err.message().starts_with(
                "`customId` in the request of create_identity (POST /identities) is not supported"
            ),
            "{err}"
        );
        assert!(
            err.message()
                .contains("(this client sends api-version 2025-03-02-preview)"),
            "{err}"
        );
        assert!(
            super::super::require(MODULE, &["create_identity"], CREATE_IDENTITY, "x", "y").is_ok()
        );
    }
}
