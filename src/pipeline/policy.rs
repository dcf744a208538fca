//! The policy every facade client uses: request id, user agent, api-version
//! override, authentication per attempt, retries, per-attempt timeout, tracing.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue, USER_AGENT};
use tokio::time::Instant;
use tracing::Instrument;

use super::auth::Authenticator;
use super::direct::{DirectTransport, SendError};
use super::limits::cap;
use super::retry::{should_retry_direct, should_retry_error, should_retry_status};
use super::{Authentication, BoxFuture, CallContext, ClientOptions, Pipeline, Policy};
use crate::error::Error;

/// The header carrying our request id, constant across attempts.
pub const CLIENT_REQUEST_ID: &str = "x-ms-client-request-id";

/// Azure's conventions around every request (DESIGN §6).
#[derive(Debug)]
pub struct AzurePolicy {
    auth: Authenticator,
    options: ClientOptions,
    /// Sent instead of the spec's api-version (query parameter and header).
    api_version: Option<String>,
    /// `None` when a suffix made it invalid as a header (then none is sent).
    user_agent: Option<HeaderValue>,
    /// Sends the facade's calls when the client is ours (not a caller's).
    direct: Option<DirectTransport>,
}

/// How one attempt failed, by the transport that sent it.
enum AttemptError {
    Reqwest(reqwest::Error),
    Direct(SendError),
}

impl AzurePolicy {
    /// A pipeline authenticating with `auth`, configured by `options`, and
    /// sending `api_version` instead of the spec's when given.
    pub fn pipeline(
        auth: Authentication,
        options: &ClientOptions,
        api_version: Option<&str>,
    ) -> Pipeline {
        Self::pipeline_with(auth, options, api_version, None)
    }

    /// [`AzurePolicy::pipeline`], sending the facade's calls through
    /// `direct` (for clients on the default HTTP client).
    pub(crate) fn pipeline_with(
        auth: Authentication,
        options: &ClientOptions,
        api_version: Option<&str>,
        direct: Option<DirectTransport>,
    ) -> Pipeline {
        let mut user_agent =
            concat!("azure-user-tokens/", env!("CARGO_PKG_VERSION"), " (rust)").to_string();
        if let Some(suffix) = &options.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(suffix);
        }
        Pipeline::with_policy(Arc::new(AzurePolicy {
            auth: Authenticator::new(auth),
            options: options.clone(),
            api_version: api_version.map(str::to_string),
            user_agent: HeaderValue::from_str(&user_agent).ok(),
            direct,
        }))
    }

    fn attempt_timeout(&self, deadline: Option<Instant>) -> Option<Duration> {
        let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        match (self.options.attempt_timeout, remaining) {
            (Some(a), Some(r)) => Some(a.min(r)),
            (a, r) => a.or(r),
        }
    }

    /// The attempts of one call, recorded on `span`. The call's context is
    /// read where needed (`CallContext::with_current`), not cloned.
    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        span: tracing::Span,
    ) -> reqwest::Result<reqwest::Response> {
        let (in_call, safe_if_processed, deadline) = CallContext::with_current(|context| {
            (
                context.is_some(),
                context.is_none_or(|c| c.safe_if_processed),
                context.and_then(|c| c.deadline),
            )
        });
        // A streamed body cannot be repeated: such a request gets one attempt.
        let repeatable = request.body().is_none_or(|body| body.as_bytes().is_some());
        let max_retries = if repeatable {
            self.options.retry.max_retries()
        } else {
            0
        };
        let mut original = Some(request);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let can_retry = attempt <= max_retries;
            // The original stays for the next attempt while there can be one.
            let next = if can_retry {
                original.as_ref().and_then(copy_for_attempt)
            } else {
                original.take()
            };
            let Some(mut this_attempt) = next else {
                return Ok(self.fail(Error::new(
                    crate::ErrorKind::Transport,
                    "the request could not be repeated",
                )));
            };
            if let Some(timeout) = self.attempt_timeout(deadline) {
                *this_attempt.timeout_mut() = Some(timeout);
            }
            let authenticated =
                CallContext::with_current(|context| self.auth.apply(&mut this_attempt, context));
            if let Err(error) = authenticated {
                return Ok(self.fail(error));
            }
            span.record("attempt", attempt);
            let method = this_attempt.method().clone();
            // Every attempt goes to the original's URL: copy it only when
            // the original is gone (the last attempt).
            let copied_url;
            let sent_to = match &original {
                Some(original) => original.url(),
                None => {
                    copied_url = this_attempt.url().clone();
                    &copied_url
                }
            };
            let result = match &self.direct {
                // Outside a facade call a failure could not be reported
                // (the hooks return only reqwest's results): reqwest sends.
                Some(direct) if in_call && !direct.is_proxied(this_attempt.url()) => {
                    let timeout = this_attempt.timeout().copied();
                    direct
                        .send(this_attempt, timeout)
                        .await
                        .map_err(AttemptError::Direct)
                }
                _ => client
                    .execute(this_attempt)
                    .await
                    .map_err(AttemptError::Reqwest),
            };
            if in_call
                && let Ok(response) = &result
                && let Some(error) = redirect_problem(response, sent_to)
            {
                record_status(response.status().as_u16());
                return Ok(self.fail(error));
            }
            let delay = match &result {
                Ok(response) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    record_status(status.as_u16());
                    let retry = can_retry
                        && should_retry_status(
                            &method,
                            status,
                            response.headers(),
                            safe_if_processed,
                        );
                    retry.then(|| self.options.retry.delay(attempt, Some(response.headers())))
                }
                Err(AttemptError::Reqwest(error)) => {
                    record_status(0);
                    tracing::debug!(attempt, error = %error.without_url_ref(), "attempt failed");
                    let retry = can_retry && should_retry_error(error, safe_if_processed);
                    retry.then(|| self.options.retry.delay(attempt, None))
                }
                Err(AttemptError::Direct(error)) => {
                    record_status(0);
                    tracing::debug!(attempt, error = %error, "attempt failed");
                    let retry = can_retry && should_retry_direct(error, safe_if_processed);
                    retry.then(|| self.options.retry.delay(attempt, None))
                }
            };
            let Some(delay) = delay else {
                return self.finish(result);
            };
            // No wait runs past the call's deadline (a wait too long to add is past it).
            if deadline
                .is_some_and(|d| Instant::now().checked_add(delay).is_none_or(|end| end >= d))
            {
                return self.finish(result);
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

    /// The call's answer: capped, or its failure in reqwest's terms (or in
    /// the call's context, for the direct transport's).
    fn finish(
        &self,
        result: Result<reqwest::Response, AttemptError>,
    ) -> reqwest::Result<reqwest::Response> {
        match result {
            Ok(response) => Ok(cap(response, self.options.max_response_bytes)),
            Err(AttemptError::Reqwest(error)) => Err(error),
            Err(AttemptError::Direct(error)) => Ok(self.fail(error.into_error())),
        }
    }

    /// Records a failure the hooks cannot return (in the call's context) and
    /// answers with a placeholder response the facade never shows.
    fn fail(&self, error: Error) -> reqwest::Response {
        CallContext::with_current(|context| match context {
            Some(context) => context.fail(error),
            None => tracing::error!(error = %error, "request not sent"),
        });
        let placeholder = http::Response::builder()
            .status(http::StatusCode::INTERNAL_SERVER_ERROR)
            .body(Vec::<u8>::new())
            .expect("a static response");
        reqwest::Response::from(placeholder)
    }
}

