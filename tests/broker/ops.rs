//! Operations endpoints (no token needed): health, readiness, metrics, the
//! OpenAPI document (checked against real answers), and CORS.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Env, databases};

#[tokio::test]
async fn health_readiness_and_metrics() {
    let db = databases().await.remove(0);
    let env = Env::start().await;
    let broker = env.broker(env.config(&db)).await;
    let health = env.call(&broker, Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (health.status, health.json["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let ready = env.call(&broker, Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);

    env.token(&broker, &env.issuer.token("alice")).await;
    env.token(&broker, &env.issuer.token("alice")).await;
    let metrics = env.call(&broker, Method::GET, "/metrics", None, None).await;
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    for line in [
        r#"broker_http_requests_total{route="/v1/token",method="POST",status="200"} 2"#,
        r#"broker_http_requests_total{route="/readyz",method="GET",status="200"} 1"#,
        "broker_token_cache_hits_total 1",
        "broker_token_cache_misses_total 1",
        "broker_identities_created_total 1",
        r#"broker_acs_calls_total{operation="create_identity",outcome="ok"} 1"#,
        r#"broker_acs_call_duration_seconds_count{operation="issue_token"} 1"#,
        "broker_token_cache_entries 1",
    ] {
        assert!(metrics.text.contains(line), "{line} in\n{}", metrics.text);
    }
    broker.shutdown().await;

    // ACS gone: not ready, and the answer says which check failed.
    let gone = Env::start().await;
    let upstreams = gone.upstreams();
    gone.emulator.shutdown().await;
    let broker = azure_user_tokens::broker::Broker::start(env.config(&db), upstreams)
        .await
        .unwrap();
    let not_ready = env.call(&broker, Method::GET, "/readyz", None, None).await;
    assert_eq!(
        not_ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        not_ready.text
    );
    assert!(
        not_ready.json["checks"]["communication_services"].is_string(),
        "{}",
        not_ready.text
    );
    assert!(not_ready.json["checks"].get("database").is_none());
    broker.shutdown().await;
    db.remove().await;
}

/// Resolves a `$ref` into `#/components/schemas/…` of `document`.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            &document["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn the_openapi_document_matches_what_is_served() {
    let db = databases().await.remove(0);
    let env = Env::start().await;
    let broker = env.broker(env.config(&db).with_admin_role("admin")).await;
    let document = env
        .call(&broker, Method::GET, "/openapi.json", None, None)
        .await
        .json;
    assert_eq!(document["openapi"], "3.0.3");
    let paths = document["paths"].as_object().unwrap();
    for (path, method) in [
        ("/v1/token", "post"),
        ("/v1/me", "get"),
        ("/v1/me", "delete"),
        ("/v1/me/revoke", "post"),
        ("/v1/apim-token", "post"),
        ("/v1/admin/users/{issuer}/{subject}", "get"),
        ("/v1/admin/users/{issuer}/{subject}", "delete"),
        ("/v1/admin/users/{issuer}/{subject}/revoke", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path}");
    }
    // Every documented route exists (nothing answers "no such route").
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace("{issuer}", "x").replace("{subject}", "y");
            let answer = env
                .call(
                    &broker,
                    method.to_uppercase().parse().unwrap(),
                    &concrete,
                    None,
                    None,
                )
                .await;
            assert_ne!(answer.json["error"]["code"], "NotFound", "{method} {path}");
        }
    }
    // Real answers validate against the documented schemas.
    let token = env.token(&broker, &env.issuer.token("alice")).await;
    let refused = env.token(&broker, "nope").await;
    for (answer, path, status) in [(&token, "/v1/token", "200"), (&refused, "/v1/token", "401")] {
        let schema = resolve(
            &document,
            &document["paths"][path]["post"]["responses"][status]["content"]["application/json"]["schema"],
        );
        let mut schema = schema.clone();
        schema["components"] = document["components"].clone();
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(
            validator.is_valid(&answer.json),
            "{status}: {}",
            answer.text
        );
    }
    let request_schema = resolve(
        &document,
        &document["paths"]["/v1/token"]["post"]["requestBody"]["content"]["application/json"]["schema"],
    );
    assert_eq!(request_schema["required"], json!(["scopes"]));
    broker.shutdown().await;
    db.remove().await;
}

#[tokio::test]
async fn cors_lets_the_configured_origin_send_its_authorization_header() {
    let db = databases().await.remove(0);
    let env = Env::start().await;
    let broker = env
        .broker(
            env.config(&db)
                .with_cors_origins(vec!["http://app.example:3000".into()]),
        )
        .await;
    let preflight = |origin: &'static str| {
        env.http
            .request(Method::OPTIONS, format!("{}/v1/token", broker.base_url()))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight("http://app.example:3000").await.unwrap();
    assert!(allowed.status().is_success());
    let headers = allowed.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "http://app.example:3000"
    );
    let allow_headers = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allow_headers.contains("authorization"), "{allow_headers}");
    let other = preflight("http://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    let answer = env
        .http
        .post(format!("{}/v1/token", broker.base_url()))
        .header("origin", "http://app.example:3000")
        .bearer_auth(env.issuer.token("alice"))
        .json(&json!({"scopes": ["voip"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(
        answer.headers()["access-control-allow-origin"],
        "http://app.example:3000"
    );
    broker.shutdown().await;
    db.remove().await;
}
