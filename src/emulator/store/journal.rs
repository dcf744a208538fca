//! The state on disk: a snapshot (`<state file>`, the whole state as JSON,
//! the format it always had) plus an append-only journal beside it
//! (`<state file>.journal`), one JSON line per acknowledged change holding
//! the new value of every row it touched. A write appends and fsyncs one
//! line, whatever the number of users; when the journal outgrows the
//! snapshot, a new snapshot replaces it and the journal starts over.
//!
//! Replaying a line sets rows to the values they had after that change, so
//! replaying lines the snapshot already holds changes nothing: a crash
//! between writing a snapshot and emptying the journal loses nothing. A
//! last line cut short by a crash (no newline) was never acknowledged and
//! is dropped. The journal is locked (`flock`) while an emulator uses it, so
//! a second emulator on the same state file refuses to start.
//!
//! Everything here blocks: callers run it off the async threads.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::file;
use super::model::State;
use crate::emulator::error::EmulatorError;

/// The journal is compacted once it is larger than this and than twice the
/// last snapshot, so compaction costs O(1) per write, amortised.
const MIN_COMPACT_BYTES: u64 = 1024 * 1024;

/// One acknowledged change: the rows it touched.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Line {
    pub changes: Vec<Change>,
}

/// A row's value after a change (`null`: removed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Change {
    pub collection: String,
    pub key: String,
    pub value: Option<Value>,
}

/// The open, locked journal and where the snapshot goes.
pub(crate) struct Journal {
    file: File,
    journal_path: PathBuf,
    snapshot_path: PathBuf,
    /// Bytes known to be whole lines on disk.
    len: u64,
    compact_at: u64,
    /// A failed write could not be undone: refuse every later write.
    broken: bool,
}

/// `<state file>.journal`.
pub(crate) fn journal_path(snapshot: &Path) -> PathBuf {
    let mut name = snapshot.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

impl Journal {
    /// Locks the journal, then loads the snapshot (or writes the seed) and
    /// replays the journal over it.
    pub(crate) fn open(snapshot_path: &Path) -> Result<(Journal, State), EmulatorError> {
        let fail = |reason: String| EmulatorError::state(snapshot_path, reason);
        let journal_path = journal_path(snapshot_path);
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&journal_path)
            .map_err(|e| fail(format!("cannot open {}: {e}", journal_path.display())))?;
        if !file.metadata().map_err(|e| fail(e.to_string()))?.is_file() {
            return Err(fail(format!(
                "{} is not a regular file",
                journal_path.display()
            )));
        }
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(fail(format!(
                    "another emulator is using it ({} is locked): stop that one, or give this one another --state file",
                    journal_path.display()
                )));
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(fail(format!("cannot lock {}: {e}", journal_path.display())));
            }
        }
        let (mut state, snapshot_bytes) = match file::load(snapshot_path)? {
            Some(loaded) => loaded,
            None => {
                let seed = State::seed();
                let bytes = serde_json::to_vec(&seed).map_err(|e| fail(e.to_string()))?;
                file::write_atomically(snapshot_path, &bytes).map_err(|e| fail(e.to_string()))?;
                (seed, bytes.len() as u64)
            }
        };
        let mut text = Vec::new();
        file.read_to_end(&mut text)
            .map_err(|e| fail(format!("cannot read {}: {e}", journal_path.display())))?;
        let len = replay(&mut state, &text)
            .map_err(|e| fail(format!("{}: {e}", journal_path.display())))?;
        if len < text.len() as u64 {
            tracing::warn!(
                journal = %journal_path.display(),
                dropped_bytes = text.len() as u64 - len,
                "the journal's last change was cut short (never acknowledged); dropping it"
            );
            file.set_len(len).map_err(|e| fail(e.to_string()))?;
        }
        let journal = Journal {
            file,
            journal_path,
            snapshot_path: snapshot_path.to_path_buf(),
            len,
            compact_at: compact_threshold(snapshot_bytes),
            broken: false,
        };
        Ok((journal, state))
    }

    /// Appends whole lines and makes them durable. On failure the file is
    /// cut back to its last whole line (or, if even that fails, the journal
    /// refuses every later write).
    pub(crate) fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.broken {
            return Err(io::Error::other(
                "an earlier write could not be undone; restart the emulator",
            ));
        }
        let written = self
            .file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                if self.file.set_len(self.len).is_err() {
                    self.broken = true;
                }
                Err(e)
            }
        }
    }

    /// Whether the journal has outgrown the snapshot.
    pub(crate) fn wants_compaction(&self) -> bool {
        self.len >= self.compact_at
    }

    /// Writes `state` (everything acknowledged) as the new snapshot, then
    /// empties the journal. A failure leaves the journal as it was (still
    /// complete); compaction is retried later.
    pub(crate) fn compact(&mut self, state: &State) -> io::Result<()> {
        let result = (|| {
            let bytes = serde_json::to_vec(state)?;
            file::write_atomically(&self.snapshot_path, &bytes)?;
            self.file.set_len(0)?;
            self.file.sync_all()?;
            Ok(bytes.len() as u64)
        })();
        match result {
            Ok(snapshot_bytes) => {
                self.len = 0;
                self.compact_at = compact_threshold(snapshot_bytes);
                Ok(())
            }
            Err(e) => {
                self.compact_at = self.len.saturating_add(MIN_COMPACT_BYTES);
                Err(e)
            }
        }
    }

    /// The journal file, for messages.
    pub(crate) fn path(&self) -> &Path {
        &self.journal_path
    }
}

