//! The `broker_identities` table: one row per app user `(issuer, subject)`,
//! a small state machine whose every transition is one conditional
//! statement (so it is atomic on SQLite and PostgreSQL alike):
//!
//! ```text
//!   (none) ──insert_pending──▶ pending ──activate (lease owner)──▶ active
//!   deleted ──claim──▶ pending            active ──mark_deleting──▶ deleting
//!   pending, lease expired ──claim──▶ pending (new owner)
//!   deleting ──mark_deleted (generation+1)──▶ deleted
//! ```
//!
//! The primary key makes `insert_pending` succeed for exactly one caller, in
//! any number of processes; `claim` and `activate` match on the state and the
//! lease, so exactly one caller wins each.

use sqlx::Row;

use super::{Store, StoreError, now_millis, on_pool};
use crate::broker::app_user::AppUser;

const COLUMNS: &str = "issuer, subject, generation, state, acs_user_id, token_revision, lease_owner, lease_expires_at";

/// Where a row is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityState {
    /// An identity is being created (by the lease owner).
    Pending,
    /// Mapped to `acs_user_id`.
    Active,
    /// The identity is being deleted: it must not be used.
    Deleting,
    /// No identity; the next call creates one of the next generation.
    Deleted,
}

impl IdentityState {
    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "pending" => IdentityState::Pending,
            "active" => IdentityState::Active,
            "deleting" => IdentityState::Deleting,
            "deleted" => IdentityState::Deleted,
            other => return Err(StoreError(format!("unknown identity state {other:?}"))),
        })
    }
}

/// One row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRow {
    /// Bumped by every delete.
    pub generation: i64,
    /// Where it is in its life.
    pub state: IdentityState,
    /// The ACS identity, when active or deleting.
    pub acs_user_id: Option<String>,
    /// Bumped by every revoke.
    pub token_revision: i64,
    /// The pending row's creator.
    pub lease_owner: Option<String>,
    /// Until when the creator holds it (ms since the epoch).
    pub lease_expires_at: Option<i64>,
}

impl IdentityRow {
    /// A pending row whose creator's lease has run out.
    pub fn lease_expired(&self, now: i64) -> bool {
        self.state == IdentityState::Pending && self.lease_expires_at.is_none_or(|t| t <= now)
    }
}

/// Reads a row of `COLUMNS` (a macro: each driver's row type is its own).
macro_rules! identity_row {
    ($row:expr) => {{
        let row = $row;
        let state: String = row.try_get("state")?;
        IdentityRow {
            generation: row.try_get("generation")?,
            state: IdentityState::parse(&state)?,
            acs_user_id: row.try_get("acs_user_id")?,
            token_revision: row.try_get("token_revision")?,
            lease_owner: row.try_get("lease_owner")?,
            lease_expires_at: row.try_get("lease_expires_at")?,
        }
    }};
}

