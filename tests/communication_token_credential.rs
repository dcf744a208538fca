//! `CommunicationTokenCredential` timing and concurrency, on tokio's paused clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_user_tokens::Secret;
use azure_user_tokens::identity::{
    Clock, CommunicationTokenCredential, CommunicationTokenRefreshOptions, TokioClock,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;

/// An unsigned JWT expiring `minutes` after `clock`'s now.
fn jwt(clock: &TokioClock, minutes: i64) -> Secret {
    let exp = (clock.now() + chrono::Duration::minutes(minutes)).timestamp();
    let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"skypeid":"acs:x","exp":{exp}}}"#));
    Secret::new(format!("eyJhbGciOiJub25lIn0.{payload}.c2ln"))
}

struct Harness {
    clock: Arc<TokioClock>,
    calls: Arc<AtomicUsize>,
}

impl Harness {
    fn new() -> Self {
        Harness {
            clock: Arc::new(TokioClock::starting_at(Utc::now())),
            calls: Arc::default(),
        }
    }

    /// A credential whose refresher hands out tokens living `minutes`.
    fn credential(
        &self,
        initial_minutes: Option<i64>,
        minutes: i64,
        proactive: bool,
    ) -> CommunicationTokenCredential {
        let clock = self.clock.clone();
        let calls = self.calls.clone();
        let refresher = move || {
            let clock = clock.clone();
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(jwt(&clock, minutes))
            }
        };
        let mut options = CommunicationTokenRefreshOptions::default()
            .with_proactive_refresh(proactive)
            .with_clock(self.clock.clone());
        if let Some(minutes) = initial_minutes {
            options = options.with_initial_token(jwt(&self.clock, minutes));
        }
        CommunicationTokenCredential::from_refresher(refresher, Some(options)).unwrap()
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[tokio::test(start_paused = true)]
async fn a_fresh_token_is_not_refreshed() {
    let h = Harness::new();
    let credential = h.credential(Some(60), 60, false);
    credential.get_token().await.unwrap();
    assert_eq!(h.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn refreshes_on_demand_within_two_minutes_of_expiry() {
    let h = Harness::new();
    let credential = h.credential(Some(3), 60, false);
    credential.get_token().await.unwrap();
    assert_eq!(h.calls(), 0, "three minutes left: not yet");
    tokio::time::advance(Duration::from_secs(61)).await;
    let token = credential.get_token().await.unwrap();
    assert_eq!(h.calls(), 1);
    assert!(token.expires_on > h.clock.now() + chrono::Duration::minutes(50));
}

#[tokio::test(start_paused = true)]
async fn a_hundred_concurrent_callers_share_one_refresh() {
    let h = Harness::new();
    let credential = h.credential(None, 60, false);
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.get_token().await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(h.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn refreshes_proactively_ten_minutes_before_expiry() {
    let h = Harness::new();
    let credential = h.credential(Some(30), 60, true);
    tokio::time::sleep(Duration::from_secs(19 * 60)).await;
    assert_eq!(
        h.calls(),
        0,
        "nineteen minutes in: twenty-minute mark not reached"
    );
    tokio::time::sleep(Duration::from_secs(2 * 60)).await;
    assert_eq!(h.calls(), 1, "refreshed at the twenty-minute mark");
    credential.close();
}

#[tokio::test(start_paused = true)]
async fn an_almost_expired_refreshed_token_does_not_cause_a_tight_loop() {
    let h = Harness::new();
    // Every refresh returns a token that lives only three minutes (inside the
    // ten-minute margin): refreshes must come at half the remaining lifetime.
    let credential = h.credential(Some(3), 3, true);
    tokio::time::sleep(Duration::from_secs(10 * 60)).await;
    let calls = h.calls();
    assert!(
        (3..=10).contains(&calls),
        "{calls} refreshes in ten minutes"
    );
    credential.close();
}

#[tokio::test(start_paused = true)]
async fn an_already_expired_refreshed_token_is_an_error() {
    let h = Harness::new();
    let credential = h.credential(None, -1, false);
    let err = credential.get_token().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(err.message().contains("expired"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_failing_refresher_is_retried_later() {
    let clock = Arc::new(TokioClock::starting_at(Utc::now()));
    let calls = Arc::new(AtomicUsize::new(0));
    let refresher = {
        let (clock, calls) = (clock.clone(), calls.clone());
        move || {
            let (clock, calls) = (clock.clone(), calls.clone());
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    // The refresher's own error type, converted.
                    Err(azure_user_tokens::Error::credential(std::io::Error::other(
                        "backend down",
                    )))
                } else {
                    Ok(jwt(&clock, 60))
                }
            }
        }
    };
    let options = CommunicationTokenRefreshOptions::default()
        .with_initial_token(jwt(&clock, 11))
        .with_proactive_refresh(true)
        .with_clock(clock.clone());
    let credential =
        CommunicationTokenCredential::from_refresher(refresher, Some(options)).unwrap();
    tokio::time::sleep(Duration::from_secs(5 * 60)).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "two failures, then success"
    );
    let token = credential.get_token().await.unwrap();
    assert!(token.expires_on > clock.now() + chrono::Duration::minutes(50));
    credential.close();
}

#[tokio::test(start_paused = true)]
async fn close_and_drop_stop_the_timer() {
    let h = Harness::new();
    let credential = h.credential(Some(11), 60, true);
    credential.close();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(h.calls(), 0);
    assert!(credential.get_token().await.is_err(), "closed");

    let h = Harness::new();
    drop(h.credential(Some(11), 60, true));
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(h.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_refreshers_own_error_reaches_the_caller_with_its_source() {
    let credential = CommunicationTokenCredential::from_refresher(
        || async {
            Err(azure_user_tokens::Error::credential(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "backend refused",
            )))
        },
        None,
    )
    .unwrap();
    let err = credential.get_token().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(err.message().contains("backend refused"), "{err}");
    let source = std::error::Error::source(&err).expect("the refresher's error");
    let io = source
        .downcast_ref::<std::io::Error>()
        .expect("an io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn proactive_refresh_outside_a_runtime_is_an_error_not_a_panic() {
    let options = CommunicationTokenRefreshOptions::default().with_proactive_refresh(true);
    let result = CommunicationTokenCredential::from_refresher(
        || async { Ok(Secret::new("unused")) },
        Some(options),
    );
    assert!(result.is_err());
}

#[tokio::test]
async fn a_static_token_is_returned_until_it_expires() {
    let clock = TokioClock::starting_at(Utc::now());
    let credential = CommunicationTokenCredential::from_token(jwt(&clock, 60)).unwrap();
    assert!(credential.get_token().await.is_ok());
    let expired = CommunicationTokenCredential::from_token(jwt(&clock, -5)).unwrap();
    assert!(expired.get_token().await.is_err());
    assert!(CommunicationTokenCredential::from_token(Secret::new("not-a-jwt")).is_err());
    assert!(!format!("{credential:?}").contains("eyJ"));
}
