//! Revoke, delete (and a crash between its two steps), and the admin routes.

use std::time::Duration;

use azure_user_tokens::broker::{AppUser, FaultPoint, IdentityState};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::{Env, databases};

#[tokio::test]
async fn revoke_drops_cached_tokens_and_delete_makes_a_fresh_identity() {
    for db in databases().await {
        let env = Env::start().await;
        let broker = env.broker(env.config(&db)).await;
        let alice = env.issuer.token("alice");
        let first = env.token(&broker, &alice).await;

        let revoked = env
            .call(&broker, Method::POST, "/v1/me/revoke", Some(&alice), None)
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);
        // The cached token is not served again: a new one is issued (the
        // emulator's may be byte-identical within the same second).
        let issued = env.emulator.stats().tokens_issued;
        let after = env.token(&broker, &alice).await;
        assert_eq!(after.user_id(), first.user_id());
        assert_eq!(env.emulator.stats().tokens_issued, issued + 1);

        let deleted = env
            .call(&broker, Method::DELETE, "/v1/me", Some(&alice), None)
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(env.identities(), 0);
        let me = env
            .call(&broker, Method::GET, "/v1/me", Some(&alice), None)
            .await;
        assert_eq!(me.status, StatusCode::NOT_FOUND);
        let again = env
            .call(&broker, Method::DELETE, "/v1/me", Some(&alice), None)
            .await;
        assert_eq!(again.status, StatusCode::NO_CONTENT, "idempotent");
        let revoke_nothing = env
            .call(&broker, Method::POST, "/v1/me/revoke", Some(&alice), None)
            .await;
        assert_eq!(revoke_nothing.status, StatusCode::NOT_FOUND);

        let fresh = env.token(&broker, &alice).await;
        assert_eq!(fresh.status, StatusCode::OK);
        assert_ne!(fresh.user_id(), first.user_id());
        assert_eq!(env.identities(), 1);
        let row = broker
            .store()
            .identity(&AppUser::new(env.issuer.url(), "alice"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.generation, 1, "a delete moves to the next generation");
        broker.shutdown().await;
        db.remove().await;
    }
}

/// The row cache's trade-off: a revoke through another broker on the same
/// database reaches a broker within its row-cache time to live (and no
/// sooner for one with a long TTL); through the broker itself, at once.
#[tokio::test]
async fn another_brokers_revoke_takes_effect_within_the_row_cache_ttl() {
    const TTL: Duration = Duration::from_millis(400);
    for db in databases().await {
        let env = Env::start().await;
        let short = env.broker(env.config(&db).with_row_cache_ttl(TTL)).await;
        let long = env
            .broker(env.config(&db).with_row_cache_ttl(Duration::from_secs(60)))
            .await;
        let other = env.broker(env.config(&db)).await;
        let alice = env.issuer.token("alice");
        let first = env.token(&short, &alice).await.user_id();
        assert_eq!(env.token(&long, &alice).await.user_id(), first);
        let issued = env.emulator.stats().tokens_issued;
        // Both serve from their caches now.
        env.token(&short, &alice).await;
        env.token(&long, &alice).await;
        assert_eq!(env.emulator.stats().tokens_issued, issued);

        let revoked = env
            .call(&other, Method::POST, "/v1/me/revoke", Some(&alice), None)
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);
        tokio::time::sleep(TTL + Duration::from_millis(100)).await;
        // Past its TTL the short one reads the new revision: a new token.
        let after = env.token(&short, &alice).await;
        assert_eq!(after.user_id(), first);
        assert_eq!(env.emulator.stats().tokens_issued, issued + 1);
        // The long one still serves the token cached before the revoke: the
        // staleness the operator chose (60 s here), not a missed revoke.
        env.token(&long, &alice).await;
        assert_eq!(env.emulator.stats().tokens_issued, issued + 1);
        // Its own revoke is immediate, whatever its TTL.
        let revoked = env
            .call(&long, Method::POST, "/v1/me/revoke", Some(&alice), None)
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        env.token(&long, &alice).await;
        assert_eq!(env.emulator.stats().tokens_issued, issued + 2);
        for broker in [short, long, other] {
            broker.shutdown().await;
        }
        db.remove().await;
    }
}

#[tokio::test]
async fn a_crash_between_deleting_at_acs_and_unmapping_is_finished_at_restart() {
    for db in databases().await {
        let env = Env::start().await;
        let alice = env.issuer.token("alice");
        let user = AppUser::new(env.issuer.url(), "alice");
        let crashing = env
            .broker(env.config(&db).with_fault(FaultPoint::AfterIdentityDeleted))
            .await;
        let first = env.token(&crashing, &alice).await.user_id();
        let deleted = env
            .call(&crashing, Method::DELETE, "/v1/me", Some(&alice), None)
            .await;
        assert_eq!(deleted.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(env.identities(), 0, "ACS deleted it");
        let row = crashing.store().identity(&user).await.unwrap().unwrap();
        assert_eq!(row.state, IdentityState::Deleting);
        // A deleting identity is never handed out.
        let me = env
            .call(&crashing, Method::GET, "/v1/me", Some(&alice), None)
            .await;
        assert_eq!(me.status, StatusCode::NOT_FOUND);
        crashing.shutdown().await;

        // At start the broker finishes the delete the user asked for.
        let broker = env.broker(env.config(&db)).await;
        let mut state = IdentityState::Deleting;
        for _ in 0..100 {
            state = broker.store().identity(&user).await.unwrap().unwrap().state;
            if state == IdentityState::Deleted {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(state, IdentityState::Deleted);
        let fresh = env.token(&broker, &alice).await;
        assert_ne!(fresh.user_id(), first);
        assert_eq!(env.identities(), 1);
        broker.shutdown().await;
        db.remove().await;
    }
}

#[tokio::test]
async fn admins_manage_other_users_and_others_may_not() {
    for db in databases().await {
        let env = Env::start().await;
        let broker = env
            .broker(env.config(&db).with_admin_role("broker.admin"))
            .await;
        let alice = env.issuer.token("alice");
        let id = env.token(&broker, &alice).await.user_id();
        let mut claims = env.issuer.claims("root");
        claims["roles"] = json!(["reader", "broker.admin"]);
        let admin = env.issuer.sign(&claims);
        let issuer =
            url::form_urlencoded::byte_serialize(env.issuer.url().as_bytes()).collect::<String>();
        let path = format!("/v1/admin/users/{issuer}/alice");

        let got = env
            .call(&broker, Method::GET, &path, Some(&admin), None)
            .await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.text);
        assert_eq!(got.user_id(), id);

        let forbidden = env
            .call(&broker, Method::GET, &path, Some(&alice), None)
            .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        assert!(
            forbidden
                .header("www-authenticate")
                .unwrap()
                .contains("insufficient_scope")
        );
        let anonymous = env.call(&broker, Method::GET, &path, None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

        let revoke = env
            .call(
                &broker,
                Method::POST,
                &format!("{path}/revoke"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(revoke.status, StatusCode::NO_CONTENT);
        let delete = env
            .call(&broker, Method::DELETE, &path, Some(&admin), None)
            .await;
        assert_eq!(delete.status, StatusCode::NO_CONTENT);
        assert_eq!(env.identities(), 0);
        let gone = env
            .call(&broker, Method::GET, &path, Some(&admin), None)
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        broker.shutdown().await;
        db.remove().await;
    }
}
