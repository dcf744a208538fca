//! The token broker: the trusted service between an app and Communication
//! Services (behind the default-on `broker` feature).
//!
//! It authenticates the app's users by their OIDC access tokens, maps each
//! `(iss, sub)` to exactly one ACS identity (created on first sight, stored
//! in SQLite or PostgreSQL), and hands out that identity's tokens from an
//! in-memory cache, so a launch-day crowd does not spend the resource's
//! 1,000-calls-per-30-s quota. It sits on the facade
//! ([`CommunicationIdentityClient`](crate::identity::CommunicationIdentityClient),
//! [`ApiManagementClient`](crate::apim::ApiManagementClient)), never on
//! generated code.
//!
//! | route | what |
//! |---|---|
//! | `POST /v1/token` `{"scopes":["voip"],"expiresInMinutes":60}` | `{"userId","token","expiresOn"}` |
//! | `GET /v1/me` | `{"userId"}` (404 before the first token) |
//! | `POST /v1/me/revoke` | 204: tokens revoked at ACS, cache dropped |
//! | `DELETE /v1/me` | 204: identity deleted at ACS, then unmapped |
//! | `POST /v1/apim-token` `{"expiresIn":"PT8H"}` | `{"token","expiry"}` (APIM configured) |
//! | `/v1/admin/users/{issuer}/{subject}` (GET, DELETE, `POST …/revoke`) | the same for another user (admin role) |
//! | `GET /healthz`, `/readyz`, `/metrics`, `/openapi.json` | operations (no token) |
//!
//! Every `/v1` request needs `Authorization: Bearer <JWT>`; a missing or bad
//! token gets 401 with `WWW-Authenticate: Bearer error="invalid_token"` and
//! nothing reaches ACS. See ARCHITECTURE.md for the mapping's crash safety.

mod acs;
mod api;
mod apim;
mod app_user;
mod auth;
mod config;
mod duration;
mod error;
mod http;
mod keyed_lock;
mod mapping;
mod metrics;
mod rate_limit;
mod row_cache;
mod server;
mod service;
mod store;
mod token_cache;

pub use acs::IdentityCreation;
pub use api::{
    ApimTokenRequest, ApimTokenResponse, ErrorDetail, ErrorResponse, HealthResponse, MeResponse,
    TokenRequest, TokenResponse,
};
pub use apim::{ApimSettings, parse_apim_service};
pub use auth::MAX_LEEWAY;
pub use config::{
    BrokerConfig, DEFAULT_CACHE_MIN_REMAINING, DEFAULT_JWKS_REFETCH_INTERVAL, DEFAULT_LEASE,
    DEFAULT_LEEWAY, DEFAULT_LISTEN, DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT_PER_MINUTE,
    DEFAULT_ROW_CACHE_TTL, MAX_ROW_CACHE_TTL,
};
pub use duration::{DurationError, parse_iso8601_duration};
pub use metrics::Metrics;
pub use server::{Broker, BrokerError, Upstreams};
pub use store::{DatabaseUrl, StoreError};

// Internals: `pub` only because the broker's own tests reach the database
// and stop a broker mid-operation; hidden from the docs, not API.
#[doc(hidden)]
pub use app_user::AppUser;
#[doc(hidden)]
pub use config::FaultPoint;
#[doc(hidden)]
pub use store::{IdentityRow, IdentityState, Store};
