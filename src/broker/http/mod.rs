//! The broker's HTTP face: routes from the table, request metrics, the body
//! limit, CORS, and the accept loop.

mod extract;
pub mod openapi;
mod routes;
pub(crate) mod serve;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::error::ApiError;
use super::service::Service;

/// The service as handlers hold it.
pub(crate) type SharedService = Arc<Service>;

/// Every route, with metrics, the body limit and (when configured) CORS.
pub(crate) fn router(service: SharedService) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<SharedService>> = BTreeMap::new();
    for endpoint in routes::endpoints() {
        let merged = match by_path.remove(endpoint.path) {
            Some(existing) => existing.merge(endpoint.handler),
            None => endpoint.handler,
        };
        by_path.insert(endpoint.path, merged);
    }
    let mut router = Router::new();
    for (path, handler) in by_path {
        router = router.route(path, handler);
    }
    let mut router = router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(service.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            service.clone(),
            count_request,
        ));
    if let Some(cors) = cors(&service.config.cors_origins) {
        router = router.layer(cors);
    }
    router.with_state(service)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("NotFound", "no such route".to_string())
}

/// Counts each request by route template, method and status.
async fn count_request(
    State(service): State<SharedService>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().clone();
    let response = next.run(request).await;
    service
        .metrics
        .request(&route, method.as_str(), response.status().as_u16());
    response
}

/// CORS for browser apps: the listed origins (or `*`) may send
/// `Authorization` and JSON; `Retry-After` and `WWW-Authenticate` are readable.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .expose_headers([
                header::RETRY_AFTER,
                header::WWW_AUTHENTICATE,
                HeaderName::from_static("content-type"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}
