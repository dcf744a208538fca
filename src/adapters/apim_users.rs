//! Adapter over the generated API Management users client.
//!
//! Operations are the canonical ones of the binding table
//! (`src/codegen/bindings.rs`), each existing only where the build's spec
//! has it (`bound!`). Bodies are built and answers read through their JSON
//! wire names, so only canonical names tie this file to the generated code.

use progenitor_client::ClientInfo;
use serde_json::{Value, json};

use super::{bound, from_wire, to_wire};
use crate::error::{Error, ErrorKind, Result};
use crate::generated::apim_users as generated;
use crate::pipeline::{CallContext, Pipeline, run};

pub use generated::{BOUND_OPERATIONS, Client};

super::pipeline_hooks!(generated::Client);

const MODULE: &str = "apim_users";

/// `GET …/users`.
pub const LIST_USERS: &str = "list_users";
/// `GET …/users/{userId}`.
pub const GET_USER: &str = "get_user";
/// `PUT …/users/{userId}`.
pub const CREATE_OR_UPDATE_USER: &str = "create_or_update_user";
/// `DELETE …/users/{userId}`.
pub const DELETE_USER: &str = "delete_user";
/// `POST …/users/{userId}/token`.
pub const GET_SHARED_ACCESS_TOKEN: &str = "get_shared_access_token";

/// The operation id used for requests that follow a `nextLink`.
pub const LIST_OPERATION: &str = LIST_USERS;
/// The operation id used for a long-running delete's status checks.
pub const DELETE_OPERATION: &str = DELETE_USER;

/// A generated client for the management `endpoint` that sends through `pipeline`.
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

/// Path parameters naming one APIM service.
#[derive(Debug, Clone, Copy)]
pub struct ServicePath<'a> {
    /// Azure subscription id (a UUID).
    pub subscription_id: &'a str,
    /// Resource group name.
    pub resource_group: &'a str,
    /// APIM service name.
    pub service_name: &'a str,
}

bound! { "apim_users::get_shared_access_token";
    /// `POST …/users/{userId}/token` → the token's compact form (`{"value"}`).
    pub async fn get_shared_access_token(
        client: &Client,
        context: CallContext,
        api_version: &str,
        service: ServicePath<'_>,
        user_id: &str,
        key_type: &str,
        expiry: &str,
    ) -> Result<String> {
        let body: generated::types::GetSharedAccessTokenRequest =
            from_wire(json!({"properties": {"keyType": key_type, "expiry": expiry}}))?;
        let call = client
            .get_shared_access_token()
            .subscription_id(service.subscription_id)
            .resource_group_name(service.resource_group)
            .service_name(service.service_name)
            .user_id(user_id)
            .api_version(api_version)
            .body(body)
            .send();
        let result = to_wire(run(context, call).await?.into_inner())?;
        result["value"]
            .as_str()
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| invalid_response("the token response has no value"))
    }
}

bound! { "apim_users::get_user";
    /// `GET …/users/{userId}` → the user's JSON and its ETag.
    pub async fn get_user(
        client: &Client,
        context: CallContext,
        api_version: &str,
        service: ServicePath<'_>,
        user_id: &str,
    ) -> Result<(Value, Option<String>)> {
        let call = client
            .get_user()
            .subscription_id(service.subscription_id)
            .resource_group_name(service.resource_group)
            .service_name(service.service_name)
            .user_id(user_id)
            .api_version(api_version)
            .send();
        let response = run(context, call).await?;
        let etag = etag(response.headers());
        Ok((to_wire(response.into_inner())?, etag))
    }
}

bound! { "apim_users::create_or_update_user";
    /// `PUT …/users/{userId}` with `{"properties": …}` → the user's JSON and ETag.
    pub async fn create_or_update_user(
        client: &Client,
        context: CallContext,
        api_version: &str,
        service: ServicePath<'_>,
        user_id: &str,
        properties: Value,
        if_match: Option<&str>,
    ) -> Result<(Value, Option<String>)> {
        let body: generated::types::CreateOrUpdateUserRequest =
            from_wire(json!({ "properties": properties }))?;
        let mut builder = client
            .create_or_update_user()
            .subscription_id(service.subscription_id)
            .resource_group_name(service.resource_group)
            .service_name(service.service_name)
            .user_id(user_id)
            .api_version(api_version)
            .body(body);
        if let Some(if_match) = if_match {
            builder = builder.if_match(if_match);
        }
        let response = run(context, builder.send()).await?;
        let etag = etag(response.headers());
        Ok((to_wire(response.into_inner())?, etag))
    }
}

