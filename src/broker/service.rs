//! What each route does, apart from HTTP: tokens through the cache, the
//! lifecycle, APIM tokens and readiness.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;

use super::api::{ApimTokenRequest, ApimTokenResponse, TokenRequest, TokenResponse};
use super::apim::Apim;
use super::app_user::{AppUser, Caller};
use super::auth::Authenticator;
use super::config::BrokerConfig;
use super::duration::parse_iso8601_duration;
use super::error::ApiError;
use super::mapping::Mapper;
use super::metrics::Metrics;
use super::rate_limit::RateLimiter;
use super::token_cache::{CacheKey, TokenCache};
use crate::apim::MAX_TOKEN_LIFETIME as MAX_APIM_TOKEN_LIFETIME;
use crate::identity::{MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME, Scope};

/// How long a `/readyz` answer is reused (so probes cannot flood ACS).
const READINESS_TTL: Duration = Duration::from_secs(5);

/// A readiness answer: `Ok`, or each failed check and why.
pub(crate) type Readiness = Result<(), Vec<(String, String)>>;

/// Everything the routes share.
pub(crate) struct Service {
    pub config: BrokerConfig,
    pub auth: Authenticator,
    pub mapper: Mapper,
    pub cache: TokenCache,
    pub limiter: RateLimiter<AppUser>,
    pub apim: Option<Apim>,
    pub metrics: Arc<Metrics>,
    readiness: Mutex<Option<(Instant, Readiness)>>,
}

impl Service {
    pub(crate) fn new(
        config: BrokerConfig,
        auth: Authenticator,
        mapper: Mapper,
        apim: Option<Apim>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let cache = TokenCache::new(
            config.token_cache,
            chrono::Duration::from_std(config.cache_min_remaining).unwrap_or(chrono::Duration::MAX),
            config.cache_max_entries,
        );
        Service {
            limiter: RateLimiter::new(config.rate_limit_per_minute),
            cache,
            config,
            auth,
            mapper,
            apim,
            metrics,
            readiness: Mutex::new(None),
        }
    }

    /// One token request for this user, or how long to wait.
    pub(crate) fn take_rate_limit(&self, user: &AppUser) -> Result<(), ApiError> {
        self.limiter
            .check(user.clone(), Instant::now())
            .map_err(|wait| {
                self.metrics.rate_limited();
                ApiError::RateLimited(wait)
            })
    }

    /// `POST /v1/token`.
    pub(crate) async fn token(
        &self,
        caller: &Caller,
        request: TokenRequest,
    ) -> Result<TokenResponse, ApiError> {
        let (scopes, minutes) = self.check_token_request(&request)?;
        self.take_rate_limit(&caller.user)?;
        let scope_values: Vec<Scope> = scopes.iter().map(|s| Scope::from(s.as_str())).collect();
        // At most two rounds: the second after finding the identity deleted at ACS.
        for round in 0..2 {
            let mapped = self.mapper.resolve(&caller.user).await?;
            let key = CacheKey {
                acs_user_id: mapped.acs_user.raw_id().to_string(),
                revision: mapped.revision,
                scopes: scopes.clone(),
                minutes,
            };
            let result = self
                .cache
                .get_or_fetch(key, || {
                    self.mapper
                        .acs()
                        .issue(&mapped.acs_user, &scope_values, minutes)
                })
                .await;
            match result {
                Ok((token, hit)) => {
                    self.metrics.cache(hit);
                    self.metrics.set_cached_tokens(self.cache.len());
                    return Ok(TokenResponse {
                        user_id: mapped.acs_user.raw_id().to_string(),
                        token: token.token.expose().to_string(),
                        expires_on: token.expires_on,
                    });
                }
                Err(error) if error.is_not_found() && round == 0 => {
                    self.metrics.cache(false);
                    tracing::warn!(user = ?caller.user, "the identity is gone at ACS: mapping a new one");
                    self.mapper
                        .forget_vanished(&caller.user, &mapped.acs_user)
                        .await?;
                    self.cache.forget_identity(mapped.acs_user.raw_id());
                }
                Err(error) => {
                    self.metrics.cache(false);
                    return Err(ApiError::Upstream(error));
                }
            }
        }
        Err(ApiError::Busy)
    }

