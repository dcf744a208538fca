//! The emulator's state, in memory, optionally kept in a state file.
//!
//! Readers see only what is *committed*: acknowledged and, with a state
//! file, durable. A change runs on a *working* copy (so later changes build
//! on earlier ones still being written), becomes one journal line, and is
//! committed once that line is fsynced (`journal.rs`); concurrent changes
//! share one write and one fsync. [`Store::modify`] returns only then, so a
//! response is sent only for a durable change. If the write fails, every
//! change not yet durable fails with [`Unavailable`] (503 in the service's
//! error shape), the working copy goes back to the committed state, and the
//! failure is logged at error level.
//!
//! Locks are short `std::sync::Mutex` sections, never held across `.await`;
//! file work runs on the blocking pool.

mod file;
mod journal;
mod model;
mod table;
mod unavailable;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

pub(crate) use model::{
    ApimUser, ApimUserIdentity, ArmOperation, ArmOperationStatus, Identity, State,
    TeamsExtensionAssignment,
};
pub(crate) use unavailable::Unavailable;

use journal::{Change, Journal};

use super::error::EmulatorError;

/// Shared, lockable state plus its optional journal.
pub(crate) struct Store {
    inner: Mutex<Inner>,
    /// Taken by the one task writing the journal at a time.
    writer: Option<tokio::sync::Mutex<()>>,
    /// The open journal (`None` once closed).
    journal: Arc<Mutex<Option<Journal>>>,
}

struct Inner {
    /// What readers see.
    committed: State,
    /// Committed plus the changes being written (journaled stores only).
    working: Option<State>,
    /// Encoded lines not yet handed to the writer.
    pending_bytes: Vec<u8>,
    /// Their changes and who waits for them.
    pending: Vec<(Vec<Change>, Arc<Outcome>)>,
}

/// Whether a change became durable; set once by the writer.
type Outcome = OnceLock<bool>;

impl Store {
    /// An in-memory store starting from the seed.
    pub(crate) fn in_memory() -> Self {
        Store {
            inner: Mutex::new(Inner {
                committed: State::seed(),
                working: None,
                pending_bytes: Vec::new(),
                pending: Vec::new(),
            }),
            writer: None,
            journal: Arc::new(Mutex::new(None)),
        }
    }

    /// Locks `path`'s journal and loads the state (or seeds a new file).
    pub(crate) async fn open(path: &Path) -> Result<Self, EmulatorError> {
        let owned = path.to_path_buf();
        let (journal, state) = tokio::task::spawn_blocking(move || Journal::open(&owned))
            .await
            .map_err(|e| EmulatorError::state(path, e))??;
        Ok(Store {
            inner: Mutex::new(Inner {
                working: Some(state.clone()),
                committed: state,
                pending_bytes: Vec::new(),
                pending: Vec::new(),
            }),
            writer: Some(tokio::sync::Mutex::new(())),
            journal: Arc::new(Mutex::new(Some(journal))),
        })
    }

