//! Import runs in the database: the coalescing queue, claiming across instances, and results.

use std::fmt;

use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// A running run whose heartbeat is older than this counts as dead (its instance went away).
pub const DEAD_AFTER: time::Duration = time::Duration::minutes(5);

/// What asked for an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Webhook,
    Admin,
    Schedule,
    Command,
}

impl Trigger {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Admin => "admin",
            Self::Schedule => "schedule",
            Self::Command => "command",
        }
    }
}

/// Where a run is (`import_runs.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Requested, waiting for an instance to take it (at most one run waits).
    Pending,
    /// Taken by an instance, which keeps its heartbeat fresh.
    Running,
    Succeeded,
    Failed,
}

impl RunStatus {
    /// Whether the run has ended.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }

    /// The stored word, e.g. `succeeded`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a run's checker image fared (`import_runs.image_status`); `None` before the build.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ImageStatus {
    #[sqlx(rename = "")]
    #[serde(rename = "")]
    None,
    /// Built from the repository's Dockerfile.
    Built,
    /// An image of the same build context existed already.
    Reused,
    Failed,
}

impl ImageStatus {
    /// The stored word, e.g. `built` (empty before the build).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "",
            Self::Built => "built",
            Self::Reused => "reused",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for ImageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One import run as stored.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ImportRun {
    pub id: i64,
    pub trigger: String,
    pub requested_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub status: RunStatus,
    pub commit_hash: String,
    pub commit_message: String,
    pub make_output: String,
    pub image_tag: String,
    pub image_status: ImageStatus,
    pub image_log: String,
    pub error: String,
}

/// What happened to one task directory in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TaskResult {
    pub directory: String,
    pub outcome: String,
    pub reason: String,
}

const COLUMNS: &str = "id, trigger, requested_at, started_at, finished_at, status, commit_hash, \
    commit_message, make_output, image_tag, image_status, image_log, error";

/// Queues an import unless one is waiting already; returns the waiting run's id either way.
pub async fn request(db: &DbPool, trigger: Trigger) -> Result<i64, sqlx::Error> {
    // The partial unique index `import_runs_one_pending` makes concurrent requests coalesce.
    let insert = "INSERT INTO import_runs (trigger, requested_at, status) VALUES ($1, $2, $3)
                  ON CONFLICT DO NOTHING";
    on_pool!(db, |pool| sqlx::query(insert)
        .bind(trigger.as_str())
        .bind(Timestamp::now())
        .bind(RunStatus::Pending)
        .execute(pool)
        .await
        .map(drop))?;
    let pending = "SELECT id FROM import_runs WHERE status = $1";
    let id: Option<i64> = on_pool!(db, |pool| sqlx::query_scalar(pending)
        .bind(RunStatus::Pending)
        .fetch_optional(pool)
        .await)?;
    match id {
        Some(id) => Ok(id),
        // Claimed between the two statements: it is running now, which serves the request too.
        None => {
            on_pool!(db, |pool| sqlx::query_scalar(
                "SELECT MAX(id) FROM import_runs"
            )
            .fetch_one(pool)
            .await)
        }
    }
}

/// Takes the waiting run if no live run is going on anywhere; returns its id.
pub async fn claim(db: &DbPool) -> Result<Option<i64>, sqlx::Error> {
    let now = Timestamp::now();
    let dead = "UPDATE import_runs SET status = $3, finished_at = $1,
                    error = 'abandoned: the instance running it stopped answering'
                WHERE status = $4 AND heartbeat_at < $2";
    on_pool!(db, |pool| sqlx::query(dead)
        .bind(now)
        .bind(now.plus(-DEAD_AFTER))
        .bind(RunStatus::Failed)
        .bind(RunStatus::Running)
        .execute(pool)
        .await
        .map(drop))?;
    // `status = pending` is re-checked on the row itself, so of two instances racing for the
    // same run only one updates it (PostgreSQL re-evaluates it after the row lock; SQLite
    // serialises writers).
    let claim = "UPDATE import_runs SET status = $2, started_at = $1, heartbeat_at = $1
                 WHERE status = $3
                   AND NOT EXISTS (SELECT 1 FROM import_runs r WHERE r.status = $2)
                 RETURNING id";
    on_pool!(db, |pool| sqlx::query_scalar(claim)
        .bind(now)
        .bind(RunStatus::Running)
        .bind(RunStatus::Pending)
        .fetch_optional(pool)
        .await)
}

/// Tells other instances that the run is still alive.
pub async fn heartbeat(db: &DbPool, id: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE import_runs SET heartbeat_at = $2 WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(Timestamp::now())
        .execute(pool)
        .await
        .map(drop))
}

/// Stores the checked-out commit and the output of `make`.
pub async fn record_checkout(
    db: &DbPool,
    id: i64,
    commit_hash: &str,
    commit_message: &str,
    make_output: &str,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE import_runs SET commit_hash = $2, commit_message = $3, make_output = $4 WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(commit_hash)
        .bind(commit_message)
        .bind(make_output)
        .execute(pool)
        .await
        .map(drop))
}

/// Stores how the checker image fared.
pub async fn record_image(
    db: &DbPool,
    id: i64,
    tag: &str,
    status: ImageStatus,
    log: &str,
) -> Result<(), sqlx::Error> {
    let sql =
        "UPDATE import_runs SET image_tag = $2, image_status = $3, image_log = $4 WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(tag)
        .bind(status)
        .bind(log)
        .execute(pool)
        .await
        .map(drop))
}

/// Records what happened to one task directory.
pub async fn record_result(
    db: &DbPool,
    id: i64,
    directory: &str,
    outcome: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO import_task_results (run_id, directory, outcome, reason) VALUES ($1, $2, $3, $4)";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(directory)
        .bind(outcome)
        .bind(reason)
        .execute(pool)
        .await
        .map(drop))
}

/// Ends a run: succeeded without `error`, failed with it.
pub async fn finish(db: &DbPool, id: i64, error: Option<&str>) -> Result<(), sqlx::Error> {
    let sql = "UPDATE import_runs SET status = $2, error = $3, finished_at = $4 WHERE id = $1";
    let status = if error.is_some() {
        RunStatus::Failed
    } else {
        RunStatus::Succeeded
    };
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(status)
        .bind(error.unwrap_or_default())
        .bind(Timestamp::now())
        .execute(pool)
        .await
        .map(drop))
}

/// The run with this id.
pub async fn get(db: &DbPool, id: i64) -> Result<Option<ImportRun>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM import_runs WHERE id = $1");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// The most recent runs, newest first.
pub async fn recent(db: &DbPool, limit: i64) -> Result<Vec<ImportRun>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM import_runs ORDER BY id DESC LIMIT $1");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

/// What happened to each task directory in a run, by directory.
pub async fn results(db: &DbPool, id: i64) -> Result<Vec<TaskResult>, sqlx::Error> {
    let sql = "SELECT directory, outcome, reason FROM import_task_results WHERE run_id = $1
               ORDER BY directory";
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_all(pool)
        .await)
}

/// The checker image checks use: the newest one a run built or reused successfully.
pub async fn current_image(db: &DbPool) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT image_tag FROM import_runs WHERE image_status IN ($1, $2)
               ORDER BY id DESC LIMIT 1";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(ImageStatus::Built)
        .bind(ImageStatus::Reused)
        .fetch_optional(pool)
        .await)
}

/// When the newest run was requested, for the schedule.
pub async fn last_requested(db: &DbPool) -> Result<Option<Timestamp>, sqlx::Error> {
    let sql = "SELECT MAX(requested_at) FROM import_runs";
    on_pool!(db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await)
}
