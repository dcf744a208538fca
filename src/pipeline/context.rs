//! Per-call context, visible to the policy while a generated call runs.
//!
//! The generated clients' hooks get only the request, so the facade runs
//! each call inside [`CallContext::scope`] and the policy reads it there.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::futures::TaskLocalFuture;
use tokio::time::Instant;

use crate::error::Error;
use crate::{AccessToken, Secret};

tokio::task_local! {
    static CURRENT: CallContext;
}

/// What one facade call tells the policy.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// Sent as `x-ms-client-request-id`, the same on every attempt.
    pub request_id: String,
    /// The bearer token for this call, fetched before the first attempt.
    pub bearer: Option<AccessToken>,
    /// A bearer token the call brings itself, sent *instead of* the client's
    /// own authentication (no HMAC signature, no client token): the Teams
    /// Phone extension exchange authenticates with the Teams user's token.
    pub caller_bearer: Option<Secret>,
    /// Whether running the call twice is harmless (false for creating a user).
    pub safe_if_processed: bool,
    /// No retry waits past this instant.
    pub deadline: Option<Instant>,
    /// What the policy tells the facade, shared by the context's clones.
    outcome: Arc<Outcome>,
}

/// What the policy reports about a call, shared by its context's clones.
#[derive(Debug, Default)]
struct Outcome {
    /// A failure the policy could not return through the generated client
    /// (its hooks can only return HTTP results); the facade reports it.
    failure: Mutex<Option<Error>>,
    /// The status of the last answer received (0: none yet), so an answer
    /// whose body cannot be read still reports its status.
    status: AtomicU16,
}

impl CallContext {
    /// A context with a fresh request id.
    pub fn new(safe_if_processed: bool, total_timeout: Option<Duration>) -> Self {
        CallContext {
            request_id: request_id(),
            bearer: None,
            caller_bearer: None,
            safe_if_processed,
            // A timeout too large to add to an instant is no deadline.
            deadline: total_timeout.and_then(|t| Instant::now().checked_add(t)),
            outcome: Arc::default(),
        }
    }

    /// Records a failure for the facade to report.
    pub fn fail(&self, error: Error) {
        *self
            .outcome
            .failure
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(error);
    }

    /// The failure recorded by the policy, if any.
    pub fn take_failure(&self) -> Option<Error> {
        self.outcome
            .failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Records the status of an answer.
    pub fn record_status(&self, status: u16) {
        self.outcome.status.store(status, Ordering::Relaxed);
    }

    /// The status of the last answer, if one came.
    pub fn last_status(&self) -> Option<u16> {
        Some(self.outcome.status.load(Ordering::Relaxed)).filter(|s| *s != 0)
    }

    /// Runs `future` with this context current.
    pub async fn scope<F: std::future::Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }

    /// `future` with this context current; the context can be taken back
    /// from it once it is done (`TaskLocalFuture::take_value`), which saves
    /// the facade a clone per call.
    pub(crate) fn scoped<F: std::future::Future>(self, future: F) -> TaskLocalFuture<Self, F> {
        CURRENT.scope(self, future)
    }

    /// The context of the facade call running on this task, if any.
    pub fn current() -> Option<CallContext> {
        CURRENT.try_with(CallContext::clone).ok()
    }

    /// Calls `f` with the context of the facade call running on this task,
    /// if any, without cloning it.
    pub(crate) fn with_current<R>(f: impl FnOnce(Option<&CallContext>) -> R) -> R {
        let mut f = Some(f);
        match CURRENT.try_with(|context| f.take().map(|f| f(Some(context)))) {
            Ok(Some(result)) => result,
            // No context on this task: `try_with` did not call its closure.
            _ => match f.take() {
                Some(f) => f(None),
                None => unreachable!("the closure ran and returned"),
            },
        }
    }
}

/// A fresh version 4 UUID, hyphenated: from the thread's random generator
/// rather than a `getrandom` system call per call, as `Uuid::new_v4` makes.
pub(super) fn request_id() -> String {
    let uuid = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid.hyphenated().encode_lower(&mut text).to_owned()
}
