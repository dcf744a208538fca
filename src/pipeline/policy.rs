//! The policy every facade client uses: request id, user agent, api-version
//! override, authentication per attempt, retries, per-attempt timeout, tracing.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue, USER_AGENT};
use tokio::time::Instant;
use tracing::Instrument;

use super::limits::cap;
use super::retry::{should_retry_error, should_retry_status};
use super::{Authentication, BoxFuture, CallContext, ClientOptions, Pipeline, Policy};
use crate::error::Error;

/// The header carrying our request id, constant across attempts.
pub const CLIENT_REQUEST_ID: &str = "x-ms-client-request-id";

/// Azure's conventions around every request (DESIGN §6).
#[derive(Debug)]
pub struct AzurePolicy {
    auth: Authentication,
    options: ClientOptions,
    /// Sent instead of the spec's api-version (query parameter and header).
    api_version: Option<String>,
    user_agent: String,
}

impl AzurePolicy {
    /// A pipeline authenticating with `auth`, configured by `options`, and
    /// sending `api_version` instead of the spec's when given.
    pub fn pipeline(
        auth: Authentication,
        options: &ClientOptions,
        api_version: Option<&str>,
    ) -> Pipeline {
        let mut user_agent =
            concat!("azure-user-tokens/", env!("CARGO_PKG_VERSION"), " (rust)").to_string();
        if let Some(suffix) = &options.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        Pipeline::with_policy(Arc::new(AzurePolicy {
            auth,
            options: options.clone(),
            api_version: api_version.map(str::to_string),
            user_agent,
        }))
    }

    fn attempt_timeout(&self, deadline: Option<Instant>) -> Option<Duration> {
        let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match (self.options.attempt_timeout, remaining) {
            (Some(a), Some(r)) => Some(a.min(r)),
            (a, r) => a.or(r),
        }
    }

    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        context: Option<CallContext>,
    ) -> reqwest::Result<reqwest::Response> {
        let safe_if_processed = context.as_ref().is_none_or(|c| c.safe_if_processed);
        let deadline = context.as_ref().and_then(|c| c.deadline);
        let max_retries = self.options.retry.max_retries();
        // A streamed body cannot be cloned: such a request gets one attempt.
        let max_retries = if request.try_clone().is_some() {
            max_retries
        } else {
            0
        };
        let mut original = Some(request);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let can_retry = attempt <= max_retries;
            let mut this_attempt = match original.as_ref().and_then(reqwest::Request::try_clone) {
                Some(copy) if can_retry => copy,
                _ => match original.take() {
                    Some(last) => last,
                    None => {
                        return Ok(self.fail(
                            context.as_ref(),
                            Error::new(
                                crate::ErrorKind::Transport,
                                "the request could not be repeated",
                            ),
                        ));
                    }
                },
            };
            if let Some(timeout) = self.attempt_timeout(deadline) {
                *this_attempt.timeout_mut() = Some(timeout);
            }
            if let Err(error) = self.auth.apply(&mut this_attempt, context.as_ref()) {
                return Ok(self.fail(context.as_ref(), error));
            }
            tracing::Span::current().record("attempt", attempt);
            let method = this_attempt.method().clone();
            let sent_to = this_attempt.url().clone();
            let result = client.execute(this_attempt).await;
            if let (Ok(response), Some(context)) = (&result, &context)
                && let Some(error) = redirect_problem(response, &sent_to)
            {
                context.record_status(response.status().as_u16());
                return Ok(self.fail(Some(context), error));
            }
            let delay = match &result {
                Ok(response) => {
                    let status = response.status();
                    tracing::Span::current().record("status", status.as_u16());
                    if let Some(context) = &context {
                        context.record_status(status.as_u16());
                    }
                    let retry = can_retry
                        && should_retry_status(
                            &method,
                            status,
                            response.headers(),
                            safe_if_processed,
                        );
                    retry.then(|| self.options.retry.delay(attempt, Some(response.headers())))
                }
                Err(error) => {
                    if let Some(context) = &context {
                        context.record_status(0);
                    }
                    tracing::debug!(attempt, error = %error.without_url_ref(), "attempt failed");
                    let retry = can_retry && should_retry_error(error, safe_if_processed);
                    retry.then(|| self.options.retry.delay(attempt, None))
                }
            };
            let Some(delay) = delay else {
                return result.map(|r| cap(r, self.options.max_response_bytes));
            };
            // No wait runs past the call's deadline (a wait too long to add is past it).
            if deadline
                .is_some_and(|d| Instant::now().checked_add(delay).is_none_or(|end| end >= d))
            {
                return result.map(|r| cap(r, self.options.max_response_bytes));
            }
            tracing::debug!(
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying"
            );
            drop(result);
            tokio::time::sleep(delay).await;
        }
    }

    /// Records a failure the hooks cannot return and answers with a
    /// placeholder response the facade never shows.
    fn fail(&self, context: Option<&CallContext>, error: Error) -> reqwest::Response {
        if let Some(context) = context {
            context.fail(error);
        } else {
            tracing::error!(error = %error, "request not sent");
        }
        let placeholder = http::Response::builder()
            .status(http::StatusCode::INTERNAL_SERVER_ERROR)
            .body(Vec::<u8>::new())
            .expect("a static response");
        reqwest::Response::from(placeholder)
    }
}