    /// Reads the committed state under the lock.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock().committed)
    }

    /// Applies a change; on `Ok` it is committed (and, with a state file,
    /// durable) before this returns. On `Err` the closure must have left the
    /// state untouched. A change that cannot be saved is `Err(Unavailable)`,
    /// converted into the caller's error.
    pub(crate) async fn modify<T, E: From<Unavailable>>(
        &self,
        change: impl FnOnce(&mut State) -> Result<T, E>,
    ) -> Result<T, E> {
        let Some(writer) = &self.writer else {
            let mut inner = self.lock();
            let result = change(&mut inner.committed);
            forget_changes(&mut inner.committed);
            return result;
        };
        let (value, outcome) = {
            let mut inner = self.lock();
            let Some(working) = inner.working.as_mut() else {
                return Err(Unavailable.into());
            };
            let result = change(working);
            let changes = take_changes(working);
            let value = result?;
            let changes = changes.map_err(|e| {
                tracing::error!(error = %e, "a change could not be encoded for the state file");
                Unavailable
            })?;
            if changes.is_empty() {
                return Ok(value);
            }
            let outcome = Arc::new(Outcome::new());
            inner.pending_bytes.extend(journal::encode(changes.clone()));
            inner.pending.push((changes, outcome.clone()));
            (value, outcome)
        };
        if self.write_pending(writer, &outcome).await {
            Ok(value)
        } else {
            Err(Unavailable.into())
        }
    }

    /// Writes everything pending (unless another task already wrote what
    /// `outcome` waits for) and commits it; returns whether `outcome`'s
    /// change is durable.
    async fn write_pending(&self, writer: &tokio::sync::Mutex<()>, outcome: &Outcome) -> bool {
        let _writing = writer.lock().await;
        if let Some(durable) = outcome.get() {
            return *durable;
        }
        let (bytes, batch) = {
            let mut inner = self.lock();
            (
                std::mem::take(&mut inner.pending_bytes),
                std::mem::take(&mut inner.pending),
            )
        };
        let journal = self.journal.clone();
        let written = tokio::task::spawn_blocking(move || {
            let mut journal = journal.lock().unwrap_or_else(PoisonError::into_inner);
            match journal.as_mut() {
                Some(journal) => journal
                    .append(&bytes)
                    .map_err(|e| (journal.path().to_path_buf(), e)),
                None => Err((
                    Default::default(),
                    std::io::Error::other("the emulator is stopping"),
                )),
            }
        })
        .await
        .unwrap_or_else(|e| Err((Default::default(), std::io::Error::other(e))));
        let compact = {
            let mut inner = self.lock();
            match written {
                Ok(()) => {
                    for (changes, waiter) in batch {
                        for change in changes {
                            if let Err(e) = journal::apply(&mut inner.committed, change) {
                                tracing::error!(error = %e, "a saved change could not be applied");
                            }
                        }
                        let _ = waiter.set(true);
                    }
                    true
                }
                Err((path, error)) => {
                    tracing::error!(
                        journal = %path.display(),
                        %error,
                        "could not save a change to the state file; the request fails with 503 and nothing changed"
                    );
                    // Later changes were built on these: they fail too.
                    let later = std::mem::take(&mut inner.pending);
                    inner.pending_bytes.clear();
                    for (_, waiter) in batch.into_iter().chain(later) {
                        let _ = waiter.set(false);
                    }
                    inner.working = Some(inner.committed.clone());
                    false
                }
            }
        };
        if compact {
            self.compact_if_due().await;
        }
        outcome.get().copied().unwrap_or(false)
    }

    /// Rewrites the snapshot when the journal has outgrown it (the writer
    /// lock is held: nothing is appended meanwhile).
    async fn compact_if_due(&self) {
        let due = self
            .journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(Journal::wants_compaction);
        if !due {
            return;
        }
        let snapshot = self.lock().committed.clone();
        let journal = self.journal.clone();
        let compacted = tokio::task::spawn_blocking(move || {
            match journal
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_mut()
            {
                Some(journal) => journal.compact(&snapshot),
                None => Ok(()),
            }
        })
        .await;
        if let Ok(Err(error)) = compacted {
            // The journal still holds every change: nothing is lost.
            tracing::error!(%error, "could not rewrite the state file; the journal keeps growing");
        }
    }

    /// Compacts the journal into the snapshot (at a graceful stop) and
    /// releases the state file's lock; later writes fail with 503.
    pub(crate) async fn close(&self) {
        let Some(writer) = &self.writer else { return };
        let _writing = writer.lock().await;
        let snapshot = self.lock().committed.clone();
        let journal = self.journal.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let mut journal = journal.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(mut open) = journal.take()
                && let Err(error) = open.compact(&snapshot)
            {
                tracing::error!(%error, "could not rewrite the state file at stop; the journal holds every change");
            }
        })
        .await;
    }

    /// Releases the state file's lock now, without compacting (the emulator
    /// was dropped without a graceful stop).
    pub(crate) fn release(&self) {
        self.journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The rows a change touched, in every collection, with their new values.
fn take_changes(state: &mut State) -> Result<Vec<Change>, serde_json::Error> {
    let mut changes = Vec::new();
    for (collection, table) in state.collections_mut() {
        for (key, value) in table.take_changes()? {
            changes.push(Change {
                collection: collection.to_string(),
                key,
                value,
            });
        }
    }
    Ok(changes)
}

/// Forgets which rows were touched (an in-memory store records nothing).
fn forget_changes(state: &mut State) {
    for (_, table) in state.collections_mut() {
        table.forget_changes();
    }
}
