//! The durable check queue: claiming fairly, heartbeats, results, retries, recovery.
//!
//! Claiming is a conditional `UPDATE … WHERE status = queued` on the chosen row, so two
//! workers (in any number of processes) never run the same check; a partial unique index allows
//! one running check per student. Both work the same on SQLite and PostgreSQL. (A `FOR UPDATE
//! SKIP LOCKED` select cannot be combined with the window function that orders students fairly.)
//!
//! Every write of a running check is fenced by its claim (worker and attempt, see [`Job`]): a
//! worker that lost its check (it paused, was taken for dead and the check was claimed again)
//! can neither beat for, finish nor requeue the new claimant's run. Heartbeats are written and
//! judged by the database's clock ([`super::recovery::db_now`]), never by the instances' own.

use super::recovery::db_now;
use super::state::{CheckStatus, SolutionStatus};
use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::runner::verdict::Verdict;

/// A claimed check, with what the worker needs to run it. `worker` and `attempts` together
/// are the claim: every claim counts an attempt, so no two claims of a check are equal.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    pub check_id: i64,
    pub solution_id: i64,
    pub worker: String,
    pub attempts: i64,
    /// How many earlier claims were handed back by a stopping instance ([`release`]).
    pub handbacks: i64,
    pub task_system_name: String,
    pub task_limits: String,
    pub task_staff_limits: String,
    /// When the check was queued (its wait ends with the claim).
    pub queued_at: Timestamp,
}

/// The lane of regrade previews' shadow checks ([`super::regrade`]): they come after both others,
/// and what students see (solutions' status and verdict, result pages, places, statistics)
/// never reads them.
pub const SHADOW_LANE: i64 = 2;

/// Checks in fair order. A student's check ranks by how many of their checks are queued, running
/// or finished in the last half hour before it: everyone's first check before anyone's second,
/// so one student submitting fifty times delays nobody else. Staff re-runs (lane 1) come after,
/// regrade previews' shadow checks (lane 2) last, ranked apart so they never move a student back.
/// `$1` is now, `$2` half an hour ago.
pub(super) fn ranked() -> String {
    format!(
        "
    WITH recent AS (
        SELECT c.id, c.solution_id, c.lane, c.status, c.not_before, c.author_id,
               ROW_NUMBER() OVER (PARTITION BY c.author_id, CASE WHEN c.lane = {shadow} THEN 1 ELSE 0 END
                                  ORDER BY c.id) AS rank
        FROM checks c WHERE c.status IN ('{queued}', '{running}') OR c.finished_at > $2
    ),
    queued AS (SELECT * FROM recent WHERE status = '{queued}')",
        queued = CheckStatus::Queued,
        running = CheckStatus::Running,
        shadow = SHADOW_LANE,
    )
}

/// The next candidates: queued checks due now whose student has no check running.
fn candidates_sql() -> String {
    format!(
        "{}
        SELECT q.id FROM queued q
        WHERE q.not_before <= $1
          AND NOT EXISTS (SELECT 1 FROM checks r WHERE r.status = '{}' AND r.author_id = q.author_id)
        ORDER BY q.lane, q.rank, q.id LIMIT 8",
        ranked(),
        CheckStatus::Running,
    )
}

/// How far back finished checks count for the fair order.
pub(super) const RECENT: time::Duration = time::Duration::minutes(30);

/// Claims the next check for `worker`, or `None` when nothing may run now.
pub async fn claim(db: &DbPool, worker: &str) -> Result<Option<Job>, sqlx::Error> {
    let now = Timestamp::now();
    let ranked = candidates_sql();
    let candidates: Vec<i64> = on_pool!(db, |pool| sqlx::query_scalar(&ranked)
        .bind(now)
        .bind(now.plus(-RECENT))
        .fetch_all(pool)
        .await)?;
    let sql = format!(
        "UPDATE checks SET status = '{}', worker = $2, started_at = $3, heartbeat_at = {},
                attempts = attempts + 1 WHERE id = $1 AND status = '{}'",
        CheckStatus::Running,
        db_now(db),
        CheckStatus::Queued,
    );
    for id in candidates {
        let sql = sql.as_str();
        let claimed = on_pool!(db, |pool| sqlx::query(sql)
            .bind(id)
            .bind(worker)
            .bind(now)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()));
        match claimed {
            Ok(1) => {
                set_solution_status(db, id, SolutionStatus::Running, None).await?;
                return job(db, id).await;
            }
            Ok(_) => {}
            // Another worker started this student's other check at the same moment.
            Err(error)
                if error
                    .as_database_error()
                    .is_some_and(sqlx::error::DatabaseError::is_unique_violation) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(None)
}

async fn job(db: &DbPool, check_id: i64) -> Result<Option<Job>, sqlx::Error> {
    let sql = "SELECT c.id AS check_id, c.solution_id, c.worker, c.attempts, c.handbacks, c.queued_at,
                      t.system_name AS task_system_name, t.limits AS task_limits,
                      t.staff_limits AS task_staff_limits
               FROM checks c JOIN solutions s ON s.id = c.solution_id JOIN tasks t ON t.id = s.task_id
               WHERE c.id = $1";
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(check_id)
        .fetch_optional(pool)
        .await)
}

