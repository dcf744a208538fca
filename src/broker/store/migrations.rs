//! The schema, as sqlx migrations compiled into the binary (the same SQL for
//! SQLite and PostgreSQL). sqlx records applied versions in
//! `_sqlx_migrations` and, on PostgreSQL, holds an advisory lock while
//! migrating, so brokers starting together do not race.

use std::borrow::Cow;

use futures_util::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use super::StoreError;

/// Version, description, SQL. Append only: never edit an applied migration.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "identities and apim users",
    r#"
CREATE TABLE broker_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- Bumped by every delete: the ACS customId of the next identity differs.
    generation BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'deleting', 'deleted')),
    acs_user_id TEXT UNIQUE,
    -- Bumped by every revoke: cached tokens of older revisions are not served.
    token_revision BIGINT NOT NULL,
    -- Who is creating the identity of a pending row, and until when.
    lease_owner TEXT,
    lease_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject),
    CHECK (state NOT IN ('active', 'deleting') OR acs_user_id IS NOT NULL)
);
CREATE INDEX broker_identities_by_state ON broker_identities (state);
CREATE TABLE broker_apim_users (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    apim_user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
"#,
)];

#[derive(Debug)]
struct Embedded;

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> BoxFuture<'static, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async {
            Ok(MIGRATIONS
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// The migrator for the embedded migrations.
pub(crate) async fn migrator() -> Result<Migrator, StoreError> {
    Migrator::new(Embedded)
        .await
        .map_err(|e| StoreError(format!("migrations: {e}")))
}
