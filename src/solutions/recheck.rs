//! Checking solutions again (staff): a new check of each in the staff lane, which never delays
//! students' checks; cancelling a check; and taking solutions away for good.

use super::state::SolutionStatus;
use super::{Doorbell, events, queue};
use crate::db::DbPool;
use crate::events::Bus;
use crate::on_pool;

/// Queues a new check of each solution, tells their pages and wakes the workers once; how many
/// were queued (a solution whose check is queued or running already is left as it is).
pub async fn check_again(
    db: &DbPool,
    bus: &Bus,
    doorbell: &Doorbell,
    solution_ids: &[i64],
) -> Result<usize, sqlx::Error> {
    let mut queued = 0;
    for &id in solution_ids {
        if queue::rerun(db, id).await? {
            events::solution_changed(bus, id, SolutionStatus::Queued).await;
            queued += 1;
        }
    }
    if queued > 0 {
        doorbell.ring(bus).await;
    }
    Ok(queued)
}

/// Cancels a solution's queued or running check and tells its page and the queue's watchers; a
/// running check's worker notices by its heartbeat, a queued one has no worker to tell. Whether
/// there was one.
pub async fn cancel(db: &DbPool, bus: &Bus, solution_id: i64) -> Result<bool, sqlx::Error> {
    let cancelled = queue::cancel(db, solution_id).await?;
    if cancelled {
        events::solution_changed(bus, solution_id, SolutionStatus::Cancelled).await;
        events::queue_moved(bus).await;
    }
    Ok(cancelled)
}

/// Deletes a solution with its files and checks (a running check is cancelled first, so its
/// worker stops and removes its container); whether it existed.
pub async fn delete(db: &DbPool, bus: &Bus, solution_id: i64) -> Result<bool, sqlx::Error> {
    if queue::cancel(db, solution_id).await? {
        events::queue_moved(bus).await;
    }
    let deleted = on_pool!(db, |pool| sqlx::query(
        "DELETE FROM solutions WHERE id = $1"
    )
    .bind(solution_id)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(deleted > 0)
}