fn compact_threshold(snapshot_bytes: u64) -> u64 {
    MIN_COMPACT_BYTES.max(snapshot_bytes.saturating_mul(2))
}

/// Encodes one change as a journal line.
pub(crate) fn encode(changes: Vec<Change>) -> Vec<u8> {
    let mut line = serde_json::to_vec(&Line { changes }).expect("JSON values serialize");
    line.push(b'\n');
    line
}

/// Applies one change to `state`.
pub(crate) fn apply(state: &mut State, change: Change) -> Result<(), String> {
    let Change {
        collection,
        key,
        value,
    } = change;
    let mut collections = state.collections_mut();
    let (_, table) = collections
        .iter_mut()
        .find(|(name, _)| *name == collection)
        .ok_or_else(|| format!("unknown collection {collection:?}"))?;
    table
        .apply((key, value))
        .map_err(|e| format!("a row of {collection} does not fit: {e}"))
}

/// Replays every whole line; returns the length of the whole lines. A
/// malformed line before the last is corruption; a malformed or unfinished
/// last line is a write cut short.
fn replay(state: &mut State, text: &[u8]) -> Result<u64, String> {
    let mut offset = 0usize;
    let mut number = 0usize;
    while offset < text.len() {
        let Some(end) = text[offset..].iter().position(|b| *b == b'\n') else {
            break;
        };
        number += 1;
        let line = &text[offset..offset + end];
        let next = offset + end + 1;
        match serde_json::from_slice::<Line>(line) {
            Ok(line) => {
                for change in line.changes {
                    apply(state, change).map_err(|e| format!("line {number}: {e}"))?;
                }
            }
            Err(_) if next >= text.len() => break,
            Err(e) => return Err(format!("line {number} is not a change: {e}")),
        }
        offset = next;
    }
    Ok(offset as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "azure-user-tokens-journal-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir.join("state.json")
    }

    fn identity_line(key: &str) -> Vec<u8> {
        encode(vec![Change {
            collection: "identities".into(),
            key: key.into(),
            value: Some(serde_json::json!({"createdAt": "2024-01-01T00:00:00Z"})),
        }])
    }

    #[test]
    fn appended_changes_replay_and_a_torn_tail_is_dropped() {
        let path = scratch("replay");
        {
            let (mut journal, state) = Journal::open(&path).unwrap();
            assert_eq!(state, State::seed());
            journal.append(&identity_line("8:acs:a")).unwrap();
            journal.append(&identity_line("8:acs:b")).unwrap();
        }
        // A crash mid-write: half a line, no newline.
        let mut torn = OpenOptions::new()
            .append(true)
            .open(journal_path(&path))
            .unwrap();
        torn.write_all(&identity_line("8:acs:c")[..20]).unwrap();
        drop(torn);
        let (journal, state) = Journal::open(&path).unwrap();
        assert_eq!(
            state.identities.keys().collect::<Vec<_>>(),
            ["8:acs:a", "8:acs:b"]
        );
        assert_eq!(
            journal.len,
            fs::metadata(journal_path(&path)).unwrap().len()
        );
    }

    #[test]
    fn a_second_opener_is_refused_while_the_first_holds_the_lock() {
        let path = scratch("lock");
        let (first, _) = Journal::open(&path).unwrap();
        let error = Journal::open(&path).err().unwrap().to_string();
        assert!(error.contains("another emulator"), "{error}");
        drop(first);
        assert!(Journal::open(&path).is_ok());
    }

    #[test]
    fn compaction_moves_the_journal_into_the_snapshot() {
        let path = scratch("compact");
        let (mut journal, mut state) = Journal::open(&path).unwrap();
        let line = identity_line("8:acs:a");
        journal.append(&line).unwrap();
        for change in serde_json::from_slice::<Line>(&line).unwrap().changes {
            apply(&mut state, change).unwrap();
        }
        journal.compact(&state).unwrap();
        assert_eq!(fs::metadata(journal_path(&path)).unwrap().len(), 0);
        drop(journal);
        let (_, reloaded) = Journal::open(&path).unwrap();
        assert_eq!(reloaded, state);
    }

    #[test]
    fn corruption_before_the_last_line_fails_the_start() {
        let path = scratch("corrupt");
        drop(Journal::open(&path).unwrap());
        let mut bytes = b"not a change\n".to_vec();
        bytes.extend(identity_line("8:acs:a"));
        fs::write(journal_path(&path), bytes).unwrap();
        let error = Journal::open(&path).err().unwrap().to_string();
        assert!(error.contains("line 1"), "{error}");
    }
}
