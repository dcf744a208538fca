//! Adapter over the generated API Management users client.
//!
//! Bodies are built and answers read through their JSON wire names, so only
//! operation and definition names tie this file to the generated code.

use progenitor_client::ClientInfo;
use serde_json::{Value, json};

use super::{from_wire, to_wire};
use crate::error::{Error, ErrorKind, Result};
use crate::generated::apim_users as generated;
use crate::pipeline::{CallContext, Pipeline, run};

pub use generated::Client;

super::pipeline_hooks!(generated::Client);

/// The operation id used for requests that follow a `nextLink`.
pub const LIST_OPERATION: &str = "User_ListByService";
/// The operation id used for a long-running delete's status checks.
pub const DELETE_OPERATION: &str = "User_Delete";

/// A generated client for the management `endpoint` that sends through `pipeline`.
pub fn client(endpoint: &str, http: reqwest::Client, pipeline: Pipeline) -> Client {
    Client::new_with_client(endpoint.trim_end_matches('/'), http, pipeline)
}

/// The api-version of the spec the build used (`info.version`).
pub fn default_api_version() -> &'static str {
    <Client as ClientInfo<Pipeline>>::api_version()
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
    let body: generated::types::UserTokenParameters =
        from_wire(json!({"properties": {"keyType": key_type, "expiry": expiry}}))?;
    let call = client
        .user_get_shared_access_token()
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

/// `GET …/users/{userId}` → the user's JSON and its ETag.
pub async fn get_user(
    client: &Client,
    context: CallContext,
    api_version: &str,
    service: ServicePath<'_>,
    user_id: &str,
) -> Result<(Value, Option<String>)> {
    let call = client
        .user_get()
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
    let body: generated::types::UserCreateParameters =
        from_wire(json!({ "properties": properties }))?;
    let mut builder = client
        .user_create_or_update()
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
        .user_delete()
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

/// `GET …/users`: the first page, as `{"value": [...], "nextLink"?}`.
pub async fn list_users_first_page(
    client: &Client,
    context: CallContext,
    api_version: &str,
    service: ServicePath<'_>,
    top: Option<u32>,
) -> Result<Value> {
    let mut builder = client
        .user_list_by_service()
        .subscription_id(service.subscription_id)
        .resource_group_name(service.resource_group)
        .service_name(service.service_name)
        .api_version(api_version);
    if let Some(top) = top {
        builder = builder.top(top as i32);
    }
    to_wire(run(context, builder.send()).await?.into_inner())
}

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
    let page: generated::types::UserCollection = serde_json::from_value(body).map_err(|e| {
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

fn etag(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn invalid_response(message: &str) -> Error {
    Error::new(ErrorKind::InvalidResponse, message)
}
