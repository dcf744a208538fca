//! Every library operation, successful and failing, against an emulator
//! configured with this suite's secrets; each result, error and client is
//! rendered with `Display` and `Debug` for the scan.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use azure_user_tokens::apim::{
    ApiManagementClient, ApimUserRef, KeyType, NewApimUser, SharedAccessToken,
};
use azure_user_tokens::credential::{
    AzureCliCredential, ClientSecretCredential, DefaultAzureCredential, EnvironmentCredential,
    MANAGEMENT_SCOPE, ManagedIdentityCredential, StaticTokenCredential, TokenCredential,
};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EntraTokenClaims};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationTokenCredential, ConnectionString, Scope,
};
use azure_user_tokens::pipeline::{ClientOptions, RetryOptions};
use azure_user_tokens::{AccessToken, Secret};
use chrono::Utc;

use crate::scan::{self, Secrets};

/// Renderings collected for the scan: (what, text).
#[derive(Default)]
pub struct Seen(pub Vec<(String, String)>);

impl Seen {
    /// `Debug` of a value.
    pub fn debug(&mut self, what: &str, value: &impl Debug) {
        self.0
            .push((format!("Debug of {what}"), format!("{value:?}")));
    }

    /// `Display` and `Debug` of an outcome (its error, if any).
    pub fn outcome<T: Debug>(&mut self, what: &str, outcome: &azure_user_tokens::Result<T>) {
        if let Err(error) = outcome {
            self.0
                .push((format!("error of {what}"), format!("{error}")));
            self.0.push((
                format!("Debug of the error of {what}"),
                format!("{error:?}"),
            ));
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                self.0
                    .push((format!("a cause of {what}"), format!("{cause} / {cause:?}")));
                source = cause.source();
            }
        }
    }
}

/// The emulator, with this suite's secrets instead of the public defaults.
pub fn config() -> EmulatorConfig {
    EmulatorConfig::default()
        .with_access_key(scan::access_key())
        .with_client_secret(scan::CLIENT_SECRET)
        .with_apim_primary_key(scan::APIM_PRIMARY_KEY)
        .with_apim_secondary_key(scan::APIM_SECONDARY_KEY)
}

fn quick() -> ClientOptions {
    ClientOptions::default().with_retry(
        RetryOptions::default()
            .with_max_retries(4)
            .with_initial_delay(Duration::from_millis(1)),
    )
}

/// Runs everything; tokens the service hands out join `secrets`.
pub async fn run(emulator: &Emulator, secrets: &Secrets, seen: &mut Seen) {
    let connection_string = emulator.connection_string();
    secrets.add("connection string", connection_string.expose());
    identity_with_key(emulator, secrets, seen).await;
    identity_with_entra(emulator, secrets, seen).await;
    apim(emulator, secrets, seen).await;
    offline(secrets, seen);
    credentials(emulator, secrets, seen).await;
    seen.debug("the emulator", emulator);
    seen.debug("its configuration", emulator.config());
}

