//! A Communication Services token that renews itself, as a chat or calling
//! client holds it: `CommunicationTokenCredential` with a refresher.
//!
//! The refresher stands for a call to your backend, which issues tokens with
//! a `CommunicationIdentityClient` (here: against the in-process emulator).
//!
//! ```sh
//! cargo run --example refreshing_credential
//! ```

use std::sync::Arc;

use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationTokenCredential, CommunicationTokenRefreshOptions,
    CommunicationUserIdentifier, Scope,
};
use azure_user_tokens::{Error, Secret};

/// Your backend: a fresh token for the signed-in user. Its own failures
/// (here an io::Error) become the crate's with `Error::credential`.
async fn token_from_backend(
    backend: &CommunicationIdentityClient,
    user: &CommunicationUserIdentifier,
) -> Result<String, std::io::Error> {
    let token = backend
        .get_token(user, &[Scope::VoIp], None)
        .await
        .map_err(std::io::Error::other)?;
    Ok(token.token.expose().to_string())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start(EmulatorConfig::default()).await?;
    let backend = emulator.settings().identity_client(None)?;
    let user = backend.create_user().await?;

    let shared = Arc::new((backend, user));
    let credential = CommunicationTokenCredential::from_refresher(
        move || {
            let shared = shared.clone();
            async move {
                let (backend, user) = &*shared;
                token_from_backend(backend, user)
                    .await
                    .map(Secret::new)
                    .map_err(Error::credential)
            }
        },
        Some(CommunicationTokenRefreshOptions::default().with_proactive_refresh(true)),
    )?;

    // Refreshed on demand within two minutes of expiry, and in the
    // background ten minutes before it; concurrent callers share a refresh.
    let token = credential.get_token().await?;
    println!("a token valid until {}", token.expires_on);
    let again = credential.get_token().await?;
    println!("still the same token: {}", again == token);

    credential.close();
    emulator.shutdown().await;
    Ok(())
}
