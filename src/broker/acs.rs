//! The broker's one use of the Communication Services facade: every call it
//! makes, timed and counted. (Client construction stays with the caller, so
//! a change of the facade's constructors touches none of this.)
//!
//! Retries and `Retry-After` waits on 429/503 are the facade pipeline's; the
//! broker adds no retry loop of its own and maps the final error.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::metrics::Metrics;
use crate::identity::{CommunicationIdentityClient, CommunicationUserIdentifier, Scope};
use crate::{AccessToken, Result};

/// How identities are created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityCreation {
    /// With a `customId` derived from `(iss, sub)` and a generation where the
    /// api-version supports it (creation is then idempotent and a pending row
    /// is completed exactly after a crash), else plain creation.
    Auto,
    /// Plain creation (`POST /identities` without a body), always.
    Plain,
}

/// The identity client and what the broker does with it.
pub(crate) struct Acs {
    client: CommunicationIdentityClient,
    custom_ids: bool,
    metrics: Arc<Metrics>,
}

impl Acs {
    /// With `Auto`, finds out (sending nothing) whether the client's
    /// api-version takes `customId`.
    pub(crate) async fn new(
        client: CommunicationIdentityClient,
        creation: IdentityCreation,
        metrics: Arc<Metrics>,
    ) -> Self {
        let custom_ids = creation == IdentityCreation::Auto && custom_id_supported(&client).await;
        Acs {
            client,
            custom_ids,
            metrics,
        }
    }

    /// Whether creations are idempotent (`customId`) with this client.
    pub(crate) fn idempotent_creation(&self) -> bool {
        self.custom_ids
    }

    /// Creates an identity; with `customId` when supported (the same id
    /// gives back the same identity, so a retry or a takeover after a crash
    /// finds it instead of creating another).
    pub(crate) async fn create(&self, custom_id: &str) -> Result<CommunicationUserIdentifier> {
        if self.custom_ids {
            self.timed(
                "create_identity",
                self.client.create_user_with_custom_id(custom_id),
            )
            .await
        } else {
            self.timed("create_identity", self.client.create_user())
                .await
        }
    }

    pub(crate) async fn issue(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[Scope],
        minutes: u32,
    ) -> Result<AccessToken> {
        let lifetime = Duration::from_secs(u64::from(minutes) * 60);
        self.timed(
            "issue_token",
            self.client.get_token(user, scopes, Some(lifetime)),
        )
        .await
    }

    pub(crate) async fn revoke(&self, user: &CommunicationUserIdentifier) -> Result<()> {
        self.timed("revoke_tokens", self.client.revoke_tokens(user))
            .await
    }

    /// Deletes the identity; one that is already gone (404) counts as deleted.
    pub(crate) async fn delete(&self, user: &CommunicationUserIdentifier) -> Result<()> {
        match self
            .timed("delete_identity", self.client.delete_user(user))
            .await
        {
            Err(e) if e.is_not_found() => Ok(()),
            other => other,
        }
    }

    /// Whether ACS answers and accepts the broker's credentials: revokes
    /// the tokens of an identity that does not exist (any answer but 401/403
    /// or a failure to connect means yes). Sent only for `/readyz`.
    pub(crate) async fn probe(&self) -> Result<()> {
        let nobody = CommunicationUserIdentifier::new("8:acs:azure-user-tokens-broker-readiness")?;
        match self
            .timed("probe", self.client.revoke_tokens(&nobody))
            .await
        {
            Ok(()) => Ok(()),
            Err(e)
                if e.status().is_some_and(|s| (400..500).contains(&s)) && !e.is_unauthorized() =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    async fn timed<T>(
        &self,
        operation: &'static str,
        call: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        let started = Instant::now();
        let result = call.await;
        let outcome = match &result {
            Ok(_) => "ok".to_string(),
            Err(e) => match e.status() {
                Some(status) => status.to_string(),
                None if e.is_timeout() => "timeout".to_string(),
                None => "error".to_string(),
            },
        };
        self.metrics
            .acs_call(operation, &outcome, started.elapsed());
        result
    }
}

/// Whether the client's api-version takes `customId`: the facade refuses an
/// unsupported operation (`is_unsupported`) before checking the input or
/// sending anything, so an empty id answers the question without a request
/// (a supported build refuses the empty id as invalid input, also locally).
async fn custom_id_supported(client: &CommunicationIdentityClient) -> bool {
    match client.create_user_with_custom_id("").await {
        Err(error) if error.is_unsupported() => false,
        Err(error) if error.is_validation() => true,
        // Never expected: an empty id is never sent. Stay on the safe path.
        Ok(_) | Err(_) => false,
    }
}
