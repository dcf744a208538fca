//! Where the mapping lives: SQLite (one process; the default, a file under
//! the user's data directory) or PostgreSQL (several processes), through sqlx
//! without compile-time-checked macros. The SQL is written once for both;
//! every change is one statement, so it is atomic on either database, and
//! concurrency rests on the primary key and conditional `UPDATE`s (see
//! `identities.rs` and ARCHITECTURE.md).

mod apim_users;
mod database_url;
mod identities;
mod migrations;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use database_url::DatabaseUrl;
pub use identities::{IdentityRow, IdentityState};

/// How long a statement waits for SQLite's write lock, or for a pooled connection.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A database error, with what was being done. Never holds the URL's password.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError(format!("database error: {error}"))
    }
}

/// The connection pool, SQLite or PostgreSQL.
#[derive(Clone)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool the store has (the same
/// SQL and code, compiled for each driver).
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.db {
            $crate::broker::store::Db::Sqlite($pool) => $body,
            $crate::broker::store::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// The broker's database.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
}

impl Store {
    /// Connects (creating a SQLite file and its directory if missing) and
    /// runs the migrations.
    pub async fn connect(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let db = if url.is_sqlite() {
            let path = url.sqlite_path();
            if let Some(parent) = path.as_deref().and_then(std::path::Path::parent)
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError(format!("cannot create {}: {e}", parent.display())))?;
            }
            let options = SqliteConnectOptions::from_str(url.expose())
                .map_err(|e| StoreError(format!("bad SQLite URL {url}: {e}")))?
                .create_if_missing(true)
                // WAL: readers do not wait for the writer. FULL: a commit is
                // on disk before it is acknowledged.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(BUSY_TIMEOUT)
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(BUSY_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(|e| StoreError(format!("cannot open {url}: {e}")))?;
            Db::Sqlite(pool)
        } else {
            let options = PgConnectOptions::from_str(url.expose())
                .map_err(|e| StoreError(format!("bad PostgreSQL URL {url}: {e}")))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(BUSY_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(|e| StoreError(format!("cannot connect to {url}: {e}")))?;
            Db::Postgres(pool)
        };
        let store = Store { db };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = migrations::migrator().await?;
        on_pool!(self, |pool| migrator.run(pool).await)
            .map_err(|e| StoreError(format!("migrations failed: {e}")))
    }

    /// `SELECT 1`: whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }

    /// Which database this is (`sqlite` or `postgres`).
    pub fn kind(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes the pool (waits for connections in use).
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.kind())
    }
}

/// Now, in milliseconds since the epoch (the time every row records).
pub(crate) fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
