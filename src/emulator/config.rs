//! What an emulator serves and accepts: keys, ids, listen address, state file,
//! TLS and faults. Every setting has a documented default in [`super::defaults`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::defaults;
use super::error::EmulatorError;
use crate::Secret;

/// The settings of an [`Emulator`](super::Emulator).
///
/// ```
/// use azure_user_tokens::emulator::EmulatorConfig;
/// let config = EmulatorConfig::default()
///     .with_listen("127.0.0.1:0".parse().unwrap())
///     .with_fault_rate(0.1)
///     .with_fault_seed(7);
/// assert_eq!(config.fault_rate(), 0.1);
/// ```
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    listen: SocketAddr,
    access_key: Secret,
    resource_id: String,
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    users: Vec<(String, Secret)>,
    apim_primary_key: Secret,
    apim_secondary_key: Secret,
    state_file: Option<PathBuf>,
    tls: bool,
    fault_rate: f64,
    fault_seed: Option<u64>,
    fault_retry_after_ms: u64,
    fault_after_processing: bool,
    latency: Duration,
    acs_throttle: Option<(u32, Duration)>,
    request_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
    async_deletes: bool,
    async_delete_polls: u32,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: defaults::LISTEN
                .parse()
                .expect("the default listen address parses"),
            access_key: Secret::new(defaults::ACS_ACCESS_KEY),
            resource_id: defaults::ACS_RESOURCE_ID.to_string(),
            tenant_id: defaults::TENANT_ID.to_string(),
            client_id: defaults::CLIENT_ID.to_string(),
            client_secret: Secret::new(defaults::CLIENT_SECRET),
            users: vec![(
                defaults::USER_NAME.to_string(),
                Secret::new(defaults::USER_PASSWORD),
            )],
            apim_primary_key: Secret::new(defaults::APIM_PRIMARY_KEY),
            apim_secondary_key: Secret::new(defaults::APIM_SECONDARY_KEY),
            state_file: None,
            tls: false,
            fault_rate: 0.0,
            fault_seed: None,
            fault_retry_after_ms: defaults::FAULT_RETRY_AFTER_MS,
            fault_after_processing: false,
            latency: Duration::ZERO,
            acs_throttle: None,
            request_timeout: defaults::REQUEST_TIMEOUT,
            idle_timeout: defaults::IDLE_TIMEOUT,
            max_connections: defaults::MAX_CONNECTIONS,
            async_deletes: false,
            async_delete_polls: Self::DEFAULT_ASYNC_DELETE_POLLS,
        }
    }
}

impl EmulatorConfig {
    /// The polls an asynchronous delete takes by default: the first status
    /// check says `InProgress`, the second `Succeeded`.
    pub const DEFAULT_ASYNC_DELETE_POLLS: u32 = 2;
    /// The most polls an asynchronous delete may be configured to take.
    pub const MAX_ASYNC_DELETE_POLLS: u32 = 100;

    /// The address to bind (port 0 picks a free port).
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// The ACS access key (base64) HMAC-signed requests must be signed with.
    pub fn with_access_key(mut self, access_key: impl Into<Secret>) -> Self {
        self.access_key = access_key.into();
        self
    }

    /// The ACS resource id embedded in user ids and tokens.
    pub fn with_resource_id(mut self, resource_id: impl Into<String>) -> Self {
        self.resource_id = resource_id.into();
        self
    }

