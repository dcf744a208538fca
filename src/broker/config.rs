//! What a broker is told: who issues the app's tokens, where the mapping
//! lives, and its limits. Every setting has a default but the issuer and
//! audience.

use std::net::SocketAddr;
use std::time::Duration;

use super::acs::IdentityCreation;
use super::apim::ApimSettings;
use super::store::DatabaseUrl;
use crate::identity::Scope;

/// Where the broker listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Token requests per app user per minute.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 60;
/// A cached token is served while it has at least this long left.
pub const DEFAULT_CACHE_MIN_REMAINING: Duration = Duration::from_secs(10 * 60);
/// The largest request body read.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;
/// How long a broker owns a pending row while it creates the identity.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// Leeway on `exp` and `nbf`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// How long a user's mapping row read from the database is reused (the
/// bound on how late a revoke made through another broker process takes
/// effect here).
pub const DEFAULT_ROW_CACHE_TTL: Duration = Duration::from_secs(1);
/// The longest row-cache time to live accepted.
pub const MAX_ROW_CACHE_TTL: Duration = Duration::from_secs(60);
/// Unknown `kid`s refetch the JWKS at most this often.
pub const DEFAULT_JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(30);

/// Where a test can make the broker stop as if its process died there: the
/// request fails (500) and the database is left as it was at that point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// ACS created the identity; the pending row is not completed yet.
    AfterIdentityCreated,
    /// ACS deleted the identity; the row still says `deleting`.
    AfterIdentityDeleted,
}

/// A broker's settings.
///
/// ```
/// use azure_user_tokens::broker::BrokerConfig;
/// let config = BrokerConfig::new("https://login.example.com/tenant/v2.0", "api://my-app")
///     .with_rate_limit_per_minute(30)
///     .with_cors_origins(vec!["https://app.example.com".into()]);
/// assert_eq!(config.rate_limit_per_minute(), 30);
/// ```
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    pub(crate) listen: SocketAddr,
    pub(crate) issuer: String,
    pub(crate) audience: String,
    pub(crate) database: DatabaseUrl,
    pub(crate) leeway: Duration,
    pub(crate) jwks_refetch_interval: Duration,
    pub(crate) token_cache: bool,
    pub(crate) cache_min_remaining: Duration,
    pub(crate) cache_max_entries: usize,
    pub(crate) row_cache_ttl: Duration,
    pub(crate) rate_limit_per_minute: u32,
    pub(crate) admin_role: Option<String>,
    pub(crate) roles_claim: String,
    pub(crate) allowed_scopes: Vec<Scope>,
    pub(crate) cors_origins: Vec<String>,
    pub(crate) max_body_bytes: usize,
    pub(crate) lease: Duration,
    pub(crate) identity_creation: IdentityCreation,
    pub(crate) apim: Option<ApimSettings>,
    pub(crate) fault: Option<FaultPoint>,
}

