//! # azure-user-tokens
//!
//! Azure *user access tokens* from Rust: [Communication Services](identity)
//! users and their access tokens, [API Management](apim) user shared access
//! tokens (from the service, or minted and verified offline), and a local
//! [emulator] of both — async, or [blocking].
//!
//! ## Getting started
//!
//! Create a user, issue it a `voip` token, revoke it, delete the user; then
//! an API Management user token:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> azure_user_tokens::Result<()> {
//! # let emulator = azure_user_tokens::emulator::Emulator::start(Default::default()).await.unwrap();
//! # let settings = emulator.settings();
//! # let connection_string = settings.connection_string();
//! # let management_endpoint = settings.endpoint();
//! # let credential = std::sync::Arc::new(settings.credential(None)?);
//! # let subscription_id = azure_user_tokens::emulator::defaults::SUBSCRIPTION_ID;
//! use std::time::Duration;
//! use azure_user_tokens::apim::{ApiManagementClient, ApimUserRef, KeyType};
//! use azure_user_tokens::identity::{CommunicationIdentityClient, Scope};
//!
//! let identity = CommunicationIdentityClient::from_connection_string(&connection_string, None)?;
//! let user = identity.create_user().await?;
//! let token = identity.get_token(&user, &[Scope::VoIp], None).await?;
//! println!("{user}: a voip token until {}", token.expires_on);
//! identity.revoke_tokens(&user).await?;
//! identity.delete_user(&user).await?;
//!
//! let apim = ApiManagementClient::new(management_endpoint, credential, None)?;
//! let apim_user = ApimUserRef::new(subscription_id, "rg1", "apimService1", "userId1718")?;
//! let eight_hours = Duration::from_secs(8 * 60 * 60);
//! let sas = apim.get_shared_access_token(&apim_user, KeyType::Primary, eight_hours).await?;
//! println!("Authorization: {}", sas.to_header());
//! # Ok(()) }
//! ```
//!
//! Against Azure, the inputs come from your resources:
//!
//! ```no_run
//! # fn main() -> azure_user_tokens::Result<()> {
//! use std::sync::Arc;
//! use azure_user_tokens::Secret;
//! use azure_user_tokens::apim::DEFAULT_MANAGEMENT_ENDPOINT;
//! use azure_user_tokens::credential::DefaultAzureCredential;
//!
//! // The Communication Services resource's connection string (portal: Keys).
//! let connection_string = Secret::new(std::env::var("COMMUNICATION_SERVICES_CONNECTION_STRING").unwrap());
//! // Azure Resource Manager, with environment, managed identity or `az login` credentials.
//! let management_endpoint = DEFAULT_MANAGEMENT_ENDPOINT;
//! let credential = Arc::new(DefaultAzureCredential::new(None)?);
//! let subscription_id = std::env::var("AZURE_SUBSCRIPTION_ID").unwrap();
//! # let _ = (connection_string, management_endpoint, credential, subscription_id);
//! # Ok(()) }
//! ```
//!
//! and against an emulator (`azure-user-tokens emulator`, or
//! `emulator::Emulator::start` in-process, as in the
//! example's hidden lines), from its [`EmulatorSettings`](emulator::EmulatorSettings)
//! — no hand-copied keys or GUIDs:
//!
//! ```
//! # fn main() -> azure_user_tokens::Result<()> {
//! use std::sync::Arc;
//! use azure_user_tokens::emulator::{EmulatorSettings, defaults};
//!
//! let settings = EmulatorSettings::new("http://127.0.0.1:10000")?;
//! let connection_string = settings.connection_string();
//! let management_endpoint = settings.endpoint();
//! let credential = Arc::new(settings.credential(None)?);
//! let subscription_id = defaults::SUBSCRIPTION_ID;
//! # let _ = (connection_string, management_endpoint, credential, subscription_id);
//! # Ok(()) }
//! ```
//!
//! The same flow without an async runtime is in [`blocking`]; a token that
//! renews itself for other ACS clients is
//! [`CommunicationTokenCredential`](identity::CommunicationTokenCredential).
//! APIM tokens are minted and verified offline with the service key:
//!
//! ```
//! # fn main() -> azure_user_tokens::Result<()> {
//! use std::time::Duration;
//! use azure_user_tokens::Secret;
//! use azure_user_tokens::apim::SharedAccessToken;
//! # let service_key = Secret::new(azure_user_tokens::emulator::defaults::APIM_PRIMARY_KEY);
//!
//! let token = SharedAccessToken::mint("userId1718", &service_key, Duration::from_secs(3600))?;
//! let presented = SharedAccessToken::parse(&token.to_header())?;
//! assert!(presented.verify(&service_key) && !presented.is_expired_at(chrono::Utc::now()));
//! # Ok(()) }
//! ```
//!
//! ## Where things are
//!
//! | module | for |
//! |---|---|
//! | [`identity`] | [`CommunicationIdentityClient`](identity::CommunicationIdentityClient) (users, tokens, Teams exchanges), [`Scope`](identity::Scope), [`CommunicationUserIdentifier`](identity::CommunicationUserIdentifier), [`CommunicationTokenCredential`](identity::CommunicationTokenCredential) |
//! | [`apim`] | [`ApiManagementClient`](apim::ApiManagementClient) (user tokens, users), [`ApimUserRef`](apim::ApimUserRef), [`SharedAccessToken`](apim::SharedAccessToken) (mint, parse, verify offline), [`TokenExpiry`](apim::TokenExpiry) |
//! | [`credential`] | Entra ID credentials: [`DefaultAzureCredential`](credential::DefaultAzureCredential), [`ClientSecretCredential`](credential::ClientSecretCredential), managed identity, Azure CLI, … |
//! | [`blocking`] | the clients and the refreshing credential for code without an async runtime |
//! | [`emulator`] | [`EmulatorSettings`](emulator::EmulatorSettings) and [`defaults`](emulator::defaults) (always); the in-process `Emulator` (feature `emulator`) |
//! | the crate root | [`Error`] (one type, with predicates such as [`Error::is_not_found`]), [`Secret`], [`AccessToken`], [`ClientOptions`] / [`RetryOptions`] / [`PollingOptions`], [`Pager`] |
//! | [`http`] | the default HTTP client, for building your own |
//!
//! ## Conventions
//!
//! - Clients are built with `new(endpoint, credential, options)` or a named
//!   constructor (`from_connection_string`, `from_access_key`), the last
//!   argument always an `Option` of the client's own options type
//!   (`None` for the defaults), which holds the shared [`ClientOptions`] and
//!   the api-version. Credentials take their settings the same way.
//! - `with_*` methods only adjust options and value types; none builds a
//!   client.
//! - Lifetimes are [`std::time::Duration`]s, instants `chrono::DateTime<Utc>`;
//!   APIM accepts either ([`TokenExpiry`](apim::TokenExpiry)).
//! - Keys, secrets and tokens are [`Secret`]s, never printed by `Debug`.
//! - Every failure is an [`Error`]; input that can be checked locally is
//!   refused (`is_validation`) before anything is sent.
//!
//! ## Features
//!
//! | feature | default | adds |
//! |---|---|---|
//! | `cli` | yes | the `azure-user-tokens` command and its spec tooling |
//! | `emulator` | yes | the in-process emulator (`emulator::Emulator`) |
//! | `azure-core` | no | `credential::AzureCoreCredential`, to use `azure_identity`'s credentials |
//!
//! As a library, `default-features = false` (add `emulator` for tests
//! against the in-process emulator).

