//! Why an emulator could not start.

use std::io;
use std::path::PathBuf;

/// An emulator failed to start or to load its state. Never carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// A setting is invalid.
    #[error("invalid {setting}: {reason}")]
    Config {
        /// Which setting.
        setting: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: std::net::SocketAddr,
        /// The cause.
        source: io::Error,
    },
    /// The state file could not be read, parsed or written.
    #[error("state file {}: {reason}", path.display())]
    State {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The TLS certificate or configuration could not be made.
    #[error("TLS setup failed: {0}")]
    Tls(String),
}

impl EmulatorError {
    pub(crate) fn config(setting: &'static str, reason: impl Into<String>) -> Self {
        EmulatorError::Config {
            setting,
            reason: reason.into(),
        }
    }

    pub(crate) fn state(path: impl Into<PathBuf>, reason: impl ToString) -> Self {
        EmulatorError::State {
            path: path.into(),
            reason: reason.to_string(),
        }
    }
}
