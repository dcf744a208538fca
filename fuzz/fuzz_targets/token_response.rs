//! Token-endpoint answers: any JSON body's `expires_in` (Entra) and
//! `expires_on` (managed identity, Azure CLI) is an expiry within
//! 1970..=9999 (after now, for `expires_in`) or a credential error, never a
//! panic — whatever the number, string or type.
#![no_main]

use azure_user_tokens::ErrorKind;
use azure_user_tokens::lifetime;
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(answer) = serde_json::from_slice::<serde_json::Value>(body) else {
        return;
    };
    let now = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
    for value in [&answer, &answer["expires_in"], &answer["expires_on"]] {
        match lifetime::expires_in(value, now) {
            Ok(at) => assert!(at > now && at.timestamp() <= lifetime::LATEST_TIMESTAMP),
            Err(error) => assert_eq!(error.kind(), ErrorKind::Credential),
        }
        match lifetime::expires_on(value) {
            Ok(at) => assert!((0..=lifetime::LATEST_TIMESTAMP).contains(&at.timestamp())),
            Err(error) => assert_eq!(error.kind(), ErrorKind::Credential),
        }
    }
});
