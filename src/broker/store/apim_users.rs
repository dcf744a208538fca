//! The `broker_apim_users` table: which APIM user an app user has. The APIM
//! user id is derived from `(iss, sub)` and created with an idempotent PUT,
//! so concurrent first calls create one user; the row only saves later calls
//! the PUT.

use sqlx::Row;

use super::{Store, StoreError, now_millis, on_pool};
use crate::broker::app_user::AppUser;

impl Store {
    /// The APIM user id recorded for `user`.
    pub async fn apim_user(&self, user: &AppUser) -> Result<Option<String>, StoreError> {
        let sql = "SELECT apim_user_id FROM broker_apim_users WHERE issuer = $1 AND subject = $2";
        on_pool!(self, |pool| {
            let row = sqlx::query(sql)
                .bind(&user.issuer)
                .bind(&user.subject)
                .fetch_optional(pool)
                .await?;
            Ok(match row {
                Some(row) => Some(row.try_get::<String, _>("apim_user_id")?),
                None => None,
            })
        })
    }

    /// Records `user`'s APIM user (first writer wins; the id is the same anyway).
    pub async fn record_apim_user(
        &self,
        user: &AppUser,
        apim_user_id: &str,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO broker_apim_users (issuer, subject, apim_user_id, created_at) \
            VALUES ($1, $2, $3, $4) ON CONFLICT (issuer, subject) DO NOTHING";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(&user.issuer)
            .bind(&user.subject)
            .bind(apim_user_id)
            .bind(now_millis())
            .execute(pool)
            .await
            .map(drop))?;
        Ok(())
    }
}
