//! Regrades with a preview (issue 14): a task's students' latest solutions checked again in the
//! shadow lane ([`SHADOW_LANE`]), which changes nothing students see, until staff publish the
//! new verdicts (the shadow checks become staff re-runs) or discard them.

use serde::Serialize;

use super::queue::{SHADOW_LANE, mirror_finished_sql};
use super::state::CheckStatus;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::runner::junit::{TestSuite, test_counts};
use crate::runner::verdict::Verdict;

/// Where a regrade stands (`regrades.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "TEXT", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RegradeStatus {
    /// Its shadow checks run or ran; nothing is visible yet.
    Preview,
    /// Its verdicts were made the solutions' own.
    Published,
    /// Dropped: its checks stay hidden.
    Discarded,
}

/// A regrade with the progress of its shadow checks.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Regrade {
    pub id: i64,
    pub task_id: i64,
    pub task_title: String,
    pub requested_by: Option<String>,
    pub requested_at: Timestamp,
    pub status: RegradeStatus,
    pub decided_at: Option<Timestamp>,
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub cancelled: i64,
}

impl Regrade {
    /// Whether the page stops changing: decided, or every shadow check ended.
    #[must_use]
    pub fn is_final(&self) -> bool {
        self.status != RegradeStatus::Preview || self.queued + self.running == 0
    }
}

const SELECT: &str = "SELECT r.id, r.task_id, t.title AS task_title, u.username AS requested_by,
        r.requested_at, r.status, r.decided_at,
        COALESCE(SUM(CASE WHEN c.status = 'queued' THEN 1 ELSE 0 END), 0) AS queued,
        COALESCE(SUM(CASE WHEN c.status = 'running' THEN 1 ELSE 0 END), 0) AS running,
        COALESCE(SUM(CASE WHEN c.status = 'done' THEN 1 ELSE 0 END), 0) AS done,
        COALESCE(SUM(CASE WHEN c.status = 'cancelled' THEN 1 ELSE 0 END), 0) AS cancelled
    FROM regrades r JOIN tasks t ON t.id = r.task_id
    LEFT JOIN users u ON u.id = r.requested_by
    LEFT JOIN checks c ON c.regrade_id = r.id";

const GROUPED: &str =
    "GROUP BY r.id, r.task_id, t.title, u.username, r.requested_at, r.status, r.decided_at";

/// Regrade `id`, if it exists.
pub async fn get(db: &DbPool, id: i64) -> Result<Option<Regrade>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE r.id = $1 {GROUPED}");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// The newest `limit` regrades, newest first.
pub async fn recent(db: &DbPool, limit: i64) -> Result<Vec<Regrade>, sqlx::Error> {
    let sql = format!("{SELECT} {GROUPED} ORDER BY r.id DESC LIMIT $1");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(pool)
        .await)
}

/// The open preview of task `task_id`, if there is one.
pub async fn open_of(db: &DbPool, task_id: i64) -> Result<Option<i64>, sqlx::Error> {
    let sql = "SELECT id FROM regrades WHERE task_id = $1 AND status = 'preview'";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(task_id)
        .fetch_optional(pool)
        .await)
}

/// What [`start`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Started {
    /// Regrade `id` with `checks` shadow checks queued.
    Queued { id: i64, checks: u64 },
    /// Nothing: regrade `0` of the task is still a preview.
    StillOpen(i64),
    /// Nothing: no student has a solution to check.
    NoSolutions,
}

/// Each student's latest solution of a task that is checked at all (exam mode's saved ones are
/// not; staff's own never count, as in the statistics): `$3` the task.
const LATEST_OF_STUDENTS: &str =
    "FROM solutions s JOIN users u ON u.id = s.author_id AND NOT u.is_staff
    WHERE s.task_id = $3 AND s.status <> 'saved'
      AND s.number = (SELECT MAX(s2.number) FROM solutions s2
                      WHERE s2.task_id = s.task_id AND s2.author_id = s.author_id
                        AND s2.status <> 'saved')";

/// Opens a regrade of task `task_id` for `requested_by`: one shadow check of each student's
/// latest solution, queued after every other check.
pub async fn start(db: &DbPool, task_id: i64, requested_by: i64) -> Result<Started, sqlx::Error> {
    if let Some(open) = open_of(db, task_id).await? {
        return Ok(Started::StillOpen(open));
    }
    let now = Timestamp::now();
    let queue = format!(
        "INSERT INTO checks (solution_id, author_id, lane, not_before, queued_at, regrade_id)
         SELECT s.id, s.author_id, {SHADOW_LANE}, $2, $2, $1 {LATEST_OF_STUDENTS}"
    );
    let started: Result<Started, sqlx::Error> = on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO regrades (task_id, requested_by, requested_at, status)
             VALUES ($1, $2, $3, 'preview') RETURNING id",
        )
        .bind(task_id)
        .bind(requested_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let checks = sqlx::query(&queue)
            .bind(id)
            .bind(now)
            .bind(task_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if checks == 0 {
            return Ok(Started::NoSolutions);
        }
        tx.commit().await?;
        Ok(Started::Queued { id, checks })
    });
    match started {
        // Another start of the same task came first (the unique index on open previews).
        Err(error)
            if error
                .as_database_error()
                .is_some_and(sqlx::error::DatabaseError::is_unique_violation) =>
        {
            Ok(open_of(db, task_id)
                .await?
                .map_or(Started::NoSolutions, Started::StillOpen))
        }
        other => other,
    }
}

