//! The background loop: takes requested plagiarism runs one at a time, from any instance.

use std::sync::Arc;
use std::time::Duration;

use rocket::Shutdown;
use tokio::sync::Notify;

use super::job;
use super::runs::{self, Run, Scope};
use crate::db::DbPool;

/// How often the loop looks for runs other instances requested (and for dead instances' runs).
const POLL: Duration = Duration::from_secs(5);

/// Wakes this process's loop when it requested a run itself; managed as Rocket state.
#[derive(Clone, Default)]
pub struct Doorbell(Arc<Notify>);

impl Doorbell {
    /// Requests a run and wakes the loop; returns the run's id.
    pub async fn request(
        &self,
        db: &DbPool,
        scope: Scope,
        min_similarity: f64,
        requested_by: Option<i64>,
    ) -> Result<i64, sqlx::Error> {
        let id = runs::request(db, scope, min_similarity, requested_by).await?;
        self.0.notify_one();
        Ok(id)
    }
}

/// Runs the loop until `shutdown`; `worker` is this instance's name.
pub async fn run(db: DbPool, worker: String, doorbell: Doorbell, shutdown: Shutdown) {
    loop {
        tokio::select! {
            () = work(&db, &worker) => {}
            () = shutdown.clone() => break,
        }
        tokio::select! {
            () = doorbell.0.notified() => {}
            () = tokio::time::sleep(POLL) => {}
            () = shutdown.clone() => break,
        }
    }
}

async fn work(db: &DbPool, worker: &str) {
    loop {
        match runs::claim(db, worker).await {
            Ok(Some(claimed)) => {
                if let Err(error) = job::run(db, &claimed).await {
                    tracing::error!(%error, run = claimed.id, "recording a plagiarism check failed");
                }
            }
            Ok(None) => break,
            Err(error) => {
                tracing::error!(%error, "claiming a plagiarism check failed");
                break;
            }
        }
    }
}

/// Requests a run and takes part in the queue until it has finished, for the command line.
pub async fn run_and_wait(
    db: &DbPool,
    worker: &str,
    scope: Scope,
    min_similarity: f64,
) -> Result<Run, sqlx::Error> {
    let id = runs::request(db, scope, min_similarity, None).await?;
    loop {
        if let Some(claimed) = runs::claim(db, worker).await? {
            job::run(db, &claimed).await?;
        }
        if let Some(run) = runs::get(db, id).await?
            && run.status.is_final()
        {
            return Ok(run);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
