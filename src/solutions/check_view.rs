//! A solution's latest check as its result page shows it: one read gives the status, the results
//! and the resource profile.

use serde::Serialize;

use super::queue::SHADOW_LANE;
use super::resources::{self, Profile};
use super::state::CheckStatus;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::runner::verdict::Verdict;

/// The latest check of a solution, as the result page shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct CheckView {
    pub id: i64,
    pub status: CheckStatus,
    pub lane: i64,
    pub attempts: i64,
    pub queued_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub verdict: Option<Verdict>,
    pub exit_code: Option<i64>,
    pub duration_ms: Option<i64>,
    pub stdout: String,
    pub stderr: String,
    pub reports: String,
    pub notes: String,
    pub staff_message: String,
    /// What the check used against its limits (from the same row).
    #[sqlx(flatten)]
    #[serde(skip)]
    pub profile: Profile,
}

/// The columns of a [`CheckView`] of the check `c`.
#[must_use]
pub fn columns() -> String {
    format!(
        "c.id, c.status, c.lane, c.attempts, c.queued_at, c.started_at, c.finished_at, c.verdict,
         c.exit_code, c.stdout, c.stderr, c.reports, c.notes, c.staff_message, {}",
        resources::COLUMNS
    )
}

/// The newest visible check of a solution (never a shadow one), if it was ever checked.
pub async fn latest(db: &DbPool, solution_id: i64) -> Result<Option<CheckView>, sqlx::Error> {
    let sql = format!(
        "SELECT {} FROM checks c
         WHERE c.solution_id = $1 AND c.lane <> {SHADOW_LANE} ORDER BY c.id DESC LIMIT 1",
        columns()
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(solution_id)
        .fetch_optional(pool)
        .await)
}
