//! Dates and waits computed from numbers this crate does not control: a
//! server's `expires_in`, `expires_on` or `Retry-After`, a token's `exp`, a
//! command-line lifetime. Every conversion here is checked and bounded, so no
//! such number can make a caller panic or sleep for hours; what does not fit
//! is `None` (or a typed error) for the caller to report.
//!
//! ```
//! use azure_user_tokens::lifetime;
//! use chrono::Utc;
//! assert!(lifetime::after_seconds(Utc::now(), 3599).is_some());
//! assert!(lifetime::after_seconds(Utc::now(), i64::MAX).is_none());
//! ```

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};

/// The latest instant a token or expiry may carry, 9999-12-31T23:59:59Z (the
/// last one RFC 3339 and every token form can write).
pub const LATEST_TIMESTAMP: i64 = 253_402_300_799;

/// `now + delta`, if that is an instant no later than [`LATEST_TIMESTAMP`].
pub fn after(now: DateTime<Utc>, delta: TimeDelta) -> Option<DateTime<Utc>> {
    now.checked_add_signed(delta)
        .filter(|t| t.timestamp() <= LATEST_TIMESTAMP)
}

/// `now + seconds` (see [`after`]).
pub fn after_seconds(now: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
    after(now, TimeDelta::try_seconds(seconds)?)
}

/// The instant `seconds` after the Unix epoch, if within 1970..=9999
/// (fractions are dropped: tokens carry whole seconds).
pub fn at_epoch_seconds(seconds: f64) -> Option<DateTime<Utc>> {
    if !seconds.is_finite() || !(0.0..=LATEST_TIMESTAMP as f64).contains(&seconds) {
        return None;
    }
    // In range, so the cast is exact for the whole part.
    DateTime::from_timestamp(seconds.trunc() as i64, 0)
}

/// The instant `seconds` after the Unix epoch, if within 1970..=9999.
pub fn at_epoch(seconds: i64) -> Option<DateTime<Utc>> {
    (0..=LATEST_TIMESTAMP)
        .contains(&seconds)
        .then(|| DateTime::from_timestamp(seconds, 0))
        .flatten()
}

/// A whole number of seconds as a server writes it: a JSON integer, or a
/// string of ASCII digits (IMDS writes numbers as strings).
pub fn json_seconds(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        }
        _ => None,
    }
}

/// When a token whose answer says `"expires_in": value` expires: a positive
/// number of seconds from `now`, ending no later than year 9999.
pub fn expires_in(value: &Value, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    json_seconds(value)
        .filter(|s| *s > 0)
        .and_then(|s| after_seconds(now, s))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Credential,
                "the token response has no valid expires_in (a positive number of seconds ending before year 10000)",
            )
        })
}

/// When a token whose answer says `"expires_on": value` (epoch seconds, a
/// number or a string) expires, within 1970..=9999.
pub fn expires_on(value: &Value) -> Result<DateTime<Utc>> {
    json_seconds(value).and_then(at_epoch).ok_or_else(|| {
        Error::new(
            ErrorKind::Credential,
            "the token response has no valid expires_on (epoch seconds within 1970..=9999)",
        )
    })
}

/// A wait of `seconds` that a server asked for, at most `cap`: `None` for
/// a value that is not a finite, non-negative number.
pub fn capped_wait(seconds: f64, cap: Duration) -> Option<Duration> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    if seconds >= cap.as_secs_f64() {
        return Some(cap);
    }
    Some(Duration::try_from_secs_f64(seconds).map_or(cap, |wait| wait.min(cap)))
}

/// The wait until `when` (zero if it has passed), at most `cap`.
pub fn wait_until(when: DateTime<Utc>, now: DateTime<Utc>, cap: Duration) -> Duration {
    (when - now)
        .to_std()
        .map_or(Duration::ZERO, |wait| wait.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expiries_past_year_9999_or_overflowing_are_none() {
        let now = Utc::now();
        assert!(after_seconds(now, 3600).is_some());
        for huge in [99_999_999_999_999, i64::MAX, LATEST_TIMESTAMP] {
            assert_eq!(after_seconds(now, huge), None, "{huge}");
        }
        assert_eq!(after(now, TimeDelta::MAX), None);
        assert_eq!(after(DateTime::<Utc>::MAX_UTC, TimeDelta::seconds(1)), None);
    }

    #[test]
    fn epoch_seconds_are_bounded() {
        assert_eq!(at_epoch_seconds(1.7e9).unwrap().timestamp(), 1_700_000_000);
        for bad in [-1.0, 1e20, f64::NAN, f64::INFINITY, 253_402_300_800.0] {
            assert_eq!(at_epoch_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn token_lifetimes_from_hostile_answers_are_typed_errors() {
        let now = Utc::now();
        assert!(expires_in(&json!(3599), now).is_ok());
        assert!(expires_in(&json!("3599"), now).is_ok());
        for bad in [
            json!(99_999_999_999_999u64),
            json!("9223372036854775807"),
            json!("99999999999999999999999"),
            json!(u64::MAX),
            json!(-5),
            json!(0),
            json!(1.5),
            json!("+5"),
            json!("5é"),
            json!(null),
        ] {
            let error = expires_in(&bad, now).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Credential, "{bad}");
        }
        assert_eq!(
            expires_on(&json!("1700000000")).unwrap().timestamp(),
            1_700_000_000
        );
        for bad in [json!("9223372036854775807"), json!(-1), json!(i64::MIN)] {
            assert!(expires_on(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn server_waits_are_capped() {
        let cap = Duration::from_secs(60);
        assert_eq!(capped_wait(1e20, cap), Some(cap));
        assert_eq!(capped_wait(1e300, cap), Some(cap));
        assert_eq!(capped_wait(f64::MAX, cap), Some(cap));
        assert_eq!(capped_wait(0.25, cap), Some(Duration::from_millis(250)));
        assert_eq!(capped_wait(-1.0, cap), None);
        assert_eq!(capped_wait(f64::NAN, cap), None);
        let now = Utc::now();
        assert_eq!(wait_until(DateTime::<Utc>::MAX_UTC, now, cap), cap);
        assert_eq!(
            wait_until(DateTime::<Utc>::MIN_UTC, now, cap),
            Duration::ZERO
        );
    }
}
