//! The blocking clients: the quickstart flow, APIM tokens and the user
//! iterator, the refreshing credential — and, called inside a tokio runtime,
//! a typed error with nothing sent, never a panic or a deadlock.

#![cfg(feature = "emulator")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_user_tokens::apim::{KeyType, ListUsersOptions, SharedAccessToken};
use azure_user_tokens::blocking::{
    ApiManagementClient, CommunicationIdentityClient, CommunicationTokenCredential,
};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EmulatorSettings};
use azure_user_tokens::identity::{CommunicationTokenRefreshOptions, Scope};
use azure_user_tokens::{Error, Secret};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// An emulator served by a runtime of its own, so the test's thread is
/// outside every runtime, as a blocking program's is.
struct Background {
    emulator: Option<Emulator>,
    runtime: tokio::runtime::Runtime,
}

impl Background {
    fn start() -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let emulator = runtime
            .block_on(Emulator::start(EmulatorConfig::default()))
            .unwrap();
        Background {
            emulator: Some(emulator),
            runtime,
        }
    }

    fn emulator(&self) -> &Emulator {
        self.emulator.as_ref().unwrap()
    }

    fn settings(&self) -> EmulatorSettings {
        self.emulator().settings()
    }

    fn requests(&self) -> u64 {
        self.emulator().stats().requests
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(emulator) = self.emulator.take() {
            self.runtime.block_on(emulator.shutdown());
        }
    }
}

fn apim_client(settings: &EmulatorSettings) -> ApiManagementClient {
    let credential = Arc::new(settings.credential(None).unwrap());
    ApiManagementClient::new(settings.endpoint(), credential, None).unwrap()
}

/// An unsigned JWT expiring `seconds` from now (the credential reads `exp`).
fn jwt(seconds: i64) -> Secret {
    let exp = chrono::Utc::now().timestamp() + seconds;
    let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"exp":{exp}}}"#));
    Secret::new(format!("eyJhbGciOiJub25lIn0.{payload}.c2ln"))
}

#[test]
fn the_quickstart_flow_blocks_until_each_step_is_done() {
    let background = Background::start();
    let settings = background.settings();
    let client =
        CommunicationIdentityClient::from_connection_string(&settings.connection_string(), None)
            .unwrap();
    let user = client.create_user().unwrap();
    let token = client
        .get_token(&user, &[Scope::VoIp], Some(Duration::from_secs(3600)))
        .unwrap();
    assert!(token.expires_on > chrono::Utc::now() + chrono::Duration::minutes(55));
    client.revoke_tokens(&user).unwrap();
    client.delete_user(&user).unwrap();
    assert_eq!(background.emulator().stats().users, 0);

    let (other, _) = client.create_user_and_token(&[Scope::Chat], None).unwrap();
    let err = client
        .get_token(&other, &[Scope::Chat], Some(Duration::from_secs(59 * 60)))
        .unwrap_err();
    assert!(err.is_validation(), "{err}");

    // Clones share the client's runtime, from several threads at once.
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.create_user().unwrap())
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(background.emulator().stats().users, 5);
}

#[test]
fn the_teams_phone_extension_and_custom_ids_where_the_spec_has_them() {
    use azure_user_tokens::adapters::acs_identity::{
        BOUND_OPERATIONS, CREATE_IDENTITY_CUSTOM_ID, EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN,
    };
    use azure_user_tokens::emulator::EntraTokenClaims;
    use azure_user_tokens::identity::{TeamsExtensionAssignment, TeamsExtensionPrincipalType};
    const APP: &str = "2c3e1e83-8fd7-4615-ad2b-b8c1229845ac";
    const TEAMS_USER: &str = "b27b64b9-39d2-44a3-869d-67700b74e805";
    let background = Background::start();
    let settings = background.settings();
    let client =
        CommunicationIdentityClient::from_connection_string(&settings.connection_string(), None)
            .unwrap();
    if BOUND_OPERATIONS.contains(&CREATE_IDENTITY_CUSTOM_ID) {
        let alice = client.create_user_with_custom_id("alice").unwrap();
        assert_eq!(client.create_user_with_custom_id("alice").unwrap(), alice);
        assert_eq!(
            client.get_user(&alice).unwrap().custom_id.as_deref(),
            Some("alice")
        );
    } else {
        assert!(
            client
                .create_user_with_custom_id("alice")
                .unwrap_err()
                .is_unsupported()
        );
    }
    let teams_token = background
        .emulator()
        .mint_entra_token(&EntraTokenClaims::new(
            "https://communication.azure.com",
            APP,
            TEAMS_USER,
            chrono::Duration::hours(1),
        ));
    if !BOUND_OPERATIONS.contains(&EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN) {
        let err = client
            .exchange_teams_extension_token(&teams_token)
            .unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        return;
    }
    let assignment = TeamsExtensionAssignment::new(
        settings.tenant_id(),
        TEAMS_USER,
        TeamsExtensionPrincipalType::User,
    )
    .with_client_ids([APP]);
    let stored = client
        .upsert_teams_extension_assignment(&assignment)
        .unwrap();
    assert_eq!(stored, assignment);
    assert_eq!(
        client
            .get_teams_extension_assignment(settings.tenant_id(), TEAMS_USER)
            .unwrap(),
        assignment
    );
    let (user, token) = client.exchange_teams_extension_token(&teams_token).unwrap();
    assert!(user.raw_id().ends_with(TEAMS_USER), "{user}");
    assert!(token.expires_on > chrono::Utc::now());
    client
        .delete_teams_extension_assignment(settings.tenant_id(), TEAMS_USER)
        .unwrap();
    let err = client
        .exchange_teams_extension_token(&teams_token)
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
}

