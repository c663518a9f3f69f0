//! Importing task repositories: Git, `make`, task directories, the checker image, the webhook.

pub mod capped;
pub mod command;
pub mod commands;
pub mod contexts;
pub mod dockerignore;
pub mod files;
pub mod git;
pub mod image;
pub mod job;
pub mod links;
pub mod loader;
pub mod make;
pub mod registry;
pub mod runs;
pub mod signature;
mod transfer;
mod webhook;
pub mod worker;

use rocket::fairing::AdHoc;
use rocket_db_pools::Database;

pub use job::Importer;
pub use runs::Trigger;
pub use worker::Doorbell;

use crate::config::Config;
use crate::db::Db;

/// The webhook route, the import queue's wake-up, and the import loop (from liftoff to shutdown).
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Import", |rocket| async {
        rocket
            .manage(Doorbell::default())
            .mount("/", webhook::routes())
            .attach(AdHoc::on_liftoff("Import loop", |rocket| {
                Box::pin(async move {
                    let importer = Importer {
                        db: Db::fetch(rocket).expect("database is attached").0.clone(),
                        config: rocket.state::<Config>().expect("config is managed").clone(),
                    };
                    let doorbell = rocket
                        .state::<Doorbell>()
                        .expect("doorbell is managed")
                        .clone();
                    tokio::spawn(worker::run(importer, doorbell, rocket.shutdown()));
                })
            }))
    })
}
