//! `--expiry RFC3339` or `--expires-in <n>m|<n>h|<n>d`, and `--timeout`:
//! every duration and date a user types, parsed by character (never by byte
//! index) and added with checked arithmetic, so no input makes a command panic.

use chrono::{DateTime, Duration, Timelike, Utc};
use clap::Args;

use super::failure::{CommandResult, Failure};
use crate::lifetime;

/// When a token should expire.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ExpiryArgs {
    /// An RFC 3339 date-time, e.g. 2030-01-01T00:00:00Z.
    #[arg(long, value_name = "RFC3339")]
    pub expiry: Option<String>,
    /// A lifetime from now: <n>m, <n>h or <n>d (e.g. 8h).
    #[arg(long, value_name = "DURATION")]
    pub expires_in: Option<String>,
}

impl ExpiryArgs {
    /// The expiry these flags name, relative to `now`.
    pub fn resolve(&self, now: DateTime<Utc>) -> CommandResult<DateTime<Utc>> {
        match (&self.expiry, &self.expires_in) {
            (Some(expiry), _) => parse_expiry(expiry),
            (None, Some(lifetime)) => expiry_after(now, lifetime),
            (None, None) => Err(Failure::input("give --expiry or --expires-in")),
        }
    }
}

/// `--expiry`: an RFC 3339 date-time in UTC. A leap second (`:60`) is
/// refused: tokens carry whole minutes and no form can write it.
pub fn parse_expiry(text: &str) -> CommandResult<DateTime<Utc>> {
    let expiry = DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Failure::input(format!(
                "--expiry {text:?} is not an RFC 3339 date-time (e.g. 2030-01-01T00:00:00Z)"
            ))
        })?;
    if expiry.nanosecond() >= 1_000_000_000 {
        return Err(Failure::input(format!(
            "--expiry {text:?} is a leap second (:60), which a token cannot carry: use :59 or the next minute"
        )));
    }
    if expiry.timestamp() > lifetime::LATEST_TIMESTAMP {
        return Err(Failure::input(format!(
            "--expiry {text:?} is after 9999-12-31T23:59:59Z"
        )));
    }
    Ok(expiry)
}

/// `now` plus an `--expires-in` lifetime, refused when it would pass year 9999.
pub fn expiry_after(now: DateTime<Utc>, text: &str) -> CommandResult<DateTime<Utc>> {
    lifetime::after(now, parse_lifetime(text)?).ok_or_else(|| {
        Failure::input(format!(
            "--expires-in {text:?} ends after 9999-12-31T23:59:59Z"
        ))
    })
}

/// `90m`, `8h`, `30d`.
pub fn parse_lifetime(text: &str) -> CommandResult<Duration> {
    let invalid = || {
        Failure::input(format!(
            "--expires-in {text:?} is not <n>m, <n>h or <n>d (e.g. 8h)"
        ))
    };
    let (n, unit) = amount_and_unit(text).ok_or_else(invalid)?;
    let n = i64::try_from(n).map_err(|_| invalid())?;
    let duration = match unit {
        'm' => Duration::try_minutes(n),
        'h' => Duration::try_hours(n),
        'd' => Duration::try_days(n),
        _ => None,
    };
    duration.ok_or_else(invalid)
}

/// The longest `--timeout` accepted.
pub const MAX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// `--timeout`: `<n>s`, `<n>m` or `<n>h` (a bare number is seconds), from
/// one second to a day.
pub fn parse_timeout(text: &str) -> CommandResult<std::time::Duration> {
    let invalid = || {
        Failure::input(format!(
            "--timeout {text:?} is not <n>s, <n>m or <n>h between 1s and 24h (e.g. 90s)"
        ))
    };
    let trimmed = text.trim();
    let with_unit = if trimmed.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{trimmed}s")
    } else {
        trimmed.to_string()
    };
    let (n, unit) = amount_and_unit(&with_unit).ok_or_else(invalid)?;
    let seconds = match unit {
        's' => Some(n),
        'm' => n.checked_mul(60),
        'h' => n.checked_mul(3600),
        _ => None,
    }
    .ok_or_else(invalid)?;
    let timeout = std::time::Duration::from_secs(seconds);
    if timeout > MAX_TIMEOUT {
        return Err(invalid());
    }
    Ok(timeout)
}

/// `<digits><unit>` → (a positive number, the unit), split by character.
fn amount_and_unit(text: &str) -> Option<(u64, char)> {
    let text = text.trim();
    let unit = text.chars().next_back()?;
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .map(|n| (n, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse() {
        assert_eq!(parse_lifetime("90m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_lifetime("8h").unwrap(), Duration::hours(8));
        assert_eq!(parse_lifetime(" 30d ").unwrap(), Duration::days(30));
        for bad in [
            "",
            "h",
            "0h",
            "-1d",
            "+1d",
            "5",
            "5w",
            "1.5h",
            "5é",
            "é",
            "5\u{1F600}",
            "99999999999999999d",
            "99999999999999999999999999d",
        ] {
            assert_eq!(parse_lifetime(bad).unwrap_err().exit_code, 2, "{bad:?}");
        }
    }

    #[test]
    fn expiries_past_year_9999_are_input_errors() {
        let now = Utc::now();
        assert!(expiry_after(now, "30d").is_ok());
        for far in ["100000000d", "9999999999999m", "2562047788015h"] {
            let failure = expiry_after(now, far).unwrap_err();
            assert_eq!(failure.exit_code, 2, "{far}");
        }
    }

    #[test]
    fn absolute_expiries_refuse_leap_seconds() {
        assert_eq!(
            parse_expiry("2030-12-31T23:59:59Z").unwrap().timestamp(),
            1_924_991_999
        );
        let leap = parse_expiry("2030-12-31T23:59:60Z").unwrap_err();
        assert!(leap.message.contains("leap second"), "{}", leap.message);
        assert_eq!(parse_expiry("tomorrow").unwrap_err().exit_code, 2);
    }

    #[test]
    fn timeouts_parse_and_are_bounded() {
        assert_eq!(
            parse_timeout("90").unwrap(),
            std::time::Duration::from_secs(90)
        );
        assert_eq!(
            parse_timeout("2m").unwrap(),
            std::time::Duration::from_secs(120)
        );
        assert_eq!(parse_timeout("24h").unwrap(), MAX_TIMEOUT);
        for bad in ["0", "25h", "1d", "x", "", "é", "18446744073709551615h"] {
            assert_eq!(parse_timeout(bad).unwrap_err().exit_code, 2, "{bad:?}");
        }
    }
}
