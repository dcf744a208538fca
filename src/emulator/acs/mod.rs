//! The Communication Services identity API (DESIGN §4), served for the
//! api-versions in [`validation::API_VERSIONS`].

mod access_token;
mod auth;
mod error;
mod identities;
mod teams;
mod validation;
mod wire;

pub(crate) use error::AcsError;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};

use super::app::SharedApp;

/// The ACS routes, behind HMAC/bearer authentication and the api-version check.
///
/// Action segments such as `/:issueAccessToken` start with `:`, which axum 0.8
/// rejects unless the router is built with `without_v07_checks` (its
/// documented escape hatch); `{id}` matches the raw segment, so ids arrive
/// percent-encoded (`8%3Aacs%3A…`) or raw (`8:acs:…`) and are decoded by `Path`.
pub(crate) fn router(app: SharedApp) -> Router<SharedApp> {
    Router::new()
        .without_v07_checks()
        .route("/identities", post(identities::create))
        .route("/identities/{id}", delete(identities::delete))
        .route(
            "/identities/{id}/:issueAccessToken",
            post(identities::issue_token),
        )
        .route(
            "/identities/{id}/:revokeAccessTokens",
            post(identities::revoke),
        )
        .route("/teamsUser/:exchangeAccessToken", post(teams::exchange))
        .route_layer(middleware::from_fn(require_api_version))
        .route_layer(middleware::from_fn_with_state(app, auth::require))
}

async fn require_api_version(request: Request, next: Next) -> Response {
    match validation::check_api_version(request.uri()) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}
