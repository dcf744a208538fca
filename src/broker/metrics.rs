//! What `GET /metrics` shows (Prometheus text format 0.0.4): requests by
//! route and status, token-cache hits and misses, ACS calls by operation and
//! outcome with their latency, identities created, refusals and rate limits.
//! Labels come from fixed sets (route templates, operation names), never
//! from user input, so the number of series stays bounded.

use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// The `Content-Type` of `GET /metrics`.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The broker's counters.
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    cache_hits: Counter,
    cache_misses: Counter,
    acs_calls: Family<Labels, Counter>,
    acs_latency: Family<Labels, Histogram>,
    apim_calls: Family<Labels, Counter>,
    identities_created: Counter,
    identities_compensated: Counter,
    auth_refusals: Family<Labels, Counter>,
    rate_limited: Counter,
    cached_tokens: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("broker");
        let requests = Family::<Labels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route template, method and status",
            requests.clone(),
        );
        let cache_hits = Counter::default();
        registry.register(
            "token_cache_hits",
            "Token requests served from the cache",
            cache_hits.clone(),
        );
        let cache_misses = Counter::default();
        registry.register(
            "token_cache_misses",
            "Token requests that needed an ACS call",
            cache_misses.clone(),
        );
        let acs_calls = Family::<Labels, Counter>::default();
        registry.register(
            "acs_calls",
            "Communication Services calls by operation and outcome",
            acs_calls.clone(),
        );
        let acs_latency = Family::<Labels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 16))
        });
        registry.register(
            "acs_call_duration_seconds",
            "Communication Services call latency by operation (retries included)",
            acs_latency.clone(),
        );
        let apim_calls = Family::<Labels, Counter>::default();
        registry.register(
            "apim_calls",
            "API Management calls by operation and outcome",
            apim_calls.clone(),
        );
        let identities_created = Counter::default();
        registry.register(
            "identities_created",
            "ACS identities created and mapped to an app user",
            identities_created.clone(),
        );
        let identities_compensated = Counter::default();
        registry.register(
            "identities_compensated",
            "ACS identities deleted again because another broker mapped the user first",
            identities_compensated.clone(),
        );
        let auth_refusals = Family::<Labels, Counter>::default();
        registry.register(
            "auth_refusals",
            "Requests refused for their bearer token, by reason",
            auth_refusals.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited",
            "Token requests refused by the per-user rate limit",
            rate_limited.clone(),
        );
        let cached_tokens = Gauge::default();
        registry.register(
            "token_cache_entries",
            "Tokens held in the cache",
            cached_tokens.clone(),
        );
        Metrics {
            registry,
            requests,
            cache_hits,
            cache_misses,
            acs_calls,
            acs_latency,
            apim_calls,
            identities_created,
            identities_compensated,
            auth_refusals,
            rate_limited,
            cached_tokens,
        }
    }

    pub(crate) fn request(&self, route: &str, method: &str, status: u16) {
        self.requests
            .get_or_create(&vec![
                ("route", route.to_string()),
                ("method", method.to_string()),
                ("status", status.to_string()),
            ])
            .inc();
    }

    pub(crate) fn cache(&self, hit: bool) {
        if hit {
            self.cache_hits.inc();
        } else {
            self.cache_misses.inc();
        }
    }

    pub(crate) fn acs_call(&self, operation: &'static str, outcome: &str, elapsed: Duration) {
        self.acs_calls
            .get_or_create(&vec![
                ("operation", operation.to_string()),
                ("outcome", outcome.to_string()),
            ])
            .inc();
        self.acs_latency
            .get_or_create(&vec![("operation", operation.to_string())])
            .observe(elapsed.as_secs_f64());
    }

    pub(crate) fn apim_call(&self, operation: &'static str, outcome: &str) {
        self.apim_calls
            .get_or_create(&vec![
                ("operation", operation.to_string()),
                ("outcome", outcome.to_string()),
            ])
            .inc();
    }

    pub(crate) fn identity_created(&self) {
        self.identities_created.inc();
    }

    pub(crate) fn identity_compensated(&self) {
        self.identities_compensated.inc();
    }

    pub(crate) fn auth_refused(&self, reason: &'static str) {
        self.auth_refusals
            .get_or_create(&vec![("reason", reason.to_string())])
            .inc();
    }

    pub(crate) fn rate_limited(&self) {
        self.rate_limited.inc();
    }

    pub(crate) fn set_cached_tokens(&self, count: usize) {
        self.cached_tokens
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry);
        out
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let metrics = Metrics::new();
        metrics.request("/v1/token", "POST", 200);
        metrics.cache(true);
        metrics.acs_call("issue_token", "ok", Duration::from_millis(3));
        let text = metrics.render();
        assert!(
            text.contains(
                r#"broker_http_requests_total{route="/v1/token",method="POST",status="200"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains("broker_token_cache_hits_total 1"), "{text}");
        assert!(
            text.contains(r#"broker_acs_call_duration_seconds_count{operation="issue_token"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("# TYPE broker_identities_created_total counter"),
            "{text}"
        );
    }
}
