//! When an APIM user token expires: a time, or a lifetime from now.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// When an API Management user token expires: at an instant, or a lifetime
/// after the call. Functions taking one accept either through
/// `impl Into<TokenExpiry>`:
///
/// ```
/// use azure_user_tokens::apim::TokenExpiry;
/// use chrono::{TimeZone, Utc};
/// use std::time::Duration;
///
/// let at: TokenExpiry = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap().into();
/// let in_eight_hours: TokenExpiry = Duration::from_secs(8 * 60 * 60).into();
/// assert_eq!(in_eight_hours, TokenExpiry::In(Duration::from_secs(28_800)));
/// # let _ = at;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenExpiry {
    /// At this instant.
    At(DateTime<Utc>),
    /// This long after the call (by this machine's clock).
    In(Duration),
}

impl TokenExpiry {
    /// The instant, `now` being the time of the call.
    pub(crate) fn resolve(self, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        match self {
            TokenExpiry::At(at) => Ok(at),
            TokenExpiry::In(lifetime) => chrono::Duration::from_std(lifetime)
                .ok()
                .and_then(|lifetime| now.checked_add_signed(lifetime))
                .ok_or_else(|| {
                    Error::validation(
                        "expiry",
                        format!(
                            "a lifetime of {lifetime:?} ends beyond any date a token can carry"
                        ),
                    )
                }),
        }
    }
}

impl From<DateTime<Utc>> for TokenExpiry {
    fn from(at: DateTime<Utc>) -> Self {
        TokenExpiry::At(at)
    }
}

impl From<Duration> for TokenExpiry {
    fn from(lifetime: Duration) -> Self {
        TokenExpiry::In(lifetime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_resolve_from_the_time_of_the_call() {
        let now = Utc::now();
        let hour = TokenExpiry::from(Duration::from_secs(3600));
        assert_eq!(hour.resolve(now).unwrap(), now + chrono::Duration::hours(1));
        assert_eq!(TokenExpiry::from(now).resolve(now).unwrap(), now);
        for huge in [Duration::MAX, Duration::from_secs(u64::MAX / 2)] {
            let err = TokenExpiry::from(huge).resolve(now).unwrap_err();
            assert_eq!(err.field(), Some("expiry"));
        }
    }
}
