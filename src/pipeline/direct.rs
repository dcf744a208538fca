//! The transport under the facade's default HTTP client: hyper-util's pooled
//! client with rustls, as reqwest builds it, without reqwest's per-request
//! layers (its redirect layer parses the URL again on every request, its
//! response wrapping adds task hops). About half of a call's client CPU on
//! loopback was reqwest's own (benches/README.md, issue 11 item 9).
//!
//! It is used only where it changes nothing a user can see: for a client
//! built without [`ClientOptions::with_http_client`](crate::ClientOptions::with_http_client)
//! (a caller's own `reqwest::Client` is always used as is), inside a facade
//! call, and for destinations no proxy applies to (a proxied request goes
//! through reqwest, which reads the same environment). It sends what reqwest
//! would send: the same headers (reqwest's default `accept: */*` included),
//! TLS 1.2 and 1.3 through rustls with the process's crypto provider and the
//! platform's certificate verifier, ALPN `h2` and `http/1.1`, and it never
//! follows a redirect.

use std::error::Error as StdError;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use reqwest::ResponseBuilderExt;
use reqwest::header::{ACCEPT, HeaderValue, USER_AGENT};
use tokio::time::Sleep;

use crate::error::{Error, ErrorKind, Result};

/// How long an idle pooled connection is kept (reqwest's default).
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// TCP keepalive time and probe interval (reqwest's defaults).
const TCP_KEEPALIVE: Duration = Duration::from_secs(15);

/// hyper-util's pooled client, for requests that no proxy applies to.
pub(crate) struct DirectTransport {
    client: Client<HttpsConnector<HttpConnector>, reqwest::Body>,
    /// reqwest's proxy rules (from the environment), when a proxy is set.
    proxies: Option<Matcher>,
}

/// The variables reqwest (hyper-util's `Matcher`) reads proxies from.
const PROXY_VARIABLES: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// The TLS settings reqwest builds by default: rustls with the process's
/// crypto provider (ring unless the application installed another), TLS 1.2
/// and 1.3, the platform's verifier and roots; ALPN is left to each user.
fn tls_config() -> Result<rustls::ClientConfig> {
    crate::http::install_crypto_provider();
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let tls_error =
        |e: rustls::Error| Error::new(ErrorKind::Transport, "cannot set up TLS").with_source(e);
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(tls_error)?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// Why an attempt through the [`DirectTransport`] failed.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The request could not be made into an HTTP request (a URL hyper refuses).
    Request(reqwest::Error),
    /// Connecting, writing the request or reading the answer's head failed.
    Send(hyper_util::client::legacy::Error),
    /// No answer within the attempt's timeout.
    TimedOut,
}

impl DirectTransport {
    /// reqwest's default client ([`crate::http::client_builder`]) and the
    /// transport beside it, sharing one TLS configuration (the platform's
    /// roots are read once, not twice).
    pub(crate) fn with_reqwest() -> Result<(reqwest::Client, Self)> {
        let tls = tls_config()?;
        let mut for_reqwest = tls.clone();
        // As reqwest sets it for itself when it builds its own configuration.
        for_reqwest.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let reqwest = crate::http::client_builder()
            .tls_backend_preconfigured(for_reqwest)
            .build()
            .map_err(|e| {
                Error::new(ErrorKind::Transport, "cannot build the HTTP client").with_source(e)
            })?;
        // Without a proxy variable nothing is proxied: no need to ask per request.
        let proxies = PROXY_VARIABLES
            .iter()
            .any(|name| std::env::var_os(name).is_some())
            .then(Matcher::from_system);
        Ok((reqwest, Self::new(tls, proxies)))
    }