async fn identity_with_key(emulator: &Emulator, secrets: &Secrets, seen: &mut Seen) {
    let cs = emulator.connection_string();
    seen.debug("the connection string", &cs);
    seen.debug(
        "a parsed connection string",
        &ConnectionString::parse(cs.expose()).unwrap(),
    );
    let client = CommunicationIdentityClient::from_connection_string(
        &cs,
        Some(
            azure_user_tokens::identity::CommunicationIdentityClientOptions::default()
                .with_client_options(quick()),
        ),
    )
    .unwrap();
    seen.debug("an HMAC identity client", &client);

    let user = client.create_user().await.unwrap();
    let (other, token) = client
        .create_user_and_token(
            &[Scope::Chat],
            Some(std::time::Duration::from_secs(60 * 60)),
        )
        .await
        .unwrap();
    secrets.add("ACS token", token.token.expose());
    seen.debug("an access token", &token);
    let issued = client.get_token(&user, &[Scope::VoIp], None).await;
    if let Ok(token) = &issued {
        secrets.add("ACS token", token.token.expose());
    }
    seen.outcome("get_token", &issued);
    seen.debug("a token result", &issued);
    let credential = CommunicationTokenCredential::from_token(token.token.clone()).unwrap();
    seen.debug("a CommunicationTokenCredential", &credential);
    seen.debug("its token", &credential.get_token().await);
    seen.outcome("revoke", &client.revoke_tokens(&user).await);
    seen.outcome("delete", &client.delete_user(&other).await);
    seen.outcome(
        "get_token for a deleted user",
        &client.get_token(&other, &[Scope::Chat], None).await,
    );
    seen.outcome(
        "a lifetime out of range",
        &client
            .get_token(&user, &[Scope::Chat], Some(Duration::from_secs(5 * 60)))
            .await,
    );

    let app = "11111111-2222-3333-4444-555555555555";
    let oid = "66666666-7777-8888-9999-000000000000";
    let aad = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://auth.msft.communication.azure.com",
        app,
        oid,
        chrono::Duration::hours(1),
    ));
    secrets.add("Teams user's Entra token", aad.expose());
    let exchanged = client.get_token_for_teams_user(&aad, app, oid).await;
    if let Ok(token) = &exchanged {
        secrets.add("exchanged ACS token", token.token.expose());
    }
    seen.outcome("a Teams exchange", &exchanged);
    seen.outcome(
        "a Teams exchange for another user",
        &client.get_token_for_teams_user(&aad, app, app).await,
    );

    let wrong_key = format!(
        "endpoint={}/;accesskey=d3Jvbmcta2V5LXdyb25nLWtleQ==",
        emulator.base_url()
    );
    let wrong = CommunicationIdentityClient::from_connection_string(
        &azure_user_tokens::Secret::new(wrong_key),
        None,
    )
    .unwrap();
    seen.outcome("a wrongly signed call", &wrong.create_user().await);
    let bad = format!(
        "endpoint={}/;accesskey={}!;",
        emulator.base_url(),
        scan::access_key()
    );
    seen.outcome(
        "a malformed connection string",
        &CommunicationIdentityClient::from_connection_string(
            &azure_user_tokens::Secret::new(bad),
            None,
        ),
    );
    let typo = format!(
        "endpoint={}/;acesskey={}",
        emulator.base_url(),
        scan::access_key()
    );
    seen.outcome(
        "a misspelt key name",
        &CommunicationIdentityClient::from_connection_string(
            &azure_user_tokens::Secret::new(typo),
            None,
        ),
    );
    let swapped = format!(
        "endpoint={};accesskey={}",
        scan::access_key(),
        scan::access_key()
    );
    seen.outcome(
        "a key where the endpoint goes",
        &CommunicationIdentityClient::from_connection_string(
            &azure_user_tokens::Secret::new(swapped),
            None,
        ),
    );
}

async fn identity_with_entra(emulator: &Emulator, secrets: &Secrets, seen: &mut Seen) {
    let credential = Arc::new(
        ClientSecretCredential::new(
            emulator.config().tenant_id(),
            emulator.config().client_id(),
            azure_user_tokens::Secret::from(scan::CLIENT_SECRET),
            Some(
                azure_user_tokens::credential::ClientSecretCredentialOptions::default()
                    .with_authority_host(emulator.base_url()),
            ),
        )
        .unwrap(),
    );
    let bearer = credential
        .get_token(azure_user_tokens::credential::COMMUNICATION_SCOPE)
        .await
        .unwrap();
    secrets.add("Entra bearer token (ACS)", bearer.token.expose());
    let client =
        CommunicationIdentityClient::new(emulator.base_url(), credential.clone(), None).unwrap();
    seen.debug("an Entra identity client", &client);
    seen.debug(
        "a client-secret credential with a cached token",
        &credential,
    );
    let user = client.create_user().await;
    seen.outcome("create with Entra", &user);
    if let Ok(user) = user {
        seen.outcome("delete with Entra", &client.delete_user(&user).await);
    }
    let wrong = ClientSecretCredential::new(
        emulator.config().tenant_id(),
        emulator.config().client_id(),
        azure_user_tokens::Secret::from("not-the-secret"),
        Some(
            azure_user_tokens::credential::ClientSecretCredentialOptions::default()
                .with_authority_host(emulator.base_url()),
        ),
    )
    .unwrap();
    seen.outcome(
        "a wrong client secret",
        &wrong.get_token(MANAGEMENT_SCOPE).await,
    );
}

