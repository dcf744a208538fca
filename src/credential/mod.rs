//! Entra ID credentials behind one small trait.
//!
//! | credential | gets tokens from |
//! |---|---|
//! | [`StaticTokenCredential`] | a token you already have |
//! | [`ClientSecretCredential`] | `{authority}/{tenant}/oauth2/v2.0/token` (client credentials) |
//! | [`ManagedIdentityCredential`] | the managed-identity endpoint (IMDS) |
//! | [`AzureCliCredential`] | `az account get-access-token` |
//! | [`EnvironmentCredential`] | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` |
//! | [`DefaultAzureCredential`] | the first of environment, managed identity, Azure CLI that is available |
//! | `AzureCoreCredential` (feature `azure-core`) | any `azure_core::credentials::TokenCredential` |
//!
//! Every network credential caches its tokens per scope and refreshes them
//! about five minutes before they expire, one refresh at a time however many
//! callers wait.

mod azure_cli;
#[cfg(feature = "azure-core")]
mod azure_core_adapter;
mod cache;
mod client_secret;
mod default_chain;
mod environment;
mod managed_identity;
mod static_token;

use std::fmt::Debug;
use std::sync::Arc;

pub use azure_cli::{AzureCliCredential, AzureCliCredentialOptions};
#[cfg(feature = "azure-core")]
pub use azure_core_adapter::AzureCoreCredential;
pub use cache::{REFRESH_MARGIN, TokenCache};
pub use client_secret::{ClientSecretCredential, ClientSecretCredentialOptions};
pub use default_chain::{DefaultAzureCredential, DefaultAzureCredentialOptions};
pub use environment::EnvironmentCredential;
pub use managed_identity::{ManagedIdentityCredential, ManagedIdentityCredentialOptions};
pub use static_token::StaticTokenCredential;

use crate::AccessToken;
use crate::error::Result;
/// The future [`TokenCredential::get_token`] returns (boxed, so the trait
/// stays object-safe).
pub use crate::pipeline::BoxFuture;

/// Scope for Azure Resource Manager (API Management).
pub const MANAGEMENT_SCOPE: &str = "https://management.azure.com/.default";
/// Scope for Azure Communication Services (the double slash is Azure's).
pub const COMMUNICATION_SCOPE: &str = "https://communication.azure.com//.default";
/// The default Entra authority.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// Something that can produce an Entra ID access token for a scope.
///
/// Object-safe, so clients hold an `Arc<dyn TokenCredential>`.
pub trait TokenCredential: Send + Sync + Debug {
    /// A token for `scope` (e.g. [`MANAGEMENT_SCOPE`]) valid for a while yet.
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>>;
}

impl<T: TokenCredential + ?Sized> TokenCredential for Arc<T> {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        (**self).get_token(scope)
    }
}

/// `https://management.azure.com/.default` → `https://management.azure.com`:
/// the resource managed identity and the Azure CLI ask for.
pub(crate) fn scope_to_resource(scope: &str) -> &str {
    scope
        .strip_suffix("/.default")
        .unwrap_or(scope)
        .trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_map_to_resources() {
        assert_eq!(
            scope_to_resource(MANAGEMENT_SCOPE),
            "https://management.azure.com"
        );
        assert_eq!(
            scope_to_resource(COMMUNICATION_SCOPE),
            "https://communication.azure.com"
        );
    }
}
