//! The runtime inside every blocking client, and the rule that it never
//! blocks inside someone else's.

use std::future::Future;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};

/// A tokio runtime owned by a blocking client (shared by its clones).
#[derive(Clone)]
pub(crate) struct BlockingRuntime {
    inner: Arc<Owned>,
}

struct Owned {
    runtime: Option<tokio::runtime::Runtime>,
}

impl BlockingRuntime {
    /// A current-thread runtime: it runs only while a call blocks on it.
    pub(crate) fn current_thread() -> Result<Self> {
        Self::from(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
        )
    }

    /// A runtime with one worker thread of its own, for what must run
    /// between calls (a proactive token refresh).
    pub(crate) fn with_background_worker() -> Result<Self> {
        Self::from(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("azure-user-tokens-blocking")
                .enable_all()
                .build(),
        )
    }

    fn from(built: std::io::Result<tokio::runtime::Runtime>) -> Result<Self> {
        let runtime = built.map_err(|e| {
            Error::new(
                ErrorKind::Transport,
                format!("cannot start the blocking client's runtime: {e}"),
            )
            .with_source(e)
        })?;
        Ok(BlockingRuntime {
            inner: Arc::new(Owned {
                runtime: Some(runtime),
            }),
        })
    }

    /// Runs `call` to completion on this runtime, unless the caller is
    /// inside a tokio runtime already: blocking there would stall (or, on a
    /// current-thread runtime, deadlock) it, so that is a
    /// [`ErrorKind::Usage`] error naming `what`, and nothing is sent.
    pub(crate) fn run<T>(
        &self,
        what: &'static str,
        call: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        self.check(what)?;
        match &self.inner.runtime {
            Some(runtime) => runtime.block_on(call),
            None => Err(Error::new(ErrorKind::Usage, "the runtime has shut down")),
        }
    }

    /// [`ErrorKind::Usage`] inside a tokio runtime.
    pub(crate) fn check(&self, what: &'static str) -> Result<()> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "blocking::{what} was called inside a tokio runtime, where blocking would stall it: \
                     use the async client there (azure_user_tokens::identity, apim), \
                     or call the blocking one from a thread outside the runtime"
                ),
            ));
        }
        Ok(())
    }

    /// Runs `f` with this runtime as the current one (so it can spawn).
    pub(crate) fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.inner.runtime {
            Some(runtime) => {
                let _guard = runtime.enter();
                f()
            }
            None => f(),
        }
    }
}

impl std::fmt::Debug for BlockingRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlockingRuntime { .. }")
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // Dropping a runtime inside another panics; shutting it down in the
        // background never does, wherever the last clone is dropped.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_runtime_calls_run() {
        let runtime = BlockingRuntime::current_thread().unwrap();
        let answer = runtime.run("test", async { Ok(42) }).unwrap();
        assert_eq!(answer, 42);
    }

    #[tokio::test]
    async fn inside_a_runtime_calls_are_refused_and_dropping_never_panics() {
        let runtime = BlockingRuntime::current_thread().unwrap();
        let polled = std::sync::atomic::AtomicBool::new(false);
        let err = runtime
            .run("Thing::call", async {
                polled.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            })
            .unwrap_err();
        assert!(err.is_usage(), "{err}");
        assert!(err.message().contains("blocking::Thing::call"), "{err}");
        assert!(!polled.load(std::sync::atomic::Ordering::SeqCst));
        drop(runtime);
        drop(BlockingRuntime::with_background_worker().unwrap());
    }
}
