//! The worker pool: claims checks from the durable queue and runs them in the sandbox.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::limits::{self, Maximums};
use super::queue::{self, Finished, Job};
use super::{events, instances};
use crate::db::{DbPool, Timestamp};
use crate::events::Bus;
use crate::runner::docker::DockerClient;
use crate::runner::{sandbox, verdict};

/// How often a running check says it is alive, and when silence means its worker died.
const HEARTBEAT: Duration = Duration::from_secs(5);
const STALE: time::Duration = time::Duration::seconds(30);
/// How long an idle worker waits before looking at the queue again without being woken.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// A signal to stop: a future that resolves once, cloneable for every worker.
pub trait Shutdown: Future<Output = ()> + Clone + Send + Unpin + 'static {}

impl<T: Future<Output = ()> + Clone + Send + Unpin + 'static> Shutdown for T {}

/// What every worker of this process shares.
#[derive(Clone)]
pub struct Pool {
    pub db: DbPool,
    pub bus: Bus,
    pub docker: DockerClient,
    /// This process's name in `checks.worker` and container labels.
    pub instance: String,
    /// Wakes idle workers when a check is queued in this process.
    pub wake: Arc<Notify>,
    /// This instance's folder for the checks' temp folders ([`sandbox::work_dir`]).
    pub work_dir: std::path::PathBuf,
}