impl BrokerConfig {
    /// A broker for tokens of `issuer` whose `aud` is `audience`, with the
    /// defaults: SQLite under the user's data directory, listening on
    /// 127.0.0.1:8080, cache on (10 minutes minimum remaining), 60 token
    /// requests per user per minute, the five known scopes, no CORS, no admin
    /// role, no APIM.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        BrokerConfig {
            listen: DEFAULT_LISTEN
                .parse()
                .expect("the default listen address parses"),
            issuer: issuer.into(),
            audience: audience.into(),
            database: DatabaseUrl::default_sqlite(),
            leeway: DEFAULT_LEEWAY,
            jwks_refetch_interval: DEFAULT_JWKS_REFETCH_INTERVAL,
            token_cache: true,
            cache_min_remaining: DEFAULT_CACHE_MIN_REMAINING,
            cache_max_entries: 1_000_000,
            row_cache_ttl: DEFAULT_ROW_CACHE_TTL,
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            admin_role: None,
            roles_claim: "roles".to_string(),
            allowed_scopes: vec![
                Scope::Chat,
                Scope::VoIp,
                Scope::ChatJoin,
                Scope::ChatJoinLimited,
                Scope::VoIpJoin,
            ],
            cors_origins: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            lease: DEFAULT_LEASE,
            identity_creation: IdentityCreation::Auto,
            apim: None,
            fault: None,
        }
    }

    /// The address to listen on (port 0 picks a free port).
    pub fn with_listen(mut self, listen: SocketAddr) -> Self {
        self.listen = listen;
        self
    }

    /// The database (`sqlite:///path` or `postgres://…`).
    pub fn with_database(mut self, database: DatabaseUrl) -> Self {
        self.database = database;
        self
    }

    /// Leeway on `exp`/`nbf` (at most 5 minutes).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// How often an unknown `kid` may refetch the JWKS (default 30 s).
    pub fn with_jwks_refetch_interval(mut self, interval: Duration) -> Self {
        self.jwks_refetch_interval = interval;
        self
    }

    /// Turns the token cache on or off (off: every request is an ACS call).
    pub fn with_token_cache(mut self, enabled: bool) -> Self {
        self.token_cache = enabled;
        self
    }

    /// Cached tokens are served while they have at least this long left.
    pub fn with_cache_min_remaining(mut self, min_remaining: Duration) -> Self {
        self.cache_min_remaining = min_remaining;
        self
    }

    /// How long a user's mapping row (identity and token revision) read
    /// from the database is reused, at most [`MAX_ROW_CACHE_TTL`] (default
    /// [`DEFAULT_ROW_CACHE_TTL`]; zero reads it on every request). A revoke
    /// or delete through this broker takes effect here at once; one through
    /// another broker on the same database takes effect here within this
    /// long.
    pub fn with_row_cache_ttl(mut self, ttl: Duration) -> Self {
        self.row_cache_ttl = ttl;
        self
    }

    /// Token requests per app user per minute (0: no limit).
    pub fn with_rate_limit_per_minute(mut self, limit: u32) -> Self {
        self.rate_limit_per_minute = limit;
        self
    }

    /// Callers whose token carries `role` in the roles claim may use
    /// `/v1/admin/…`.
    pub fn with_admin_role(mut self, role: impl Into<String>) -> Self {
        self.admin_role = Some(role.into());
        self
    }

    /// The claim holding roles (default `roles`; an array of strings or a
    /// space-separated string).
    pub fn with_roles_claim(mut self, claim: impl Into<String>) -> Self {
        self.roles_claim = claim.into();
        self
    }

    /// The scopes callers may ask for.
    pub fn with_allowed_scopes(mut self, scopes: Vec<Scope>) -> Self {
        self.allowed_scopes = scopes;
        self
    }

    /// Origins allowed to call from a browser (`*` for any).
    pub fn with_cors_origins(mut self, origins: Vec<String>) -> Self {
        self.cors_origins = origins;
        self
    }

    /// The largest request body read.
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// How long a broker owns a pending row while creating the identity;
    /// longer than an ACS call with its retries may take.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How identities are created (default: with `customId` where supported).
    pub fn with_identity_creation(mut self, creation: IdentityCreation) -> Self {
        self.identity_creation = creation;
        self
    }

    /// Serve `/v1/apim-token` for this APIM service.
    pub fn with_apim(mut self, apim: ApimSettings) -> Self {
        self.apim = Some(apim);
        self
    }

    /// Tests: stop at `point` as if the process died there (not API).
    #[doc(hidden)]
    pub fn with_fault(mut self, point: FaultPoint) -> Self {
        self.fault = Some(point);
        self
    }

    /// The listen address.
    pub fn listen(&self) -> SocketAddr {
        self.listen
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The database.
    pub fn database(&self) -> &DatabaseUrl {
        &self.database
    }

    /// How long a mapping row read from the database is reused.
    pub fn row_cache_ttl(&self) -> Duration {
        self.row_cache_ttl
    }

    /// The rate limit.
    pub fn rate_limit_per_minute(&self) -> u32 {
        self.rate_limit_per_minute
    }

    /// The APIM settings, if `/v1/apim-token` is served.
    pub fn apim(&self) -> Option<&ApimSettings> {
        self.apim.as_ref()
    }

    /// Checks what can be checked before starting.
    pub(crate) fn validate(&self) -> crate::Result<()> {
        if self.allowed_scopes.is_empty() {
            return Err(crate::Error::validation(
                "allowed_scopes",
                "at least one scope must be allowed",
            ));
        }
        if self.lease < Duration::from_secs(1) {
            return Err(crate::Error::validation("lease", "must be at least 1 s"));
        }
        if self.row_cache_ttl > MAX_ROW_CACHE_TTL {
            return Err(crate::Error::validation(
                "row_cache_ttl",
                format!(
                    "at most {} s: it bounds how late another broker's revoke takes effect",
                    MAX_ROW_CACHE_TTL.as_secs()
                ),
            ));
        }
        if self.max_body_bytes < 64 {
            return Err(crate::Error::validation(
                "max_body_bytes",
                "must be at least 64 bytes",
            ));
        }
        if self.cors_origins.iter().any(|o| o != "*") && self.cors_origins.iter().any(|o| o == "*")
        {
            return Err(crate::Error::validation(
                "cors_origins",
                "* allows every origin: give it alone",
            ));
        }
        for origin in self.cors_origins.iter().filter(|o| *o != "*") {
            let url = url::Url::parse(origin).map_err(|_| {
                crate::Error::validation("cors_origins", format!("{origin:?} is not an origin"))
            })?;
            if url.origin().ascii_serialization() != origin.trim_end_matches('/') {
                return Err(crate::Error::validation(
                    "cors_origins",
                    format!("{origin:?} is not an origin (scheme://host[:port], no path)"),
                ));
            }
        }
        Ok(())
    }
}
