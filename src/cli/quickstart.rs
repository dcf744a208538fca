//! `azure-user-tokens quickstart`: the documented flow in one command.
//!
//! Create a user → issue a `voip` token → revoke → delete, then an APIM
//! shared access token, printed as the seed's Python program prints them.
//! Against the embedded emulator unless real credentials are configured.

use chrono::{DateTime, Duration, Utc};

use super::failure::{CommandResult, Failure};
use super::global::{GlobalArgs, connection_string_from_env};
use crate::Secret;
use crate::apim::{ApiManagementClient, ApimUserRef, KeyType};
use crate::emulator::{Emulator, EmulatorConfig, defaults};
use crate::identity::{CommunicationIdentityClient, Scope};

/// The variables that point the APIM part at Azure.
pub const APIM_VARS: [&str; 4] = [
    "AZURE_SUBSCRIPTION_ID",
    "APIM_RESOURCE_GROUP",
    "APIM_SERVICE_NAME",
    "APIM_USER_ID",
];

/// The seed's time format: `%d/%m/%y %I:%M %S %p`, in UTC.
pub fn seed_time(time: DateTime<Utc>) -> String {
    time.format("%d/%m/%y %I:%M %S %p").to_string()
}

pub(super) async fn run(global: &GlobalArgs) -> CommandResult {
    let connection_string = global
        .connection_string
        .clone()
        .or_else(|| connection_string_from_env().map(Secret::new));
    let apim_target = apim_target_from_env();

    // Nothing configured: both parts run on an emulator started here.
    let (acs_connection_string, emulator) = match connection_string {
        Some(cs) => (cs, None),
        None => {
            let emulator = Emulator::start(EmulatorConfig::default())
                .await
                .map_err(|e| Failure::failed(format!("cannot start the embedded emulator: {e}")))?;
            eprintln!(
                "note: no COMMUNICATION_SERVICES_CONNECTION_STRING set: running against the embedded emulator at {}",
                emulator.base_url()
            );
            (emulator.connection_string(), Some(emulator))
        }
    };

    println!("Azure Communication Services - User Access Tokens Quickstart");
    let identity =
        CommunicationIdentityClient::from_connection_string(&acs_connection_string, None)?;
    acs_flow(&identity).await?;

    match (&emulator, apim_target) {
        (Some(emulator), _) => apim_on_emulator(emulator).await?,
        (None, Some(target)) => apim_on_azure(global, target).await?,
        (None, None) => println!(
            "Skipped the API Management part: set {} and Entra ID credentials (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, or az login) to run it.",
            APIM_VARS.join(", ")
        ),
    }
    if let Some(emulator) = emulator {
        emulator.shutdown().await;
    }
    Ok(())
}

async fn acs_flow(client: &CommunicationIdentityClient) -> CommandResult {
    let user = client.create_user().await?;
    println!("Created a user with ID: {}:", user.raw_id());
    let token = client.get_token(&user, &[Scope::VoIp], None).await?;
    println!(
        "Issued a token with 'voip' scope that expires at {}:",
        seed_time(token.expires_on)
    );
    println!("{}", token.token.expose());
    client.revoke_tokens(&user).await?;
    println!(
        "Successfully revoked all tokens for user with ID: {}",
        user.raw_id()
    );
    client.delete_user(&user).await?;
    println!("Deleted the user with ID: {}", user.raw_id());
    Ok(())
}

async fn apim_on_emulator(emulator: &Emulator) -> CommandResult {
    let client = emulator.settings().apim_client(None)?;
    let user = ApimUserRef::new(
        defaults::SUBSCRIPTION_ID,
        defaults::RESOURCE_GROUP,
        defaults::APIM_SERVICE,
        "userId1718",
    )?;
    let key = emulator.config().apim_primary_key().clone();
    apim_token(&client, &user, Some(&key)).await
}

async fn apim_on_azure(global: &GlobalArgs, target: [String; 4]) -> CommandResult {
    let [subscription, group, service, user_id] = target;
    let user = ApimUserRef::new(&subscription, &group, &service, &user_id)?;
    let key = std::env::var(super::apim::SAS_KEY_VAR)
        .ok()
        .map(Secret::new);
    apim_token(&global.apim_client()?, &user, key.as_ref()).await
}

async fn apim_token(
    client: &ApiManagementClient,
    user: &ApimUserRef,
    key: Option<&Secret>,
) -> CommandResult {
    let expiry = Utc::now() + Duration::hours(8);
    let token = client
        .get_shared_access_token(user, KeyType::Primary, expiry)
        .await?;
    println!(
        "Issued an API Management shared access token for user {} of service {} that expires at {}:",
        user.user_id(),
        user.service().service_name(),
        seed_time(token.expires_at())
    );
    println!("{}", token.to_header());
    match key {
        Some(key) if token.verify(key) => {
            println!("Verified the token offline with the service's primary key")
        }
        Some(_) => {
            return Err(Failure::failed(
                "the token did not verify with the service's primary key",
            ));
        }
        None => println!(
            "Not verified offline: set {} to the service's primary key to verify it",
            super::apim::SAS_KEY_VAR
        ),
    }
    Ok(())
}

/// The four APIM variables, when all are set.
fn apim_target_from_env() -> Option<[String; 4]> {
    let values: Vec<String> = APIM_VARS
        .iter()
        .filter_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .collect();
    values.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_the_seed_prints_them() {
        let t = DateTime::parse_from_rfc3339("2024-03-05T21:07:09Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(seed_time(t), "05/03/24 09:07 09 PM");
    }
}
