//! The check runs staff look into: every run of the check queue, filtered (status, lane, verdict,
//! task, worker, queued between), newest first, a page at a time by id (keyset); one run with
//! everything it recorded.

use serde::Serialize;

use super::keyset::Keyed;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::runner::verdict::Verdict;
use crate::solutions::check_view::{self, CheckView};
use crate::solutions::state::CheckStatus;

/// Which checks a list shows (every part optional).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<CheckStatus>,
    /// 0: students' checks, 1: staff re-runs.
    pub lane: Option<i64>,
    pub verdict: Option<Verdict>,
    pub task_id: Option<i64>,
    /// The worker's name (`instance/1`), exactly.
    pub worker: Option<String>,
    /// Queued at or after.
    pub from: Option<Timestamp>,
    /// Queued before.
    pub to: Option<Timestamp>,
}

/// A row of the list.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub solution_id: i64,
    pub number: i64,
    pub username: String,
    pub slug: String,
    pub title: String,
    pub lane: i64,
    pub status: CheckStatus,
    pub verdict: Option<Verdict>,
    pub worker: String,
    pub queued_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub duration_ms: Option<i64>,
    pub attempts: i64,
}

impl Keyed for Listed {
    fn key(&self) -> i64 {
        self.id
    }
}

/// A value bound to a condition's placeholder.
enum Value {
    Number(i64),
    Text(String),
}

/// The `AND …` conditions of `filter` with their values, `$1` first: only those given, so that
/// each backend plans for them. With 100,000 checks, a rare status is found through
/// `checks_queue`, everything else by walking `checks_list` (migration 0012) newest first; behind
/// `$n IS NULL OR` guards SQLite read every check's row, output and all (80 ms), and so did
/// PostgreSQL's generic plan (up to 250 ms).
fn conditions(filter: &Filter, before: Option<i64>) -> (String, Vec<Value>) {
    let given = [
        (
            "c.status = ?",
            filter.status.map(|s| Value::Text(s.to_string())),
        ),
        ("c.lane = ?", filter.lane.map(Value::Number)),
        (
            "c.verdict = ?",
            filter.verdict.map(|v| Value::Text(v.as_str().to_owned())),
        ),
        (
            "c.solution_id IN (SELECT t.id FROM solutions t WHERE t.task_id = ?)",
            filter.task_id.map(Value::Number),
        ),
        ("c.worker = ?", filter.worker.clone().map(Value::Text)),
        (
            "c.queued_at >= ?",
            filter.from.map(|at| Value::Number(at.millis())),
        ),
        (
            "c.queued_at < ?",
            filter.to.map(|at| Value::Number(at.millis())),
        ),
        ("c.id < ?", before.map(Value::Number)),
    ];
    let mut sql = String::new();
    let mut values = Vec::new();
    for (condition, value) in given {
        if let Some(value) = value {
            values.push(value);
            sql.push_str(" AND ");
            sql.push_str(&condition.replace('?', &format!("${}", values.len())));
        }
    }
    (sql, values)
}

/// Up to `limit` checks matching `filter` with ids below `before`, newest first.
pub async fn list(
    db: &DbPool,
    filter: &Filter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Listed>, sqlx::Error> {
    let (conditions, values) = conditions(filter, before);
    // The page's ids first, then their rows: joined before the limit, SQLite joined every
    // matching check to its solution, task and author before sorting (300 ms for `done`).
    let sql = format!(
        "SELECT c.id, c.solution_id, s.number, u.username, k.slug, k.title, c.lane, c.status,
                c.verdict, c.worker, c.queued_at, c.started_at, c.finished_at, c.duration_ms,
                c.attempts
         FROM (SELECT c.id FROM checks c WHERE TRUE{conditions} ORDER BY c.id DESC LIMIT ${})
              page
         JOIN checks c ON c.id = page.id JOIN solutions s ON s.id = c.solution_id
         JOIN tasks k ON k.id = s.task_id JOIN users u ON u.id = s.author_id
         ORDER BY c.id DESC",
        values.len() + 1
    );
    on_pool!(db, |pool| {
        let mut query = sqlx::query_as(&sql);
        for value in &values {
            query = match value {
                Value::Number(number) => query.bind(*number),
                Value::Text(text) => query.bind(text.as_str()),
            };
        }
        query.bind(limit).fetch_all(pool).await
    })
}

/// One check with everything it recorded.
#[derive(Debug, sqlx::FromRow)]
pub struct Detail {
    #[sqlx(flatten)]
    pub check: CheckView,
    pub solution_id: i64,
    pub number: i64,
    pub username: String,
    pub title: String,
    pub worker: String,
    pub image: String,
    pub heartbeat_at: Option<Timestamp>,
}

/// Check `id`, if it exists.
pub async fn find(db: &DbPool, id: i64) -> Result<Option<Detail>, sqlx::Error> {
    let sql = format!(
        "SELECT {}, c.solution_id, s.number, u.username, k.title, c.worker, c.image,
                c.heartbeat_at
         FROM checks c JOIN solutions s ON s.id = c.solution_id
              JOIN tasks k ON k.id = s.task_id JOIN users u ON u.id = s.author_id
         WHERE c.id = $1",
        check_view::columns()
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
}
