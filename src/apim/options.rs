//! `ApiManagementClientOptions`: what an `ApiManagementClient` can be
//! configured with.

use crate::ClientOptions;
use crate::adapters::apim_users as adapter;

/// Options for an [`ApiManagementClient`](super::ApiManagementClient): the
/// shared transport options (polling of long-running deletes included) and
/// the api-version to send.
///
/// ```
/// use azure_user_tokens::{ClientOptions, PollingOptions};
/// use azure_user_tokens::apim::ApiManagementClientOptions;
/// use std::time::Duration;
///
/// let options = ApiManagementClientOptions::default()
///     .with_client_options(
///         ClientOptions::default()
///             .with_polling(PollingOptions::default().with_timeout(Duration::from_secs(120))),
///     )
///     .with_api_version("2022-08-01");
/// assert_eq!(options.api_version(), "2022-08-01");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ApiManagementClientOptions {
    client_options: ClientOptions,
    api_version: Option<String>,
}

impl ApiManagementClientOptions {
    /// Retries, timeouts, polling, the HTTP client (default
    /// [`ClientOptions::default`]).
    pub fn with_client_options(mut self, client_options: ClientOptions) -> Self {
        self.client_options = client_options;
        self
    }

    /// Sends this api-version instead of the one the build's spec describes
    /// (the `api-version` query parameter and header of every request,
    /// `nextLink` pages and status checks included).
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

/// Options for [`ApiManagementClient::list_users`](super::ApiManagementClient::list_users).
///
/// ```
/// use azure_user_tokens::apim::ListUsersOptions;
/// let options = ListUsersOptions::default().with_page_size(100);
/// assert_eq!(options.page_size(), Some(100));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListUsersOptions {
    pub(crate) page_size: Option<u32>,
}

impl ListUsersOptions {
    /// Asks for pages of at most this many users (`$top`; at least 1). The
    /// pager still yields every user, one page after another.
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// The page size asked for, if any.
    pub fn page_size(&self) -> Option<u32> {
        self.page_size
    }
}