impl Store {
    /// The row of `user`, if any.
    pub async fn identity(&self, user: &AppUser) -> Result<Option<IdentityRow>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM broker_identities WHERE issuer = $1 AND subject = $2");
        on_pool!(self, |pool| {
            let row = sqlx::query(&sql)
                .bind(&user.issuer)
                .bind(&user.subject)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(row) => Some(identity_row!(&row)),
                None => None,
            })
        })
    }

    /// Writes a pending row for a user never seen, owned by `owner` until
    /// `lease_expires_at`; `false` if the user already has a row.
    pub async fn insert_pending(
        &self,
        user: &AppUser,
        owner: &str,
        lease_expires_at: i64,
    ) -> Result<bool, StoreError> {
        let now = now_millis();
        let sql = "INSERT INTO broker_identities \
            (issuer, subject, generation, state, token_revision, lease_owner, lease_expires_at, created_at, updated_at) \
            VALUES ($1, $2, 0, 'pending', 0, $3, $4, $5, $5) \
            ON CONFLICT (issuer, subject) DO NOTHING";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(&user.issuer)
            .bind(&user.subject)
            .bind(owner)
            .bind(lease_expires_at)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Takes a deleted row, or a pending row whose lease has expired, for
    /// `owner`; `false` if someone else has it.
    pub async fn claim(
        &self,
        user: &AppUser,
        owner: &str,
        lease_expires_at: i64,
    ) -> Result<bool, StoreError> {
        let now = now_millis();
        let sql = "UPDATE broker_identities \
            SET state = 'pending', lease_owner = $3, lease_expires_at = $4, updated_at = $5 \
            WHERE issuer = $1 AND subject = $2 \
            AND (state = 'deleted' OR (state = 'pending' AND (lease_expires_at IS NULL OR lease_expires_at <= $5)))";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(&user.issuer)
            .bind(&user.subject)
            .bind(owner)
            .bind(lease_expires_at)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Completes `owner`'s pending row with the identity it created;
    /// `false` if the lease was lost (someone else took the row over).
    pub async fn activate(
        &self,
        user: &AppUser,
        owner: &str,
        acs_user_id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE broker_identities \
            SET state = 'active', acs_user_id = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = $4 \
            WHERE issuer = $1 AND subject = $2 AND state = 'pending' AND lease_owner = $5";
        self.update(sql, user, acs_user_id, owner).await
    }

    /// Gives up `owner`'s pending row (creation failed): anyone may claim it now.
    pub async fn release(&self, user: &AppUser, owner: &str) -> Result<bool, StoreError> {
        let sql = "UPDATE broker_identities \
            SET lease_expires_at = 0, updated_at = $4 \
            WHERE issuer = $1 AND subject = $2 AND state = 'pending' AND lease_owner = $3";
        self.update(sql, user, owner, "").await
    }

    /// `active` → `deleting` for that identity.
    pub async fn mark_deleting(
        &self,
        user: &AppUser,
        acs_user_id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE broker_identities \
            SET state = 'deleting', updated_at = $4 \
            WHERE issuer = $1 AND subject = $2 AND state = 'active' AND acs_user_id = $3";
        self.update(sql, user, acs_user_id, "").await
    }

    /// `deleting` → `deleted`: the identity is gone; the next one is of the
    /// next generation, and tokens of every revision so far are stale.
    pub async fn mark_deleted(
        &self,
        user: &AppUser,
        acs_user_id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE broker_identities \
            SET state = 'deleted', acs_user_id = NULL, generation = generation + 1, \
                token_revision = token_revision + 1, updated_at = $4 \
            WHERE issuer = $1 AND subject = $2 AND state = 'deleting' AND acs_user_id = $3";
        self.update(sql, user, acs_user_id, "").await
    }

    /// A revoke happened: tokens cached under earlier revisions are stale.
    pub async fn bump_token_revision(
        &self,
        user: &AppUser,
        acs_user_id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE broker_identities \
            SET token_revision = token_revision + 1, updated_at = $4 \
            WHERE issuer = $1 AND subject = $2 AND state = 'active' AND acs_user_id = $3";
        self.update(sql, user, acs_user_id, "").await
    }

    /// Rows left `deleting` (a delete interrupted by a crash), to finish.
    pub async fn deleting(&self) -> Result<Vec<(AppUser, IdentityRow)>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM broker_identities WHERE state = 'deleting'");
        on_pool!(self, |pool| {
            let rows = sqlx::query(&sql).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                let user = AppUser::new(
                    row.try_get::<String, _>("issuer")?,
                    row.try_get::<String, _>("subject")?,
                );
                out.push((user, identity_row!(row)));
            }
            Ok(out)
        })
    }

    /// How many rows are in each state (start-up log, tests).
    pub async fn count_by_state(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let sql =
            "SELECT state, COUNT(*) AS n FROM broker_identities GROUP BY state ORDER BY state";
        on_pool!(self, |pool| {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            rows.iter()
                .map(|row| Ok((row.try_get("state")?, row.try_get("n")?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// One conditional update binding `$1` issuer, `$2` subject, `$3`,
    /// `$4` now and, when the statement has it, `$5`; whether a row changed.
    async fn update(
        &self,
        sql: &str,
        user: &AppUser,
        third: &str,
        fifth: &str,
    ) -> Result<bool, StoreError> {
        let now = now_millis();
        let done = on_pool!(self, |pool| {
            let query = sqlx::query(sql)
                .bind(&user.issuer)
                .bind(&user.subject)
                .bind(third)
                .bind(now);
            let query = if sql.contains("$5") {
                query.bind(fifth)
            } else {
                query
            };
            query.execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }
}
