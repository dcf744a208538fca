//! App user → ACS identity, exactly one per user, in one process (a lock per
//! user) and across processes (the row state machine in `store/identities.rs`).
//!
//! First sight: write a pending row (leased to this attempt), create the
//! identity at ACS, complete the row. A pending row whose lease ran out (its
//! creator died or stalled) is taken over by the next caller; an identity
//! created under a lost lease is deleted again (or, with `customId`, is the
//! same identity). Deletion: mark the row `deleting`, delete at ACS, mark it
//! `deleted` with the next generation; a row left `deleting` is finished by
//! the next caller or at start. ARCHITECTURE.md walks through every crash point.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::acs::Acs;
use super::app_user::AppUser;
use super::config::FaultPoint;
use super::error::ApiError;
use super::keyed_lock::KeyedLocks;
use super::metrics::Metrics;
use super::row_cache::RowCache;
use super::store::{IdentityRow, IdentityState, Store, now_millis};
use crate::identity::CommunicationUserIdentifier;

/// A mapped identity and the revision its tokens are cached under.
#[derive(Debug, Clone)]
pub(crate) struct Mapped {
    pub acs_user: CommunicationUserIdentifier,
    pub revision: i64,
}

pub(crate) struct Mapper {
    store: Store,
    acs: Acs,
    locks: KeyedLocks<AppUser>,
    rows: RowCache,
    lease: Duration,
    metrics: Arc<Metrics>,
    fault: Option<FaultPoint>,
}

impl Mapper {
    pub(crate) fn new(
        store: Store,
        acs: Acs,
        rows: RowCache,
        lease: Duration,
        metrics: Arc<Metrics>,
        fault: Option<FaultPoint>,
    ) -> Self {
        Mapper {
            store,
            acs,
            locks: KeyedLocks::new(),
            rows,
            lease,
            metrics,
            fault,
        }
    }

    pub(crate) fn acs(&self) -> &Acs {
        &self.acs
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    fn check_fault(&self, point: FaultPoint) -> Result<(), ApiError> {
        match self.fault {
            Some(fault) if fault == point => Err(ApiError::Injected(match point {
                FaultPoint::AfterIdentityCreated => "after the identity was created",
                FaultPoint::AfterIdentityDeleted => "after the identity was deleted",
            })),
            _ => Ok(()),
        }
    }

    fn lease_until(&self) -> i64 {
        let lease = i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX);
        now_millis().saturating_add(lease)
    }

    /// The user's identity, created on first sight; from the row cache
    /// when it was read less than its time to live ago.
    pub(crate) async fn resolve(&self, user: &AppUser) -> Result<Mapped, ApiError> {
        if let Some(mapped) = self.rows.get(user) {
            return Ok(mapped);
        }
        let _guard = self.locks.lock(user.clone()).await;
        // Under the lock: remembered rows are written only here, so a
        // revoke or delete in this process (which forgets the row under the
        // same lock) is never undone by a read from before it.
        let read_at = Instant::now();
        let mapped = self.resolve_locked(user).await?;
        self.rows.insert(user, &mapped, read_at);
        Ok(mapped)
    }

    async fn resolve_locked(&self, user: &AppUser) -> Result<Mapped, ApiError> {
        // Another process's pending row is waited for at most one lease
        // (then taken over) plus a margin.
        let deadline = Instant::now() + self.lease + Duration::from_secs(5);
        let mut poll = Duration::from_millis(10);
        loop {
            let row = self.store.identity(user).await?;
            match row {
                None => {
                    let owner = uuid::Uuid::new_v4().to_string();
                    if self
                        .store
                        .insert_pending(user, &owner, self.lease_until())
                        .await?
                        && let Some(mapped) = self.create(user, 0, 0, &owner).await?
                    {
                        return Ok(mapped);
                    }
                }
                Some(row) if row.state == IdentityState::Active => return active(&row),
                Some(row) if row.state == IdentityState::Deleting => {
                    self.finish_delete(user, &row).await?;
                }
                Some(row)
                    if row.state == IdentityState::Deleted || row.lease_expired(now_millis()) =>
                {
                    let owner = uuid::Uuid::new_v4().to_string();
                    if self.store.claim(user, &owner, self.lease_until()).await?
                        && let Some(mapped) = self
                            .create(user, row.generation, row.token_revision, &owner)
                            .await?
                    {
                        return Ok(mapped);
                    }
                }
                Some(_) => {
                    // Pending, leased to another broker: wait for it.
                    if Instant::now() >= deadline {
                        return Err(ApiError::Busy);
                    }
                    tokio::time::sleep(poll).await;
                    poll = (poll * 2).min(Duration::from_millis(200));
                }
            }
        }
    }

    /// Creates the identity for `owner`'s pending row and completes it.
    /// `None`: the lease was lost meanwhile (look again).
    async fn create(
        &self,
        user: &AppUser,
        generation: i64,
        revision: i64,
        owner: &str,
    ) -> Result<Option<Mapped>, ApiError> {
        let created = match self.acs.create(&user.custom_id(generation)).await {
            Ok(created) => created,
            Err(error) => {
                // Let the next caller try at once (a failed answer created nothing,
                // except perhaps after a timeout: see ARCHITECTURE.md).
                if let Err(e) = self.store.release(user, owner).await {
                    tracing::warn!(error = %e, "cannot release a pending row");
                }
                return Err(ApiError::Upstream(error));
            }
        };
        self.check_fault(FaultPoint::AfterIdentityCreated)?;
        if self.store.activate(user, owner, created.raw_id()).await? {
            self.metrics.identity_created();
            tracing::info!(?user, generation, "identity created and mapped");
            return Ok(Some(Mapped {
                acs_user: created,
                revision,
            }));
        }
        // Our lease ran out and another broker took the row over.
        if let Some(row) = self.store.identity(user).await?
            && row.acs_user_id.as_deref() == Some(created.raw_id())
        {
            // customId: the other broker got this very identity.
            return Ok(None);
        }
        tracing::warn!(
            ?user,
            "lost the lease while creating: deleting the identity again"
        );
        if let Err(error) = self.acs.delete(&created).await {
            tracing::error!(%error, "cannot delete an identity created under a lost lease");
        } else {
            self.metrics.identity_compensated();
        }
        Ok(None)
    }

