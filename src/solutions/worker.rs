//! The worker pool: claims checks from the durable queue and runs them in the sandbox.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::checker_image::OnDemand;
use super::queue::{self, Failed, Job};
use super::{events, instances, judge, orphans, recovery};
use crate::db::{DbPool, Timestamp};
use crate::events::Bus;
use crate::import::image::OWNER_LABEL;
use crate::metrics::METRICS;
use crate::runner::docker::DockerClient;
use crate::runner::sandbox;

/// How long a running check's heartbeat may be silent before any instance queues it again
/// (its worker died), unless configured (`check_stale_secs`).
pub const STALE: Duration = Duration::from_secs(30);
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
    /// This installation's label on check containers ([`crate::import::image::owner`]), so
    /// sweeps never touch another installation's on a shared Docker host.
    pub installation: String,
    /// Heartbeat silence after which a running check is taken for dead ([`STALE`]); heartbeats
    /// go six times, looks for dead ones three times as often.
    pub stale: Duration,
    /// Wakes idle workers when a check is queued in this process.
    pub wake: Arc<Notify>,
    /// This instance's folder for the checks' temp folders ([`sandbox::work_dir`]).
    pub work_dir: std::path::PathBuf,
    /// How long running checks may go on after shutdown before they are handed back
    /// (`INLOOP_SHUTDOWN_GRACE_SECS`).
    pub grace: Duration,
    /// Builds a checker image missing on this Docker host, once for all these workers.
    pub images: OnDemand,
}

/// The tasks of a started pool; [`Running::stopped`] resolves once they ended after shutdown.
#[must_use = "await `stopped` on shutdown, or running checks leave containers behind"]
pub struct Running(Vec<JoinHandle<()>>);

impl Running {
    /// Waits until every worker stopped: its check given back and its container removed.
    pub async fn stopped(self) {
        for task in self.0 {
            if let Err(error) = task.await {
                tracing::error!(%error, "a check worker ended abnormally");
            }
        }
    }
}

impl Pool {
    /// Recovers from a previous life, then runs `count` workers until `shutdown` resolves
    /// (Rocket's `Shutdown`, or a signal for `inloop worker`).
    pub async fn start<S: Shutdown>(self, count: u32, shutdown: S) -> Running {
        if let Err(error) = self.recover().await {
            tracing::error!(%error, "recovering checks of a previous run failed");
        }
        let mut tasks = Vec::new();
        for number in 0..count {
            let pool = self.clone();
            let shutdown = shutdown.clone();
            tasks.push(tokio::spawn(
                async move { pool.work(number, shutdown).await },
            ));
        }
        let pool = self.clone();
        let watch_shutdown = shutdown.clone();
        tasks.push(tokio::spawn(
            async move { pool.watch(watch_shutdown).await },
        ));
        let pool = self.clone();
        tasks.push(tokio::spawn(
            async move { pool.announce(count, shutdown).await },
        ));
        Running(tasks)
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
            let labels = HashMap::from([
                (orphans::INSTANCE_LABEL.to_owned(), self.instance.clone()),
                (OWNER_LABEL.to_owned(), self.installation.clone()),
            ]);
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
        let ids = recovery::requeue_own(&self.db, &self.instance).await?;
        for id in &ids {
            events::check_changed(&self.db, &self.bus, *id).await;
        }
        if !ids.is_empty() {
            events::queue_moved(&self.bus).await;
            tracing::info!(count = ids.len(), "queued interrupted checks again");
        }
        Ok(())
    }

