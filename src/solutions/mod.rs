//! Solutions: handing them in, the durable check queue, the workers, and the result pages.

pub mod archive;
pub mod events;
pub mod files;
mod handin;
pub mod instances;
pub mod limits;
pub mod live;
mod pages;
pub mod queue;
pub mod queue_state;
mod staff;
pub mod store;
mod streaming;
mod streams;
pub mod submit;
pub mod view;
pub mod worker;

use rocket::fairing::AdHoc;
use rocket_db_pools::Database;

use crate::config::Config;
use crate::db::Db;
use crate::events::Bus;
use crate::runner::docker::DockerClient;
pub use submit::Doorbell;

/// Routes, and the worker pool started at liftoff (when this process runs workers).
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Solutions", |rocket| async {
        let workers = rocket.state::<Config>().expect("config is managed").workers;
        rocket
            .manage(Doorbell::default())
            .manage(queue_state::QueueCache::new(workers))
            .mount("/", pages::routes())
            .mount("/", handin::routes())
            .mount("/", staff::routes())
            .mount("/", streams::routes())
            .attach(AdHoc::on_liftoff("Check workers", |rocket| {
                Box::pin(async move {
                    let config = rocket.state::<Config>().expect("config is managed");
                    if config.workers == 0 {
                        return;
                    }
                    let instance = config.instance_name(&rocket.config().port.to_string());
                    let pool = worker::Pool {
                        work_dir: crate::runner::sandbox::work_dir(&config.data_dir, &instance),
                        db: Db::fetch(rocket).expect("database is attached").0.clone(),
                        bus: rocket.state::<Bus>().expect("bus is managed").clone(),
                        docker: rocket
                            .state::<DockerClient>()
                            .expect("the Docker client is managed")
                            .clone(),
                        instance,
                        wake: rocket
                            .state::<Doorbell>()
                            .expect("doorbell is managed")
                            .0
                            .clone(),
                    };
                    pool.start(config.workers, rocket.shutdown()).await;
                })
            }))
    })
}