async fn apim(emulator: &Emulator, secrets: &Secrets, seen: &mut Seen) {
    let credential = Arc::new(
        ClientSecretCredential::new(
            emulator.config().tenant_id(),
            emulator.config().client_id(),
            azure_user_tokens::Secret::from(scan::CLIENT_SECRET),
            Some(
                azure_user_tokens::credential::ClientSecretCredentialOptions::default()
                    .with_authority_host(emulator.base_url()),
            ),
        )
        .unwrap(),
    );
    let bearer = credential.get_token(MANAGEMENT_SCOPE).await.unwrap();
    secrets.add("Entra bearer token (ARM)", bearer.token.expose());
    let client = ApiManagementClient::new(emulator.base_url(), credential, None).unwrap();
    seen.debug("an APIM client", &client);
    let user = ApimUserRef::new(
        "00000000-0000-0000-0000-000000000000",
        "rg1",
        "apimService1",
        "userId1718",
    )
    .unwrap();
    for key_type in [KeyType::Primary, KeyType::Secondary] {
        let token = client
            .get_shared_access_token(&user, key_type, Utc::now() + chrono::Duration::hours(2))
            .await
            .unwrap();
        secrets.add("APIM user token", &token.to_compact());
        seen.debug("an APIM user token", &token);
    }
    let grace = user.service().user("grace").unwrap();
    let details =
        NewApimUser::new("grace@example.com", "Grace", "Hopper").with_password(scan::PASSWORD);
    seen.debug("a new APIM user with a password", &details);
    seen.outcome(
        "create",
        &client.create_or_update_user(&grace, &details, None).await,
    );
    seen.outcome("get", &client.get_user(&grace).await);
    let mut listed = client.list_users(user.service(), None);
    while let Some(user) = listed.next().await {
        seen.outcome("list", &user);
    }
    seen.outcome(
        "a stale ETag",
        &client.delete_user(&grace, Some("\"stale\"")).await,
    );
    seen.outcome("delete", &client.delete_user(&grace, None).await);
    seen.outcome("get a deleted user", &client.get_user(&grace).await);
    let forged = StaticTokenCredential::new(AccessToken::new(
        "forged.bearer.token-leak-test-0001",
        Utc::now() + chrono::Duration::hours(1),
    ));
    secrets.add("forged bearer token", "forged.bearer.token-leak-test-0001");
    let forged = ApiManagementClient::new(emulator.base_url(), Arc::new(forged), None).unwrap();
    seen.outcome(
        "a forged bearer token",
        &forged
            .get_shared_access_token(
                &user,
                KeyType::Primary,
                Utc::now() + chrono::Duration::hours(1),
            )
            .await,
    );
}

fn offline(secrets: &Secrets, seen: &mut Seen) {
    let token = SharedAccessToken::mint(
        "userId1718",
        &Secret::new(scan::SAS_KEY),
        Utc::now() + chrono::Duration::hours(1),
    )
    .unwrap();
    secrets.add("offline SAS token", &token.to_compact());
    seen.debug("a minted token", &token);
    let parsed = SharedAccessToken::parse(&token.to_uid_header());
    seen.debug("a parsed token", &parsed);
    let tampered = format!("{}x", token.to_compact());
    seen.outcome("a tampered token", &SharedAccessToken::parse(&tampered));
    seen.debug("a secret", &Secret::new(scan::SAS_KEY));
}