/// The solution a check's state is mirrored onto: `$1`'s, unless the check is a shadow one.
fn mirrored_solution() -> String {
    format!("(SELECT solution_id FROM checks WHERE id = $1 AND lane <> {SHADOW_LANE})")
}

/// Mirrors a finished check's verdict and test counts onto its solution (`$1` the check, `$2`
/// the verdict, `$3` and `$4` tests total and passed), unless the check is a shadow one or a
/// newer visible check of the solution exists.
pub(super) fn mirror_finished_sql() -> String {
    format!(
        "UPDATE solutions SET status = '{}', verdict = $2, tests_total = $3, tests_passed = $4
         WHERE id = {} AND NOT EXISTS (SELECT 1 FROM checks n WHERE n.solution_id = solutions.id
                                       AND n.id > $1 AND n.lane <> {SHADOW_LANE})",
        SolutionStatus::Finished,
        mirrored_solution(),
    )
}

/// Mirrors a check's state onto its solution, for the lists (never a shadow check's).
pub(super) async fn set_solution_status(
    db: &DbPool,
    check_id: i64,
    status: SolutionStatus,
    verdict: Option<Verdict>,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "UPDATE solutions SET status = $2, verdict = $3 WHERE id = {}",
        mirrored_solution()
    );
    on_pool!(db, |pool| sqlx::query(&sql)
        .bind(check_id)
        .bind(status)
        .bind(verdict)
        .execute(pool)
        .await
        .map(drop))
}

/// The condition that a check is still running under `job`'s claim: `$1` its id, `$2` the
/// worker, `$3` the attempt.
fn held() -> String {
    format!(
        "id = $1 AND status = '{}' AND worker = $2 AND attempts = $3",
        CheckStatus::Running
    )
}

/// Says the worker is still at it; returns `false` when the check was cancelled meanwhile or
/// its claim was lost (taken for dead and claimed again).
pub async fn heartbeat(db: &DbPool, job: &Job) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE checks SET heartbeat_at = {} WHERE {}",
        db_now(db),
        held()
    );
    let done = on_pool!(db, |pool| sqlx::query(&sql)
        .bind(job.check_id)
        .bind(&job.worker)
        .bind(job.attempts)
        .execute(pool)
        .await
        .map(|d| d.rows_affected()))?;
    Ok(done == 1)
}

/// The result of a check that ran.
pub struct Finished<'a> {
    pub verdict: Verdict,
    pub exit_code: i64,
    pub duration_ms: i64,
    pub stdout: &'a str,
    pub stderr: &'a str,
    pub reports_json: &'a str,
    pub notes_json: &'a str,
    pub tests_total: i64,
    pub tests_passed: i64,
    pub image: &'a str,
    pub files: &'a [(String, Vec<u8>, bool)],
}

