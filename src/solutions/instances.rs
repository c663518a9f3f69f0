//! The instances that run check workers: each pool's size and heartbeat in `worker_instances`,
//! so the queue's start estimate counts the workers of every live instance.

use super::recovery::db_now;
use crate::db::DbPool;
use crate::on_pool;

/// How often a worker pool refreshes its row.
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);
/// How old a row may be (by the database's clock) and still count: six missed heartbeats mean
/// the instance stopped.
const FRESH_MS: i64 = 30_000;

/// Records that `instance` runs `workers` workers, now.
pub async fn beat(db: &DbPool, instance: &str, workers: u32) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO worker_instances (instance, workers, heartbeat_at) VALUES ($1, $2, {})
         ON CONFLICT (instance) DO UPDATE SET workers = excluded.workers, heartbeat_at = excluded.heartbeat_at",
        db_now(db)
    );
    on_pool!(db, |pool| sqlx::query(&sql)
        .bind(instance)
        .bind(i64::from(workers))
        .execute(pool)
        .await
        .map(drop))
}

/// Removes the row of `instance`, which stops running workers.
pub async fn leave(db: &DbPool, instance: &str) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM worker_instances WHERE instance = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(instance)
        .execute(pool)
        .await
        .map(drop))
}

/// Workers of all instances with a fresh heartbeat; `local` (this process's count) when no
/// instance has recorded itself or the table cannot be read.
pub async fn live_workers(db: &DbPool, local: u32) -> u32 {
    // SUM of BIGINT is NUMERIC on PostgreSQL; the cast keeps one Rust type for both backends.
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(workers), 0) AS BIGINT) FROM worker_instances WHERE heartbeat_at > {} - $1",
        db_now(db)
    );
    let total: Result<i64, _> = on_pool!(db, |pool| sqlx::query_scalar(&sql)
        .bind(FRESH_MS)
        .fetch_one(pool)
        .await);
    match total {
        Ok(total) if total > 0 => u32::try_from(total).unwrap_or(u32::MAX),
        Ok(_) => local,
        Err(error) => {
            tracing::warn!(%error, "counting the workers of all instances failed");
            local
        }
    }
}

/// Instances with a fresh heartbeat, and their workers.
pub async fn live(db: &DbPool) -> Result<(i64, i64), sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(workers), 0) AS BIGINT) FROM worker_instances
         WHERE heartbeat_at > {} - $1",
        db_now(db)
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(FRESH_MS)
        .fetch_one(pool)
        .await)
}