    fn new(tls: rustls::ClientConfig, proxies: Option<Matcher>) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        // reqwest's defaults: a dead peer is noticed on an idle pooled connection.
        http.set_keepalive(Some(TCP_KEEPALIVE));
        http.set_keepalive_interval(Some(TCP_KEEPALIVE));
        http.set_keepalive_retries(Some(3));
        // `enable_all_versions` sets ALPN to `h2`, `http/1.1`, as reqwest does.
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_all_versions()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(https);
        DirectTransport { client, proxies }
    }

    /// Whether a proxy from the environment applies to `url`: then the
    /// request goes through reqwest, which handles proxies.
    pub(crate) fn is_proxied(&self, url: &url::Url) -> bool {
        self.proxies.as_ref().is_some_and(|proxies| {
            url.as_str()
                .parse::<http::Uri>()
                .map_or(true, |uri| proxies.intercept(&uri).is_some())
        })
    }

    /// Sends `request`, failing if the answer is not complete within
    /// `timeout` (the head here, the body as it is read).
    pub(crate) async fn send(
        &self,
        request: reqwest::Request,
        timeout: Option<Duration>,
    ) -> std::result::Result<reqwest::Response, SendError> {
        let url = request.url().clone();
        let mut request =
            http::Request::<reqwest::Body>::try_from(request).map_err(SendError::Request)?;
        // reqwest adds its client's default headers to a request without
        // them: `accept: */*` and ours (crate::http::client_builder).
        let headers = request.headers_mut();
        headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        headers
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static(crate::http::USER_AGENT));
        let mut deadline = timeout.map(|t| Box::pin(tokio::time::sleep(t)));
        let sending = self.client.request(request);
        let response = match deadline.as_mut() {
            None => sending.await,
            Some(deadline) => tokio::select! {
                biased;
                response = sending => response,
                () = deadline.as_mut() => return Err(SendError::TimedOut),
            },
        }
        .map_err(SendError::Send)?;
        let (mut parts, body) = response.into_parts();
        let mut builder = http::Response::builder()
            .status(parts.status)
            .version(parts.version)
            .url(url);
        if let Some(headers) = builder.headers_mut() {
            std::mem::swap(headers, &mut parts.headers);
        }
        let body = reqwest::Body::wrap(TimedBody {
            inner: body,
            deadline,
        });
        Ok(reqwest::Response::from(
            builder
                .body(body)
                .expect("the parts of a response hyper already accepted"),
        ))
    }
}

/// An answer's body that fails once the attempt's deadline passes, as
/// reqwest's per-request timeout covers the body too.
struct TimedBody {
    inner: Incoming,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn StdError + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Self::Error>>> {
        if let Some(deadline) = self.deadline.as_mut()
            && deadline.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Some(Err(Box::new(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the answer's body did not arrive within the attempt timeout",
            )))));
        }
        Pin::new(&mut self.inner)
            .poll_frame(cx)
            .map_err(|e| Box::new(e) as Self::Error)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// What failed, without the URL (it names ids and keeps logs short).
impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::TimedOut => f.write_str("no answer within the attempt timeout"),
            SendError::Request(_) => f.write_str("the request's URL cannot be sent over HTTP"),
            SendError::Send(e) => f.write_str(&super::errors::root_cause(e)),
        }
    }
}

impl SendError {
    /// Whether the request surely never reached the service (connecting failed).
    pub(crate) fn is_connect(&self) -> bool {
        matches!(self, SendError::Send(e) if e.is_connect())
    }

    /// Whether the request was refused before anything was sent (a URL hyper cannot take).
    pub(crate) fn is_request(&self) -> bool {
        matches!(self, SendError::Request(_))
    }

    /// Whether a TLS handshake failed (an untrusted certificate stays untrusted).
    pub(crate) fn is_tls_failure(&self) -> bool {
        matches!(self, SendError::Send(e) if super::retry::is_tls_failure(e))
    }

    /// The crate's error for this failure; never the URL (it names ids).
    pub(crate) fn into_error(self) -> Error {
        match self {
            SendError::TimedOut => Error::new(
                ErrorKind::Timeout,
                "the request timed out: no answer within the attempt timeout",
            ),
            SendError::Request(e) => super::transport(e, ""),
            SendError::Send(e) => {
                let what = if e.is_connect() {
                    "cannot connect to the service"
                } else {
                    "the connection to the service failed"
                };
                Error::new(
                    ErrorKind::Transport,
                    format!("{what}: {}", super::errors::root_cause(&e)),
                )
                .with_source(e)
            }
        }
    }
}

