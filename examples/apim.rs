//! An APIM user shared access token: from the service, then verified offline.
//!
//! Runs against the in-process emulator (subscription
//! 00000000-0000-0000-0000-000000000000, group rg1, service apimService1):
//!
//! ```sh
//! cargo run --example apim
//! ```

use std::time::Duration;

use azure_user_tokens::apim::{KeyType, SharedAccessToken};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    // Against Azure: ApiManagementClient::new(DEFAULT_MANAGEMENT_ENDPOINT,
    // Arc::new(DefaultAzureCredential::new(None)?), None).
    let settings = emulator.settings();
    let client = settings.apim_client(None)?;
    let service = settings.apim_service()?;

    let mut users = client.list_users(&service, None);
    while let Some(user) = users.next().await {
        println!("user {}", user?.user_id);
    }

    let user = service.user("userId1718")?;
    let one_week = Duration::from_secs(7 * 24 * 60 * 60);
    let token = client
        .get_shared_access_token(&user, KeyType::Primary, one_week)
        .await?;
    println!("Authorization: {}", token.to_header());
    println!("expires at {}", token.expires_at());

    // Offline: parse what a caller sends and check it with the service key.
    let service_key = settings.apim_primary_key();
    let parsed = SharedAccessToken::parse(&token.to_uid_header())?;
    let valid = parsed.verify(service_key) && !parsed.is_expired_at(chrono::Utc::now());
    println!("valid with the primary key: {valid}");

    // Or mint one without the service at all.
    let minted = SharedAccessToken::mint("userId1718", service_key, Duration::from_secs(3600))?;
    println!("minted offline: {}", minted.to_header());

    emulator.shutdown().await;
    Ok(())
}
