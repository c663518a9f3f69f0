//! Builds the Rocket instance: the server, the tests and the e2e harness all start here.

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::{Build, Rocket};
use rocket_db_pools::Database;

use crate::config::Config;
use crate::db::Db;
use crate::events::Bus;
use crate::runner::docker::DockerClient;
use crate::settings::Settings;
use crate::{
    accounts, admin, grades, home, import, pages, plagiarism, solutions, statistics, tasks, web,
};

/// The application for `config`, whose sources are `figment` (see [`Config::figment`]).
#[must_use]
pub fn rocket(config: Config, figment: &Figment) -> Rocket<Build> {
    rocket::custom(config.rocket_figment(figment.clone()))
        .manage(config)
        .attach(Db::init())
        .attach(infrastructure())
        .attach(web::stage())
        .attach(accounts::stage())
        .attach(home::stage())
        .attach(pages::stage())
        .attach(tasks::stage())
        .attach(import::stage())
        .attach(plagiarism::stage())
        .attach(solutions::stage())
        .attach(admin::stage())
        .attach(statistics::stage())
        .attach(grades::stage())
        .attach(announce())
}

/// The event bus and the Docker client, as managed state.
fn infrastructure() -> AdHoc {
    AdHoc::try_on_ignite("Event bus and Docker", |rocket| async {
        let config = rocket.state::<Config>().expect("config is managed");
        let bus = match Bus::from_config(config) {
            Ok(bus) => bus,
            Err(error) => {
                tracing::error!("REDIS_URL: {error}");
                return Err(rocket);
            }
        };
        let docker = match DockerClient::new(config, config.workers > 0) {
            Ok(docker) => docker,
            Err(error) => {
                tracing::error!("cannot set up the Docker client: {error}");
                return Err(rocket);
            }
        };
        let settings = Settings::default();
        settings.follow(&bus);
        Ok(rocket.manage(bus).manage(docker).manage(settings))
    })
}

fn announce() -> AdHoc {
    AdHoc::on_liftoff("Announce", |rocket| {
        Box::pin(async move {
            let config = rocket.config();
            let scheme = if config.tls_enabled() {
                "https"
            } else {
                "http"
            };
            tracing::info!(
                "INLOOP is listening on {scheme}://{}:{}",
                config.address,
                config.port
            );
        })
    })
}
