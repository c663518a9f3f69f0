//! Solutions: handing them in, the durable check queue, the workers, and the result pages.

pub mod archive;
pub mod check_view;
pub mod checker_image;
mod checkpoint_routes;
pub mod checkpoints;
pub mod commands;
mod course;
mod editor_routes;
pub mod events;
pub mod files;
mod gauges;
pub mod instances;
mod judge;
pub mod limits;
pub mod links;
pub mod live;
pub mod orphans;
mod pages;
pub mod queue;
pub mod queue_places;
pub mod recheck;
pub mod recovery;
pub mod regrade;
pub mod resource_view;
pub mod resources;
pub mod retention;
mod staff;
pub mod state;
pub mod store;
mod stream_context;
mod stream_routes;
mod stream_slots;
pub mod submit;
mod submit_routes;
pub mod view;
pub mod worker;

use rocket::fairing::AdHoc;
use rocket_db_pools::Database;

use crate::config::Config;
use crate::db::{Db, DbPool};
use crate::events::Bus;
use crate::runner::docker::DockerClient;
pub use submit::Doorbell;

/// Routes, and the worker pool started at liftoff (when this process runs workers).
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Solutions", |rocket| async {
        let config = rocket.state::<Config>().expect("config is managed");
        let (workers, max_streams) = (config.workers, config.sse_max_streams_per_user);
        rocket
            .manage(Doorbell::default())
            .manage(stream_slots::StreamSlots::new(max_streams))
            .manage(queue_places::QueueCache::new(workers))
            .mount("/", pages::routes())
            .mount("/", submit_routes::routes())
            .mount("/", checkpoint_routes::routes())
            .mount("/", editor_routes::routes())
            .mount("/", staff::routes())
            .mount("/", stream_routes::routes())
            .manage(Workers::default())
            .attach(AdHoc::on_liftoff("Queue metrics", |rocket| {
                Box::pin(async move {
                    let db = Db::fetch(rocket).expect("database is attached").0.clone();
                    tokio::spawn(gauges::refresh(db, rocket.shutdown()));
                })
            }))
            .attach(AdHoc::on_liftoff("Check workers", |rocket| {
                Box::pin(async move {
                    let config = rocket.state::<Config>().expect("config is managed");
                    if config.workers == 0 {
                        return;
                    }
                    let instance = config.instance_name(&rocket.config().port.to_string());
                    let pool = worker::Pool {
                        work_dir: crate::runner::sandbox::work_dir(&config.data_dir, &instance),
                        db: worker_connections(rocket, config).await,
                        bus: rocket.state::<Bus>().expect("bus is managed").clone(),
                        docker: rocket
                            .state::<DockerClient>()
                            .expect("the Docker client is managed")
                            .clone(),
                        instance,
                        installation: crate::import::image::owner(config),
                        stale: config.check_stale(),
                        grace: config.shutdown_grace(),
                        images: checker_image::OnDemand::new(config.registry()),
                        wake: rocket
                            .state::<Doorbell>()
                            .expect("doorbell is managed")
                            .0
                            .clone(),
                    };
                    let running = pool.start(config.workers, rocket.shutdown()).await;
                    let workers = rocket.state::<Workers>().expect("workers are managed");
                    *workers.0.lock().await = Some(running);
                })
            }))
    })
}

/// The workers' own connections: Rocket closes the shared pool on shutdown while the workers
/// stop, and a stopping worker still gives its check back. The shared pool when they cannot be
/// opened.
async fn worker_connections(rocket: &rocket::Rocket<rocket::Orbit>, config: &Config) -> DbPool {
    let shared = Db::fetch(rocket).expect("database is attached").0.clone();
    match DbPool::connect(config.database_url(), config.workers.saturating_mul(2) + 2).await {
        Ok(own) => own,
        Err(error) => {
            tracing::warn!(%error, "the check workers share the web server's connections");
            shared
        }
    }
}

/// How long a shutdown waits, after the grace of running checks, for workers to give their
/// checks back and remove their containers (a removal is given 10 s).
pub const HAND_BACK_WITHIN: std::time::Duration = std::time::Duration::from_secs(15);

/// The started worker pool, managed by Rocket and cloned out of it before launch: the workers
/// outlive the web server, which stops listening at once on SIGTERM while running checks may
/// go on (Rocket would keep accepting connections, unserved, while a shutdown fairing waited).
#[derive(Clone, Default)]
pub struct Workers(std::sync::Arc<tokio::sync::Mutex<Option<worker::Running>>>);

impl Workers {
    /// Waits, at most `within`, until the workers stopped after shutdown: their running checks
    /// finished or were handed back with their containers removed.
    pub async fn stopped(&self, within: std::time::Duration) {
        if let Some(running) = self.0.lock().await.take()
            && tokio::time::timeout(within, running.stopped())
                .await
                .is_err()
        {
            tracing::error!("check workers did not stop in time");
        }
    }
}
