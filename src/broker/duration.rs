//! ISO 8601 durations as `POST /v1/apim-token` takes them (`PT8H`, `P1D`,
//! `P1DT12H`, `PT90M`, `P2W`): weeks, days, hours, minutes and seconds with
//! whole numbers. Years and months are refused (their length depends on the
//! calendar); every step is checked arithmetic, so no input overflows.
//! A lifetime is a `std::time::Duration`, as everywhere in the crate.

use std::time::Duration;

/// Why a duration was refused; the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError(pub String);

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses `P[nW][nD][T[nH][nM][nS]]`.
///
/// ```
/// use azure_user_tokens::broker::parse_iso8601_duration;
/// use std::time::Duration;
/// assert_eq!(parse_iso8601_duration("PT8H").unwrap(), Duration::from_secs(8 * 3600));
/// assert_eq!(parse_iso8601_duration("P1DT30M").unwrap(), Duration::from_secs(1470 * 60));
/// assert!(parse_iso8601_duration("P1M").is_err());
/// ```
pub fn parse_iso8601_duration(text: &str) -> Result<Duration, DurationError> {
    let fail = |why: &str| {
        Err(DurationError(format!(
            "{why}: expected an ISO 8601 duration such as PT8H, P1D or P1DT12H (weeks, days, hours, minutes, seconds)"
        )))
    };
    let Some(rest) = text.strip_prefix('P') else {
        return fail("it does not start with P");
    };
    if rest.is_empty() || rest == "T" {
        return fail("it names no amount");
    }
    let mut seconds: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    // Units must come in order, each at most once.
    let mut last_rank = 0u8;
    for c in rest.chars() {
        if c.is_ascii_digit() {
            if number.len() >= 12 {
                return fail("a number is too long");
            }
            number.push(c);
            continue;
        }
        if c == 'T' {
            if in_time || !number.is_empty() {
                return fail("T is misplaced");
            }
            in_time = true;
            continue;
        }
        let (rank, unit_seconds) = match (in_time, c) {
            (false, 'W') => (1, 7 * 86_400),
            (false, 'D') => (2, 86_400),
            (true, 'H') => (3, 3_600),
            (true, 'M') => (4, 60),
            (true, 'S') => (5, 1),
            (false, 'Y' | 'M') => return fail("years and months are not accepted"),
            _ => return fail(&format!("{c:?} is not a unit here")),
        };
        if rank <= last_rank {
            return fail("units are repeated or out of order");
        }
        last_rank = rank;
        if number.is_empty() {
            return fail(&format!("{c} has no number before it"));
        }
        let amount: i64 = match number.parse() {
            Ok(amount) => amount,
            Err(_) => return fail("a number is not valid"),
        };
        number.clear();
        match amount
            .checked_mul(unit_seconds)
            .and_then(|s| seconds.checked_add(s))
        {
            Some(total) => seconds = total,
            None => return fail("it is too long"),
        }
    }
    if !number.is_empty() {
        return fail("a number has no unit");
    }
    if in_time && last_rank < 3 {
        return fail("T is not followed by hours, minutes or seconds");
    }
    // Beyond what a date can carry (chrono's range) is refused too.
    match (
        u64::try_from(seconds),
        chrono::Duration::try_seconds(seconds),
    ) {
        (Ok(seconds), Some(_)) => Ok(Duration::from_secs(seconds)),
        _ => fail("it is too long"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        for (text, seconds) in [
            ("PT8H", 8 * 3600),
            ("P1D", 86_400),
            ("P30D", 30 * 86_400),
            ("P1W", 7 * 86_400),
            ("P1DT12H", 36 * 3600),
            ("PT90M", 5400),
            ("PT1H30M15S", 5415),
            ("PT0S", 0),
        ] {
            assert_eq!(
                parse_iso8601_duration(text).unwrap(),
                Duration::from_secs(seconds),
                "{text}"
            );
        }
    }

    #[test]
    fn refused_forms_say_why() {
        for (text, why) in [
            ("", "does not start with P"),
            ("8H", "does not start with P"),
            ("P", "names no amount"),
            ("PT", "names no amount"),
            ("P1M", "years and months"),
            ("P1Y", "years and months"),
            ("PT8", "has no unit"),
            ("PTH", "no number"),
            ("PD", "no number"),
            ("P1H", "not a unit here"),
            ("PT1D", "not a unit here"),
            ("PT1H1H", "out of order"),
            ("PT1M1H", "out of order"),
            ("P1DT", "not followed"),
            ("PT-1H", "not a unit here"),
            ("PT1.5H", "not a unit here"),
            ("P999999999999W", "too long"),
            ("P9999999999999D", "number is too long"),
        ] {
            let err = parse_iso8601_duration(text).unwrap_err();
            assert!(err.0.contains(why), "{text}: {err}");
        }
    }
}
