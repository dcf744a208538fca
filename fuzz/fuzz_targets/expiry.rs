//! The CLI's durations and dates (`--expires-in`, `--expiry`, `--timeout`):
//! any text is a value in range or an input error (exit code 2), never a
//! panic; what parses stays within year 9999 and the timeout within a day.
#![no_main]

use azure_user_tokens::cli::expiry;
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
    match expiry::expiry_after(now, text) {
        Ok(at) => assert!(at > now && at.timestamp() <= 253_402_300_799, "{at}"),
        Err(failure) => assert_eq!(failure.exit_code(), 2, "{}", failure.message()),
    }
    if let Ok(lifetime) = expiry::parse_lifetime(text) {
        assert!(lifetime > chrono::Duration::zero());
    }
    match expiry::parse_expiry(text) {
        Ok(at) => assert!(at.timestamp() <= 253_402_300_799 && chrono::Timelike::nanosecond(&at) < 1_000_000_000),
        Err(failure) => assert_eq!(failure.exit_code(), 2),
    }
    match expiry::parse_timeout(text) {
        Ok(timeout) => assert!(!timeout.is_zero() && timeout <= expiry::MAX_TIMEOUT),
        Err(failure) => assert_eq!(failure.exit_code(), 2),
    }
});
