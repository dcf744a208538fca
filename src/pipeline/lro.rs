//! Long-running operations, ARM's asynchronous pattern: an answer of 201 or
//! 202 with `Azure-AsyncOperation` (a status monitor answering
//! `{"status": "InProgress" | "Succeeded" | "Failed" | "Canceled", "error"?}`)
//! or `Location` (202 while running, then the result) is followed to its end.
//!
//! Every status check goes through the same [`Pipeline`] as the call that
//! started the operation (credential, retry rules, request id, response cap).
//! Waits follow `Retry-After` (`retry-after-ms` first), each capped by
//! [`PollingOptions::with_max_interval`], and the whole wait is bounded by the
//! call's total timeout and [`PollingOptions::with_timeout`]. A monitor on
//! another origin than the client's endpoint is never followed, so the
//! credential stays on its endpoint (the same rule as `nextLink` in
//! `ApiManagementClient::list_users`). When the operation succeeds its final
//! resource is not fetched: the operations followed today (deletes) have none.

use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, LOCATION};
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use super::retry::retry_after;
use super::{CallContext, Pipeline, service_error, transport};
use crate::error::{Error, ErrorKind, Result};

/// The header naming an ARM operation's status monitor.
pub const AZURE_ASYNC_OPERATION: &str = "azure-asyncoperation";

/// Waits shorter than this are raised to it (unless the maximum is lower),
/// so `Retry-After: 0` cannot make a client poll in a tight loop.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// The wait a timeout too large to add to an instant stands for (30 years).
const UNBOUNDED: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

/// How to wait for a long-running operation.
///
/// ```
/// use azure_user_tokens::PollingOptions;
/// use std::time::Duration;
/// let polling = PollingOptions::default()
///     .with_interval(Duration::from_secs(2))
///     .with_max_interval(Duration::from_secs(30))
///     .with_timeout(Duration::from_secs(300));
/// assert_eq!(polling.timeout(), Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollingOptions {
    interval: Duration,
    max_interval: Duration,
    timeout: Duration,
}

impl Default for PollingOptions {
    fn default() -> Self {
        PollingOptions {
            interval: Duration::from_secs(5),
            max_interval: Duration::from_secs(60),
            timeout: Duration::from_secs(10 * 60),
        }
    }
}

impl PollingOptions {
    /// The wait between status checks when the service gives no
    /// `Retry-After` (default 5 s).
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The longest single wait, whatever `Retry-After` asks (default 60 s).
    pub fn with_max_interval(mut self, max_interval: Duration) -> Self {
        self.max_interval = max_interval;
        self
    }

    /// The longest an operation is waited for after it was accepted (default
    /// 10 minutes); the call's total timeout, when shorter, wins.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The wait when the service gives no hint.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The cap on each wait.
    pub fn max_interval(&self) -> Duration {
        self.max_interval
    }

    /// The bound on the whole wait.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The wait before the next check, given the last answer's hint.
    fn wait(&self, hint: Option<Duration>) -> Duration {
        hint.unwrap_or(self.interval)
            .max(MIN_POLL_INTERVAL)
            .min(self.max_interval)
    }
}

/// A long-running operation ended without success: found in the source chain
/// of the [`Error`] that reports it, with the status the service gave.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the long-running operation ended with status {status}")]
pub struct OperationFailed {
    /// `Failed` or `Canceled` (as the service spelled it), or `Failed` when
    /// the operation's location answered an error status.
    pub status: String,
}

impl OperationFailed {
    /// The [`OperationFailed`] in `error`'s chain of causes, if any.
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a OperationFailed> {
        let mut cause = Some(error);
        while let Some(current) = cause {
            if let Some(found) = current.downcast_ref::<OperationFailed>() {
                return Some(found);
            }
            cause = current.source();
        }
        None
    }
}

/// What an answer says about the operation it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Monitor {
    /// `Azure-AsyncOperation`: a status document.
    Status,
    /// `Location`: 202 while running, then the result.
    Location,
}

