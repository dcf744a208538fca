//! What the real service costs, modelled on request: a fixed latency on
//! every ACS and APIM answer (`--latency-ms`), and ACS's documented limit on
//! identity creations and token issues per resource (`--acs-throttle-limit`,
//! 1,000 per 30 s in Azure): beyond it, 429 with `Retry-After` until the
//! window ends, and nothing is processed. Both off by default, so clients can
//! test their own latency and 429 handling against the emulator.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Response, StatusCode};
use axum::middleware::Next;

use super::acs::api_versions::Operation;
use super::app::SharedApp;

/// A fixed-window count of ACS creations and issues (the emulator is one
/// resource).
pub(crate) struct AcsThrottle {
    limit: u32,
    window: Duration,
    /// The current window's start and the calls counted in it.
    state: Mutex<Option<(Instant, u32)>>,
}

impl AcsThrottle {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        AcsThrottle {
            limit,
            window,
            state: Mutex::new(None),
        }
    }

    /// Counts a call at `now`; `Err(wait)` when the window's quota is spent.
    pub(crate) fn take(&self, now: Instant) -> Result<(), Duration> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (start, count) = match *state {
            Some((start, count)) if now.saturating_duration_since(start) < self.window => {
                (start, count)
            }
            _ => (now, 0),
        };
        if count >= self.limit {
            *state = Some((start, count));
            let ends = start + self.window;
            return Err(ends
                .saturating_duration_since(now)
                .max(Duration::from_millis(1)));
        }
        *state = Some((start, count + 1));
        Ok(())
    }
}

/// Whether ACS counts `operation` against the creation/issue limit:
/// `POST /identities` (with or without a token) and `…/:issueAccessToken`.
pub(crate) fn counts_against_acs_limit(operation: Operation) -> bool {
    matches!(operation, Operation::Create | Operation::IssueAccessToken)
}

/// Middleware on the ACS routes, inside authentication and the api-version
/// check: only a request the service would process counts against the
/// limit, so an unauthenticated caller gets its 401 (not a 429) and cannot
/// spend the resource's quota.
pub(crate) async fn acs_limit(
    State(app): State<SharedApp>,
    request: Request,
    next: Next,
) -> Response<Body> {
    let operation = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|route| Operation::of(request.method(), route.as_str()));
    if let Some(throttle) = &app.acs_throttle
        && operation.is_some_and(counts_against_acs_limit)
        && let Err(wait) = throttle.take(Instant::now())
    {
        app.counters.throttled();
        tracing::debug!(method = %request.method(), path = request.uri().path(), ?wait, "throttled (ACS creation/issue limit)");
        return throttled(wait);
    }
    next.run(request).await
}

/// Whether a request is an ACS or APIM (ARM) call, which `--latency-ms`
/// delays; Entra and the emulator's own routes are not.
pub(crate) fn is_data_plane(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    ["/identities", "/teamsuser/", "/access/"]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
        || super::apim::is_arm(path)
}

/// ACS's 429, in its error shape, with `Retry-After` (whole seconds,
/// rounded up) and `retry-after-ms`.
pub(crate) fn throttled(wait: Duration) -> Response<Body> {
    super::front::retry_response(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "Rate limit exceeded: identity creations and token issues are limited per resource (the emulator's --acs-throttle-limit). Retry after the time in Retry-After.",
        u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_allows_its_limit_then_says_how_long_to_wait() {
        let throttle = AcsThrottle::new(3, Duration::from_secs(30));
        let start = Instant::now();
        for _ in 0..3 {
            assert!(throttle.take(start).is_ok());
        }
        let wait = throttle.take(start + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        // A new window starts once the old one is over.
        assert!(throttle.take(start + Duration::from_secs(30)).is_ok());
    }

    #[test]
    fn only_creations_and_issues_count() {
        use axum::http::Method;
        for (method, route, counts) in [
            (Method::POST, "/identities", true),
            (Method::POST, "/identities/{id}/:issueAccessToken", true),
            (Method::POST, "/identities/{id}/:revokeAccessTokens", false),
            (Method::GET, "/identities/{id}", false),
            (Method::DELETE, "/identities/{id}", false),
            (Method::POST, "/teamsUser/:exchangeAccessToken", false),
        ] {
            let operation = Operation::of(&method, route).expect("an ACS route");
            assert_eq!(
                counts_against_acs_limit(operation),
                counts,
                "{method} {route}"
            );
        }
        assert!(is_data_plane("/identities/8:acs:x"));
        assert!(!is_data_plane(
            "/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token"
        ));
        assert!(!is_data_plane("/_emulator/stats"));
    }
}
