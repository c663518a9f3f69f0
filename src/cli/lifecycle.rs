//! `serve` and `worker` from start to a clean exit: the database waited for, SIGTERM or Ctrl-C
//! answered by handing running checks over within `INLOOP_SHUTDOWN_GRACE_SECS`, exit code 0.

use std::future::Future;
use std::pin::Pin;

use futures_util::FutureExt as _;
use futures_util::future::Shared;
use rocket_db_pools::Database as _;
use tokio::signal::unix::{SignalKind, signal};

use super::CommandResult;
use crate::config::Config;
use crate::db::DbPool;
use crate::events::Bus;
use crate::solutions::worker;

/// SIGTERM or Ctrl-C, as a future every worker may clone.
type StopSignal = Shared<Pin<Box<dyn Future<Output = ()> + Send>>>;

/// Listens for SIGTERM and SIGINT from now on: a signal before the listener exists would end
/// the process by its default action, with no clean-up and a non-zero status.
fn stop_signal() -> std::io::Result<StopSignal> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let stop: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    });
    Ok(stop.shared())
}

/// `inloop serve`: the web server and its workers. Rocket answers signals itself once it
/// listens (no connection is accepted, event streams end); the workers, which saw the same
/// shutdown, are awaited after it: their running checks finish or are handed back. Before
/// Rocket listens, a signal ends the wait for the database.
pub(super) async fn serve(config: Config, figment: &rocket::figment::Figment) -> CommandResult {
    let stop = stop_signal()?;
    // Rocket opens its pool at ignite without retrying: the database is waited for here.
    tokio::select! {
        reachable = DbPool::connect_waiting(config.database_url(), 1, config.db_wait()) => {
            drop(reachable?);
        }
        () = stop => {
            tracing::info!("stopped while waiting for the database");
            return Ok(());
        }
    }
    let within = config.shutdown_grace() + crate::solutions::HAND_BACK_WITHIN;
    let rocket = crate::app::rocket(config, figment)
        .ignite()
        .await
        .map_err(|error| format!("the server did not start: {}", error.kind()))?;
    let workers = rocket
        .state::<crate::solutions::Workers>()
        .expect("workers are managed")
        .clone();
    let db = crate::db::Db::fetch(&rocket)
        .expect("database is attached")
        .0
        .clone();
    let served = rocket.launch().await;
    tracing::info!("the web server stopped; waiting for the check workers");
    workers.stopped(within).await;
    db.close().await;
    // Rocket's error has already been logged with its details; name the kind once more.
    served.map_err(|error| format!("the server stopped: {}", error.kind()))?;
    tracing::info!("INLOOP stopped");
    Ok(())
}

/// `inloop worker`: the check workers of `serve`, without the web server, until a signal.
pub(super) async fn workers(config: &Config, count: u32) -> CommandResult {
    let stop = stop_signal()?;
    let db = tokio::select! {
        db = super::database(config) => db?,
        () = stop.clone() => {
            tracing::info!("stopped while waiting for the database");
            return Ok(());
        }
    };
    let instance = config.instance_name(&format!("worker-{}", std::process::id()));
    let pool = worker::Pool {
        db,
        bus: Bus::from_config(config)?,
        docker: crate::runner::docker::DockerClient::new(config, true)?,
        installation: crate::import::image::owner(config),
        stale: config.check_stale(),
        grace: config.shutdown_grace(),
        images: crate::solutions::checker_image::OnDemand::new(config.registry()),
        work_dir: crate::runner::sandbox::work_dir(&config.data_dir, &instance),
        instance,
        wake: std::sync::Arc::default(),
    };
    let running = pool.start(count, stop.clone()).await;
    tracing::info!(count, "check workers are running");
    stop.await;
    tracing::info!(
        "stopping: no new checks are claimed, running ones may finish within {} s",
        config.shutdown_grace_secs
    );
    running.stopped().await;
    tracing::info!("check workers stopped");
    Ok(())
}