#![warn(missing_docs)]

mod access_token;
// Internals: `pub` only because the project's own tests, benches and fuzz
// targets drive them directly (wire tests call the generated clients through
// the adapters, emulator tests sign raw requests, the secret-leak suite runs
// the pipeline's policies). Hidden from the docs; not part of the API.
#[doc(hidden)]
pub mod adapters;
pub mod apim;
#[doc(hidden)]
pub mod auth;
pub mod blocking;
#[cfg(feature = "broker")]
pub mod broker;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod codegen;
/// Without the CLI, only the binding table the adapters need.
#[cfg(not(feature = "cli"))]
#[allow(dead_code)]
mod codegen {
    pub mod bindings;
}
pub mod credential;
// Always compiled for its well-known settings; the server needs the `emulator` feature.
pub mod emulator;
mod error;
#[doc(hidden)]
pub mod generated;
pub mod http;
pub mod identity;
#[doc(hidden)]
pub mod jwt;
// Checked lifetime arithmetic shared with the CLI; pub for the fuzz targets.
#[doc(hidden)]
pub mod lifetime;
mod pager;
#[doc(hidden)]
pub mod pipeline;
mod secret;

pub use access_token::AccessToken;
pub use error::{Error, ErrorKind, Result};
pub use pager::Pager;
pub use pipeline::{ClientOptions, OperationFailed, PollingOptions, RetryOptions};
pub use secret::Secret;

/// The README's Rust examples run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
