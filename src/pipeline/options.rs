//! Options every client takes, in `with_*` style.

use std::fmt;
use std::time::Duration;

use super::limits::DEFAULT_MAX_RESPONSE_BYTES;
use super::{Authentication, AzurePolicy, Pipeline, PollingOptions, RetryOptions};
use crate::error::Result;

/// What a facade client is built from: the HTTP client and the pipeline that
/// wraps the generated client.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) pipeline: Pipeline,
}

/// Transport options shared by every client and network credential: retries,
/// timeouts, the HTTP client, limits. Each client's own options
/// (`CommunicationIdentityClientOptions`, `ApiManagementClientOptions`, the
/// credentials' options) hold one, beside what is particular to that client
/// (its api-version, an authority host).
///
/// ```
/// use azure_user_tokens::{ClientOptions, RetryOptions};
/// use std::time::Duration;
/// let options = ClientOptions::default()
///     .with_retry(RetryOptions::default().with_max_retries(5))
///     .with_attempt_timeout(Duration::from_secs(10))
///     .with_total_timeout(Duration::from_secs(60))
///     .with_user_agent_suffix("my-service/1.0");
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    pub(crate) retry: RetryOptions,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) user_agent_suffix: Option<String>,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) max_response_bytes: usize,
    pub(crate) polling: PollingOptions,
}

/// The default per-attempt timeout (as .NET's Azure SDK): a server that
/// stalls, even mid-body, never holds a call forever.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(100);

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            retry: RetryOptions::default(),
            attempt_timeout: Some(DEFAULT_ATTEMPT_TIMEOUT),
            total_timeout: None,
            user_agent_suffix: None,
            http_client: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            polling: PollingOptions::default(),
        }
    }
}

impl ClientOptions {
    /// Retry policy (default: 3 retries, exponential backoff from 800 ms).
    pub fn with_retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    /// Longest time one attempt may take, reading the answer's body included
    /// (default 100 s, as .NET's Azure SDK).
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Longest time a whole call may take, retries included.
    pub fn with_total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// Appended to the `User-Agent` header.
    pub fn with_user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends through this client (proxies, certificates, connection pools),
    /// used as is. Without one, a client sends through its own pooled
    /// hyper-util connections with the settings of
    /// [`default_client`](crate::http::default_client) (rustls, the
    /// platform's roots, proxies from the environment), which cost less per
    /// call than reqwest's. TLS is rustls with the ring provider: call
    /// [`install_crypto_provider`](crate::http::install_crypto_provider)
    /// before building it (or start from [`default_client`](crate::http::default_client)'s settings).
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The largest answer a call reads, in bytes (default 4 MiB); a larger
    /// one fails as an invalid response instead of filling memory.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// How long-running operations (an APIM user delete answered 202) are
    /// waited for (default [`PollingOptions::default`]).
    pub fn with_polling(mut self, polling: PollingOptions) -> Self {
        self.polling = polling;
        self
    }

    /// How long-running operations are waited for.
    pub fn polling(&self) -> &PollingOptions {
        &self.polling
    }

    /// The retry policy.
    pub fn retry(&self) -> &RetryOptions {
        &self.retry
    }

    /// The transport these options describe for a client authenticating
    /// with `auth`, sending `api_version_override` (when given) on every
    /// request, `nextLink` pages and status checks included.
    pub(crate) fn transport(
        &self,
        auth: Authentication,
        api_version_override: Option<&str>,
    ) -> Result<Transport> {
        // A caller's own client is used as is; ours gets the direct transport.
        let (http, direct) = match &self.http_client {
            Some(http) => (http.clone(), None),
            None => {
                let (http, direct) = super::DirectTransport::with_reqwest()?;
                (http, Some(direct))
            }
        };
        Ok(Transport {
            http,
            pipeline: AzurePolicy::pipeline_with(auth, self, api_version_override, direct),
        })
    }

    /// The caller-supplied HTTP client, if any.
    pub fn http_client(&self) -> Option<&reqwest::Client> {
        self.http_client.as_ref()
    }
}

/// An api-version a caller asked for: it goes into a query parameter and a
/// header, so it must be non-empty printable ASCII without spaces.
pub(crate) fn check_api_version(api_version: &str) -> Result<()> {
    if api_version.is_empty() || !api_version.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(crate::Error::validation(
            "api_version",
            format!(
                "{api_version:?} is not an api-version (such as 2023-10-01 or 2025-03-02-preview)"
            ),
        ));
    }
    Ok(())
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("http_client", &self.http_client.as_ref().map(|_| ".."))
            .field("max_response_bytes", &self.max_response_bytes)
            .field("polling", &self.polling)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_a_stalled_attempt_ends_and_answers_are_capped() {
        let options = ClientOptions::default();
        assert_eq!(options.attempt_timeout, Some(DEFAULT_ATTEMPT_TIMEOUT));
        assert_eq!(options.max_response_bytes, 4 * 1024 * 1024);
        assert_eq!(options.with_max_response_bytes(10).max_response_bytes, 10);
    }

    #[test]
    fn api_versions_must_fit_a_query_and_a_header() {
        for bad in ["", " ", "2023-10-01 ", "a\nb", "é"] {
            assert_eq!(
                check_api_version(bad).unwrap_err().field(),
                Some("api_version"),
                "{bad:?}"
            );
        }
        assert!(check_api_version("2025-03-02-preview").is_ok());
    }
}
