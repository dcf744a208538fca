//! An APIM user shared access token: from the service, then verified offline.
//!
//! Runs against the in-process emulator (subscription
//! 00000000-0000-0000-0000-000000000000, group rg1, service apimService1):
//!
//! ```sh
//! cargo run --example apim
//! ```

use azure_user_tokens::apim::{ApimService, KeyType, SharedAccessToken};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, defaults};
use chrono::{Duration, Utc};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let config = emulator.config();
    let client = emulator.settings().apim_client(None)?;

    let service = ApimService::new(
        defaults::SUBSCRIPTION_ID,
        defaults::RESOURCE_GROUP,
        defaults::APIM_SERVICE,
    )?;
    let mut users = client.list_users(&service, None);
    while let Some(user) = users.next().await {
        println!("user {}", user?.user_id);
    }

    let user = service.user("userId1718")?;
    let token = client
        .get_shared_access_token(&user, KeyType::Primary, Utc::now() + Duration::days(7))
        .await?;
    println!("Authorization: {}", token.to_header());
    println!("expires at {}", token.expires_at());

    // Offline: parse what a caller sends and check it with the service key.
    let parsed = SharedAccessToken::parse(&token.to_uid_header())?;
    println!(
        "verifies with the primary key: {}",
        parsed.verify(config.apim_primary_key())
    );

    // Or mint one without the service at all.
    let minted = SharedAccessToken::mint(
        "userId1718",
        config.apim_primary_key(),
        Utc::now() + Duration::hours(1),
    )?;
    println!("minted offline: {}", minted.to_header());

    emulator.shutdown().await;
    Ok(())
}
