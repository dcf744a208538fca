//! When to retry, and how long to wait (azure-core's conventions, DESIGN §6).

use std::time::Duration;

use chrono::Utc;
use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::lifetime;

/// Retry settings, shared by every client.
///
/// ```
/// use azure_user_tokens::RetryOptions;
/// use std::time::Duration;
/// let retry = RetryOptions::default().with_max_retries(5).with_initial_delay(Duration::from_millis(200));
/// assert_eq!(retry.max_retries(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryOptions {
    max_retries: u32,
    initial_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            max_retries: 3,
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryOptions {
    /// No retries at all.
    pub fn none() -> Self {
        RetryOptions {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Retries after the first attempt (default 3).
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The first backoff delay, doubled on each retry (default 800 ms).
    pub fn with_initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The longest wait, whatever the service asks (default 60 s).
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// How long to wait before retry number `retry` (1-based): the service's
    /// hint if it gave one, else exponential backoff with jitter; capped.
    pub fn delay(&self, retry: u32, headers: Option<&HeaderMap>) -> Duration {
        let delay = headers.and_then(retry_after).unwrap_or_else(|| {
            let exponential = self
                .initial_delay
                .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
            // Jitter in [0.8, 1.2) spreads out clients that failed together.
            let jitter = rand::rng().random_range(0.8..1.2);
            lifetime::capped_wait(exponential.as_secs_f64() * jitter, self.max_delay)
                .unwrap_or(self.max_delay)
        });
        delay.min(self.max_delay)
    }
}

/// Whether a response status is worth another attempt.
///
/// 408/429/500/502/503/504 are retried; a POST only on 500/503/504 or when
/// the response says when to retry. `safe_if_processed` is false for calls
/// that must not run twice (creating a user): those retry only on answers
/// that mean the request was not processed (429, 503).
pub fn should_retry_status(
    method: &Method,
    status: StatusCode,
    headers: &HeaderMap,
    safe_if_processed: bool,
) -> bool {
    let code = status.as_u16();
    if !matches!(code, 408 | 429 | 500 | 502 | 503 | 504) {
        return false;
    }
    if !safe_if_processed && !matches!(code, 429 | 503) {
        return false;
    }
    if *method == Method::POST {
        return matches!(code, 500 | 503 | 504) || retry_after(headers).is_some();
    }
    true
}

/// Whether a transport failure is worth another attempt: a failed connect
/// never reached the service; anything later (a reset, a timeout) may have
/// been processed, so it is retried only when running twice is harmless.
pub fn should_retry_error(error: &reqwest::Error, safe_if_processed: bool) -> bool {
    if is_tls_failure(error) {
        // An untrusted certificate will not become trusted by asking again.
        return false;
    }
    error.is_connect()
        || (safe_if_processed
            && (error.is_timeout()
                || error.is_request()
                || error.is_body()
                || is_disconnect(error)))
}

/// A TLS handshake that failed (certificate or protocol), anywhere in the
/// chain; hyper nests it in `io::Error`s, whose `source` skips the wrapped error.
pub(crate) fn is_tls_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    fn is_rustls(error: &(dyn std::error::Error + 'static)) -> bool {
        error.is::<rustls::Error>()
            || error
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
                .is_some_and(|inner| is_rustls(inner))
    }
    let mut source = Some(error);
    while let Some(cause) = source {
        if is_rustls(cause) {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Whether to try again after the [`DirectTransport`](super::direct) failed:
/// as [`should_retry_error`], where anything but a refused connection may
/// have reached the service.
pub(crate) fn should_retry_direct(
    error: &super::direct::SendError,
    safe_if_processed: bool,
) -> bool {
    if error.is_tls_failure() {
        return false;
    }
    error.is_connect() || (safe_if_processed && !error.is_request())
}

/// A connection closed or reset under a request.
fn is_disconnect(error: &reqwest::Error) -> bool {
    use std::error::Error as _;
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            );
        }
        if cause.to_string().contains("connection closed") {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The longest wait a server's hint can ask for, before the retry policy's
/// own cap ([`RetryOptions::with_max_delay`]) and the call's deadline apply.
pub const MAX_HINTED_WAIT: Duration = Duration::from_secs(3600);

/// The delay a response asks for: `retry-after-ms`, `x-ms-retry-after-ms`,
/// then `retry-after` (seconds or an HTTP date); at most [`MAX_HINTED_WAIT`].
/// A value that is not a non-negative number (or a date) is ignored.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        let wait = header(name)
            .and_then(|v| v.parse::<f64>().ok())
            .and_then(|ms| lifetime::capped_wait(ms / 1000.0, MAX_HINTED_WAIT));
        if wait.is_some() {
            return wait;
        }
    }
    let value = header("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return lifetime::capped_wait(seconds, MAX_HINTED_WAIT);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(lifetime::wait_until(
        when.into(),
        Utc::now(),
        MAX_HINTED_WAIT,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_reads_every_form() {
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250")])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(&headers(&[("x-ms-retry-after-ms", "10")])),
            Some(Duration::from_millis(10))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "2")])),
            Some(Duration::from_secs(2))
        );
        let later = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
        let from_date = retry_after(&headers(&[("retry-after", &later)])).unwrap();
        assert!(from_date > Duration::from_secs(25) && from_date <= Duration::from_secs(30));
        // The millisecond headers win over the coarse one.
        assert_eq!(
            retry_after(&headers(&[("retry-after", "1"), ("retry-after-ms", "5")])),
            Some(Duration::from_millis(5))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        // Hostile hints never panic and never ask for more than an hour.
        for (name, value) in [
            ("retry-after", "1e20"),
            ("retry-after", "1e308"),
            ("retry-after-ms", "1e30"),
            ("x-ms-retry-after-ms", "inf"),
            ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
        ] {
            let wait = retry_after(&headers(&[(name, value)]));
            assert!(wait.is_none_or(|w| w <= MAX_HINTED_WAIT), "{name}: {value}");
        }
        assert_eq!(
            retry_after(&headers(&[("retry-after", "1e20")])),
            Some(MAX_HINTED_WAIT)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after-ms", "NaN")])), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn statuses_retried_follow_azure_core() {
        let none = HeaderMap::new();
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(
                should_retry_status(
                    &Method::GET,
                    StatusCode::from_u16(code).unwrap(),
                    &none,
                    true
                ),
                "{code}"
            );
        }
        for code in [400, 401, 403, 404, 409, 412, 501] {
            assert!(
                !should_retry_status(
                    &Method::GET,
                    StatusCode::from_u16(code).unwrap(),
                    &none,
                    true
                ),
                "{code}"
            );
        }
        // POST: only 500/503/504 unless the service says when.
        assert!(!should_retry_status(
            &Method::POST,
            StatusCode::TOO_MANY_REQUESTS,
            &none,
            true
        ));
        assert!(!should_retry_status(
            &Method::POST,
            StatusCode::BAD_GATEWAY,
            &none,
            true
        ));
        assert!(should_retry_status(
            &Method::POST,
            StatusCode::SERVICE_UNAVAILABLE,
            &none,
            true
        ));
        let hint = headers(&[("retry-after", "1")]);
        assert!(should_retry_status(
            &Method::POST,
            StatusCode::TOO_MANY_REQUESTS,
            &hint,
            true
        ));
    }

    #[test]
    fn calls_that_must_not_run_twice_retry_only_unprocessed_answers() {
        let hint = headers(&[("retry-after", "1")]);
        assert!(should_retry_status(
            &Method::POST,
            StatusCode::TOO_MANY_REQUESTS,
            &hint,
            false
        ));
        assert!(should_retry_status(
            &Method::POST,
            StatusCode::SERVICE_UNAVAILABLE,
            &hint,
            false
        ));
        assert!(!should_retry_status(
            &Method::POST,
            StatusCode::INTERNAL_SERVER_ERROR,
            &hint,
            false
        ));
        assert!(!should_retry_status(
            &Method::POST,
            StatusCode::GATEWAY_TIMEOUT,
            &hint,
            false
        ));
    }

    #[test]
    fn backoff_grows_and_is_capped_and_hints_win() {
        let retry = RetryOptions::default()
            .with_initial_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(500));
        let first = retry.delay(1, None);
        assert!(
            first >= Duration::from_millis(80) && first < Duration::from_millis(120),
            "{first:?}"
        );
        let third = retry.delay(3, None);
        assert!(
            third >= Duration::from_millis(320) && third < Duration::from_millis(480),
            "{third:?}"
        );
        assert_eq!(retry.delay(10, None), Duration::from_millis(500));
        let unbounded = RetryOptions::default()
            .with_initial_delay(Duration::MAX)
            .with_max_delay(Duration::MAX);
        assert!(unbounded.delay(40, None) > Duration::from_secs(1 << 40));
        let hint = headers(&[("retry-after-ms", "7")]);
        assert_eq!(retry.delay(3, Some(&hint)), Duration::from_millis(7));
        assert_eq!(
            retry.delay(1, Some(&headers(&[("retry-after", "3600")]))),
            Duration::from_millis(500)
        );
    }
}