/// Stores a result; ignored (returns `false`) when the check no longer runs under this claim.
pub async fn finish(db: &DbPool, job: &Job, result: &Finished<'_>) -> Result<bool, sqlx::Error> {
    let now = Timestamp::now();
    let check_id = job.check_id;
    let sql = format!(
        "UPDATE checks SET status = '{}', finished_at = $4, verdict = $5, exit_code = $6, duration_ms = $7,
         stdout = $8, stderr = $9, reports = $10, notes = $11, image = $12 WHERE {}",
        CheckStatus::Done,
        held()
    );
    let mirror = mirror_finished_sql();
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let updated = sqlx::query(&sql)
            .bind(check_id)
            .bind(&job.worker)
            .bind(job.attempts)
            .bind(now)
            .bind(result.verdict)
            .bind(result.exit_code)
            .bind(result.duration_ms)
            .bind(result.stdout)
            .bind(result.stderr)
            .bind(result.reports_json)
            .bind(result.notes_json)
            .bind(result.image)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        for (name, content, truncated) in result.files {
            sqlx::query("INSERT INTO check_files (check_id, name, content, truncated) VALUES ($1, $2, $3, $4)")
                .bind(check_id).bind(name).bind(content).bind(*truncated)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(&mirror)
            .bind(check_id)
            .bind(result.verdict)
            .bind(result.tests_total)
            .bind(result.tests_passed)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Infrastructure failures before the check ends as an infrastructure error. Claims handed
/// back at shutdown ([`release`]) are not counted.
pub const MAX_ATTEMPTS: i64 = 5;

/// What became of a check after an infrastructure failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failed {
    /// Queued again with backoff.
    Retried,
    /// Ended as an infrastructure error after [`MAX_ATTEMPTS`].
    GaveUp,
    /// Nothing: the claim was lost, the check belongs to another run now (or was cancelled).
    NotHeld,
}

/// After an infrastructure failure: queue the check again with backoff, or give up after
/// [`MAX_ATTEMPTS`]; only while `job`'s claim holds.
pub async fn fail(db: &DbPool, job: &Job, staff_message: &str) -> Result<Failed, sqlx::Error> {
    let failures = job.attempts - job.handbacks;
    let (sql, at, outcome) = if failures < MAX_ATTEMPTS {
        let backoff = time::Duration::seconds(2_i64.pow(u32::try_from(failures).unwrap_or(5)));
        let sql = format!(
            "UPDATE checks SET status = '{}', worker = '', not_before = $4, staff_message = $5
             WHERE {}",
            CheckStatus::Queued,
            held()
        );
        (sql, Timestamp::now().plus(backoff), Failed::Retried)
    } else {
        let sql = format!(
            "UPDATE checks SET status = '{}', finished_at = $4, verdict = '{}',
             staff_message = $5 WHERE {}",
            CheckStatus::Done,
            Verdict::InfrastructureError,
            held()
        );
        (sql, Timestamp::now(), Failed::GaveUp)
    };
    let updated = on_pool!(db, |pool| sqlx::query(&sql)
        .bind(job.check_id)
        .bind(&job.worker)
        .bind(job.attempts)
        .bind(at)
        .bind(staff_message)
        .execute(pool)
        .await
        .map(|d| d.rows_affected()))?;
    match (updated, outcome) {
        (0, _) => Ok(Failed::NotHeld),
        (_, Failed::GaveUp) => {
            set_solution_status(
                db,
                job.check_id,
                SolutionStatus::Finished,
                Some(Verdict::InfrastructureError),
            )
            .await?;
            Ok(Failed::GaveUp)
        }
        (_, outcome) => {
            set_solution_status(db, job.check_id, SolutionStatus::Queued, None).await?;
            Ok(outcome)
        }
    }
}

/// Gives a check back to the queue, due at once, while `job`'s claim holds (this worker stops:
/// the process shuts down). Returns whether it did. The attempt counts as handed back, not failed.
pub async fn release(db: &DbPool, job: &Job) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE checks SET status = '{}', worker = '', not_before = $4, handbacks = handbacks + 1
         WHERE {}",
        CheckStatus::Queued,
        held()
    );
    let updated = on_pool!(db, |pool| sqlx::query(&sql)
        .bind(job.check_id)
        .bind(&job.worker)
        .bind(job.attempts)
        .bind(Timestamp::now())
        .execute(pool)
        .await
        .map(|d| d.rows_affected()))?;
    if updated == 1 {
        set_solution_status(db, job.check_id, SolutionStatus::Queued, None).await?;
    }
    Ok(updated == 1)
}

/// Cancels a solution's queued or running check (a regrade's shadow check stays, see
/// [`super::regrade`]); returns whether there was one.
pub async fn cancel(db: &DbPool, solution_id: i64) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE checks SET status = '{}', finished_at = $2
         WHERE solution_id = $1 AND lane <> {SHADOW_LANE} AND status IN ('{}', '{}') RETURNING id",
        CheckStatus::Cancelled,
        CheckStatus::Queued,
        CheckStatus::Running
    );
    let ids: Vec<i64> = on_pool!(db, |pool| sqlx::query_scalar(&sql)
        .bind(solution_id)
        .bind(Timestamp::now())
        .fetch_all(pool)
        .await)?;
    if let Some(id) = ids.first() {
        set_solution_status(db, *id, SolutionStatus::Cancelled, None).await?;
    }
    Ok(!ids.is_empty())
}

/// Queues a new check of a solution in the staff lane (a re-run); returns `false` if one is
/// queued or running already (a regrade's shadow check does not count).
pub async fn rerun(db: &DbPool, solution_id: i64) -> Result<bool, sqlx::Error> {
    let now = Timestamp::now();
    let sql = format!(
        "INSERT INTO checks (solution_id, author_id, lane, not_before, queued_at)
         SELECT id, author_id, 1, $2, $2 FROM solutions s WHERE id = $1
         AND NOT EXISTS (SELECT 1 FROM checks c WHERE c.solution_id = s.id AND c.lane <> {SHADOW_LANE}
                         AND c.status IN ('{}', '{}'))
         RETURNING id",
        CheckStatus::Queued,
        CheckStatus::Running
    );
    let ids: Vec<i64> = on_pool!(db, |pool| sqlx::query_scalar(&sql)
        .bind(solution_id)
        .bind(now)
        .fetch_all(pool)
        .await)?;
    if let Some(id) = ids.first() {
        set_solution_status(db, *id, SolutionStatus::Queued, None).await?;
    }
    Ok(!ids.is_empty())
}

/// Checks waiting for a worker, per lane (lanes without any are missing).
pub async fn depth_by_lane(db: &DbPool) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sql = "SELECT lane, COUNT(*) FROM checks WHERE status = $1 GROUP BY lane";
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(CheckStatus::Queued)
        .fetch_all(pool)
        .await)
}
