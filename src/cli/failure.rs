//! How a command fails: a message on stderr and an exit code.

use crate::Error;

/// A failed command. Exit code 1: the service, the network or
/// authentication failed (or a token did not verify); 2: bad arguments,
/// input rejected locally, or an operation this build does not support,
/// with no request sent.
#[derive(Debug)]
pub struct Failure {
    pub(crate) message: String,
    pub(crate) exit_code: u8,
}

impl Failure {
    /// Bad input: exit code 2.
    pub fn input(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            exit_code: 2,
        }
    }

    /// The message printed on stderr.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The exit code: 1 (the work failed) or 2 (bad input, nothing sent).
    pub fn exit_code(&self) -> u8 {
        self.exit_code
    }

    /// The work failed: exit code 1.
    pub fn failed(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            exit_code: 1,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        // Display carries the message, status, service code and request id.
        let mut message = error.to_string();
        if let Some(target) = error.target() {
            message.push_str(&format!(" [target: {target}]"));
        }
        // Rejected locally, nothing sent: bad input, or an operation this
        // build's spec does not have.
        if error.is_validation() || error.is_unsupported() {
            Failure::input(message)
        } else {
            Failure::failed(message)
        }
    }
}

/// `Result` for commands.
pub type CommandResult<T = ()> = Result<T, Failure>;
