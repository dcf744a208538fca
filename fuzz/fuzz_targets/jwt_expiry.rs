//! JWT `exp` decoding: any text is an expiry within 1970–9999 or a
//! validation error, never a panic.
#![no_main]

use azure_user_tokens::jwt;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|token: &str| {
    let claims = jwt::claims(token);
    match jwt::expiry(token) {
        Ok(expiry) => {
            assert!(claims.is_ok());
            assert!(
                (0..=253_402_300_799).contains(&expiry.timestamp()),
                "{expiry}"
            );
        }
        Err(error) => assert!(
            error.is_validation() && error.field() == Some("token"),
            "{error}"
        ),
    }
});
