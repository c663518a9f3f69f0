//! Telling pages that a solution's check changed, over the event bus.

use crate::db::DbPool;
use crate::events::Bus;
use crate::on_pool;

/// The bus topic of a solution's changes: `solution:<id>`.
#[must_use]
pub fn topic(solution_id: i64) -> String {
    format!("solution:{solution_id}")
}

/// Publishes the current state of the check's solution (the payload is its status; the
/// database stays the record, pages re-read it).
pub async fn check_changed(db: &DbPool, bus: &Bus, check_id: i64) {
    let sql = "SELECT s.id, s.status FROM solutions s JOIN checks c ON c.solution_id = s.id WHERE c.id = $1";
    let row: Result<Option<(i64, String)>, _> =
        on_pool!(db, pool => sqlx::query_as(sql).bind(check_id).fetch_optional(pool).await);
    match row {
        Ok(Some((solution_id, status))) => bus.publish(&topic(solution_id), status).await,
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "reading a check's state for its event failed"),
    }
}
