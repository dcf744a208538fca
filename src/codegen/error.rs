//! The one error type of the spec tooling: which file, where in it, and what is wrong.

use std::fmt;
use std::path::{Path, PathBuf};

/// A spec the tooling cannot read or convert.
///
/// It names the file and the JSON pointer inside it, so a failing build says
/// where to look instead of printing a panic backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file (or manifest) the problem is in.
    pub file: PathBuf,
    /// JSON pointer to the offending value (`""` for the whole file).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl SpecError {
    /// An error at `pointer` inside `file`.
    pub fn new(file: &Path, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            file: file.to_path_buf(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{} at #{}: {}",
                self.file.display(),
                self.pointer,
                self.message
            )
        }
    }
}

impl std::error::Error for SpecError {}
