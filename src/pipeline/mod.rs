//! What runs around every request a generated client sends.
//!
//! The generated clients carry a [`Pipeline`] as their inner value and call it
//! from their `ClientHooks` (see `crate::adapters`): [`Policy::prepare`] once
//! per call, [`Policy::send`] to put the request on the wire. Signing, retries
//! and tracing are policies, so they are written once for every service.

mod auth;
mod context;
mod direct;
mod errors;
mod limits;
pub mod lro;
mod options;
mod policy;
pub mod retry;
mod run;

pub use auth::Authentication;
pub use context::CallContext;
pub(crate) use direct::DirectTransport;
pub(crate) use errors::json_problem;
pub use errors::{from_generated, service_error, transport};
pub use limits::{DEFAULT_MAX_RESPONSE_BYTES, ResponseTooLarge};
pub use lro::{OperationFailed, PollingOptions};
pub(crate) use options::check_api_version;
pub use options::{ClientOptions, DEFAULT_ATTEMPT_TIMEOUT};
pub use policy::{AzurePolicy, CLIENT_REQUEST_ID};
pub use retry::RetryOptions;
pub use run::run;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A boxed future, as returned by [`Policy::send`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Behaviour wrapped around every request of a generated client.
pub trait Policy: Send + Sync {
    /// Runs once per call, before the first attempt: per-call headers such
    /// as a client request id belong here.
    fn prepare(&self, request: &mut reqwest::Request, operation_id: &'static str) {
        let _ = (request, operation_id);
    }

    /// Sends the request: every attempt, each signed afresh, happens here.
    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// The inner value of every generated client: an optional [`Policy`].
///
/// Without one, requests are sent as generated, once.
#[derive(Clone, Default)]
pub struct Pipeline {
    policy: Option<Arc<dyn Policy>>,
}

impl Pipeline {
    /// Sends requests as generated, with nothing around them.
    pub fn plain() -> Self {
        Self::default()
    }

    /// Runs `policy` around every request.
    pub fn with_policy(policy: Arc<dyn Policy>) -> Self {
        Pipeline {
            policy: Some(policy),
        }
    }

    /// See [`Policy::prepare`].
    pub fn prepare(&self, request: &mut reqwest::Request, operation_id: &'static str) {
        if let Some(policy) = &self.policy {
            policy.prepare(request, operation_id);
        }
    }

    /// See [`Policy::send`]. A plain function returning the policy's future
    /// (not an `async fn`, which would keep the request twice in its state).
    pub fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        match &self.policy {
            Some(policy) => policy.send(client, request, operation_id),
            None => Box::pin(client.execute(request)),
        }
    }
}

// Policies hold credentials: never print them.
impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("policy", &self.policy.as_ref().map(|_| ".."))
            .finish()
    }
}