    /// The Entra tenant id.
    pub fn with_tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = tenant_id.into();
        self
    }

    /// The client id the client-credentials grant accepts.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// The client secret the client-credentials grant accepts.
    pub fn with_client_secret(mut self, client_secret: impl Into<Secret>) -> Self {
        self.client_secret = client_secret.into();
        self
    }

    /// Adds a user the password grant accepts (the well-known
    /// [`defaults::USER_NAME`] is always there); names compare
    /// case-insensitively.
    pub fn with_user(mut self, name: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.users.push((name.into(), password.into()));
        self
    }

    /// The APIM service's primary key.
    pub fn with_apim_primary_key(mut self, key: impl Into<Secret>) -> Self {
        self.apim_primary_key = key.into();
        self
    }

    /// The APIM service's secondary key.
    pub fn with_apim_secondary_key(mut self, key: impl Into<Secret>) -> Self {
        self.apim_secondary_key = key.into();
        self
    }

    /// Load state from this file at start and save it there after every change.
    pub fn with_state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Serve HTTPS with a freshly generated CA and leaf certificate.
    pub fn with_tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// The fraction (0.0 to 1.0) of requests answered with a fault.
    pub fn with_fault_rate(mut self, rate: f64) -> Self {
        self.fault_rate = rate;
        self
    }

    /// The seed of the fault sequence; the same seed gives the same faults.
    pub fn with_fault_seed(mut self, seed: u64) -> Self {
        self.fault_seed = Some(seed);
        self
    }

    /// The delay faults ask for (`retry-after-ms`; `Retry-After` rounded up).
    pub fn with_fault_retry_after_ms(mut self, millis: u64) -> Self {
        self.fault_retry_after_ms = millis;
        self
    }

    /// Answer every ACS and APIM request this much later (Entra and the
    /// emulator's own routes are not delayed): Azure answers in tens of
    /// milliseconds, the emulator in microseconds. At most a minute.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Refuse ACS identity creations and token issues beyond `limit` per
    /// `window` (the emulator is one resource) with 429 and `Retry-After`
    /// until the window ends, as Azure does beyond
    /// [`defaults::ACS_THROTTLE_LIMIT`] per [`defaults::ACS_THROTTLE_WINDOW`].
    /// A refused call is not processed. `limit` 0 turns it off (the default).
    pub fn with_acs_throttle(mut self, limit: u32, window: Duration) -> Self {
        self.acs_throttle = (limit > 0).then_some((limit, window));
        self
    }

    /// Faults come *after* the request was processed: the change is made
    /// (and saved), then the connection is reset or answered 500, as when a
    /// service commits and the answer is lost. Clients must not repeat such
    /// a request unless running it twice is harmless.
    pub fn with_fault_after_processing(mut self, after: bool) -> Self {
        self.fault_after_processing = after;
        self
    }

    /// How long a client may take to send a request's head, and its body
    /// (each), and to send its first request after connecting.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long a kept-alive connection may sit idle between requests.
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The most connections open at once (fewer if the open-file limit is
    /// lower); more wait in the listen backlog.
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// Whether faults come after processing.
    pub fn fault_after_processing(&self) -> bool {
        self.fault_after_processing
    }

    /// The head, body and first-request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The keep-alive idle timeout.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    /// The configured connection cap.
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// Answer APIM user deletes as ARM long-running operations: 202 with
    /// `Location`, `Azure-AsyncOperation` and `Retry-After`, the user gone
    /// only when a status check reports `Succeeded`. Only api-versions whose
    /// spec makes `User_Delete` long-running (2023-05-01-preview and later)
    /// answer 202; the older ones keep answering at once.
    pub fn with_async_deletes(mut self, async_deletes: bool) -> Self {
        self.async_deletes = async_deletes;
        self
    }

    /// How many status checks an asynchronous delete takes to finish (1 to
    /// [`MAX_ASYNC_DELETE_POLLS`](Self::MAX_ASYNC_DELETE_POLLS); default
    /// [`DEFAULT_ASYNC_DELETE_POLLS`](Self::DEFAULT_ASYNC_DELETE_POLLS)).
    pub fn with_async_delete_polls(mut self, polls: u32) -> Self {
        self.async_delete_polls = polls;
        self
    }

    /// The address to bind.
    pub fn listen(&self) -> SocketAddr {
        self.listen
    }

    /// The ACS access key (base64).
    pub fn access_key(&self) -> &Secret {
        &self.access_key
    }

    /// The ACS resource id.
    pub fn resource_id(&self) -> &str {
        &self.resource_id
    }

    /// The Entra tenant id.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The accepted client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The accepted client secret.
    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }

    /// The users the password grant accepts, with their passwords.
    pub fn users(&self) -> &[(String, Secret)] {
        &self.users
    }

    /// The APIM primary key.
    pub fn apim_primary_key(&self) -> &Secret {
        &self.apim_primary_key
    }

    /// The APIM secondary key.
    pub fn apim_secondary_key(&self) -> &Secret {
        &self.apim_secondary_key
    }

    /// The state file, if any.
    pub fn state_file(&self) -> Option<&Path> {
        self.state_file.as_deref()
    }

    /// Whether HTTPS is served.
    pub fn tls(&self) -> bool {
        self.tls
    }

    /// The fault rate.
    pub fn fault_rate(&self) -> f64 {
        self.fault_rate
    }

    /// The fault seed, if fixed.
    pub fn fault_seed(&self) -> Option<u64> {
        self.fault_seed
    }

    /// The delay faults ask for, in milliseconds.
    pub fn fault_retry_after_ms(&self) -> u64 {
        self.fault_retry_after_ms
    }

    /// The latency added to every ACS and APIM answer.
    pub fn latency(&self) -> Duration {
        self.latency
    }

    /// The ACS creation/issue limit and its window, if modelled.
    pub fn acs_throttle(&self) -> Option<(u32, Duration)> {
        self.acs_throttle
    }

    /// Whether APIM user deletes answer asynchronously.
    pub fn async_deletes(&self) -> bool {
        self.async_deletes
    }

    /// How many status checks an asynchronous delete takes.
    pub fn async_delete_polls(&self) -> u32 {
        self.async_delete_polls
    }

    /// Whether the access key is the documented default (safe to print).
    pub fn uses_default_access_key(&self) -> bool {
        self.access_key.expose() == defaults::ACS_ACCESS_KEY
    }

    /// Checks the settings and returns the decoded access key.
    pub(crate) fn validate(&self) -> Result<Vec<u8>, EmulatorError> {
        let key = STANDARD
            .decode(self.access_key.expose().trim())
            .map_err(|_| EmulatorError::config("access key", "it is not valid base64"))?;
        if key.is_empty() {
            return Err(EmulatorError::config("access key", "it is empty"));
        }
        if self.request_timeout.is_zero() || self.idle_timeout.is_zero() {
            return Err(EmulatorError::config(
                "timeout",
                "request and idle timeouts must be positive",
            ));
        }
        if self.max_connections == 0 {
            return Err(EmulatorError::config(
                "max connections",
                "at least one connection must be allowed",
            ));
        }
        if !(0.0..=1.0).contains(&self.fault_rate) {
            return Err(EmulatorError::config(
                "fault rate",
                format!("{} is outside 0.0..=1.0", self.fault_rate),
            ));
        }
        if self.latency > Duration::from_secs(60) {
            return Err(EmulatorError::config("latency", "at most 60 s"));
        }
        if let Some((_, window)) = self.acs_throttle
            && (window.is_zero() || window > Duration::from_secs(3600))
        {
            return Err(EmulatorError::config(
                "ACS throttle window",
                "more than zero and at most an hour",
            ));
        }
        if !(1..=Self::MAX_ASYNC_DELETE_POLLS).contains(&self.async_delete_polls) {
            return Err(EmulatorError::config(
                "async delete polls",
                format!(
                    "{} is outside 1..={}",
                    self.async_delete_polls,
                    Self::MAX_ASYNC_DELETE_POLLS
                ),
            ));
        }
        for (name, value) in [
            ("resource id", self.resource_id.as_str()),
            ("tenant id", self.tenant_id.as_str()),
            ("client id", self.client_id.as_str()),
        ] {
            if value.trim().is_empty() || value.contains(['/', '?', '#', ' ']) {
                return Err(EmulatorError::config(
                    name,
                    "it must be non-empty without '/', '?', '#' or spaces",
                ));
            }
        }
        for (name, password) in &self.users {
            if name.trim().is_empty() || password.expose().is_empty() {
                return Err(EmulatorError::config(
                    "user",
                    "a user needs a name and a non-empty password",
                ));
            }
        }
        for (name, value) in [
            ("client secret", &self.client_secret),
            ("APIM primary key", &self.apim_primary_key),
            ("APIM secondary key", &self.apim_secondary_key),
        ] {
            if value.expose().is_empty() {
                return Err(EmulatorError::config(name, "it is empty"));
            }
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        let config = EmulatorConfig::default();
        assert!(config.validate().is_ok());
        assert!(config.uses_default_access_key());
    }

    #[test]
    fn bad_settings_are_rejected_without_echoing_secrets() {
        let err = EmulatorConfig::default()
            .with_access_key("not base64 s3cret!")
            .validate()
            .unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(
            EmulatorConfig::default()
                .with_fault_rate(1.5)
                .validate()
                .is_err()
        );
        assert!(
            EmulatorConfig::default()
                .with_tenant_id("a/b")
                .validate()
                .is_err()
        );
        assert!(
            EmulatorConfig::default()
                .with_client_secret("")
                .validate()
                .is_err()
        );
        for polls in [0, EmulatorConfig::MAX_ASYNC_DELETE_POLLS + 1] {
            assert!(
                EmulatorConfig::default()
                    .with_async_delete_polls(polls)
                    .validate()
                    .is_err()
            );
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let debug = format!("{:?}", EmulatorConfig::default());
        for secret in [
            defaults::ACS_ACCESS_KEY,
            defaults::CLIENT_SECRET,
            defaults::APIM_PRIMARY_KEY,
            defaults::APIM_SECONDARY_KEY,
        ] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