/// Follows the operation a `status`/`headers` answer started, if it started
/// one, until it ends: `Ok` when it succeeded (or the answer was final),
/// else a typed error (the operation's own error, a timeout, a monitor that
/// cannot be read or is on another origin than `endpoint`).
///
/// `context` is the call's: its credential, request id and deadline apply to
/// every status check; `operation_id` names the operation in traces.
#[allow(clippy::too_many_arguments)]
pub async fn wait_for_completion(
    http: &reqwest::Client,
    pipeline: &Pipeline,
    context: CallContext,
    endpoint: &Url,
    status: u16,
    headers: &HeaderMap,
    options: &PollingOptions,
    operation_id: &'static str,
) -> Result<()> {
    if !matches!(status, 201 | 202) {
        return Ok(());
    }
    let request_id = context.request_id.clone();
    let Some((monitor, mut url)) = monitor_of(headers, endpoint, &request_id)? else {
        return if status == 201 {
            Ok(())
        } else {
            Err(invalid(
                "the service accepted the operation (202) without a Location or \
                 Azure-AsyncOperation to follow",
                &request_id,
            ))
        };
    };
    let started = Instant::now();
    // Checked: a timeout too large for an instant (Duration::MAX) waits
    // "forever", i.e. decades.
    let limit = started
        .checked_add(options.timeout)
        .unwrap_or_else(|| started + UNBOUNDED);
    let deadline = context.deadline.map_or(limit, |d| d.min(limit));
    let mut hint = retry_after(headers);
    let mut checks = 0u32;
    loop {
        let wait = options.wait(hint);
        if Instant::now()
            .checked_add(wait)
            .is_none_or(|end| end >= deadline)
        {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "the long-running operation did not finish within {} s ({checks} status checks)",
                    started.elapsed().as_secs()
                ),
            )
            .with_request_id(request_id));
        }
        tokio::time::sleep(wait).await;
        checks = checks.saturating_add(1);
        let check = get(http, pipeline, &context, url.clone(), operation_id);
        let (status, answer_headers, body) = tokio::time::timeout_at(deadline, check)
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Timeout,
                    "the long-running operation's status check did not finish in time",
                )
                .with_request_id(&request_id)
            })??;
        match monitor {
            Monitor::Status => {
                if !(200..300).contains(&status) {
                    return Err(service_error(status, &parse(&body)).with_request_id(request_id));
                }
                match operation_status(&body, &request_id)? {
                    Progress::Succeeded => return Ok(()),
                    Progress::Running => {}
                    Progress::Ended(outcome) => {
                        return Err(failed(&parse(&body), &outcome, &request_id));
                    }
                }
            }
            Monitor::Location => match status {
                202 => {
                    if let Some(next) = header_url(&answer_headers, LOCATION.as_str(), endpoint)? {
                        url = next;
                    }
                }
                200..=299 => return Ok(()),
                _ => {
                    let body = parse(&body);
                    return Err(service_error(status, &body)
                        .with_request_id(request_id)
                        .with_source(OperationFailed {
                            status: "Failed".to_string(),
                        }));
                }
            },
        }
        hint = retry_after(&answer_headers);
    }
}

/// Where the operation is followed: `Azure-AsyncOperation` if given, else
/// `Location`; `None` when neither is.
fn monitor_of(
    headers: &HeaderMap,
    endpoint: &Url,
    request_id: &str,
) -> Result<Option<(Monitor, Url)>> {
    let status = header_url(headers, AZURE_ASYNC_OPERATION, endpoint)
        .map_err(|e| e.with_request_id(request_id))?;
    let location = header_url(headers, LOCATION.as_str(), endpoint)
        .map_err(|e| e.with_request_id(request_id))?;
    Ok(status
        .map(|url| (Monitor::Status, url))
        .or(location.map(|url| (Monitor::Location, url))))
}

/// A monitor URL from `name`: absolute http(s), on `endpoint`'s origin.
fn header_url(headers: &HeaderMap, name: &str, endpoint: &Url) -> Result<Option<Url>> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let url = value
        .to_str()
        .ok()
        .and_then(|text| Url::parse(text.trim()).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("the service sent a {name} header that is not an absolute http(s) URL"),
            )
        })?;
    if url.origin() != endpoint.origin() {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "refusing to follow a {name} to {} (not the endpoint {}): the credential stays on its endpoint",
                url.origin().ascii_serialization(),
                endpoint.origin().ascii_serialization()
            ),
        ));
    }
    Ok(Some(url))
}

/// Where a status document says the operation is.
enum Progress {
    Running,
    Succeeded,
    /// `Failed`, `Canceled` or another terminal status, as spelled.
    Ended(String),
}

fn operation_status(body: &[u8], request_id: &str) -> Result<Progress> {
    let document: Value = serde_json::from_slice(body).map_err(|e| {
        invalid(
            &format!(
                "the operation's status is not JSON: {}",
                super::json_problem(&e)
            ),
            request_id,
        )
    })?;
    let status = document["status"]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("the operation's status document has no status", request_id))?;
    Ok(match status.to_ascii_lowercase().as_str() {
        "succeeded" => Progress::Succeeded,
        "failed" | "canceled" | "cancelled" => Progress::Ended(status.to_string()),
        _ => Progress::Running,
    })
}

