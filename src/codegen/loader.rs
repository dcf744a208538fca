//! Reads spec files once each, keyed by their normalised path.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::SpecError;

/// Spec files read so far.
#[derive(Debug, Default)]
pub struct SpecFiles {
    files: BTreeMap<PathBuf, Value>,
}

impl SpecFiles {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The parsed file at `path` (already normalised), read on first use.
    pub fn get(&mut self, path: &Path) -> Result<&Value, SpecError> {
        if !self.files.contains_key(path) {
            let text = std::fs::read_to_string(path)
                .map_err(|e| SpecError::new(path, "", format!("cannot read spec file: {e}")))?;
            let value = parse_json(path, &text)?;
            self.files.insert(path.to_path_buf(), value);
        }
        Ok(&self.files[path])
    }

    /// Every file read, in path order (for `cargo:rerun-if-changed`).
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }
}

/// Parses JSON text, reporting the line and column of a syntax error.
pub fn parse_json(path: &Path, text: &str) -> Result<Value, SpecError> {
    // Some upstream files start with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|e| {
        SpecError::new(
            path,
            "",
            format!(
                "invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// Resolves `.` and `..` lexically, so `./../a/../b.json` and `../b.json` name one file.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let popped =
                    matches!(out.components().next_back(), Some(Component::Normal(_))) && out.pop();
                if !popped {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The file a relative reference in `from` points at.
pub fn resolve_relative(from: &Path, reference: &str) -> PathBuf {
    let base = from.parent().unwrap_or(Path::new(""));
    normalize(&base.join(reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_collapses_dot_segments() {
        assert_eq!(
            normalize(Path::new("specs/a/./b/../../c/./d.json")),
            PathBuf::from("specs/c/d.json")
        );
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
    }

    #[test]
    fn relative_refs_resolve_against_the_referring_file() {
        let from = Path::new("root/specification/svc/stable/2024-05-01/apimusers.json");
        assert_eq!(
            resolve_relative(
                from,
                "./../../../../common-types/resource-management/v5/types.json"
            ),
            PathBuf::from("root/common-types/resource-management/v5/types.json")
        );
        assert_eq!(
            resolve_relative(from, "./definitions.json"),
            PathBuf::from("root/specification/svc/stable/2024-05-01/definitions.json")
        );
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = parse_json(Path::new("x.json"), "{\n  \"a\": ,\n}").unwrap_err();
        assert!(err.message.contains("line 2"), "{err}");
        assert_eq!(err.file, PathBuf::from("x.json"));
    }
}
