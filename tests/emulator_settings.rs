//! `EmulatorSettings`: clients for an emulator from its endpoint alone (the
//! well-known defaults) or from a running emulator (its configured keys).
#![cfg(feature = "emulator")]

use azure_user_tokens::ErrorKind;
use azure_user_tokens::apim::{KeyType, SharedAccessToken};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EmulatorSettings};
use azure_user_tokens::identity::Scope;
use chrono::{Duration, Utc};

/// The identity and APIM clients the settings build both work.
async fn exercise(settings: &EmulatorSettings) {
    let identity = settings.identity_client(None).unwrap();
    let user = identity.create_user().await.unwrap();
    identity
        .get_token(&user, &[Scope::Chat], None)
        .await
        .unwrap();
    identity.delete_user(&user).await.unwrap();

    let apim = settings.apim_client(None).unwrap();
    let user = settings.apim_service().unwrap().user("userId1718").unwrap();
    let token = apim
        .get_shared_access_token(&user, KeyType::Primary, Utc::now() + Duration::hours(1))
        .await
        .unwrap();
    let parsed = SharedAccessToken::parse(&token.to_compact()).unwrap();
    assert!(parsed.verify(settings.apim_primary_key()));
}

#[tokio::test]
async fn the_endpoint_alone_reaches_a_default_emulator() {
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let settings = EmulatorSettings::new(emulator.base_url()).unwrap();
    assert_eq!(settings, emulator.settings());
    exercise(&settings).await;
}

#[tokio::test]
async fn a_configured_emulator_gives_its_own_settings() {
    let config = EmulatorConfig::default()
        .with_access_key("Y29uZmlndXJlZC1hY2Nlc3Mta2V5")
        .with_tenant_id("11111111-1111-1111-1111-111111111111")
        .with_client_id("22222222-2222-2222-2222-222222222222")
        .with_client_secret("configured-secret")
        .with_apim_primary_key("configured-primary")
        .with_apim_secondary_key("configured-secondary");
    let emulator = Emulator::start(config).await.unwrap();
    let settings = emulator.settings();
    assert_eq!(settings.tenant_id(), "11111111-1111-1111-1111-111111111111");
    exercise(&settings).await;

    // The defaults do not fit it: the key and the client secret are refused.
    let defaults = EmulatorSettings::new(emulator.base_url()).unwrap();
    let err = defaults
        .identity_client(None)
        .unwrap()
        .create_user()
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    let err = defaults
        .apim_client(None)
        .unwrap()
        .get_user(&defaults.apim_service().unwrap().user("1").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Credential, "{err}");
}
