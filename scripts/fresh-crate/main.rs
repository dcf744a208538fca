//! A program written from the public docs alone (the crate page, the module
//! and type docs, the README), built as a fresh crate that depends on
//! azure-user-tokens by path with `default-features = false, features =
//! ["emulator"]`: the quickstart flow, the APIM token, the offline mint and
//! verify and the refreshing credential, async and blocking, without `pin!`,
//! without a futures import and without a hand-copied key or GUID.
//! `scripts/fresh-crate.sh` builds and runs it.

use std::sync::Arc;
use std::time::Duration;

use azure_user_tokens::apim::{ApiManagementClient, ApimUserRef, KeyType, SharedAccessToken};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EmulatorSettings, defaults};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationTokenCredential, CommunicationTokenRefreshOptions,
    Scope,
};
use azure_user_tokens::{Error, Result, Secret, blocking};

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // The emulator runs on a runtime of its own, so `main` stays synchronous
    // for the blocking half.
    let runtime = tokio::runtime::Runtime::new()?;
    let emulator = runtime.block_on(Emulator::start(EmulatorConfig::default()))?;
    let settings = emulator.settings();

    runtime.block_on(with_async_clients(&settings))?;
    with_blocking_clients(&settings)?;
    offline(&settings)?;

    runtime.block_on(emulator.shutdown());
    println!("fresh crate: every flow passed");
    Ok(())
}

async fn with_async_clients(settings: &EmulatorSettings) -> Result<()> {
    let identity =
        CommunicationIdentityClient::from_connection_string(&settings.connection_string(), None)?;
    let user = identity.create_user().await?;
    let token = identity
        .get_token(&user, &[Scope::VoIp], Some(Duration::from_secs(60 * 60)))
        .await?;
    assert!(token.expires_on > chrono::Utc::now());
    identity.revoke_tokens(&user).await?;
    identity.delete_user(&user).await?;

    let credential = Arc::new(settings.credential(None)?);
    let apim = ApiManagementClient::new(settings.endpoint(), credential, None)?;
    let apim_user = ApimUserRef::new(
        defaults::SUBSCRIPTION_ID,
        defaults::RESOURCE_GROUP,
        defaults::APIM_SERVICE,
        "userId1718",
    )?;
    let sas = apim
        .get_shared_access_token(&apim_user, KeyType::Primary, Duration::from_secs(8 * 3600))
        .await?;
    assert!(sas.verify(settings.apim_primary_key()));
    let mut users = apim.list_users(apim_user.service(), None);
    let mut count = 0;
    while let Some(listed) = users.next().await {
        listed?;
        count += 1;
    }
    assert_eq!(count, 2);

    // The refreshing credential, with a refresher returning its own errors.
    let backend = identity.clone();
    let holder = backend.create_user().await?;
    let credential = CommunicationTokenCredential::from_refresher(
        move || {
            let (backend, holder) = (backend.clone(), holder.clone());
            async move {
                let token = backend
                    .get_token(&holder, &[Scope::Chat], None)
                    .await
                    .map_err(|e| std::io::Error::other(e.to_string()))
                    .map_err(Error::credential)?;
                Ok(token.token)
            }
        },
        Some(CommunicationTokenRefreshOptions::default().with_proactive_refresh(true)),
    )?;
    assert!(credential.get_token().await?.expires_on > chrono::Utc::now());
    credential.close();
    Ok(())
}

fn with_blocking_clients(settings: &EmulatorSettings) -> Result<()> {
    let identity = blocking::CommunicationIdentityClient::from_connection_string(
        &settings.connection_string(),
        None,
    )?;
    let user = identity.create_user()?;
    identity.get_token(&user, &[Scope::VoIp], None)?;
    identity.revoke_tokens(&user)?;
    identity.delete_user(&user)?;

    let credential = Arc::new(settings.credential(None)?);
    let apim = blocking::ApiManagementClient::new(settings.endpoint(), credential, None)?;
    let service = settings.apim_service()?;
    let sas = apim.get_shared_access_token(
        &service.user("userId1718")?,
        KeyType::Secondary,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )?;
    assert!(sas.verify(settings.apim_secondary_key()));
    assert_eq!(apim.list_users(&service, None).collect_all()?.len(), 2);

    let holder = identity.create_user()?;
    let credential = blocking::CommunicationTokenCredential::from_refresher(
        move || Ok(identity.get_token(&holder, &[Scope::Chat], None)?.token),
        None,
    )?;
    assert!(credential.get_token()?.expires_on > chrono::Utc::now());
    Ok(())
}

fn offline(settings: &EmulatorSettings) -> Result<()> {
    let key = settings.apim_primary_key();
    let token = SharedAccessToken::mint("userId1718", key, Duration::from_secs(3600))?;
    let presented = SharedAccessToken::parse(&token.to_uid_header())?;
    assert!(presented.verify(key));
    assert!(!presented.verify(&Secret::new("another key")));
    assert!(!presented.is_expired_at(chrono::Utc::now()));
    Ok(())
}