/// Records the status of an answer in the call's context, if any.
fn record_status(status: u16) {
    CallContext::with_current(|context| {
        if let Some(context) = context {
            context.record_status(status);
        }
    });
}

/// A copy of `request` for one attempt, or `None` if its body is a stream.
///
/// Cheaper than `reqwest::Request::try_clone`, which always creates a
/// timeout slot (an extensions map) and then replaces it with a clone of
/// the original's. The only extension a request built by a
/// `RequestBuilder` (as the generated clients build theirs) can carry is
/// its timeout, copied here.
fn copy_for_attempt(request: &reqwest::Request) -> Option<reqwest::Request> {
    let body = match request.body() {
        None => None,
        Some(body) => Some(reqwest::Body::from(bytes::Bytes::copy_from_slice(
            body.as_bytes()?,
        ))),
    };
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    *copy.body_mut() = body;
    Some(copy)
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
        let request_id = CallContext::with_current(|context| match context {
            Some(context) => HeaderValue::from_str(&context.request_id),
            None => HeaderValue::from_str(&super::context::request_id()),
        });
        let headers = request.headers_mut();
        if let Ok(value) = request_id {
            headers.insert(HeaderName::from_static(CLIENT_REQUEST_ID), value);
        }
        if let Some(value) = &self.user_agent {
            headers.insert(USER_AGENT, value.clone());
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
        let span = CallContext::with_current(|context| {
            tracing::debug_span!(
                "azure_user_tokens.operation",
                operation = operation_id,
                request_id = context.map_or("", |c| c.request_id.as_str()),
                attempt = tracing::field::Empty,
                status = tracing::field::Empty,
            )
        });
        // A disabled span (no subscriber wants it) is not worth entering on
        // every poll; recording on it costs nothing.
        if span.is_disabled() {
            Box::pin(self.send_with_retries(client, request, span))
        } else {
            Box::pin(
                self.send_with_retries(client, request, span.clone())
                    .instrument(span),
            )
        }
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
    use crate::RetryOptions;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server answering 204 to every request head it reads.
    async fn answering_204() -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 || !buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                        let answer = b"HTTP/1.1 204 No Content\r\n\r\n";
                        if socket.write_all(answer).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        address
    }

    #[tokio::test]
    async fn facade_calls_on_the_default_client_go_through_the_direct_transport() {
        let address = answering_204().await;
        let (_, direct) = DirectTransport::with_reqwest().unwrap();
        let options = ClientOptions::default().with_retry(RetryOptions::none());
        let pipeline =
            AzurePolicy::pipeline_with(Authentication::None, &options, None, Some(direct));
        // This reqwest client reaches nothing (its proxy does not exist), so
        // an answer can only come through the direct transport.
        let unreachable = reqwest::Client::builder()
            .proxy(reqwest::Proxy::all("http://127.0.0.1:9").unwrap())
            .build()
            .unwrap();
        let request = || {
            reqwest::Request::new(
                reqwest::Method::GET,
                format!("http://{address}/identities/x").parse().unwrap(),
            )
        };
        let in_call = CallContext::new(true, None)
            .scope(pipeline.send(&unreachable, request(), "op"))
            .await
            .unwrap();
        assert_eq!(in_call.status(), 204);
        // Outside a facade call (no context to report a failure in) the
        // request goes through reqwest, here to its missing proxy.
        let outside = pipeline.send(&unreachable, request(), "op").await;
        assert!(outside.unwrap_err().is_connect());
    }

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