    /// Scopes (allowed, sorted, deduplicated) and the lifetime, checked as
    /// the facade checks them, before anything is created or sent.
    fn check_token_request(&self, request: &TokenRequest) -> Result<(Vec<String>, u32), ApiError> {
        if request.scopes.is_empty() {
            return Err(ApiError::Invalid {
                field: "scopes",
                message: "at least one scope is required (e.g. voip or chat)".to_string(),
            });
        }
        let mut scopes = Vec::with_capacity(request.scopes.len());
        for scope in &request.scopes {
            let scope = Scope::from(scope.trim());
            if !self.config.allowed_scopes.contains(&scope) {
                let allowed: Vec<&str> = self
                    .config
                    .allowed_scopes
                    .iter()
                    .map(Scope::as_str)
                    .collect();
                return Err(ApiError::Invalid {
                    field: "scopes",
                    message: format!(
                        "scope {:?} is not allowed here (allowed: {})",
                        scope.as_str().chars().take(64).collect::<String>(),
                        allowed.join(", ")
                    ),
                });
            }
            scopes.push(scope.as_str().to_string());
        }
        scopes.sort();
        scopes.dedup();
        // The wire takes whole minutes; the facade's limits are durations.
        let (min, max) = (
            whole_minutes(MIN_TOKEN_LIFETIME),
            whole_minutes(MAX_TOKEN_LIFETIME),
        );
        let minutes = request.expires_in_minutes.unwrap_or(max);
        if !(min..=max).contains(&minutes) {
            return Err(ApiError::Invalid {
                field: "expiresInMinutes",
                message: format!(
                    "{minutes} minutes is outside the allowed {min}–{max} minutes (1 to 24 hours)"
                ),
            });
        }
        Ok((scopes, minutes))
    }

    /// `POST /v1/me/revoke` and the admin equivalent: `false` if no identity.
    pub(crate) async fn revoke(&self, user: &AppUser) -> Result<bool, ApiError> {
        match self.mapper.revoke(user).await? {
            Some(identity) => {
                self.cache.forget_identity(identity.raw_id());
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// `DELETE /v1/me` and the admin equivalent (idempotent).
    pub(crate) async fn delete(&self, user: &AppUser) -> Result<(), ApiError> {
        if let Some(identity) = self.mapper.delete(user).await? {
            self.cache.forget_identity(identity.raw_id());
        }
        Ok(())
    }

    /// `POST /v1/apim-token`.
    pub(crate) async fn apim_token(
        &self,
        caller: &Caller,
        request: ApimTokenRequest,
    ) -> Result<ApimTokenResponse, ApiError> {
        let Some(apim) = &self.apim else {
            return Err(ApiError::NotFound(
                "ApimNotConfigured",
                "this broker has no API Management service configured".to_string(),
            ));
        };
        let lifetime =
            parse_iso8601_duration(request.expires_in.trim()).map_err(|e| ApiError::Invalid {
                field: "expiresIn",
                message: e.0,
            })?;
        if lifetime.is_zero() || lifetime > MAX_APIM_TOKEN_LIFETIME {
            return Err(ApiError::Invalid {
                field: "expiresIn",
                message: "must be more than zero and at most 30 days (P30D), APIM's limit"
                    .to_string(),
            });
        }
        let expiry = chrono::Duration::from_std(lifetime)
            .ok()
            .and_then(|lifetime| Utc::now().checked_add_signed(lifetime))
            .ok_or(ApiError::Invalid {
                field: "expiresIn",
                message: "too far in the future".to_string(),
            })?;
        self.take_rate_limit(&caller.user)?;
        let token = apim.token(self.mapper.store(), caller, expiry).await?;
        Ok(ApimTokenResponse {
            token: token.to_compact(),
            expiry: token.expires_at(),
        })
    }

    /// `/readyz`: the database, the issuer's keys and ACS, checked at most
    /// every few seconds.
    pub(crate) async fn readiness(&self) -> Readiness {
        if let Some((at, result)) = self
            .readiness
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && at.elapsed() < READINESS_TTL
        {
            return result.clone();
        }
        let mut failures = Vec::new();
        if let Err(e) = self.mapper.store().ping().await {
            failures.push(("database".to_string(), e.to_string()));
        }
        if !self.auth.keys_loaded().await
            && let Err(e) = self.auth.prefetch().await
        {
            failures.push(("issuer_keys".to_string(), e));
        }
        if let Err(e) = self.mapper.acs().probe().await {
            failures.push(("communication_services".to_string(), e.to_string()));
        }
        let result = if failures.is_empty() {
            Ok(())
        } else {
            Err(failures)
        };
        *self.readiness.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), result.clone()));
        result
    }
}

/// A facade lifetime limit in the wire's whole minutes.
fn whole_minutes(lifetime: Duration) -> u32 {
    u32::try_from(lifetime.as_secs() / 60).unwrap_or(u32::MAX)
}