    /// Requeues checks of workers (in any process) that stopped sending heartbeats, and removes
    /// this installation's containers whose check no longer runs under their claim.
    async fn watch<S: Shutdown>(&self, mut shutdown: S) {
        loop {
            tokio::select! {
                () = tokio::time::sleep(self.stale / 3) => {}
                () = &mut shutdown => return,
            }
            match recovery::requeue_stale(&self.db, self.stale).await {
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
            if let Some(Ok(docker)) = self.docker.negotiated().await
                && let Err(error) =
                    orphans::sweep(&docker, &self.db, &self.installation, self.stale).await
            {
                tracing::warn!(%error, "removing orphaned check containers failed");
            }
        }
    }

    async fn work<S: Shutdown>(&self, number: u32, mut shutdown: S) {
        let name = format!("{}/{number}", self.instance);
        loop {
            let idle = match self.docker.ping().await {
                // Docker is away: checks wait in the queue, none fails for it.
                Some(Err(_)) | None => true,
                // So does a full data disk (another instance with room may take them).
                Some(Ok(())) if !self.room_to_work() => true,
                Some(Ok(())) => match queue::claim(&self.db, &name).await {
                    Ok(Some(job))
                        if futures_util::FutureExt::now_or_never(shutdown.clone()).is_some() =>
                    {
                        // Claimed as the signal came: this process runs nothing new.
                        self.hand_back(&job).await;
                        events::check_changed(&self.db, &self.bus, job.check_id).await;
                        return;
                    }
                    Ok(Some(job)) => {
                        let waited = Timestamp::now().millis() - job.queued_at.millis();
                        let waited = Duration::from_millis(u64::try_from(waited).unwrap_or(0));
                        METRICS.queue_wait.observe(waited.as_secs_f64());
                        self.run(&job, shutdown.clone()).await;
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

    /// Whether the work folder's disk has room for a check; says so in the log when that
    /// changes.
    fn room_to_work(&self) -> bool {
        static SHORT: AtomicBool = AtomicBool::new(false);
        let room = sandbox::room_to_work(&self.work_dir);
        if SHORT.swap(!room, Ordering::Relaxed) == room {
            if room {
                tracing::info!("the data disk has room again: claiming checks");
            } else {
                tracing::warn!(
                    work_dir = %self.work_dir.display(),
                    "under {} MiB free on the data disk: claiming no checks until there is room",
                    sandbox::MIN_FREE_BYTES >> 20
                );
            }
        }
        room
    }

    /// Runs one claimed check to its end: a result, a retry, nothing when cancelled or taken
    /// over, or back to the queue when this process stops.
    async fn run<S: Shutdown>(&self, job: &Job, shutdown: S) {
        events::check_changed(&self.db, &self.bus, job.check_id).await;
        events::queue_moved(&self.bus).await;
        let outcome = tokio::select! {
            outcome = judge::judge(self, job) => Ended::Ran(outcome),
            () = self.until_cancelled(job) => Ended::Cancelled,
            () = self.until_grace_ends(job, shutdown) => Ended::Stopping,
        };
        let cleanup = match outcome {
            Ended::Ran(Ok(cleanup)) => Some(cleanup),
            Ended::Ran(Err(message)) => {
                self.failed(job, &message).await;
                None
            }
            Ended::Cancelled => {
                tracing::info!(
                    check = job.check_id,
                    "check cancelled or taken over while running"
                );
                self.remove_container(job).await;
                None
            }
            Ended::Stopping => {
                self.hand_back(job).await;
                None
            }
        };
        events::check_changed(&self.db, &self.bus, job.check_id).await;
        // The student's next check may run now, and the estimate's durations changed.
        events::queue_moved(&self.bus).await;
        // After the verdict is out: its page need not wait for Docker's removals.
        if let Some(cleanup) = cleanup {
            cleanup.finish().await;
        }
    }

    /// Records an infrastructure failure: the check is retried later, or ends as one.
    async fn failed(&self, job: &Job, message: &str) {
        tracing::warn!(
            check = job.check_id,
            attempt = job.attempts,
            "check failed for infrastructure reasons: {message}"
        );
        match queue::fail(&self.db, job, message).await {
            Ok(Failed::NotHeld) => {
                tracing::info!(check = job.check_id, "the check was taken over meanwhile");
            }
            Ok(_) => {}
            Err(error) => {
                tracing::error!(%error, "recording an infrastructure failure failed");
            }
        }
    }

    /// Shutting down: removes the check's container, then queues it again for any instance.
    async fn hand_back(&self, job: &Job) {
        // Awaited here: a removal spawned now would die with the runtime.
        self.remove_container(job).await;
        match queue::release(&self.db, job).await {
            Ok(true) => tracing::info!(
                check = job.check_id,
                "shutting down: the check is queued again"
            ),
            Ok(false) => {}
            Err(error) => {
                tracing::error!(%error, "giving a check back to the queue failed");
            }
        }
    }

    /// Resolves `grace` after `shutdown`: the running check may still finish meanwhile.
    async fn until_grace_ends<S: Shutdown>(&self, job: &Job, shutdown: S) {
        shutdown.await;
        tracing::info!(
            check = job.check_id,
            "shutting down: the running check may finish within {} s",
            self.grace.as_secs()
        );
        tokio::time::sleep(self.grace).await;
    }

    async fn remove_container(&self, job: &Job) {
        if let Some(Ok(docker)) = self.docker.negotiated().await {
            orphans::remove_of(&docker, &self.installation, &self.instance, job).await;
        }
    }

    /// Resolves when the check is cancelled or its claim lost; beats the heart until then.
    async fn until_cancelled(&self, job: &Job) {
        loop {
            tokio::time::sleep(self.stale / 6).await;
            if let Ok(false) = queue::heartbeat(&self.db, job).await {
                return;
            }
        }
    }
}

/// How a run of a check ended.
enum Ended {
    Ran(Result<Box<sandbox::Cleanup>, String>),
    Cancelled,
    Stopping,
}
