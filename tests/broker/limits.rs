//! Protection: the per-user rate limit, bad input refused before anything is
//! created or sent, body limits, and ACS throttling passed on with Retry-After.

use azure_user_tokens::emulator::EmulatorConfig;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Env, databases};

#[tokio::test]
async fn the_rate_limit_is_per_user_with_retry_after() {
    let db = databases().await.remove(0);
    let env = Env::start().await;
    let broker = env
        .broker(env.config(&db).with_rate_limit_per_minute(5))
        .await;
    let alice = env.issuer.token("alice");
    for _ in 0..5 {
        assert_eq!(env.token(&broker, &alice).await.status, StatusCode::OK);
    }
    let limited = env.token(&broker, &alice).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    assert_eq!(limited.json["error"]["code"], "RateLimited");
    // Bob is not affected.
    assert_eq!(
        env.token(&broker, &env.issuer.token("bob")).await.status,
        StatusCode::OK
    );
    assert!(
        broker
            .metrics()
            .render()
            .contains("broker_rate_limited_total 1")
    );
    broker.shutdown().await;
    db.remove().await;
}

#[tokio::test]
async fn bad_requests_are_refused_before_anything_is_sent() {
    let db = databases().await.remove(0);
    let env = Env::start().await;
    let broker = env.broker(env.config(&db).with_max_body_bytes(1024)).await;
    let alice = env.issuer.token("alice");
    let before = env.emulator_requests();
    let post = |body: serde_json::Value| {
        env.call(&broker, Method::POST, "/v1/token", Some(&alice), Some(body))
    };
    for (body, target) in [
        (json!({"scopes": []}), "scopes"),
        (
            json!({"scopes": ["voip"], "expiresInMinutes": 59}),
            "expiresInMinutes",
        ),
        (
            json!({"scopes": ["voip"], "expiresInMinutes": 1441}),
            "expiresInMinutes",
        ),
        (json!({"scopes": ["teams.admin"]}), "scopes"),
    ] {
        let answer = post(body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
        assert_eq!(answer.json["error"]["target"], target, "{body}");
    }
    for body in [
        json!({"scopes": "voip"}),
        json!({"scopes": ["voip"], "expiresInMinutes": "sixty"}),
        json!({"scopes": ["voip"], "extra": true}),
        json!({"scopes": ["voip"], "expiresInMinutes": -1}),
    ] {
        let answer = post(body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.text
        );
        assert!(
            !answer.text.contains("sixty"),
            "input is not echoed: {}",
            answer.text
        );
    }
    let not_json = env
        .http
        .post(format!("{}/v1/token", broker.base_url()))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let huge = env
        .http
        .post(format!("{}/v1/token", broker.base_url()))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .body(format!(r#"{{"scopes":["{}"]}}"#, "v".repeat(4096)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        env.emulator_requests(),
        before,
        "nothing reached the emulator"
    );
    assert_eq!(
        env.identities(),
        0,
        "no identity was created for a bad request"
    );
    broker.shutdown().await;
    db.remove().await;
}

#[tokio::test]
async fn acs_throttling_becomes_503_with_retry_after() {
    let db = databases().await.remove(0);
    // Every emulator request is answered 429 or 503 (or a reset).
    let env = Env::with_emulator(
        EmulatorConfig::default()
            .with_fault_rate(1.0)
            .with_fault_seed(7)
            .with_fault_retry_after_ms(1),
    )
    .await;
    let broker = env.broker(env.config(&db)).await;
    let answer = env.token(&broker, &env.issuer.token("alice")).await;
    assert!(
        matches!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::BAD_GATEWAY
        ),
        "{} {}",
        answer.status,
        answer.text
    );
    if answer.status == StatusCode::SERVICE_UNAVAILABLE {
        assert_eq!(answer.header("retry-after"), Some("10"));
    }
    // The facade retried (its pipeline), the broker did not add a loop: at
    // most 1 + 2 retries reached the emulator.
    assert!(env.emulator_requests() <= 3, "{}", env.emulator_requests());
    // The pending row was released: nothing is stuck for the next attempt.
    let metrics = broker.metrics().render();
    assert!(
        metrics.contains(r#"operation="create_identity""#),
        "{metrics}"
    );
    broker.shutdown().await;
    db.remove().await;
}
