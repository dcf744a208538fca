//! A change the emulator could not save: the request fails with 503 in the
//! error shape of the service it was sent to, and nothing changed.

use axum::http::StatusCode;

use crate::emulator::acs::AcsError;
use crate::emulator::apim::ArmError;

/// The state file could not take a change (disk full, read-only, I/O error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unavailable;

const MESSAGE: &str = "The emulator could not save the change to its state file; nothing was \
                       changed. See the emulator's log.";

impl From<Unavailable> for AcsError {
    fn from(_: Unavailable) -> Self {
        AcsError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            MESSAGE,
        )
    }
}

impl From<Unavailable> for ArmError {
    fn from(_: Unavailable) -> Self {
        ArmError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            MESSAGE,
        )
    }
}