bound! { "apim_users::delete_user";
    /// `DELETE …/users/{userId}` with `If-Match` → the answer's status and
    /// headers (a 202 starts a long-running operation for the caller to follow).
    pub async fn delete_user(
        client: &Client,
        context: CallContext,
        api_version: &str,
        service: ServicePath<'_>,
        user_id: &str,
        if_match: &str,
        delete_subscriptions: bool,
    ) -> Result<(u16, reqwest::header::HeaderMap)> {
        let call = client
            .delete_user()
            .subscription_id(service.subscription_id)
            .resource_group_name(service.resource_group)
            .service_name(service.service_name)
            .user_id(user_id)
            .api_version(api_version)
            .if_match(if_match)
            .delete_subscriptions(delete_subscriptions)
            .send();
        let response = run(context, call).await?;
        Ok((response.status().as_u16(), response.headers().clone()))
    }
}

bound! { "apim_users::list_users";
    /// `GET …/users`: the first page, as `{"value": [...], "nextLink"?}`.
    pub async fn list_users_first_page(
        client: &Client,
        context: CallContext,
        api_version: &str,
        service: ServicePath<'_>,
        top: Option<u32>,
    ) -> Result<Value> {
        let mut builder = client
            .list_users()
            .subscription_id(service.subscription_id)
            .resource_group_name(service.resource_group)
            .service_name(service.service_name)
            .api_version(api_version);
        if let Some(top) = top {
            builder = builder.top(top as i32);
        }
        to_wire(run(context, builder.send()).await?.into_inner())
    }
}

bound! { "apim_users::list_users";
    /// Follows a `nextLink` through the same pipeline (auth, retry, tracing) and
    /// reads the page as the generated collection type.
    pub async fn list_users_next_page(
        client: &Client,
        context: CallContext,
        next_link: url::Url,
    ) -> Result<Value> {
        let request_id = context.request_id.clone();
        let send = async {
            let mut request = reqwest::Request::new(reqwest::Method::GET, next_link);
            request.headers_mut().insert(
                reqwest::header::ACCEPT,
                reqwest::header::HeaderValue::from_static("application/json"),
            );
            let pipeline = client.inner();
            pipeline.prepare(&mut request, LIST_OPERATION);
            pipeline
                .send(client.client(), request, LIST_OPERATION)
                .await
        };
        let observer = context.clone();
        let response = context
            .scope(send)
            .await
            .map_err(|e| crate::pipeline::transport(e, &request_id))?;
        if let Some(failure) = observer.take_failure() {
            return Err(failure);
        }
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| {
            let error = crate::pipeline::transport(e, &request_id);
            match status {
                200..=299 => error.with_status(status),
                _ => crate::pipeline::service_error(status, &Value::Null).with_request_id(&request_id),
            }
        })?;
        let parsed = serde_json::from_slice::<Value>(&bytes);
        if !(200..300).contains(&status) {
            let body = parsed.as_ref().unwrap_or(&Value::Null);
            return Err(crate::pipeline::service_error(status, body).with_request_id(request_id));
        }
        let body = parsed.map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the next page is not JSON: {}",
                    crate::pipeline::json_problem(&e)
                ),
            )
            .with_status(status)
        })?;
        let page: generated::types::ListUsersResult = serde_json::from_value(body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the next page cannot be read: {}",
                    crate::pipeline::json_problem(&e)
                ),
            )
            .with_status(status)
        })?;
        to_wire(page)
    }
}

#[allow(dead_code)] // only bound adapters use it
fn etag(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[allow(dead_code)] // only bound adapters use it
fn invalid_response(message: &str) -> Error {
    Error::new(ErrorKind::InvalidResponse, message)
}
