//! A check's resource profile in the database (issue 15): what it used and the limits it ran
//! under, stored with the check, and the peaks of a student's earlier checks of a task.

use std::time::Duration;

use crate::db::DbPool;
use crate::on_pool;
use crate::runner::sandbox::{Limits, Usage};
use crate::runner::verdict::Verdict;

use super::queue::Job;
use super::state::CheckStatus;

/// What one check used and what it was allowed; `None`: not measured, or no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Profile {
    /// Wall time from start to exit (or kill).
    pub duration_ms: Option<i64>,
    pub cpu_ms: Option<i64>,
    pub peak_memory_bytes: Option<i64>,
    pub peak_pids: Option<i64>,
    pub memory_limit_bytes: Option<i64>,
    pub pids_limit: Option<i64>,
    pub time_limit_ms: Option<i64>,
}

fn signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Profile {
    /// The profile of a run that took `duration` under `limits` and used `usage`. A check the
    /// kernel killed for memory (`oom_killed`) reached the memory limit, whatever the last
    /// sample before its death saw.
    #[must_use]
    pub fn of(usage: &Usage, limits: &Limits, duration: Duration, oom_killed: bool) -> Self {
        let mut usage = *usage;
        if oom_killed && limits.memory_bytes > 0 {
            usage.peak_memory_bytes = usage.peak_memory_bytes.max(Some(limits.memory_bytes));
        }
        Self {
            duration_ms: Some(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
            cpu_ms: usage.cpu_ms.map(signed),
            peak_memory_bytes: usage.peak_memory_bytes.map(signed),
            peak_pids: usage.peak_processes.map(signed),
            // 0 (and, for processes, anything below) is "no limit" in `Limits`.
            memory_limit_bytes: Some(signed(limits.memory_bytes)).filter(|bytes| *bytes > 0),
            pids_limit: Some(limits.processes).filter(|pids| *pids > 0),
            time_limit_ms: Some(i64::try_from(limits.wall_time.as_millis()).unwrap_or(i64::MAX)),
        }
    }

    /// Whether any use was read (the limits are always known).
    #[must_use]
    pub fn measured(&self) -> bool {
        self.cpu_ms.is_some() || self.peak_memory_bytes.is_some() || self.peak_pids.is_some()
    }
}

/// Stores `profile` on the claimed check of `job`; nothing when the claim was lost meanwhile.
/// Written before the result, which makes the check final and its page show it.
pub async fn record(db: &DbPool, job: &Job, profile: &Profile) -> Result<(), sqlx::Error> {
    let sql = format!(
        "UPDATE checks SET cpu_ms = $4, peak_memory_bytes = $5, peak_pids = $6,
         memory_limit_bytes = $7, pids_limit = $8, time_limit_ms = $9
         WHERE id = $1 AND worker = $2 AND attempts = $3 AND status = '{}'",
        CheckStatus::Running
    );
    on_pool!(db, |pool| sqlx::query(&sql)
        .bind(job.check_id)
        .bind(&job.worker)
        .bind(job.attempts)
        .bind(profile.cpu_ms)
        .bind(profile.peak_memory_bytes)
        .bind(profile.peak_pids)
        .bind(profile.memory_limit_bytes)
        .bind(profile.pids_limit)
        .bind(profile.time_limit_ms)
        .execute(pool)
        .await
        .map(drop))
}

/// The columns of a [`Profile`] of the check `c`.
pub const COLUMNS: &str = "c.duration_ms, c.cpu_ms, c.peak_memory_bytes, c.peak_pids, \
     c.memory_limit_bytes, c.pids_limit, c.time_limit_ms";

/// An earlier solution's latest finished check, for the comparison table.
#[derive(Clone, Debug)]
pub struct Earlier {
    pub number: i64,
    pub verdict: Option<Verdict>,
    pub profile: Profile,
}

/// How many earlier checks the result page compares with.
pub const EARLIER: i64 = 5;