#[test]
fn apim_tokens_and_the_user_iterator() {
    let background = Background::start();
    let settings = background.settings();
    let client = apim_client(&settings);
    let service = settings.apim_service().unwrap();
    let user = service.user("userId1718").unwrap();
    let token = client
        .get_shared_access_token(&user, KeyType::Primary, Duration::from_secs(8 * 3600))
        .unwrap();
    assert!(token.verify(settings.apim_primary_key()));
    let parsed = SharedAccessToken::parse(&token.to_header()).unwrap();
    assert_eq!(parsed, token);

    let ids: Vec<String> = client
        .list_users(
            &service,
            Some(ListUsersOptions::default().with_page_size(1)),
        )
        .map(|user| user.unwrap().user_id)
        .collect();
    assert_eq!(ids, ["1", "userId1718"]);
    let all = client.list_users(&service, None).collect_all().unwrap();
    assert_eq!(all.len(), 2);

    // A failure is the iterator's last item.
    let mut zero = client.list_users(
        &service,
        Some(ListUsersOptions::default().with_page_size(0)),
    );
    assert_eq!(zero.next().unwrap().unwrap_err().field(), Some("page_size"));
    assert!(zero.next().is_none());
}

#[test]
fn the_refreshing_credential_calls_a_blocking_refresher() {
    let background = Background::start();
    let settings = background.settings();
    let identity =
        CommunicationIdentityClient::from_connection_string(&settings.connection_string(), None)
            .unwrap();
    let user = identity.create_user().unwrap();
    let credential = CommunicationTokenCredential::from_refresher(
        move || Ok(identity.get_token(&user, &[Scope::VoIp], None)?.token),
        None,
    )
    .unwrap();
    let first = credential.get_token().unwrap();
    let again = credential.get_token().unwrap();
    assert_eq!(first, again, "fresh for hours: not refreshed");

    let fixed = CommunicationTokenCredential::from_token(first.token.clone()).unwrap();
    assert_eq!(fixed.get_token().unwrap(), first);
    assert!(!format!("{fixed:?}").contains(first.token.expose()));
}

#[test]
fn proactive_refresh_runs_in_the_background() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let credential = CommunicationTokenCredential::from_refresher(
        move || {
            counted.fetch_add(1, Ordering::SeqCst);
            // Inside the ten-minute margin: renewed at half its lifetime.
            Ok(jwt(2))
        },
        Some(CommunicationTokenRefreshOptions::default().with_proactive_refresh(true)),
    )
    .unwrap();
    credential.get_token().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while calls.load(Ordering::SeqCst) < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        calls.load(Ordering::SeqCst) >= 3,
        "renewed without being asked"
    );
    credential.close();
    assert!(credential.get_token().is_err(), "closed");
}

#[test]
fn a_refreshers_errors_and_panics_are_errors() {
    let failing = CommunicationTokenCredential::from_refresher(
        || Err(Error::credential("backend down")),
        None,
    )
    .unwrap();
    let err = failing.get_token().unwrap_err();
    assert!(
        err.is_unauthorized() && err.message().contains("backend down"),
        "{err}"
    );

    let panicking =
        CommunicationTokenCredential::from_refresher(|| panic!("refresher bug"), None).unwrap();
    let err = panicking.get_token().unwrap_err();
    assert!(err.message().contains("panicked"), "{err}");
}

/// Inside a runtime, every blocking call is refused before anything is
/// sent: on the current-thread runtime (where blocking would deadlock) and
/// on the multi-threaded one.
async fn refused_inside_a_runtime(connection_string: Secret, settings: EmulatorSettings) {
    let identity = CommunicationIdentityClient::from_connection_string(&connection_string, None)
        .expect("building is fine anywhere");
    let err = identity.create_user().unwrap_err();
    assert!(err.is_usage(), "{err}");
    assert!(
        err.message()
            .contains("CommunicationIdentityClient::create_user"),
        "{err}"
    );

    let apim = apim_client(&settings);
    let user = settings.apim_service().unwrap().user("1").unwrap();
    assert!(apim.get_user(&user).unwrap_err().is_usage());
    let mut users = apim.list_users(user.service(), None);
    assert!(users.next().unwrap().unwrap_err().is_usage());
    assert!(users.next().is_none());

    let credential = CommunicationTokenCredential::from_refresher(|| Ok(jwt(3600)), None).unwrap();
    assert!(credential.get_token().unwrap_err().is_usage());
    // Dropping them here, inside the runtime, must not panic.
    drop((identity, apim, credential));
}

#[test]
fn inside_a_runtime_calls_fail_with_a_usage_error_and_send_nothing() {
    let background = Background::start();
    let settings = background.settings();
    let before = background.requests();
    for runtime in [
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    ] {
        runtime.block_on(refused_inside_a_runtime(
            settings.connection_string(),
            settings.clone(),
        ));
    }
    assert_eq!(background.requests(), before, "nothing was sent");
}
