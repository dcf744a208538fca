//! Issue 5's figure: offline APIM user-token minting on one thread, ours
//! against Python's standard `hmac` doing the same work in the same run.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use azure_user_tokens::Secret;
use azure_user_tokens::apim::SharedAccessToken;
use chrono::{DateTime, Utc};

const USER_ID: &str = "userId1718";
/// The emulator's well-known APIM primary key: any 64-character key will do.
const KEY: &str = azure_user_tokens::emulator::defaults::APIM_PRIMARY_KEY;
/// 2030-01-01T12:34:56Z: truncated to the minute by both.
const EXPIRY: i64 = 1_893_501_296;

fn expiry() -> DateTime<Utc> {
    DateTime::from_timestamp(EXPIRY, 0).expect("a valid instant")
}

/// Tokens per second, minting `SharedAccessToken::mint(..).to_compact()`.
pub fn ours(seconds: u64) -> f64 {
    let expiry = expiry();
    let key = Secret::new(KEY);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tokens = 0u64;
    while Instant::now() < deadline {
        for _ in 0..1000 {
            let token = SharedAccessToken::mint(USER_ID, &key, expiry).expect("a token");
            std::hint::black_box(token.to_compact());
        }
        tokens += 1000;
    }
    tokens as f64 / started.elapsed().as_secs_f64()
}

/// Python's tokens per second, after checking it mints the same token.
pub fn python(python: &Path, seconds: u64) -> Option<f64> {
    let expected = SharedAccessToken::mint(USER_ID, &Secret::new(KEY), expiry())
        .ok()?
        .to_compact();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/python/mint.py");
    let output = Command::new(python)
        .args([
            script,
            USER_ID,
            KEY,
            &EXPIRY.to_string(),
            &seconds.to_string(),
            &expected,
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "the Python mint failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    value["per_second"].as_f64()
}
