//! `POST /v1/apim-token`: the caller's APIM user, created once, gets a shared
//! access token signed with the service's key.

use azure_user_tokens::apim::SharedAccessToken;
use azure_user_tokens::broker::ApimSettings;
use azure_user_tokens::emulator::defaults;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Env, databases};

fn settings() -> ApimSettings {
    ApimSettings::new(
        azure_user_tokens::broker::parse_apim_service(&format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ApiManagement/service/{}",
            defaults::SUBSCRIPTION_ID,
            defaults::RESOURCE_GROUP,
            defaults::APIM_SERVICE
        ))
        .unwrap(),
    )
}

#[tokio::test]
async fn apim_tokens_for_the_callers_own_apim_user() {
    for db in databases().await {
        let env = Env::start().await;
        let broker = env.broker(env.config(&db).with_apim(settings())).await;
        let alice = env.issuer.token("alice");
        let users = env.emulator.stats().apim_users;
        let call = |body| {
            env.call(
                &broker,
                Method::POST,
                "/v1/apim-token",
                Some(&alice),
                Some(body),
            )
        };

        let answer = call(json!({"expiresIn": "PT8H"})).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let token = SharedAccessToken::parse(answer.json["token"].as_str().unwrap()).unwrap();
        assert!(token.verify(&azure_user_tokens::Secret::new(defaults::APIM_PRIMARY_KEY)));
        let ahead = token.expires_at() - chrono::Utc::now();
        assert!(ahead > chrono::Duration::minutes(478) && ahead <= chrono::Duration::hours(8));
        assert_eq!(
            answer.json["expiry"]
                .as_str()
                .unwrap()
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap(),
            token.expires_at()
        );
        assert_eq!(env.emulator.stats().apim_users, users + 1);

        // The same APIM user next time, not created again.
        let again = call(json!({"expiresIn": "P1D"})).await;
        assert_eq!(again.status, StatusCode::OK);
        let second = SharedAccessToken::parse(again.json["token"].as_str().unwrap()).unwrap();
        assert_eq!(second.user_id(), token.user_id());
        assert_eq!(env.emulator.stats().apim_users, users + 1);

        let before = env.emulator_requests();
        for bad in ["P31D", "P1M", "PT0S", "8h", "PT"] {
            let answer = call(json!({"expiresIn": bad})).await;
            assert_eq!(
                answer.status,
                StatusCode::BAD_REQUEST,
                "{bad}: {}",
                answer.text
            );
            assert_eq!(answer.json["error"]["target"], "expiresIn");
        }
        assert_eq!(
            env.emulator_requests(),
            before,
            "bad durations send nothing"
        );

        // A token without the email claim cannot create an APIM user.
        let mut claims = env.issuer.claims("no-mail");
        claims.as_object_mut().unwrap().remove("email");
        let no_mail = env.issuer.sign(&claims);
        let answer = env
            .call(
                &broker,
                Method::POST,
                "/v1/apim-token",
                Some(&no_mail),
                Some(json!({"expiresIn": "PT1H"})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text);
        broker.shutdown().await;
        db.remove().await;
    }
}

#[tokio::test]
async fn without_an_apim_service_the_route_says_so() {
    let db = databases().await.remove(0);
    let env = Env::start().await;
    let broker = env.broker(env.config(&db)).await;
    let answer = env
        .call(
            &broker,
            Method::POST,
            "/v1/apim-token",
            Some(&env.issuer.token("alice")),
            Some(json!({"expiresIn": "PT8H"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.json["error"]["code"], "ApimNotConfigured");
    broker.shutdown().await;
    db.remove().await;
}
