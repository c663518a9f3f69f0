//! What the dashboard at `/admin/` shows: the queue, the running checks, throughput and time to
//! a verdict over the last hour, the worker instances, the dependencies' health, the last import
//! and recent infrastructure errors. Read anew for every redraw.

use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::tasks::duration_words;
use crate::web::health::Readiness;

/// The window of the throughput figures.
const HOUR_MS: i64 = 3_600_000;
/// A worker instance whose heartbeat is older is shown as gone.
const FRESH_MS: i64 = 30_000;
/// Infrastructure errors shown: the newest few of the last day.
const ERRORS_SHOWN: i64 = 10;

/// A running check.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Running {
    pub solution_id: i64,
    pub title: String,
    pub number: i64,
    pub username: String,
    pub worker: String,
    pub started_at: Timestamp,
}

/// A process that runs workers.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Instance {
    pub name: String,
    pub workers: i64,
    pub heartbeat_at: Timestamp,
}

/// The newest import run.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct LastImport {
    pub id: i64,
    pub trigger: String,
    pub status: String,
    pub requested_at: Timestamp,
    pub error: String,
}

/// A check that failed for reasons of the infrastructure.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct InfrastructureError {
    pub solution_id: i64,
    pub title: String,
    pub number: i64,
    pub username: String,
    pub finished_at: Timestamp,
    pub staff_message: String,
}

/// Everything the dashboard shows, as read at `now`.
#[derive(Debug, Serialize)]
pub struct Dashboard {
    pub queued_students: i64,
    pub queued_staff: i64,
    pub running: Vec<Running>,
    /// Checks finished in the last hour (staff re-runs too).
    pub finished_last_hour: i64,
    /// From queueing to the verdict, students' checks of the last hour (seconds).
    pub median_secs: Option<f64>,
    pub p95_secs: Option<f64>,
    pub instances: Vec<Instance>,
    pub health: Readiness,
    pub last_import: Option<LastImport>,
    pub errors: Vec<InfrastructureError>,
}

/// The `share` quantile of sorted `values` (nearest rank).
fn quantile(sorted: &[i64], share: f64) -> Option<f64> {
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a rank among at most a few hundred thousand values"
    )]
    let rank = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len().max(1));
    #[allow(clippy::cast_precision_loss, reason = "milliseconds")]
    sorted.get(rank - 1).map(|value| *value as f64 / 1000.0)
}

/// Reads the dashboard's figures; `health` was asked of the dependencies just before.
pub async fn read(
    db: &DbPool,
    health: Readiness,
    now: Timestamp,
) -> Result<Dashboard, sqlx::Error> {
    let hour_ago = now.millis() - HOUR_MS;
    on_pool!(db, |pool| {
        let (queued_students, queued_staff): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN lane = 0 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN lane = 1 THEN 1 ELSE 0 END), 0)
             FROM checks WHERE status = 'queued'",
        )
        .fetch_one(pool)
        .await?;
        let running = sqlx::query_as(
            "SELECT s.id AS solution_id, t.title, s.number, u.username, c.worker,
                    COALESCE(c.started_at, c.queued_at) AS started_at
             FROM checks c JOIN solutions s ON s.id = c.solution_id
             JOIN tasks t ON t.id = s.task_id JOIN users u ON u.id = s.author_id
             WHERE c.status = 'running' ORDER BY c.started_at",
        )
        .fetch_all(pool)
        .await?;
        let finished: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT lane, finished_at - queued_at FROM checks
             WHERE status = 'done' AND finished_at >= $1",
        )
        .bind(hour_ago)
        .fetch_all(pool)
        .await?;
        let mut turnaround: Vec<i64> = finished
            .iter()
            .filter(|(lane, _)| *lane == 0)
            .map(|(_, took)| *took)
            .collect();
        turnaround.sort_unstable();
        let instances = sqlx::query_as(
            "SELECT instance AS name, workers, heartbeat_at FROM worker_instances ORDER BY instance",
        )
        .fetch_all(pool)
        .await?;
        let last_import = sqlx::query_as(
            "SELECT id, trigger, status, requested_at, error FROM import_runs ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(pool)
        .await?;
        let errors = sqlx::query_as(
            "SELECT s.id AS solution_id, t.title, s.number, u.username, c.finished_at,
                    c.staff_message
             FROM checks c JOIN solutions s ON s.id = c.solution_id
             JOIN tasks t ON t.id = s.task_id JOIN users u ON u.id = s.author_id
             WHERE c.verdict = 'infrastructure_error' AND c.finished_at >= $1
             ORDER BY c.finished_at DESC LIMIT $2",
        )
        .bind(now.millis() - 24 * HOUR_MS)
        .bind(ERRORS_SHOWN)
        .fetch_all(pool)
        .await?;
        Ok(Dashboard {
            queued_students,
            queued_staff,
            running,
            finished_last_hour: i64::try_from(finished.len()).unwrap_or(i64::MAX),
            median_secs: quantile(&turnaround, 0.5),
            p95_secs: quantile(&turnaround, 0.95),
            instances,
            health,
            last_import,
            errors,
        })
    })
}

/// How long ago `at` was, in words ("4 min 09 s").
#[must_use]
pub fn ago(at: Timestamp, now: Timestamp) -> String {
    duration_words(now.millis() - at.millis())
}

/// Whether an instance's heartbeat is recent enough to count it as running.
#[must_use]
pub fn is_live(instance: &Instance, now: Timestamp) -> bool {
    now.millis() - instance.heartbeat_at.millis() < FRESH_MS
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let values: Vec<i64> = (1..=20).map(|seconds| seconds * 1000).collect();
        assert_eq!(quantile(&values, 0.5), Some(10.0));
        assert_eq!(quantile(&values, 0.95), Some(19.0));
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[3000], 0.95), Some(3.0));
    }
}
