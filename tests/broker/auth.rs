//! Every kind of bad bearer token is refused with 401 and RFC 6750's
//! `WWW-Authenticate`, and nothing reaches the emulator.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Env, databases};
use crate::issuer::{self, EC_KID, RSA_KID, public_jwk};

fn b64(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn every_bad_token_is_refused_and_nothing_reaches_acs() {
    for db in databases().await {
        let env = Env::start().await;
        let broker = env.broker(env.config(&db)).await;
        let issuer = &env.issuer;
        let now = chrono::Utc::now().timestamp();
        let good = issuer.claims("mallory");
        let with = |key: &str, value: serde_json::Value| {
            let mut claims = good.clone();
            claims[key] = value;
            claims
        };
        let without = |key: &str| {
            let mut claims = good.clone();
            claims.as_object_mut().unwrap().remove(key);
            claims
        };
        let valid = issuer.sign(&good);
        let (head, rest) = valid.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        let mut flipped = signature.as_bytes().to_vec();
        flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
        let cases: Vec<(&str, Option<String>, &str)> = vec![
            ("no token", None, "no bearer token"),
            ("not a JWT", Some("not-a-jwt".into()), "well-formed"),
            ("three garbage parts", Some("a.b.c".into()), "well-formed"),
            (
                "alg none",
                Some(format!(
                    "{}.{}.",
                    b64(&json!({"alg": "none", "kid": RSA_KID})),
                    b64(&good)
                )),
                "algorithm",
            ),
            (
                "HS256 with the public key as the secret",
                Some(issuer::sign(
                    Algorithm::HS256,
                    RSA_KID,
                    &EncodingKey::from_secret(issuer::RSA_PUBLIC_PEM).unwrap(),
                    &good,
                )),
                "algorithm",
            ),
            (
                "RS512",
                Some(issuer::sign(
                    Algorithm::RS512,
                    RSA_KID,
                    &issuer::rsa_key(),
                    &good,
                )),
                "algorithm",
            ),
            (
                "no kid",
                Some(
                    jsonwebtoken::encode(
                        &jsonwebtoken::Header::new(Algorithm::RS256),
                        &good,
                        &issuer::rsa_key(),
                    )
                    .unwrap(),
                ),
                "no kid",
            ),
            (
                "unknown kid",
                Some(issuer::sign(
                    Algorithm::RS256,
                    "no-such-key",
                    &issuer::rsa_key(),
                    &good,
                )),
                "kid is not among",
            ),
            (
                "RS256 header naming the EC key",
                Some(issuer::sign(
                    Algorithm::RS256,
                    EC_KID,
                    &issuer::rsa_key(),
                    &good,
                )),
                "does not fit",
            ),
            (
                "signed by another key under the right kid",
                Some(issuer::sign(
                    Algorithm::RS256,
                    RSA_KID,
                    &EncodingKey::from_rsa_pem(issuer::RSA_OTHER_PEM).unwrap(),
                    &good,
                )),
                "signature",
            ),
            (
                "tampered payload",
                Some(format!(
                    "{head}.{}.{signature}",
                    b64(&with("sub", json!("alice")))
                )),
                "signature",
            ),
            (
                "tampered signature",
                Some(format!(
                    "{head}.{payload}.{}",
                    String::from_utf8(flipped).unwrap()
                )),
                "signature",
            ),
            (
                "wrong issuer",
                Some(issuer.sign(&with("iss", json!("https://evil.example")))),
                "another issuer",
            ),
            (
                "issuer with a trailing slash",
                Some(issuer.sign(&with("iss", json!(format!("{}/", issuer.url()))))),
                "another issuer",
            ),
            (
                "wrong audience",
                Some(issuer.sign(&with("aud", json!("api://someone-else")))),
                "another audience",
            ),
            (
                "expired",
                Some(issuer.sign(&with("exp", json!(now - 600)))),
                "expired",
            ),
            (
                "not valid yet",
                Some(issuer.sign(&with("nbf", json!(now + 600)))),
                "not valid yet",
            ),
            (
                "no exp",
                Some(issuer.sign(&without("exp"))),
                "required claim",
            ),
            (
                "no sub",
                Some(issuer.sign(&without("sub"))),
                "required claim",
            ),
            (
                "sub not a string",
                Some(issuer.sign(&with("sub", json!(42)))),
                "required claim",
            ),
            (
                "exp as a string",
                Some(issuer.sign(&with("exp", json!("9999999999")))),
                "required claim",
            ),
        ];
        let before = env.emulator_requests();
        for (name, token, expected) in &cases {
            let answer = match token {
                Some(token) => env.token(&broker, token).await,
                None => {
                    let body = Some(json!({"scopes": ["voip"]}));
                    env.call(&broker, Method::POST, "/v1/token", None, body)
                        .await
                }
            };
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{name} on {}: {}",
                db.kind,
                answer.text
            );
            let challenge = answer.header("www-authenticate").unwrap_or_default();
            assert!(
                challenge.starts_with(r#"Bearer error="invalid_token", error_description=""#),
                "{name}: {challenge}"
            );
            assert!(challenge.contains(expected), "{name}: {challenge}");
            assert_eq!(answer.json["error"]["code"], "invalid_token", "{name}");
            if let Some(token) = token.as_deref().filter(|t| t.len() > 20) {
                // No part of the token comes back.
                for part in token.split('.').filter(|p| p.len() > 8) {
                    assert!(
                        !answer.text.contains(part) && !challenge.contains(part),
                        "{name}"
                    );
                }
            }
        }
        assert_eq!(
            env.emulator_requests(),
            before,
            "a refused request reached the emulator"
        );
        // The same routes accept a good token, RS256 and ES256.
        assert_eq!(env.token(&broker, &valid).await.status, StatusCode::OK);
        let es256 = issuer.sign_es256(&issuer.claims("erin"));
        assert_eq!(env.token(&broker, &es256).await.status, StatusCode::OK);
        // Refusals are counted by reason.
        let metrics = env
            .call(&broker, Method::GET, "/metrics", None, None)
            .await
            .text;
        assert!(
            metrics.contains(r#"broker_auth_refusals_total{reason="signature"} 3"#),
            "{metrics}"
        );
        broker.shutdown().await;
        db.remove().await;
    }
}

#[tokio::test]
async fn unknown_kids_refetch_the_jwks_at_most_once_per_interval_and_rotation_works() {
    let db = databases().await.remove(0);
    let env = Env::start().await;
    let issuer = &env.issuer;
    // The default interval (30 s): a flood of forged kids refetches at most once.
    let broker = env.broker(env.config(&db)).await;
    assert_eq!(
        env.token(&broker, &issuer.token("alice")).await.status,
        StatusCode::OK
    );
    let hits = issuer.jwks_hits();
    for i in 0..20 {
        let forged = issuer::sign(
            Algorithm::RS256,
            &format!("forged-{i}"),
            &issuer::rsa_key(),
            &issuer.claims("alice"),
        );
        assert_eq!(
            env.token(&broker, &forged).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert!(
        issuer.jwks_hits() <= hits + 1,
        "{} fetches",
        issuer.jwks_hits() - hits
    );
    broker.shutdown().await;

    // With a 1 s interval: the issuer rotates in a new key; once the
    // interval has passed since the last fetch, its kid triggers a refetch
    // and its tokens verify.
    let broker = env
        .broker(
            env.config(&db)
                .with_jwks_refetch_interval(Duration::from_secs(1)),
        )
        .await;
    assert_eq!(
        env.token(&broker, &issuer.token("alice")).await.status,
        StatusCode::OK
    );
    let new_key = EncodingKey::from_rsa_pem(issuer::RSA_OTHER_PEM).unwrap();
    issuer.add_key(public_jwk(&new_key, Algorithm::RS256, "rsa-2"));
    let rotated = issuer::sign(Algorithm::RS256, "rsa-2", &new_key, &issuer.claims("alice"));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = issuer.jwks_hits();
    let answer = env.token(&broker, &rotated).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(issuer.jwks_hits(), before + 1);
    broker.shutdown().await;
    db.remove().await;
}

#[tokio::test]
async fn an_unreachable_issuer_is_a_503_not_a_401() {
    let db = databases().await.remove(0);
    let env = Env::start().await;
    // Nothing listens on port 9 of loopback.
    let config =
        azure_user_tokens::broker::BrokerConfig::new("http://127.0.0.1:9", issuer::AUDIENCE)
            .with_listen("127.0.0.1:0".parse().unwrap())
            .with_database(db.url.clone());
    let broker = env.broker(config).await;
    let answer = env.token(&broker, &env.issuer.token("alice")).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    assert!(answer.header("retry-after").is_some());
    broker.shutdown().await;
    db.remove().await;
}
