//! Checker build contexts in the database, by image tag: what a Docker host without the image
//! builds it from (issue 16).

use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// Stores the build context of the image `tag`. The tag is derived from the content, so a
/// context stored already is this one: it is not sent again (up to 200 MiB on every import of
/// an unchanged repository).
pub async fn store(db: &DbPool, tag: &str, context: &[u8]) -> Result<(), sqlx::Error> {
    let stored = "SELECT COUNT(*) FROM checker_contexts WHERE tag = $1";
    let insert = "INSERT INTO checker_contexts (tag, context, created_at) VALUES ($1, $2, $3)
                  ON CONFLICT (tag) DO NOTHING";
    on_pool!(db, |pool| {
        let count: i64 = sqlx::query_scalar(stored).bind(tag).fetch_one(pool).await?;
        if count > 0 {
            return Ok(());
        }
        sqlx::query(insert)
            .bind(tag)
            .bind(context)
            .bind(Timestamp::now())
            .execute(pool)
            .await
            .map(drop)
    })
}

/// The build context of the image `tag`, if the database holds it.
pub async fn load(db: &DbPool, tag: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let sql = "SELECT context FROM checker_contexts WHERE tag = $1";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(tag)
        .fetch_optional(pool)
        .await)
}

/// The tags whose build context the database holds.
pub async fn tags(db: &DbPool) -> Result<Vec<String>, sqlx::Error> {
    let sql = "SELECT tag FROM checker_contexts ORDER BY tag";
    on_pool!(db, |pool| sqlx::query_scalar(sql).fetch_all(pool).await)
}

/// Removes every build context but those of `current` and `previous`; returns how many.
pub async fn prune(db: &DbPool, current: &str, previous: Option<&str>) -> Result<u64, sqlx::Error> {
    let sql = "DELETE FROM checker_contexts WHERE tag <> $1 AND tag <> $2";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(current)
        .bind(previous.unwrap_or(current))
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
}