// Holds no secret, but its parts are not worth printing.
impl std::fmt::Debug for DirectTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectTransport").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A server that reads one request head, writes `answer`, then holds the
    /// connection open for a while (so a short answer stalls); yields the head.
    async fn answering(answer: &'static [u8]) -> (String, tokio::sync::oneshot::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (head_tx, head_rx) = tokio::sync::oneshot::channel();
        let url = format!(
            "http://{}/identities?api-version=2025-06-30",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the client closed before a whole head");
                head.extend_from_slice(&buf[..n]);
            }
            let _ = head_tx.send(String::from_utf8(head).unwrap());
            socket.write_all(answer).await.unwrap();
            tokio::time::sleep(Duration::from_secs(3)).await;
        });
        (url, head_rx)
    }

    fn transport() -> DirectTransport {
        DirectTransport::new(tls_config().unwrap(), None)
    }

    fn post(url: &str) -> reqwest::Request {
        let mut request = reqwest::Request::new(reqwest::Method::POST, url.parse().unwrap());
        request
            .headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(reqwest::Body::from("{}"));
        request
    }

    #[tokio::test]
    async fn sends_the_head_reqwest_sends_and_reads_the_answer() {
        const OK: &[u8] =
            b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\nx-ms-request-id: r1\r\n\r\n{}";
        let (url, server) = answering(OK).await;
        let response = transport().send(post(&url), None).await.unwrap();
        assert_eq!(response.status(), 201);
        assert_eq!(response.url().as_str(), url);
        assert_eq!(response.headers()["x-ms-request-id"], "r1");
        assert_eq!(response.bytes().await.unwrap().as_ref(), b"{}");
        let ours = server.await.unwrap();

        let (url, server) = answering(OK).await;
        let plain = crate::http::default_client().unwrap();
        plain.execute(post(&url)).await.unwrap();
        let theirs = server.await.unwrap();
        // The same bytes but the port (each server has its own).
        let without_host = |head: &str| {
            head.lines()
                .filter(|line| !line.starts_with("host:"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(without_host(&ours), without_host(&theirs));
        assert!(ours.contains("accept: */*\r\n"), "{ours}");
    }

    #[tokio::test]
    async fn a_missing_answer_times_out() {
        let (url, _server) = answering(b"").await;
        let error = transport()
            .send(post(&url), Some(Duration::from_millis(200)))
            .await
            .unwrap_err();
        assert!(matches!(error, SendError::TimedOut), "{error:?}");
        let error = error.into_error();
        assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    }

    #[tokio::test]
    async fn a_body_that_stalls_times_out() {
        let (url, _server) = answering(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{\"to").await;
        let response = transport()
            .send(post(&url), Some(Duration::from_millis(300)))
            .await
            .unwrap();
        let error = response.bytes().await.unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error_without_the_url() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/identities/secret-id",
            listener.local_addr().unwrap()
        );
        drop(listener);
        let error = transport().send(post(&url), None).await.unwrap_err();
        assert!(error.is_connect() && !error.is_tls_failure(), "{error:?}");
        let error = error.into_error();
        assert_eq!(error.kind(), ErrorKind::Transport);
        assert!(
            error.message().starts_with("cannot connect to the service"),
            "{error}"
        );
        assert!(!error.to_string().contains("secret-id"), "{error}");
    }

    #[tokio::test]
    async fn only_what_surely_never_reached_the_service_is_retried_unconditionally() {
        use crate::pipeline::retry::should_retry_direct;
        // Refused: never sent, so even a call that must not run twice retries.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let refused = format!("http://{}/", listener.local_addr().unwrap());
        drop(listener);
        let error = transport().send(post(&refused), None).await.unwrap_err();
        assert!(should_retry_direct(&error, false), "{error:?}");

        // Hung up after reading the request: it may have been processed.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hung_up = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let _ = socket.read(&mut [0u8; 1024]).await;
        });
        let error = transport().send(post(&hung_up), None).await.unwrap_err();
        assert!(!error.is_connect(), "{error:?}");
        assert!(!should_retry_direct(&error, false), "{error:?}");
        assert!(should_retry_direct(&error, true), "{error:?}");

        assert!(!should_retry_direct(&SendError::TimedOut, false));
        assert!(should_retry_direct(&SendError::TimedOut, true));
    }

    #[test]
    fn proxied_destinations_are_left_to_reqwest() {
        let transport = DirectTransport::new(
            tls_config().unwrap(),
            Some(
                Matcher::builder()
                    .http("http://127.0.0.1:9")
                    .no("example.org")
                    .build(),
            ),
        );
        let url = |text: &str| url::Url::parse(text).unwrap();
        assert!(transport.is_proxied(&url("http://example.com/identities")));
        assert!(!transport.is_proxied(&url("http://example.org/identities")));
        assert!(!transport.is_proxied(&url("https://example.com/identities")));
        assert!(!super::tests::transport().is_proxied(&url("http://example.com/")));
    }
}
