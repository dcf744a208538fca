//! API Management users over Azure Resource Manager (DESIGN §5): one
//! subscription, resource group and service, as in [`crate::emulator::defaults`].
//!
//! ARM paths are matched by hand (segment names case-insensitive, as ARM
//! does); every call needs a bearer token from the emulator's Entra endpoint
//! for `https://management.azure.com`.

mod api_version;
mod error;
mod etag;
mod operations;
mod path;
mod user_list;
mod user_token;
mod users;
mod wire;

use axum::body::Bytes;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use api_version::{ApiVersion, Operation};
use path::ApimResource;
pub(crate) use path::is_arm;

pub(crate) use self::error::ArmError;
use super::app::App;
use super::defaults;
use super::entra::tokens::{self, ARM_AUDIENCE};
use super::http::{header_str, origin};

/// One ARM call, with what handlers need to answer it.
pub(crate) struct ApimCall<'a> {
    pub app: &'a App,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// `scheme://host[:port]` the client used, for `nextLink`.
    pub origin: String,
    /// The service's ARM id, `/subscriptions/…/service/{name}`.
    pub service_id: String,
    /// The api-version the call asked for.
    pub version: &'static ApiVersion,
}

/// Serves a request under `/subscriptions/`.
pub(crate) async fn dispatch(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    if let Err(reason) = authorize(app, headers) {
        app.counters.auth_failure();
        tracing::debug!(%method, path = uri.path(), reason, "ARM request denied");
        return unauthorized(app, headers, uri, reason);
    }
    match serve(app, method, uri, headers, body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn serve(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ArmError> {
    let version = api_version::check(uri)?;
    let target = path::parse(uri.path());
    let subscription = target.subscription.as_deref().unwrap_or("");
    if !subscription.eq_ignore_ascii_case(defaults::SUBSCRIPTION_ID) {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "SubscriptionNotFound",
            format!("The subscription '{subscription}' could not be found."),
        ));
    }
    let Some(group) = target.resource_group.as_deref() else {
        return Err(unsupported(method, uri));
    };
    if !group.eq_ignore_ascii_case(defaults::RESOURCE_GROUP) {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            format!("Resource group '{group}' could not be found."),
        ));
    }
    let Some(service) = target.service.as_deref() else {
        return Err(unsupported(method, uri));
    };
    if !service.eq_ignore_ascii_case(defaults::APIM_SERVICE) {
        return Err(ArmError::not_found(format!(
            "The Resource 'Microsoft.ApiManagement/service/{service}' under resource group \
             '{group}' was not found."
        )));
    }
    let call = ApimCall {
        app,
        uri,
        headers,
        body,
        origin: origin(headers, uri, app.scheme),
        service_id: format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ApiManagement/service/{}",
            defaults::SUBSCRIPTION_ID,
            defaults::RESOURCE_GROUP,
            defaults::APIM_SERVICE
        ),
        version,
    };
    let require = |operation| version.require(operation);
    match (&target.resource, method.clone()) {
        (ApimResource::Users, Method::GET) => {
            require(Operation::ListByService)?;
            user_list::list(&call)
        }
        (ApimResource::User(user), Method::GET) => {
            require(Operation::Get)?;
            users::get(&call, user, true)
        }
        (ApimResource::User(user), Method::HEAD) => {
            require(Operation::GetEntityTag)?;
            users::get(&call, user, false)
        }
        (ApimResource::User(user), Method::PUT) => {
            require(Operation::CreateOrUpdate)?;
            users::create_or_update(&call, user).await
        }
        (ApimResource::User(user), Method::PATCH) => {
            require(Operation::Update)?;
            users::update(&call, user).await
        }
        (ApimResource::User(user), Method::DELETE) => {
            require(Operation::Delete)?;
            users::delete(&call, user).await
        }
        (ApimResource::UserToken(user), Method::POST) => {
            require(Operation::GetSharedAccessToken)?;
            user_token::get_shared_access_token(&call, user)
        }
        (ApimResource::OperationStatus(id), Method::GET) => operations::status(&call, id).await,
        (ApimResource::OperationResult(id), Method::GET) => operations::result(&call, id).await,
        (ApimResource::Unsupported, _) => Err(unsupported(method, uri)),
        _ => Err(ArmError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("The method {method} is not allowed on {}.", uri.path()),
        )),
    }
}

/// A bearer token for ARM from the emulator's Entra endpoint.
fn authorize(app: &App, headers: &HeaderMap) -> Result<(), &'static str> {
    let authorization = header_str(headers, AUTHORIZATION.as_str())
        .ok_or("The Authorization header is missing.")?;
    let token = tokens::bearer_token(authorization)
        .ok_or("The Authorization header must be a Bearer token.")?;
    tokens::verify_for(app, token, ARM_AUDIENCE)
        .map(drop)
        .map_err(|rejection| rejection.describe())
}

/// 401 with ARM's body and a `WWW-Authenticate` challenge naming the tenant.
fn unauthorized(app: &App, headers: &HeaderMap, uri: &Uri, reason: &str) -> Response {
    let code = if header_str(headers, AUTHORIZATION.as_str()).is_some() {
        "InvalidAuthenticationToken"
    } else {
        "AuthenticationFailed"
    };
    let mut response = ArmError::new(StatusCode::UNAUTHORIZED, code, reason).into_response();
    let challenge = format!(
        "Bearer authorization_uri=\"{}/{}\", error=\"invalid_token\", error_description=\"{reason}\"",
        origin(headers, uri, app.scheme),
        app.config.tenant_id()
    );
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

fn unsupported(method: &Method, uri: &Uri) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "InvalidResourceType",
        format!(
            "The emulator serves no {method} {}: only APIM users of {}.",
            uri.path(),
            defaults::APIM_SERVICE
        ),
    )
}
