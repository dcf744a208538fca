//! `CommunicationIdentityClientOptions`: what a `CommunicationIdentityClient`
//! can be configured with.

use crate::ClientOptions;
use crate::adapters::acs_identity as adapter;

/// Options for a [`CommunicationIdentityClient`](super::CommunicationIdentityClient):
/// the shared transport options and the api-version to send.
///
/// ```
/// use azure_user_tokens::ClientOptions;
/// use azure_user_tokens::identity::CommunicationIdentityClientOptions;
/// use std::time::Duration;
///
/// let options = CommunicationIdentityClientOptions::default()
///     .with_client_options(ClientOptions::default().with_total_timeout(Duration::from_secs(30)))
///     .with_api_version("2023-10-01");
/// assert_eq!(options.api_version(), "2023-10-01");
/// // Without an override: the api-version of the spec this crate was built from.
/// assert!(!CommunicationIdentityClientOptions::default().api_version().is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct CommunicationIdentityClientOptions {
    client_options: ClientOptions,
    api_version: Option<String>,
}

impl CommunicationIdentityClientOptions {
    /// Retries, timeouts, the HTTP client (default [`ClientOptions::default`]).
    pub fn with_client_options(mut self, client_options: ClientOptions) -> Self {
        self.client_options = client_options;
        self
    }

    /// Sends this api-version instead of the one the build's spec describes
    /// (the `api-version` query parameter and header of every request).
    pub fn with_api_version(mut self, api_version: impl Into<String>) -> Self {
        self.api_version = Some(api_version.into());
        self
    }

    /// The transport options.
    pub fn client_options(&self) -> &ClientOptions {
        &self.client_options
    }

    /// The api-version sent: the override, else the build's spec's.
    pub fn api_version(&self) -> &str {
        match &self.api_version {
            Some(api_version) => api_version,
            None => adapter::default_api_version(),
        }
    }

    /// The override, if one was given.
    pub(crate) fn api_version_override(&self) -> Option<&str> {
        self.api_version.as_deref()
    }
}