    /// The user's identity if mapped (no creation).
    pub(crate) async fn existing(&self, user: &AppUser) -> Result<Option<Mapped>, ApiError> {
        match self.store.identity(user).await? {
            Some(row) if row.state == IdentityState::Active => active(&row).map(Some),
            _ => Ok(None),
        }
    }

    /// Revokes the user's tokens at ACS, then bumps the row's token revision
    /// (so no broker serves a token cached before). The revoked identity, or
    /// `None` if the user has none.
    pub(crate) async fn revoke(
        &self,
        user: &AppUser,
    ) -> Result<Option<CommunicationUserIdentifier>, ApiError> {
        let _guard = self.locks.lock(user.clone()).await;
        self.rows.forget(user);
        let Some(mapped) = self.existing(user).await? else {
            return Ok(None);
        };
        self.acs
            .revoke(&mapped.acs_user)
            .await
            .map_err(ApiError::Upstream)?;
        self.store
            .bump_token_revision(user, mapped.acs_user.raw_id())
            .await?;
        Ok(Some(mapped.acs_user))
    }

    /// Deletes the user's identity (which revokes its tokens) and then the
    /// mapping; idempotent. The deleted identity, if there was one.
    pub(crate) async fn delete(
        &self,
        user: &AppUser,
    ) -> Result<Option<CommunicationUserIdentifier>, ApiError> {
        let _guard = self.locks.lock(user.clone()).await;
        self.rows.forget(user);
        let Some(row) = self.store.identity(user).await? else {
            return Ok(None);
        };
        match row.state {
            IdentityState::Active => {
                let acs_user_id = row.acs_user_id.as_deref().unwrap_or_default();
                // Durable intent first: from here on, nobody uses the identity.
                if !self.store.mark_deleting(user, acs_user_id).await? {
                    return Err(ApiError::Busy);
                }
                let row = IdentityRow {
                    state: IdentityState::Deleting,
                    ..row
                };
                self.finish_delete(user, &row).await
            }
            IdentityState::Deleting => self.finish_delete(user, &row).await,
            IdentityState::Deleted => Ok(None),
            // Pending: being created (here or elsewhere). Deleting it now
            // could orphan what is being created: ask to retry.
            IdentityState::Pending if row.lease_expired(now_millis()) => Ok(None),
            IdentityState::Pending => Err(ApiError::Busy),
        }
    }

    /// Deletes a `deleting` row's identity at ACS (gone already is fine) and
    /// marks the row `deleted`.
    async fn finish_delete(
        &self,
        user: &AppUser,
        row: &IdentityRow,
    ) -> Result<Option<CommunicationUserIdentifier>, ApiError> {
        let acs_user_id = row.acs_user_id.as_deref().unwrap_or_default();
        let identity = CommunicationUserIdentifier::new(acs_user_id).map_err(ApiError::Upstream)?;
        self.acs
            .delete(&identity)
            .await
            .map_err(ApiError::Upstream)?;
        self.check_fault(FaultPoint::AfterIdentityDeleted)?;
        self.store.mark_deleted(user, acs_user_id).await?;
        tracing::info!(?user, "identity deleted and unmapped");
        Ok(Some(identity))
    }

    /// The identity was found gone at ACS (deleted out of band): unmap it
    /// so the next resolve creates a fresh one.
    pub(crate) async fn forget_vanished(
        &self,
        user: &AppUser,
        acs_user: &CommunicationUserIdentifier,
    ) -> Result<(), ApiError> {
        let _guard = self.locks.lock(user.clone()).await;
        self.rows.forget(user);
        if self.store.mark_deleting(user, acs_user.raw_id()).await? {
            self.store.mark_deleted(user, acs_user.raw_id()).await?;
        }
        Ok(())
    }

    /// Finishes deletes interrupted by a crash (rows left `deleting`): the
    /// users asked for them, so they complete without waiting for a request.
    pub(crate) async fn finish_interrupted_deletes(&self) -> Result<usize, ApiError> {
        let rows = self.store.deleting().await?;
        let mut finished = 0;
        for (user, _) in rows {
            let _guard = self.locks.lock(user.clone()).await;
            self.rows.forget(&user);
            // Look again under the lock: another broker may have finished it.
            if let Some(row) = self.store.identity(&user).await?
                && row.state == IdentityState::Deleting
            {
                self.finish_delete(&user, &row).await?;
                finished += 1;
            }
        }
        Ok(finished)
    }
}

fn active(row: &IdentityRow) -> Result<Mapped, ApiError> {
    let id = row.acs_user_id.as_deref().unwrap_or_default();
    Ok(Mapped {
        acs_user: CommunicationUserIdentifier::new(id).map_err(ApiError::Upstream)?,
        revision: row.token_revision,
    })
}
