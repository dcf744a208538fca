//! The Communication Services identity API (DESIGN §4, §8), served for the
//! api-versions in [`api_versions::API_VERSIONS`], each with its own operations.

mod access_token;
pub(crate) mod api_versions;
mod auth;
mod error;
mod identities;
mod teams;
mod teams_extension;
mod validation;
mod wire;

pub(crate) use error::AcsError;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use self::api_versions::{ASSIGNMENT_ROUTE, Operation};
use super::app::SharedApp;
use super::service_model;

/// The ACS routes: the admin ones behind HMAC/bearer authentication, the
/// Teams Phone extension exchange behind the Teams user's own token; all
/// behind the api-version check, which hands the version to the handlers.
///
/// Action segments such as `/:issueAccessToken` start with `:`, which axum 0.8
/// rejects unless the router is built with `without_v07_checks` (its
/// documented escape hatch); `{id}` matches the raw segment, so ids arrive
/// percent-encoded (`8%3Aacs%3A…`) or raw (`8:acs:…`) and are decoded by `Path`.
pub(crate) fn router(app: SharedApp) -> Router<SharedApp> {
    let admin = Router::new()
        .without_v07_checks()
        .route("/identities", post(identities::create))
        .route(
            "/identities/{id}",
            get(identities::get).delete(identities::delete),
        )
        .route(
            "/identities/{id}/:issueAccessToken",
            post(identities::issue_token),
        )
        .route(
            "/identities/{id}/:revokeAccessTokens",
            post(identities::revoke),
        )
        .route("/teamsUser/:exchangeAccessToken", post(teams::exchange))
        .route(
            ASSIGNMENT_ROUTE,
            get(teams_extension::get_assignment)
                .put(teams_extension::upsert_assignment)
                .delete(teams_extension::delete_assignment),
        )
        // Layers run last-added first: authentication, the api-version, then
        // ACS's creation/issue limit (only a request it would process counts).
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            service_model::acs_limit,
        ))
        .route_layer(middleware::from_fn(require_api_version))
        .route_layer(middleware::from_fn_with_state(app, auth::require));
    let teams_user = Router::new()
        .without_v07_checks()
        .route(
            "/access/teamsExtension/:exchangeAccessToken",
            post(teams_extension::exchange),
        )
        .route_layer(middleware::from_fn(require_api_version));
    admin.merge(teams_user)
}

/// The api-version must be served (400) and have the route's operation (404);
/// the handlers get it as an `Extension<&'static ApiVersion>`.
async fn require_api_version(mut request: Request, next: Next) -> Response {
    let version = match api_versions::resolve(request.uri()) {
        Ok(version) => version,
        Err(error) => return error.into_response(),
    };
    let operation = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|route| Operation::of(request.method(), route.as_str()));
    if let Some(operation) = operation
        && let Err(error) = version.require(operation)
    {
        return error.into_response();
    }
    request.extensions_mut().insert(version);
    next.run(request).await
}
