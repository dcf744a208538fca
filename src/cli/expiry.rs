//! `--expiry RFC3339` or `--expires-in <n>m|<n>h|<n>d`.

use chrono::{DateTime, Duration, Utc};
use clap::Args;

use super::failure::{CommandResult, Failure};

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
            (Some(expiry), _) => DateTime::parse_from_rfc3339(expiry)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| Failure::input(format!("--expiry {expiry:?} is not an RFC 3339 date-time (e.g. 2030-01-01T00:00:00Z)"))),
            (None, Some(lifetime)) => Ok(now + parse_lifetime(lifetime)?),
            (None, None) => Err(Failure::input("give --expiry or --expires-in")),
        }
    }
}

/// `90m`, `8h`, `30d`.
pub fn parse_lifetime(text: &str) -> CommandResult<Duration> {
    let text = text.trim();
    let invalid = || {
        Failure::input(format!(
            "--expires-in {text:?} is not <n>m, <n>h or <n>d (e.g. 8h)"
        ))
    };
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| invalid())?;
    if n <= 0 {
        return Err(invalid());
    }
    let duration = match unit {
        "m" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        _ => None,
    };
    duration.ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse() {
        assert_eq!(parse_lifetime("90m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_lifetime("8h").unwrap(), Duration::hours(8));
        assert_eq!(parse_lifetime("30d").unwrap(), Duration::days(30));
        for bad in [
            "",
            "h",
            "0h",
            "-1d",
            "5",
            "5w",
            "1.5h",
            "99999999999999999d",
        ] {
            assert_eq!(parse_lifetime(bad).unwrap_err().exit_code, 2, "{bad:?}");
        }
    }
}
