//! Reading and atomically replacing the snapshot (the state file).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::model::{FORMAT_VERSION, State};
use crate::emulator::error::EmulatorError;

/// Reads the state file and its size; `Ok(None)` when it does not exist yet.
pub(crate) fn load(path: &Path) -> Result<Option<(State, u64)>, EmulatorError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(EmulatorError::state(path, e)),
    };
    let state: State = serde_json::from_slice(&bytes)
        .map_err(|e| EmulatorError::state(path, format!("not an emulator state file: {e}")))?;
    if state.version != FORMAT_VERSION {
        return Err(EmulatorError::state(
            path,
            format!(
                "format version {} is not the supported {FORMAT_VERSION}",
                state.version
            ),
        ));
    }
    Ok(Some((state, bytes.len() as u64)))
}

/// Replaces the file in one step: writes a temporary file next to it,
/// flushes it to disk, renames it over the old one, and flushes the
/// directory so the rename itself survives a crash.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = temp_path(path);
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

fn temp_path(path: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_string());
    path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "azure-user-tokens-state-{name}-{}",
            std::process::id()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir.join("state.json")
    }

    #[test]
    fn missing_file_is_none_and_written_file_loads() {
        let path = scratch("roundtrip");
        let _ = fs::remove_file(&path);
        assert_eq!(load(&path).unwrap(), None);
        let state = State::seed();
        write_atomically(&path, &serde_json::to_vec(&state).unwrap()).unwrap();
        assert_eq!(load(&path).unwrap().map(|(state, _)| state), Some(state));
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn garbage_is_a_state_error() {
        let path = scratch("garbage");
        fs::write(&path, b"not json").unwrap();
        assert!(matches!(load(&path), Err(EmulatorError::State { .. })));
        let mut wrong_version = serde_json::to_value(State::seed()).unwrap();
        wrong_version["version"] = 99.into();
        fs::write(&path, wrong_version.to_string()).unwrap();
        assert!(matches!(load(&path), Err(EmulatorError::State { .. })));
    }
}
