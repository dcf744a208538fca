//! Blocking clients, for code without an async runtime (like the Python
//! SDK's synchronous clients).
//!
//! Each has the constructors, method names and arguments of its async
//! counterpart, and runs them on a small runtime of its own:
//!
//! | blocking | async |
//! |---|---|
//! | [`CommunicationIdentityClient`] | [`identity::CommunicationIdentityClient`](crate::identity::CommunicationIdentityClient) |
//! | [`ApiManagementClient`] (its [`list_users`](ApiManagementClient::list_users) an [`Iterator`]) | [`apim::ApiManagementClient`](crate::apim::ApiManagementClient) |
//! | [`CommunicationTokenCredential`] (a plain-function refresher) | [`identity::CommunicationTokenCredential`](crate::identity::CommunicationTokenCredential) |
//!
//! Everything else is shared: options, identifiers, scopes, [`SharedAccessToken`](crate::apim::SharedAccessToken)
//! (offline, never async), and the Entra [`credential`](crate::credential)s,
//! which are built without blocking and work with both kinds of client.
//!
//! Called inside a tokio runtime, a blocking method fails at once with
//! [`Error::is_usage`](crate::Error::is_usage) and sends nothing — blocking
//! there would stall the runtime (or deadlock it). Use the async clients in
//! async code, or call the blocking ones from a thread outside the runtime.
//!
//! ```
//! use azure_user_tokens::blocking::CommunicationIdentityClient;
//! # fn main() -> azure_user_tokens::Result<()> {
//! # let emulator_runtime = tokio::runtime::Runtime::new().unwrap();
//! # let emulator = emulator_runtime
//! #     .block_on(azure_user_tokens::emulator::Emulator::start(Default::default()))
//! #     .unwrap();
//! # let connection_string = emulator.connection_string();
//! let client = CommunicationIdentityClient::from_connection_string(&connection_string, None)?;
//! let user = client.create_user()?;
//! client.delete_user(&user)?;
//! # Ok(()) }
//! ```

mod apim;
mod identity;
mod runtime;
mod token_credential;

pub use apim::{ApiManagementClient, Pager};
pub use identity::CommunicationIdentityClient;
pub use token_credential::CommunicationTokenCredential;
