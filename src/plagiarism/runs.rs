//! Plagiarism runs in the database: requesting, claiming across instances (with takeover of a
//! dead instance's run), progress and the outcome.

use std::fmt;

use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// A running run whose heartbeat is older than this belongs to an instance that went away:
/// another instance takes it over and starts it again.
pub const DEAD_AFTER: time::Duration = time::Duration::minutes(2);

/// What a run compares: one task, or every task of a category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Task(i64),
    Category(i64),
}

/// Where a run is (`plagiarism_runs.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Requested, waiting for an instance to take it.
    Pending,
    /// Taken by an instance, which keeps its heartbeat fresh.
    Running,
    Succeeded,
    Failed,
}

impl Status {
    /// Whether the run has ended.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        })
    }
}

/// One run as pages show it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Run {
    pub id: i64,
    pub task_id: Option<i64>,
    pub category_id: Option<i64>,
    /// The task's title or the category's name.
    pub scope: String,
    /// 0 to 1.
    pub min_similarity: f64,
    pub requested_by: Option<String>,
    pub requested_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub status: Status,
    pub worker: String,
    pub tasks_done: i64,
    pub tasks_total: i64,
    pub solutions: i64,
    pub full_comparisons: i64,
    pub error: String,
    /// Pairs found so far.
    pub pairs: i64,
}

const SELECT: &str = "SELECT r.id, r.task_id, r.category_id,
        COALESCE(t.title, c.name, '') AS scope, r.min_similarity, u.username AS requested_by,
        r.requested_at, r.started_at, r.finished_at, r.status, r.worker, r.tasks_done,
        r.tasks_total, r.solutions, r.full_comparisons, r.error,
        (SELECT COUNT(*) FROM plagiarism_pairs p WHERE p.run_id = r.id) AS pairs
    FROM plagiarism_runs r
    LEFT JOIN tasks t ON t.id = r.task_id
    LEFT JOIN categories c ON c.id = r.category_id
    LEFT JOIN users u ON u.id = r.requested_by";

/// Queues a run of `scope` keeping pairs of at least `min_similarity` (0 to 1); returns its id.
pub async fn request(
    db: &DbPool,
    scope: Scope,
    min_similarity: f64,
    requested_by: Option<i64>,
) -> Result<i64, sqlx::Error> {
    let (task, category) = match scope {
        Scope::Task(id) => (Some(id), None),
        Scope::Category(id) => (None, Some(id)),
    };
    let sql = "INSERT INTO plagiarism_runs
                   (task_id, category_id, min_similarity, requested_by, requested_at, status)
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(task)
        .bind(category)
        .bind(min_similarity)
        .bind(requested_by)
        .bind(Timestamp::now())
        .bind(Status::Pending)
        .fetch_one(pool)
        .await)
}

/// Takes the oldest waiting run, or a running one whose instance stopped beating; returns it.
pub async fn claim(db: &DbPool, worker: &str) -> Result<Option<ClaimedRun>, sqlx::Error> {
    let now = Timestamp::now();
    // The condition is repeated on the row itself: of two instances racing for one run only one
    // updates it (PostgreSQL re-evaluates it after the row lock; SQLite serialises writers).
    let sql = "UPDATE plagiarism_runs
               SET status = $3, started_at = $1, heartbeat_at = $1, worker = $5,
                   tasks_done = 0, tasks_total = 0, solutions = 0, full_comparisons = 0
               WHERE id = (SELECT MIN(id) FROM plagiarism_runs
                           WHERE status = $4 OR (status = $3 AND heartbeat_at < $2))
                 AND (status = $4 OR (status = $3 AND heartbeat_at < $2))
               RETURNING id, task_id, category_id, min_similarity";
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(now)
        .bind(now.plus(-DEAD_AFTER))
        .bind(Status::Running)
        .bind(Status::Pending)
        .bind(worker)
        .fetch_optional(pool)
        .await)
}

/// A claimed run: what to compare and how.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedRun {
    pub id: i64,
    pub task_id: Option<i64>,
    pub category_id: Option<i64>,
    pub min_similarity: f64,
}

/// Tells other instances that the run is alive, with the comparisons made so far.
pub async fn heartbeat(db: &DbPool, id: i64, full_comparisons: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE plagiarism_runs SET heartbeat_at = $2, full_comparisons = $3 WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(Timestamp::now())
        .bind(full_comparisons)
        .execute(pool)
        .await
        .map(drop))
}

/// How far a run has come.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub tasks_done: i64,
    pub tasks_total: i64,
    pub solutions: i64,
    pub full_comparisons: i64,
}

/// Stores the run's progress.
pub async fn record_progress(db: &DbPool, id: i64, progress: Progress) -> Result<(), sqlx::Error> {
    let sql = "UPDATE plagiarism_runs SET tasks_done = $2, tasks_total = $3, solutions = $4,
                   full_comparisons = $5, heartbeat_at = $6
               WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(progress.tasks_done)
        .bind(progress.tasks_total)
        .bind(progress.solutions)
        .bind(progress.full_comparisons)
        .bind(Timestamp::now())
        .execute(pool)
        .await
        .map(drop))
}

/// Ends a run: succeeded without `error`, failed with it.
pub async fn finish(db: &DbPool, id: i64, error: Option<&str>) -> Result<(), sqlx::Error> {
    let sql = "UPDATE plagiarism_runs SET status = $2, error = $3, finished_at = $4 WHERE id = $1";
    let status = if error.is_some() {
        Status::Failed
    } else {
        Status::Succeeded
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
pub async fn get(db: &DbPool, id: i64) -> Result<Option<Run>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE r.id = $1");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// The most recent runs, newest first.
pub async fn recent(db: &DbPool, limit: i64) -> Result<Vec<Run>, sqlx::Error> {
    let sql = format!("{SELECT} ORDER BY r.id DESC LIMIT $1");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(pool)
        .await)
}
