//! A solution's latest check as its result page shows it: one read gives the status, the results
//! and the resource profile.

use serde::Serialize;

use super::queue::SHADOW_LANE;
use super::resources::{self, Earlier, Profile};
use super::state::CheckStatus;
use super::store::Solution;
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

/// The columns of the check `c` a [`CheckView`] begins with, before its output.
const STATE: &str = "c.id, c.status, c.lane, c.attempts, c.queued_at, c.started_at, \
    c.finished_at, c.verdict, c.exit_code";

/// The columns of a [`CheckView`] of the check `c`.
#[must_use]
pub fn columns() -> String {
    format!(
        "{STATE}, c.stdout, c.stderr, c.reports, c.notes, c.staff_message, {}",
        resources::COLUMNS
    )
}

/// The newest visible check of `solution` (never a shadow one), if it was ever checked, and the
/// latest finished check of each of the author's solutions to the task numbered below it, newest
/// first, at most [`resources::EARLIER`] (for the comparison of resources): one read for both.
pub async fn latest_and_earlier(
    db: &DbPool,
    solution: &Solution,
) -> Result<(Option<CheckView>, Vec<Earlier>), sqlx::Error> {
    // The earlier checks' output is not needed: only their verdicts and profiles.
    let earlier_columns = format!(
        "{STATE}, '' AS stdout, '' AS stderr, '' AS reports, '' AS notes, '' AS staff_message, {}",
        resources::COLUMNS
    );
    let sql = format!(
        "SELECT * FROM (SELECT {latest_columns}, s.number FROM checks c
                        JOIN solutions s ON s.id = c.solution_id
                        WHERE c.solution_id = $1 AND c.lane <> {SHADOW_LANE}
                        ORDER BY c.id DESC LIMIT 1) latest
         UNION ALL
         SELECT * FROM (SELECT {earlier_columns}, s.number FROM solutions s
                        JOIN checks c ON c.solution_id = s.id
                        WHERE s.author_id = $2 AND s.task_id = $3 AND s.number < $4
                        AND c.status = '{done}'
                        AND c.id = (SELECT MAX(c2.id) FROM checks c2
                                    WHERE c2.solution_id = s.id AND c2.lane <> {SHADOW_LANE})
                        ORDER BY s.number DESC LIMIT $5) earlier",
        latest_columns = columns(),
        done = CheckStatus::Done,
    );
    let rows: Vec<Row> = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(solution.id)
        .bind(solution.author_id)
        .bind(solution.task_id)
        .bind(solution.number)
        .bind(resources::EARLIER)
        .fetch_all(pool)
        .await)?;
    let mut latest = None;
    let mut earlier = Vec::new();
    for Row { check, number } in rows {
        if number == solution.number {
            latest = Some(check);
        } else {
            earlier.push(Earlier {
                number,
                verdict: check.verdict,
                profile: check.profile,
            });
        }
    }
    Ok((latest, earlier))
}

/// A row of [`latest_and_earlier`]: a check and the number of its solution.
#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(flatten)]
    check: CheckView,
    number: i64,
}
