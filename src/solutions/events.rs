//! Telling pages that a solution's check changed, that the queue moved, or that a solution was
//! handed in, over the event bus.

use super::state::SolutionStatus;
use crate::db::{DbPool, TaskId, UserId};
use crate::events::Bus;
use crate::on_pool;

/// The bus topic of "the check queue moved": a check started, ended, was cancelled or queued, so
/// every queued check's place and start estimate may have changed. One message per change, for
/// all instances; streams of queued solutions re-read their place on it (throttled).
pub const QUEUE_MOVED: &str = "queue";

/// The bus topic of a solution's changes: `solution:<id>`.
#[must_use]
pub fn topic(solution_id: i64) -> String {
    format!("solution:{solution_id}")
}

/// The bus topic of new solutions of one author for one task: `handed-in:<author>:<task>`.
#[must_use]
pub fn handed_in_topic(author_id: UserId, task_id: TaskId) -> String {
    format!("handed-in:{author_id}:{task_id}")
}

/// Publishes the current state of the check's solution (the payload is its status; the
/// database stays the record, pages re-read it).
pub async fn check_changed(db: &DbPool, bus: &Bus, check_id: i64) {
    let sql = "SELECT s.id, s.status FROM solutions s JOIN checks c ON c.solution_id = s.id WHERE c.id = $1";
    let row: Result<Option<(i64, SolutionStatus)>, _> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(check_id)
        .fetch_optional(pool)
        .await);
    match row {
        Ok(Some((solution_id, status))) => solution_changed(bus, solution_id, status).await,
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "reading a check's state for its event failed"),
    }
}

/// Publishes that solution `solution_id` now has `status`.
pub async fn solution_changed(bus: &Bus, solution_id: i64, status: SolutionStatus) {
    bus.publish(&topic(solution_id), status.as_str()).await;
}

/// Publishes that the queue moved (see [`QUEUE_MOVED`]).
pub async fn queue_moved(bus: &Bus) {
    bus.publish(QUEUE_MOVED, "").await;
}

/// Publishes that solution `number` of `author_id` for `task_id` was handed in, for open lists.
pub async fn handed_in(bus: &Bus, author_id: UserId, task_id: TaskId, number: i64) {
    bus.publish(&handed_in_topic(author_id, task_id), number.to_string())
        .await;
}
