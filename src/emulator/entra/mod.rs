//! The Entra ID token endpoints: OpenID discovery, the v2.0 token endpoint
//! and the managed-identity (IMDS) endpoint.

mod discovery;
mod error;
mod jwks;
mod managed_identity;
pub(crate) mod signing_key;
mod token_endpoint;
pub(crate) mod tokens;

use axum::Router;
use axum::routing::{get, post};

use super::app::SharedApp;

/// The Entra routes; they need no authentication of their own.
pub(crate) fn router() -> Router<SharedApp> {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(jwks::keys))
        .route("/{tenant}/oauth2/v2.0/token", post(token_endpoint::token))
        .route(
            "/metadata/identity/oauth2/token",
            get(managed_identity::token),
        )
}
