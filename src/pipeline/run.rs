//! Runs one generated call with the facade's context, timeouts and error mapping.

use std::future::Future;

use futures_util::FutureExt;
use futures_util::future::Either;
use progenitor_client::ResponseValue;
use serde::Serialize;

use std::sync::Arc;

use super::context::Outcome;
use super::{CallContext, from_generated};
use crate::error::{Error, ErrorKind, Result};

/// Awaits `call` (a generated builder's `send()`) inside `context`, applying
/// the total timeout and turning every failure into the crate's [`Error`].
///
/// Built from combinators rather than as an `async fn`: an `async fn` keeps
/// its future argument in its state *and* the future it awaits, so every
/// call carried the generated call's state (about 1.8 KB) twice
/// (rust-lang/rust#62958).
pub fn run<T, E, F>(context: CallContext, call: F) -> impl Future<Output = Result<ResponseValue<T>>>
where
    E: Serialize,
    F: Future<Output = std::result::Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let observer = Observer {
        request_id: context.request_id.clone(),
        outcome: context.outcome(),
    };
    let deadline = context.deadline;
    let scoped = context.scoped(call);
    let timed = match deadline {
        Some(deadline) => Either::Left(tokio::time::timeout_at(deadline, scoped)),
        None => Either::Right(scoped.map(Ok)),
    };
    timed.map(move |result| observer.finish(result))
}

/// What `run` needs of the context once the call is done.
struct Observer {
    request_id: String,
    /// The failure and status the policy recorded in the call's context.
    outcome: Arc<Outcome>,
}

impl Observer {
    fn finish<T, E: Serialize>(
        self,
        result: std::result::Result<
            std::result::Result<ResponseValue<T>, progenitor_client::Error<E>>,
            tokio::time::error::Elapsed,
        >,
    ) -> Result<ResponseValue<T>> {
        let Ok(result) = result else {
            return Err(Error::new(
                ErrorKind::Timeout,
                "the call did not finish within its total timeout",
            )
            .with_request_id(self.request_id));
        };
        if let Some(failure) = self.outcome.take_failure() {
            return Err(failure.with_request_id(self.request_id));
        }
        result.map_err(|e| {
            let error = from_generated(e, &self.request_id);
            with_status(error, &self.request_id, self.outcome.last_status())
        })
    }
}

/// An answer whose body could not be read still says what its status was:
/// an error status keeps its meaning (`is_not_found` on a 404 with an HTML
/// body), a success status is reported with the problem.
fn with_status(error: Error, request_id: &str, status: Option<u16>) -> Error {
    let Some(status) = status else {
        return error;
    };
    if error.status().is_some()
        || !matches!(
            error.kind(),
            ErrorKind::InvalidResponse | ErrorKind::Transport
        )
    {
        return error;
    }
    let request_id = error.request_id().unwrap_or(request_id).to_string();
    if status >= 400 {
        Error::service(
            status,
            format!(
                "the service answered {status}; its error body could not be read: {}",
                error
                    .message()
                    .trim_start_matches("the service's answer could not be read: ")
            ),
        )
        .with_request_id(request_id)
        .with_source(error)
    } else {
        error.with_status(status)
    }
}
