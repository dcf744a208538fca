//! A server's retry hints (`Retry-After` seconds or HTTP date,
//! `retry-after-ms`, `x-ms-retry-after-ms`): any value is a wait of at most
//! an hour or ignored, and the retry policy's wait never exceeds its cap;
//! never a panic.
#![no_main]

use std::time::Duration;

use azure_user_tokens::pipeline::RetryOptions;
use azure_user_tokens::pipeline::retry::{MAX_HINTED_WAIT, retry_after};
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u8, &[u8], u32)| {
    let (which, value, retry) = input;
    let name = ["retry-after", "retry-after-ms", "x-ms-retry-after-ms"][which as usize % 3];
    let Ok(value) = HeaderValue::from_bytes(value) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(name, value);
    if let Some(wait) = retry_after(&headers) {
        assert!(wait <= MAX_HINTED_WAIT, "{wait:?}");
    }
    let policy = RetryOptions::default().with_max_delay(Duration::from_secs(60));
    assert!(policy.delay(retry, Some(&headers)) <= Duration::from_secs(60));
    assert!(policy.delay(retry, None) <= Duration::from_secs(60));
});