/// A finished shadow check beside the verdict its solution had before it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Outcome {
    pub solution_id: i64,
    pub number: i64,
    pub student: String,
    /// The newest finished visible check's verdict older than the shadow check.
    pub before: Option<Verdict>,
    pub after: Option<Verdict>,
}

/// The finished shadow checks of regrade `id` (published ones too), by student.
pub async fn outcomes(db: &DbPool, id: i64) -> Result<Vec<Outcome>, sqlx::Error> {
    let sql = format!(
        "SELECT s.id AS solution_id, s.number, u.username AS student, c.verdict AS after,
                (SELECT p.verdict FROM checks p WHERE p.solution_id = s.id AND p.id < c.id
                   AND p.lane <> {SHADOW_LANE} AND p.status = '{done}'
                 ORDER BY p.id DESC LIMIT 1) AS before
         FROM checks c JOIN solutions s ON s.id = c.solution_id JOIN users u ON u.id = s.author_id
         WHERE c.regrade_id = $1 AND c.status = '{done}' ORDER BY u.username, s.id",
        done = CheckStatus::Done,
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_all(pool)
        .await)
}

/// The images regrade `id`'s checks ran in.
pub async fn images(db: &DbPool, id: i64) -> Result<Vec<String>, sqlx::Error> {
    let sql =
        "SELECT DISTINCT image FROM checks WHERE regrade_id = $1 AND image <> '' ORDER BY image";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(id)
        .fetch_all(pool)
        .await)
}

/// Cancels a regrade's queued and running shadow checks (their workers stop at the next
/// heartbeat).
fn cancel_pending_sql() -> String {
    format!(
        "UPDATE checks SET status = '{}', finished_at = $2
         WHERE regrade_id = $1 AND lane = {SHADOW_LANE} AND status IN ('{}', '{}')",
        CheckStatus::Cancelled,
        CheckStatus::Queued,
        CheckStatus::Running,
    )
}

/// Ends preview `id` as `to`; `false` when it is no preview (any more).
fn decide_sql() -> &'static str {
    "UPDATE regrades SET status = $2, decided_at = $3 WHERE id = $1 AND status = 'preview'"
}

/// Publishes preview `id`: its finished shadow checks (not those that failed in the
/// infrastructure) become staff re-runs whose verdicts and test counts their solutions show;
/// unfinished ones are cancelled. The solutions given a new check, or `None` when
/// `id` is no open preview.
pub async fn publish(db: &DbPool, id: i64) -> Result<Option<Vec<i64>>, sqlx::Error> {
    let now = Timestamp::now();
    let (cancel, mirror) = (cancel_pending_sql(), mirror_finished_sql());
    let reveal = format!(
        "UPDATE checks SET lane = 1 WHERE regrade_id = $1 AND lane = {SHADOW_LANE}
         AND status = '{}' AND verdict <> '{}' RETURNING id, solution_id, verdict, reports",
        CheckStatus::Done,
        Verdict::InfrastructureError,
    );
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let decided = sqlx::query(decide_sql())
            .bind(id)
            .bind(RegradeStatus::Published)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if decided == 0 {
            return Ok(None);
        }
        sqlx::query(&cancel)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let revealed: Vec<(i64, i64, Verdict, String)> =
            sqlx::query_as(&reveal).bind(id).fetch_all(&mut *tx).await?;
        let mut solutions = Vec::new();
        for (check, solution, verdict, reports) in revealed {
            let suites: Vec<TestSuite> = serde_json::from_str(&reports).unwrap_or_default();
            let (total, passed) = test_counts(&suites);
            sqlx::query(&mirror)
                .bind(check)
                .bind(verdict)
                .bind(total)
                .bind(passed)
                .execute(&mut *tx)
                .await?;
            solutions.push(solution);
        }
        tx.commit().await?;
        Ok(Some(solutions))
    })
}

/// Discards preview `id`: unfinished shadow checks are cancelled, finished ones stay hidden.
/// `false` when `id` is no open preview.
pub async fn discard(db: &DbPool, id: i64) -> Result<bool, sqlx::Error> {
    let now = Timestamp::now();
    let cancel = cancel_pending_sql();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let decided = sqlx::query(decide_sql())
            .bind(id)
            .bind(RegradeStatus::Discarded)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if decided == 0 {
            return Ok(false);
        }
        sqlx::query(&cancel)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    })
}
