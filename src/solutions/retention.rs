//! Retention: the bulky output of old checks (console output and collected files) is removed,
//! their verdicts, test counts and parsed test reports are kept (`inloop prune-results`).

use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// What pruning removed, or would remove.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Checks whose output goes.
    pub checks: i64,
    /// Bytes of console output and files.
    pub bytes: i64,
}

/// Checks finished before `finished_before` that still hold output.
const OLD_WITH_OUTPUT: &str = "finished_at < $1 AND (stdout <> '' OR stderr <> ''
    OR EXISTS (SELECT 1 FROM check_files f WHERE f.check_id = checks.id))";

/// What pruning the output of checks finished before `finished_before` removes.
pub async fn measure(db: &DbPool, finished_before: Timestamp) -> Result<Pruned, sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*),
                CAST(COALESCE(SUM(LENGTH(stdout) + LENGTH(stderr)), 0) AS BIGINT)
                + CAST(COALESCE((SELECT SUM(LENGTH(f.content)) FROM check_files f
                                 JOIN checks c ON c.id = f.check_id WHERE c.finished_at < $1), 0) AS BIGINT)
         FROM checks WHERE {OLD_WITH_OUTPUT}"
    );
    let (checks, bytes): (i64, i64) = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(finished_before)
        .fetch_one(pool)
        .await)?;
    Ok(Pruned { checks, bytes })
}

/// Removes the output of checks finished before `finished_before`, in one transaction; returns
/// what it removed.
pub async fn prune(db: &DbPool, finished_before: Timestamp) -> Result<Pruned, sqlx::Error> {
    let pruned = measure(db, finished_before).await?;
    let files = "DELETE FROM check_files WHERE check_id IN
                 (SELECT id FROM checks WHERE finished_at < $1)";
    let output = format!("UPDATE checks SET stdout = '', stderr = '' WHERE {OLD_WITH_OUTPUT}");
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        sqlx::query(files)
            .bind(finished_before)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&output)
            .bind(finished_before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    })?;
    Ok(pruned)
}
