//! The queue as pages show it (every queued check's place, recent durations, live workers), read
//! once for all the pages and streams of this process that need it at about the same time.
//!
//! A busy queue moves several times a second and thousands of open pages may show a place; each
//! reading the whole queue for itself would cost one window query per page and move.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::instances;
use super::queue::{RECENT, SHADOW_LANE, ranked};
use super::state::CheckStatus;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// Finished checks whose average duration estimates the start of a queued one.
const THROUGHPUT_SAMPLE: i64 = 20;
/// Age after which a reading is renewed in the background for askers that know of no change.
const MAX_AGE: Duration = Duration::from_secs(1);

/// The queue at one moment.
#[derive(Debug, Default)]
pub struct QueueState {
    pub places: Places,
    /// Durations of the last finished checks, newest first.
    pub durations_ms: Vec<i64>,
    /// Workers of all live instances.
    pub workers: u32,
}

impl QueueState {
    /// Seconds until the check at `place` starts: the average recent duration times the checks
    /// ahead, shared among the workers. Unknown throughput counts as 10 s a check.
    #[must_use]
    pub fn start_in_secs(&self, place: i64) -> i64 {
        let durations = &self.durations_ms;
        let average_ms = if durations.is_empty() {
            10_000
        } else {
            durations.iter().sum::<i64>() / i64::try_from(durations.len()).unwrap_or(1)
        };
        average_ms * (place - 1).max(0) / i64::from(self.workers.max(1)) / 1000
    }
}

#[derive(Clone)]
struct Reading {
    state: Arc<QueueState>,
    started: Instant,
}

/// The last reading of the queue, shared by this process (managed as Rocket state; clones
/// share it).
#[derive(Clone)]
pub struct QueueCache {
    /// This process's workers: the estimate's divisor when no instance has recorded itself.
    local_workers: u32,
    last: Arc<std::sync::Mutex<Option<Reading>>>,
    /// Held while reading, so askers at the same moment share one read.
    reading: Arc<Mutex<()>>,
    /// Whether a background read is under way.
    renewing: Arc<AtomicBool>,
}

impl QueueCache {
    /// A cache for a process running `local_workers` workers.
    #[must_use]
    pub fn new(local_workers: u32) -> Self {
        Self {
            local_workers,
            last: Arc::default(),
            reading: Arc::default(),
            renewing: Arc::default(),
        }
    }

    /// The queue as read after `changed`, when the asker learned of a change (it waits for a
    /// read that started later). Without a known change (`None`) the last reading serves at
    /// once; one older than a second is read again in the background for the next asker. Every
    /// change of the queue also publishes `queue`, whose receivers ask with the time they heard.
    pub async fn get(
        &self,
        db: &DbPool,
        changed: Option<Instant>,
    ) -> Result<Arc<QueueState>, sqlx::Error> {
        let last = self.last();
        match (last, changed) {
            (Some(reading), Some(at)) if reading.started >= at => Ok(reading.state),
            (Some(reading), None) => {
                if reading.started.elapsed() >= MAX_AGE
                    && !self.renewing.swap(true, Ordering::AcqRel)
                {
                    let (cache, db, now) = (self.clone(), db.clone(), Instant::now());
                    tokio::spawn(async move {
                        if let Err(error) = cache.read(&db, Some(now)).await {
                            tracing::warn!(%error, "reading the queue failed");
                        }
                        cache.renewing.store(false, Ordering::Release);
                    });
                }
                Ok(reading.state)
            }
            _ => self.read(db, changed).await,
        }
    }

    fn last(&self) -> Option<Reading> {
        self.last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads the queue unless a read that started after `changed` finished meanwhile.
    async fn read(
        &self,
        db: &DbPool,
        changed: Option<Instant>,
    ) -> Result<Arc<QueueState>, sqlx::Error> {
        let _reading = self.reading.lock().await;
        if let Some(reading) = self.last()
            && changed.is_some_and(|at| reading.started >= at)
        {
            return Ok(reading.state);
        }
        let started = Instant::now();
        let state = Arc::new(QueueState {
            places: places(db).await?,
            durations_ms: recent_durations(db, THROUGHPUT_SAMPLE).await?,
            workers: instances::live_workers(db, self.local_workers).await,
        });
        *self
            .last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Reading {
            state: Arc::clone(&state),
            started,
        });
        Ok(state)
    }
}

/// The places of all queued checks in the fair order (from 1), by solution.
#[derive(Clone, Debug, Default)]
pub struct Places(HashMap<i64, i64>);

impl Places {
    /// The place of the queued check of `solution_id`, if it has one.
    #[must_use]
    pub fn of(&self, solution_id: i64) -> Option<i64> {
        self.0.get(&solution_id).copied()
    }
}

/// The places of all queued checks: one query for a whole list. Shadow checks have none: they
/// come after every other check, and their solutions' pages show no queue for them.
pub async fn places(db: &DbPool) -> Result<Places, sqlx::Error> {
    let sql = format!(
        "{}
        SELECT solution_id, ROW_NUMBER() OVER (ORDER BY lane, rank, id) AS place FROM queued
        WHERE lane <> {SHADOW_LANE}",
        ranked()
    );
    let now = Timestamp::now();
    let rows: Vec<(i64, i64)> = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(now)
        .bind(now.plus(-RECENT))
        .fetch_all(pool)
        .await)?;
    Ok(Places(rows.into_iter().collect()))
}

/// Durations of the last finished checks (newest first), to estimate when a queued one starts.
pub async fn recent_durations(db: &DbPool, count: i64) -> Result<Vec<i64>, sqlx::Error> {
    let sql = format!(
        "SELECT duration_ms FROM checks WHERE status = '{}' AND duration_ms IS NOT NULL
         ORDER BY finished_at DESC LIMIT $1",
        CheckStatus::Done
    );
    on_pool!(db, |pool| sqlx::query_scalar(&sql)
        .bind(count)
        .fetch_all(pool)
        .await)
}

#[cfg(test)]
mod tests {
    use super::QueueState;

    #[test]
    fn the_start_estimate_shares_the_queue_among_workers() {
        let state = |durations_ms: Vec<i64>, workers| QueueState {
            durations_ms,
            workers,
            ..QueueState::default()
        };
        assert_eq!(state(vec![4_000, 6_000], 2).start_in_secs(1), 0);
        assert_eq!(state(vec![4_000, 6_000], 2).start_in_secs(5), 10);
        assert_eq!(state(Vec::new(), 0).start_in_secs(2), 10);
    }
}
