//! The state every route shares, and the router that puts the services together.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::config::EmulatorConfig;
use super::entra::signing_key::EntraSigningKey;
use super::faults::FaultInjector;
use super::jwt::SigningKey;
use super::replays::Replays;
use super::service_model::AcsThrottle;
use super::stats::{Counters, Stats};
use super::store::Store;
use super::{acs, apim, entra};

/// The path prefix of the emulator's own endpoints (not counted, never faulted).
pub(crate) const INTERNAL_PREFIX: &str = "/_emulator/";

/// Everything a request handler may need. Holds secrets: no `Debug`.
pub(crate) struct App {
    pub config: EmulatorConfig,
    /// The decoded ACS access key.
    pub access_key: Vec<u8>,
    pub keys: Keys,
    pub store: Store,
    pub counters: Counters,
    pub faults: FaultInjector,
    /// ACS's creation/issue limit, when modelled.
    pub acs_throttle: Option<AcsThrottle>,
    /// Request ids of recent changes, to spot replays.
    pub replays: Replays,
    /// `http` or `https`.
    pub scheme: &'static str,
    /// The emulator's base URL (`http://127.0.0.1:PORT`), fixed at start: the
    /// Entra issuer is built from it, whatever `Host` a client sends.
    pub base_url: String,
}

/// The keys the emulator signs its JWTs with.
pub(crate) struct Keys {
    /// Entra access tokens (ES256, published in the JWKS).
    pub entra: EntraSigningKey,
    /// ACS access tokens.
    pub acs: SigningKey,
}

/// [`App`] as the routes hold it.
pub(crate) type SharedApp = Arc<App>;

impl Keys {
    /// Keys derived from the configured secrets, so they survive a restart.
    pub(crate) fn derive(config: &EmulatorConfig, access_key: &[u8]) -> Self {
        let secret = config.client_secret().expose().as_bytes();
        Keys {
            entra: EntraSigningKey::derive("entra access tokens", &[access_key, secret]),
            acs: SigningKey::derive("acs access tokens", &[access_key, secret]),
        }
    }
}

impl App {
    /// The Entra issuer: `<base url>/<tenant>/v2.0`, the `iss` of every
    /// Entra token and the `issuer` of the discovery document.
    pub(crate) fn entra_issuer(&self) -> String {
        format!("{}/{}/v2.0", self.base_url, self.config.tenant_id())
    }

    /// Whether `tenant` names the emulator's tenant.
    pub(crate) fn is_tenant(&self, tenant: &str) -> bool {
        tenant.eq_ignore_ascii_case(self.config.tenant_id())
    }

    /// The counters plus the user and assignment counts.
    pub(crate) fn stats(&self) -> Stats {
        let (users, apim_users, assignments) = self.store.read(|state| {
            (
                state.identities.len(),
                state.apim_users.len(),
                state.teams_extension_assignments.len(),
            )
        });
        let mut stats = self
            .counters
            .snapshot(users as u64, apim_users as u64, assignments as u64);
        stats.replayed_changes = self.replays.count();
        stats
    }
}

/// All routes: ACS, Entra, the internal stats, and ARM through the fallback.
/// (`without_v07_checks` here too: merging re-adds the ACS `/:action` routes.)
pub(crate) fn router(app: SharedApp) -> Router {
    Router::new()
        .without_v07_checks()
        .merge(acs::router(app.clone()))
        .merge(entra::router())
        .route("/_emulator/stats", get(stats))
        .fallback(fallback)
        .layer(middleware::from_fn(log_request))
        .with_state(app)
}

async fn stats(State(app): State<SharedApp>) -> Json<Stats> {
    Json(app.stats())
}

/// ARM paths (matched by hand, case-insensitively) or a JSON 404.
async fn fallback(
    State(app): State<SharedApp>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if apim::is_arm(uri.path()) {
        return apim::dispatch(&app, &method, &uri, &headers, &body).await;
    }
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": {
            "code": "NotFound",
            "message": format!("The emulator serves no {method} {}.", uri.path()),
        }})),
    )
        .into_response()
}

/// Debug log of each request: method, path (no query, no headers), status, time.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::debug!(
        %method,
        path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