impl Pool {
    /// Recovers from a previous life, then runs `count` workers until `shutdown` resolves
    /// (Rocket's `Shutdown`, or a signal for `inloop worker`).
    pub async fn start<S: Shutdown>(self, count: u32, shutdown: S) {
        if let Err(error) = self.recover().await {
            tracing::error!(%error, "recovering checks of a previous run failed");
        }
        for number in 0..count {
            let pool = self.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move { pool.work(number, shutdown).await });
        }
        let pool = self.clone();
        let stale_shutdown = shutdown.clone();
        tokio::spawn(async move { pool.watch_stale(stale_shutdown).await });
        let pool = self.clone();
        tokio::spawn(async move { pool.announce(count, shutdown).await });
    }

    /// Keeps this instance's row in `worker_instances` fresh until shutdown, then removes it,
    /// so start estimates everywhere count these workers.
    async fn announce<S: Shutdown>(&self, count: u32, mut shutdown: S) {
        loop {
            if let Err(error) = instances::beat(&self.db, &self.instance, count).await {
                tracing::warn!(%error, "recording this instance's workers failed");
            }
            tokio::select! {
                () = tokio::time::sleep(instances::HEARTBEAT) => {}
                () = &mut shutdown => break,
            }
        }
        if let Err(error) = instances::leave(&self.db, &self.instance).await {
            tracing::warn!(%error, "removing this instance's workers failed");
        }
    }

    /// Removes this instance's leftover containers and queues its interrupted checks again.
    async fn recover(&self) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if let Some(Ok(docker)) = self.docker.negotiated().await {
            let labels = HashMap::from([("inloop.instance".to_owned(), self.instance.clone())]);
            let removed = sandbox::remove_orphans_labelled(&docker, &labels).await?;
            if removed > 0 {
                tracing::info!(removed, "removed check containers left by a previous run");
            }
            let removed = sandbox::remove_leftovers(&docker, &self.work_dir, &labels).await?;
            if removed > 0 {
                tracing::info!(
                    removed,
                    "removed check folders and volumes left by a previous run"
                );
            }
        }
        let ids = queue::reclaim(
            &self.db,
            &format!("{}/", self.instance),
            Timestamp::now().plus(-STALE),
        )
        .await?;
        for id in &ids {
            events::check_changed(&self.db, &self.bus, *id).await;
        }
        if !ids.is_empty() {
            events::queue_moved(&self.bus).await;
            tracing::info!(count = ids.len(), "queued interrupted checks again");
        }
        Ok(())
    }

    /// Requeues checks of workers (in any process) that stopped sending heartbeats.
    async fn watch_stale<S: Shutdown>(&self, mut shutdown: S) {
        loop {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(10)) => {}
                () = &mut shutdown => return,
            }
            match queue::reclaim(&self.db, "\u{0}", Timestamp::now().plus(-STALE)).await {
                Ok(ids) => {
                    if !ids.is_empty() {
                        events::queue_moved(&self.bus).await;
                    }
                    for id in ids {
                        tracing::warn!(
                            check = id,
                            "a worker stopped answering: its check is queued again"
                        );
                        events::check_changed(&self.db, &self.bus, id).await;
                    }
                }
                Err(error) => tracing::error!(%error, "looking for stale checks failed"),
            }
        }
    }

    async fn work<S: Shutdown>(&self, number: u32, mut shutdown: S) {
        let name = format!("{}/{number}", self.instance);
        loop {
            let idle = match self.docker.ping().await {
                // Docker is away: checks wait in the queue, none fails for it.
                Some(Err(_)) | None => true,
                Some(Ok(())) => match queue::claim(&self.db, &name).await {
                    Ok(Some(job)) => {
                        self.run(&job).await;
                        false
                    }
                    Ok(None) => true,
                    Err(error) => {
                        tracing::error!(%error, "claiming a check failed");
                        true
                    }
                },
            };
            if idle {
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(IDLE_POLL) => {}
                    () = &mut shutdown => return,
                }
            } else if futures_util::FutureExt::now_or_never(shutdown.clone()).is_some() {
                // Shutting down: take no further check (a busy queue never lets the worker idle).
                return;
            }
        }
    }

    /// Runs one claimed check to its end: a result, a retry, or nothing when cancelled.
    async fn run(&self, job: &Job) {
        events::check_changed(&self.db, &self.bus, job.check_id).await;
        events::queue_moved(&self.bus).await;
        let outcome = tokio::select! {
            outcome = self.check(job) => Some(outcome),
            () = self.until_cancelled(job.check_id) => None,
        };
        let retried = match outcome {
            None => {
                tracing::info!(check = job.check_id, "check cancelled while running");
                None
            }
            Some(Ok(())) => None,
            Some(Err(message)) => {
                tracing::warn!(
                    check = job.check_id,
                    attempt = job.attempts,
                    "check failed for infrastructure reasons: {message}"
                );
                Some(queue::fail(&self.db, job, &message).await)
            }
        };
        if let Some(Err(error)) = retried {
            tracing::error!(%error, "recording an infrastructure failure failed");
        }
        events::check_changed(&self.db, &self.bus, job.check_id).await;
        // The student's next check may run now, and the estimate's durations changed.
        events::queue_moved(&self.bus).await;
    }

    /// Resolves when the check is cancelled (or its row taken away); beats the heart until then.
    async fn until_cancelled(&self, check_id: i64) {
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            if let Ok(false) = queue::heartbeat(&self.db, check_id).await {
                return;
            }
        }
    }

    /// Runs the sandbox and stores the result; `Err` is an infrastructure failure for staff.
    async fn check(&self, job: &Job) -> Result<(), String> {
        let docker = match self.docker.negotiated().await {
            Some(Ok(docker)) => docker,
            Some(Err(error)) => return Err(error.to_string()),
            None => return Err("this process runs no checks".into()),
        };
        let image = crate::import::runs::current_image(&self.db)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no checker image has been built yet: import the task repository")?;
        let maximums = Maximums::load(&self.db).await;
        let files = super::store::file_contents(&self.db, job.solution_id)
            .await
            .map_err(|e| e.to_string())?;
        let input = std::fs::create_dir_all(&self.work_dir)
            .and_then(|()| tempfile::tempdir_in(&self.work_dir))
            .map_err(|e| format!("preparing the input folder: {e}"))?;
        super::files::write_all(input.path(), &files)
            .await
            .map_err(|e| format!("writing the input: {e}"))?;
        let request = sandbox::CheckRequest {
            image: image.clone(),
            task_name: job.task_system_name.clone(),
            input_dir: input.path().to_owned(),
            limits: limits::for_task(&job.task_limits, &maximums),
            labels: HashMap::from([
                ("inloop.instance".to_owned(), self.instance.clone()),
                ("inloop.check_id".to_owned(), job.check_id.to_string()),
            ]),
            work_dir: self.work_dir.clone(),
        };
        let outcome = sandbox::run(&docker, &request)
            .await
            .map_err(|error| error.to_string())?;
        let (suites, notes) = verdict::reports(&outcome.files);
        let judged = verdict::verdict(&outcome, &suites);
        let tests_total: u32 = suites.iter().map(|suite| suite.tests).sum();
        let tests_passed: u32 = suites.iter().map(|suite| suite.passed).sum();
        let files: Vec<_> = outcome
            .files
            .iter()
            .map(|f| (f.name.clone(), f.bytes.clone(), f.truncated))
            .collect();
        let result = Finished {
            verdict: judged.as_str(),
            exit_code: outcome.exit_code,
            duration_ms: i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX),
            stdout: &outcome.stdout,
            stderr: &outcome.stderr,
            reports_json: &serde_json::to_string(&suites).unwrap_or_else(|_| "[]".into()),
            notes_json: &serde_json::to_string(&notes).unwrap_or_else(|_| "[]".into()),
            tests_total: i64::from(tests_total),
            tests_passed: i64::from(tests_passed),
            image: &image,
            files: &files,
        };
        queue::finish(&self.db, job.check_id, &result)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}
