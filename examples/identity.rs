//! The quickstart from Rust: create a user, issue a `voip` token, revoke, delete.
//!
//! Runs against `COMMUNICATION_SERVICES_CONNECTION_STRING`, or the in-process
//! emulator when it is not set:
//!
//! ```sh
//! cargo run --example identity
//! ```

use std::time::Duration;

use azure_user_tokens::Secret;
use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
use azure_user_tokens::identity::{CommunicationIdentityClient, Scope};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (connection_string, emulator) =
        match std::env::var("COMMUNICATION_SERVICES_CONNECTION_STRING") {
            Ok(connection_string) => (Secret::new(connection_string), None),
            Err(_) => {
                let emulator = Emulator::start(EmulatorConfig::default()).await?;
                eprintln!("using the in-process emulator at {}", emulator.base_url());
                (emulator.connection_string(), Some(emulator))
            }
        };
    let client = CommunicationIdentityClient::from_connection_string(&connection_string, None)?;

    let user = client.create_user().await?;
    println!("created {user}");
    let one_hour = Duration::from_secs(60 * 60);
    let token = client
        .get_token(&user, &[Scope::VoIp], Some(one_hour))
        .await?;
    println!("issued a voip token expiring at {}", token.expires_on);
    client.revoke_tokens(&user).await?;
    println!("revoked its tokens");
    client.delete_user(&user).await?;
    println!("deleted {user}");

    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    Ok(())
}