async fn credentials(emulator: &Emulator, secrets: &Secrets, seen: &mut Seen) {
    let base = emulator.base_url().to_string();
    let config = emulator.config().clone();
    let environment = EnvironmentCredential::from_lookup(
        |name| match name {
            "AZURE_TENANT_ID" => Some(config.tenant_id().to_string()),
            "AZURE_CLIENT_ID" => Some(config.client_id().to_string()),
            "AZURE_CLIENT_SECRET" => Some(scan::CLIENT_SECRET.to_string()),
            "AZURE_AUTHORITY_HOST" => Some(base.clone()),
            _ => None,
        },
        None,
    )
    .unwrap()
    .expect("configured");
    let token = environment.get_token(MANAGEMENT_SCOPE).await;
    if let Ok(token) = &token {
        secrets.add("environment credential token", token.token.expose());
    }
    seen.outcome("the environment credential", &token);
    seen.debug("an environment credential", &environment);
    let managed = ManagedIdentityCredential::new(Some(
        azure_user_tokens::credential::ManagedIdentityCredentialOptions::default()
            .with_endpoint(&base),
    ))
    .unwrap();
    let token = managed.get_token(MANAGEMENT_SCOPE).await;
    if let Ok(token) = &token {
        secrets.add("managed identity token", token.token.expose());
    }
    seen.outcome("managed identity", &token);
    seen.debug("a managed identity credential", &managed);
    let cli = AzureCliCredential::new(Some(
        azure_user_tokens::credential::AzureCliCredentialOptions::default()
            .with_program("/nonexistent/az"),
    ))
    .unwrap();
    seen.outcome(
        "a missing Azure CLI",
        &cli.get_token(MANAGEMENT_SCOPE).await,
    );
    let chain = DefaultAzureCredential::from_parts(Some(environment), Some(managed), cli);
    seen.outcome(
        "the default chain",
        &chain.get_token(MANAGEMENT_SCOPE).await,
    );
    seen.debug("the default chain", &chain);
}

/// Calls through an emulator that faults: retries, resets and throttling
/// have their own log lines and errors. Failures are expected and rendered.
pub async fn through_faults(emulator: &Emulator, secrets: &Secrets, seen: &mut Seen) {
    let cs = emulator.connection_string();
    let options = ClientOptions::default().with_retry(
        RetryOptions::default()
            .with_max_retries(1)
            .with_initial_delay(Duration::from_millis(1)),
    );
    let client = CommunicationIdentityClient::from_connection_string(
        &cs,
        Some(
            azure_user_tokens::identity::CommunicationIdentityClientOptions::default()
                .with_client_options(options.clone()),
        ),
    )
    .unwrap();
    let credential = Arc::new(
        ClientSecretCredential::new(
            emulator.config().tenant_id(),
            emulator.config().client_id(),
            azure_user_tokens::Secret::from(scan::CLIENT_SECRET),
            Some(
                azure_user_tokens::credential::ClientSecretCredentialOptions::default()
                    .with_authority_host(emulator.base_url())
                    .with_client_options(options.clone()),
            ),
        )
        .unwrap(),
    );
    let apim = ApiManagementClient::new(
        emulator.base_url(),
        credential,
        Some(
            azure_user_tokens::apim::ApiManagementClientOptions::default()
                .with_client_options(options),
        ),
    )
    .unwrap();
    let apim_user = ApimUserRef::new(
        "00000000-0000-0000-0000-000000000000",
        "rg1",
        "apimService1",
        "userId1718",
    )
    .unwrap();
    for _ in 0..30 {
        let created = client.create_user_and_token(&[Scope::VoIp], None).await;
        seen.outcome("create through faults", &created);
        if let Ok((user, token)) = created {
            secrets.add("ACS token", token.token.expose());
            let issued = client.get_token(&user, &[Scope::Chat], None).await;
            if let Ok(token) = &issued {
                secrets.add("ACS token", token.token.expose());
            }
            seen.outcome("get_token through faults", &issued);
            seen.outcome("delete through faults", &client.delete_user(&user).await);
        }
        let sas = apim
            .get_shared_access_token(
                &apim_user,
                KeyType::Primary,
                Utc::now() + chrono::Duration::hours(1),
            )
            .await;
        if let Ok(token) = &sas {
            secrets.add("APIM user token", &token.to_compact());
        }
        seen.outcome("an APIM token through faults", &sas);
    }
}
