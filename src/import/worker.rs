//! The background loop: takes queued import runs one at a time and requests scheduled ones.

use std::sync::Arc;
use std::time::Duration;

use rocket::Shutdown;
use tokio::sync::Notify;

use super::job::Importer;
use super::runs::{self, ImportRun, Trigger};
use crate::db::{DbPool, Timestamp};
use crate::settings;

/// How often the loop looks for runs other instances queued.
const POLL: Duration = Duration::from_secs(5);

/// Wakes this process's loop when it queued a run itself; managed as Rocket state.
#[derive(Clone, Default)]
pub struct Doorbell(Arc<Notify>);

impl Doorbell {
    /// Queues an import (coalescing with a waiting one) and wakes the loop; returns the run id.
    pub async fn request(&self, db: &DbPool, trigger: Trigger) -> Result<i64, sqlx::Error> {
        let id = runs::request(db, trigger).await?;
        self.0.notify_one();
        Ok(id)
    }
}

/// Runs the loop until `shutdown`.
pub async fn run(importer: Importer, doorbell: Doorbell, shutdown: Shutdown) {
    loop {
        tokio::select! {
            () = work(&importer) => {}
            () = shutdown.clone() => break,
        }
        tokio::select! {
            () = doorbell.0.notified() => {}
            () = tokio::time::sleep(POLL) => {}
            () = shutdown.clone() => break,
        }
    }
}

async fn work(importer: &Importer) {
    if let Err(error) = schedule(importer).await {
        tracing::error!(%error, "scheduling an import failed");
    }
    loop {
        match runs::claim(&importer.db).await {
            Ok(Some(id)) => {
                if let Err(error) = importer.run(id).await {
                    tracing::error!(%error, run = id, "recording an import failed");
                }
            }
            Ok(None) => break,
            Err(error) => {
                tracing::error!(%error, "claiming an import failed");
                break;
            }
        }
    }
}

/// Queues a `schedule` run when `pull_interval_minutes` has passed since the last request.
async fn schedule(importer: &Importer) -> Result<(), Box<dyn std::error::Error>> {
    // Read past the cache: this runs from startup on, before tests and operators change settings.
    let minutes = settings::Settings::default()
        .int(&importer.db, &settings::PULL_INTERVAL_MINUTES)
        .await?;
    if minutes <= 0 {
        return Ok(());
    }
    let due = Timestamp::now().plus(-time::Duration::minutes(minutes));
    let last = runs::last_requested(&importer.db).await?;
    if last.is_none_or(|last| last <= due) {
        runs::request(&importer.db, Trigger::Schedule).await?;
    }
    Ok(())
}

/// Queues a run and takes part in the queue until it has finished, for `inloop load-tasks --wait`.
pub async fn run_and_wait(importer: &Importer, trigger: Trigger) -> Result<ImportRun, sqlx::Error> {
    let id = runs::request(&importer.db, trigger).await?;
    loop {
        if let Some(claimed) = runs::claim(&importer.db).await? {
            importer.run(claimed).await?;
        }
        if let Some(run) = runs::get(&importer.db, id).await?
            && run.status.is_final()
        {
            return Ok(run);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