/// A redirect answer (never followed: it would carry the signature, body or
/// bearer token elsewhere), or an answer from another URL than the one asked
/// (a caller's HTTP client followed a redirect): either is an error.
fn redirect_problem(response: &reqwest::Response, sent_to: &url::Url) -> Option<Error> {
    let status = response.status().as_u16();
    if crate::http::is_redirect(status) {
        return Some(crate::http::redirect_refused(
            crate::ErrorKind::Service,
            "the service",
            status,
        ));
    }
    (response.url() != sent_to)
        .then(|| crate::http::redirect_followed(crate::ErrorKind::InvalidResponse, "the service"))
}

trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    /// The error text without the URL (which may carry an id, never a secret,
    /// but keeps logs short).
    fn without_url_ref(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(url.as_str(), "<url>");
        }
        text
    }
}

impl Policy for AzurePolicy {
    fn prepare(&self, request: &mut reqwest::Request, _operation_id: &'static str) {
        let request_id = CallContext::current()
            .map(|c| c.request_id)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let headers = request.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            headers.insert(HeaderName::from_static(CLIENT_REQUEST_ID), value);
        }
        if let Ok(value) = HeaderValue::from_str(&self.user_agent) {
            headers.insert(USER_AGENT, value);
        }
        if let Some(api_version) = &self.api_version {
            override_api_version(request, api_version);
        }
    }

    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        let context = CallContext::current();
        let span = tracing::debug_span!(
            "azure_user_tokens.operation",
            operation = operation_id,
            request_id = context
                .as_ref()
                .map(|c| c.request_id.as_str())
                .unwrap_or(""),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        Box::pin(
            self.send_with_retries(client, request, context)
                .instrument(span),
        )
    }
}

/// Replaces the `api-version` query parameter and the header progenitor adds.
fn override_api_version(request: &mut reqwest::Request, api_version: &str) {
    let url = request.url_mut();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if pairs.iter().any(|(k, _)| k == "api-version") {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (key, value) in &pairs {
            let value = if key == "api-version" {
                api_version
            } else {
                value
            };
            query.append_pair(key, value);
        }
    }
    if let Ok(value) = HeaderValue::from_str(api_version) {
        request
            .headers_mut()
            .insert(HeaderName::from_static("api-version"), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_override_rewrites_query_and_header() {
        let mut request = reqwest::Request::new(
            reqwest::Method::GET,
            "http://h/users?%24top=5&api-version=2024-05-01"
                .parse()
                .unwrap(),
        );
        request
            .headers_mut()
            .insert("api-version", HeaderValue::from_static("2024-05-01"));
        override_api_version(&mut request, "2022-08-01");
        assert_eq!(
            request.url().query(),
            Some("%24top=5&api-version=2022-08-01")
        );
        assert_eq!(request.headers()["api-version"], "2022-08-01");
    }
}
