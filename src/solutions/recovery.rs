//! Taking over checks whose worker is gone: this instance's own after a restart, and any
//! instance's whose heartbeat stopped, judged by the database's clock.

use super::queue::set_solution_status;
use super::state::{CheckStatus, SolutionStatus};
use crate::db::DbPool;
use crate::on_pool;

/// The database's clock in Unix milliseconds, as an SQL expression. Heartbeats are written and
/// judged with it, so instances whose clocks disagree never take each other's live checks for
/// dead. Backend-specific: the two have no time function in common.
#[must_use]
pub fn db_now(db: &DbPool) -> &'static str {
    match db {
        // Julian day 2440587.5 is the Unix epoch; `julianday('now')` has millisecond precision.
        DbPool::Sqlite(_) => "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
        // `clock_timestamp()`, not `now()`: the latter is the start of the transaction.
        DbPool::Postgres(_) => "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
    }
}

/// Queues again the running checks of `instance`'s workers (named `<instance>/<n>`): after a
/// restart none of them runs any more. Returns their ids.
pub async fn requeue_own(db: &DbPool, instance: &str) -> Result<Vec<i64>, sqlx::Error> {
    let sql = "SELECT id, worker, attempts FROM checks WHERE status = $1";
    let running: Vec<(i64, String, i64)> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(CheckStatus::Running)
        .fetch_all(pool)
        .await)?;
    let mut ids = Vec::new();
    for (id, worker, attempts) in running {
        let own = worker
            .rsplit_once('/')
            .is_some_and(|(name, _)| name == instance);
        if !own {
            continue;
        }
        // Fenced by the claim read above, like every other write of a running check.
        let sql = "UPDATE checks SET status = $4, worker = ''
                   WHERE id = $1 AND status = $5 AND worker = $2 AND attempts = $3";
        let updated = on_pool!(db, |pool| sqlx::query(sql)
            .bind(id)
            .bind(&worker)
            .bind(attempts)
            .bind(CheckStatus::Queued)
            .bind(CheckStatus::Running)
            .execute(pool)
            .await
            .map(|d| d.rows_affected()))?;
        if updated == 1 {
            set_solution_status(db, id, SolutionStatus::Queued, None).await?;
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Queues again the running checks of any instance whose heartbeat is older than `stale` by
/// the database's clock (their instance died or lost the database). Returns their ids.
pub async fn requeue_stale(
    db: &DbPool,
    stale: std::time::Duration,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = format!(
        "UPDATE checks SET status = '{}', worker = ''
         WHERE status = '{}' AND heartbeat_at < {} - $1 RETURNING id",
        CheckStatus::Queued,
        CheckStatus::Running,
        db_now(db)
    );
    let stale_ms = i64::try_from(stale.as_millis()).unwrap_or(i64::MAX);
    let ids: Vec<i64> = on_pool!(db, |pool| sqlx::query_scalar(&sql)
        .bind(stale_ms)
        .fetch_all(pool)
        .await)?;
    for id in &ids {
        set_solution_status(db, *id, SolutionStatus::Queued, None).await?;
    }
    Ok(ids)
}
