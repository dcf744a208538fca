//! Runs one generated call with the facade's context, timeouts and error mapping.

use std::future::Future;

use progenitor_client::ResponseValue;
use serde::Serialize;

use super::{CallContext, from_generated};
use crate::error::{Error, ErrorKind, Result};

/// Awaits `call` (a generated builder's `send()`) inside `context`, applying
/// the total timeout and turning every failure into the crate's [`Error`].
pub async fn run<T, E, F>(context: CallContext, call: F) -> Result<ResponseValue<T>>
where
    E: Serialize,
    F: Future<Output = std::result::Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let observer = context.clone();
    let scoped = context.scope(call);
    let result = match observer.deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, scoped)
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Timeout,
                    "the call did not finish within its total timeout",
                )
                .with_request_id(observer.request_id.clone())
            })?,
        None => scoped.await,
    };
    if let Some(failure) = observer.take_failure() {
        return Err(failure.with_request_id(observer.request_id.clone()));
    }
    result.map_err(|e| from_generated(e, &observer.request_id))
}
