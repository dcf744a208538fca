//! API Management user shared access tokens: the ARM client and the token
//! format, minted and verified offline.

mod client;
mod expiry;
mod key_type;
mod names;
mod options;
mod sas;
mod user;

#[cfg(feature = "cli")]
pub(crate) use client::check_expiry;
pub use client::{ApiManagementClient, DEFAULT_MANAGEMENT_ENDPOINT, MAX_TOKEN_LIFETIME};
pub use expiry::TokenExpiry;
pub use key_type::KeyType;
pub use names::{ApimService, ApimUserRef, MAX_RESOURCE_GROUP, MAX_SERVICE_NAME, MAX_USER_ID};
pub use options::{ApiManagementClientOptions, ListUsersOptions};
pub use sas::{SCHEME, SharedAccessToken};
pub use user::{ApimUser, NewApimUser};
