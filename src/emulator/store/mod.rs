//! The emulator's state, in memory, optionally mirrored to a file.
//!
//! Readers and writers take a short `std::sync::Mutex` lock that is never held
//! across an `.await`. After a change, [`Store::modify`] writes the file before
//! returning (off the async threads, temp file + rename), so a response the
//! client has seen is already durable; concurrent changes coalesce into one write.

mod file;
mod model;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

pub(crate) use model::{
    ApimUser, ApimUserIdentity, ArmOperation, ArmOperationStatus, Identity, State,
    TeamsExtensionAssignment,
};

use super::error::EmulatorError;

/// Shared, lockable state plus its optional file.
pub(crate) struct Store {
    inner: Mutex<Versioned>,
    file: Option<StateFile>,
}

struct Versioned {
    state: State,
    /// Bumped by every successful change.
    generation: u64,
}

struct StateFile {
    path: PathBuf,
    /// The generation last written (none yet at start); the lock
    /// serialises writers.
    saved: tokio::sync::Mutex<Option<u64>>,
}

impl Store {
    /// An in-memory store starting from the seed.
    pub(crate) fn in_memory() -> Self {
        Store {
            inner: Mutex::new(Versioned {
                state: State::seed(),
                generation: 0,
            }),
            file: None,
        }
    }

    /// Loads `path` (or seeds a new state and writes it there).
    pub(crate) async fn open(path: &Path) -> Result<Self, EmulatorError> {
        let owned = path.to_path_buf();
        let loaded = tokio::task::spawn_blocking(move || file::load(&owned))
            .await
            .map_err(|e| EmulatorError::state(path, e))??;
        let existed = loaded.is_some();
        let store = Store {
            inner: Mutex::new(Versioned {
                state: loaded.unwrap_or_else(State::seed),
                generation: 0,
            }),
            file: Some(StateFile {
                path: path.to_path_buf(),
                saved: tokio::sync::Mutex::new(None),
            }),
        };
        if !existed {
            store
                .write_snapshot()
                .await
                .map_err(|e| EmulatorError::state(path, e))?;
        }
        Ok(store)
    }

    /// Reads the state under the lock.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock().state)
    }

    /// Applies a change; on `Ok` the state file (if any) is rewritten before
    /// this returns. On `Err` the closure must have left the state untouched.
    pub(crate) async fn modify<T, E>(
        &self,
        change: impl FnOnce(&mut State) -> Result<T, E>,
    ) -> Result<T, E> {
        let (result, generation) = {
            let mut inner = self.lock();
            let result = change(&mut inner.state);
            if result.is_ok() {
                inner.generation += 1;
            }
            (result, inner.generation)
        };
        if result.is_ok() {
            self.save_up_to(generation).await;
        }
        result
    }

    /// Writes the file unless a write already covered `generation`.
    async fn save_up_to(&self, generation: u64) {
        let Some(file) = &self.file else { return };
        if *file.saved.lock().await >= Some(generation) {
            return;
        }
        if let Err(e) = self.write_snapshot().await {
            tracing::error!(path = %file.path.display(), error = %e, "could not save the emulator state");
        }
    }

    /// Writes the current state (unless already written) and records its generation.
    async fn write_snapshot(&self) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut saved = file.saved.lock().await;
        let (bytes, generation) = {
            let inner = self.lock();
            (serde_json::to_vec_pretty(&inner.state)?, inner.generation)
        };
        if *saved >= Some(generation) {
            return Ok(());
        }
        let path = file.path.clone();
        tokio::task::spawn_blocking(move || file::write_atomically(&path, &bytes))
            .await
            .map_err(std::io::Error::other)??;
        *saved = Some(generation);
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Versioned> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