/// The error of an operation that ended as `outcome`, with its own error's
/// code and message when the document has them.
fn failed(document: &Value, outcome: &str, request_id: &str) -> Error {
    let detail = &document["error"];
    let message = detail["message"]
        .as_str()
        .filter(|m| !m.is_empty())
        .map(|m| format!("the long-running operation ended as {outcome}: {m}"))
        .unwrap_or_else(|| format!("the long-running operation ended as {outcome}"));
    let mut error = Error::new(ErrorKind::Service, message)
        .with_request_id(request_id)
        .with_source(OperationFailed {
            status: outcome.to_string(),
        });
    if let Some(code) = detail["code"].as_str() {
        error = error.with_code(code);
    }
    error
}

/// One status check through the pipeline: status, headers and body (capped
/// by the pipeline's response limit).
async fn get(
    http: &reqwest::Client,
    pipeline: &Pipeline,
    context: &CallContext,
    url: Url,
    operation_id: &'static str,
) -> Result<(u16, HeaderMap, bytes::Bytes)> {
    let request_id = context.request_id.clone();
    let send = async {
        let mut request = reqwest::Request::new(reqwest::Method::GET, url);
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        pipeline.prepare(&mut request, operation_id);
        pipeline.send(http, request, operation_id).await
    };
    let response = context
        .clone()
        .scope(send)
        .await
        .map_err(|e| transport(e, &request_id))?;
    if let Some(failure) = context.take_failure() {
        return Err(failure.with_request_id(request_id));
    }
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(|e| {
        let error = transport(e, &request_id);
        match status {
            200..=299 => error.with_status(status),
            _ => service_error(status, &Value::Null).with_request_id(&request_id),
        }
    })?;
    Ok((status, headers, body))
}

fn parse(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

fn invalid(message: &str, request_id: &str) -> Error {
    Error::new(ErrorKind::InvalidResponse, message).with_request_id(request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_follow_hints_within_the_floor_and_the_cap() {
        let options = PollingOptions::default()
            .with_interval(Duration::from_secs(2))
            .with_max_interval(Duration::from_secs(10));
        assert_eq!(options.wait(None), Duration::from_secs(2));
        assert_eq!(
            options.wait(Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            options.wait(Some(Duration::from_secs(3600))),
            Duration::from_secs(10)
        );
        assert_eq!(options.wait(Some(Duration::ZERO)), MIN_POLL_INTERVAL);
        let fast = options.with_max_interval(Duration::from_millis(5));
        assert_eq!(fast.wait(Some(Duration::ZERO)), Duration::from_millis(5));
    }

    #[test]
    fn statuses_are_read_case_insensitively_and_strictly() {
        let read = |body: &str| operation_status(body.as_bytes(), "r");
        assert!(matches!(
            read(r#"{"status":"Succeeded"}"#),
            Ok(Progress::Succeeded)
        ));
        assert!(matches!(
            read(r#"{"status":"inprogress"}"#),
            Ok(Progress::Running)
        ));
        assert!(matches!(
            read(r#"{"status":"Running"}"#),
            Ok(Progress::Running)
        ));
        assert!(
            matches!(read(r#"{"status":"Canceled"}"#), Ok(Progress::Ended(s)) if s == "Canceled")
        );
        for bad in [
            "",
            "[]",
            r#"{"status":1}"#,
            r#"{"status":""}"#,
            "{}",
            "<html>",
        ] {
            let error = read(bad).err().unwrap();
            assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{bad}");
        }
    }

    #[test]
    fn monitors_must_be_absolute_and_on_the_endpoint() {
        let endpoint = Url::parse("https://management.azure.com").unwrap();
        let headers = |pairs: &[(&'static str, &str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_str(value).unwrap());
            }
            map
        };
        let both = headers(&[
            ("location", "https://management.azure.com/l"),
            (AZURE_ASYNC_OPERATION, "https://management.azure.com/s"),
        ]);
        let (monitor, url) = monitor_of(&both, &endpoint, "r").unwrap().unwrap();
        assert_eq!((monitor, url.path()), (Monitor::Status, "/s"));
        let location = headers(&[("location", "https://management.azure.com/l")]);
        assert_eq!(
            monitor_of(&location, &endpoint, "r").unwrap().unwrap().0,
            Monitor::Location
        );
        assert!(
            monitor_of(&HeaderMap::new(), &endpoint, "r")
                .unwrap()
                .is_none()
        );
        for bad in [
            "https://evil.example/l",
            "http://management.azure.com/l",
            "https://management.azure.com:8443/l",
            "/relative",
            "ftp://management.azure.com/l",
        ] {
            let error = monitor_of(&headers(&[("location", bad)]), &endpoint, "r").unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{bad}");
        }
    }
}
