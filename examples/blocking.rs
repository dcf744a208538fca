//! The quickstart without async: the blocking identity and APIM clients.
//!
//! Runs against the in-process emulator, served by a runtime of its own so
//! that `main` stays plain synchronous code (a blocking client refuses to run
//! inside an async runtime):
//!
//! ```sh
//! cargo run --example blocking
//! ```

use std::sync::Arc;
use std::time::Duration;

use azure_user_tokens::apim::{KeyType, SharedAccessToken};
use azure_user_tokens::blocking::{ApiManagementClient, CommunicationIdentityClient};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
use azure_user_tokens::identity::Scope;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The emulator, in the background. Against Azure you would skip this and
    // use your connection string, DEFAULT_MANAGEMENT_ENDPOINT and
    // DefaultAzureCredential::new(None)?.
    let emulator_runtime = tokio::runtime::Runtime::new()?;
    let emulator = emulator_runtime.block_on(Emulator::start(EmulatorConfig::default()))?;
    let settings = emulator.settings();

    let identity =
        CommunicationIdentityClient::from_connection_string(&settings.connection_string(), None)?;
    let user = identity.create_user()?;
    let token = identity.get_token(&user, &[Scope::VoIp], None)?;
    println!("{user}: a voip token until {}", token.expires_on);
    identity.revoke_tokens(&user)?;
    identity.delete_user(&user)?;
    println!("revoked and deleted {user}");

    let credential = Arc::new(settings.credential(None)?);
    let apim = ApiManagementClient::new(settings.endpoint(), credential, None)?;
    let service = settings.apim_service()?;
    for listed in apim.list_users(&service, None) {
        println!("APIM user {}", listed?.user_id);
    }
    let apim_user = service.user("userId1718")?;
    let sas = apim.get_shared_access_token(
        &apim_user,
        KeyType::Primary,
        Duration::from_secs(8 * 60 * 60),
    )?;
    println!("Authorization: {}", sas.to_header());
    let presented = SharedAccessToken::parse(&sas.to_header())?;
    println!(
        "verifies offline: {}",
        presented.verify(settings.apim_primary_key())
    );

    emulator_runtime.block_on(emulator.shutdown());
    Ok(())
}
