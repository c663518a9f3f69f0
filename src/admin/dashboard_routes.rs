//! `/admin/`: the dashboard, redrawn over server-sent events every two seconds while open, above
//! the links to every admin page.

use std::time::Duration;

use rocket::request::{FromRequest, Outcome};
use rocket::response::stream::{Event, EventStream};
use rocket::{Request, Route, Shutdown, get, routes};
use rocket_db_pools::Database;

use super::access::AdminStaff;
use super::dashboard::{self, Dashboard, ago, is_live};
use super::redraws::{OpenedIn, redraws};
use crate::config::Config;
use crate::db::{Db, Timestamp};
use crate::events::Bus;
use crate::runner::docker::DockerClient;
use crate::web::health::readiness;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, Templates};

/// How often an open dashboard is redrawn.
const EVERY: Duration = Duration::from_secs(2);
/// The event that carries the redrawn dashboard.
const UPDATE: &str = "dashboard";

/// The figures with times in words and local dates, for `admin/_dashboard.html`.
fn view(dashboard: Dashboard, config: &Config, now: Timestamp) -> serde_json::Value {
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &config.zone());
    let running: Vec<_> = dashboard
        .running
        .iter()
        .map(|check| serde_json::json!({ "check": check, "for": ago(check.started_at, now) }))
        .collect();
    let instances: Vec<_> = dashboard
        .instances
        .iter()
        .map(|instance| {
            serde_json::json!({
                "instance": instance,
                "live": is_live(instance, now),
                "seen": ago(instance.heartbeat_at, now),
            })
        })
        .collect();
    let errors: Vec<_> = dashboard
        .errors
        .iter()
        .map(|error| serde_json::json!({ "error": error, "at": local(error.finished_at) }))
        .collect();
    let seconds =
        |value: Option<f64>| value.map_or_else(|| "–".to_owned(), |s| format!("{s:.1} s"));
    serde_json::json!({
        "queued_students": dashboard.queued_students,
        "queued_staff": dashboard.queued_staff,
        "running": running,
        "finished_last_hour": dashboard.finished_last_hour,
        "median": seconds(dashboard.median_secs),
        "p95": seconds(dashboard.p95_secs),
        "instances": instances,
        "health": dashboard.health,
        "last_import": dashboard.last_import.as_ref().map(|run| serde_json::json!({
            "run": run,
            "requested": local(run.requested_at),
        })),
        "errors": errors,
        "updated": local(now),
    })
}

/// Where the dashboard's figures come from.
#[derive(Clone, Copy)]
struct Sources<'r> {
    db: &'r Db,
    bus: &'r Bus,
    docker: &'r DockerClient,
    config: &'r Config,
    templates: &'r Templates,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Sources<'r> {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let rocket = request.rocket();
        let sources = (|| {
            Some(Sources {
                db: Db::fetch(rocket)?,
                bus: rocket.state()?,
                docker: rocket.state()?,
                config: rocket.state()?,
                templates: rocket.state()?,
            })
        })();
        sources.map_or(
            Outcome::Error((rocket::http::Status::InternalServerError, ())),
            Outcome::Success,
        )
    }
}

impl Sources<'_> {
    async fn read(self) -> Result<serde_json::Value, AppError> {
        let health = readiness(self.db, self.bus, self.docker).await;
        let now = Timestamp::now();
        Ok(view(
            dashboard::read(self.db, health, now).await?,
            self.config,
            now,
        ))
    }
}

#[get("/admin")]
async fn index(page: Page<'_>, staff: AdminStaff, sources: Sources<'_>) -> AppResult<Html> {
    let dashboard = sources.read().await?;
    page.render(
        "admin/index.html",
        &serde_json::json!({
            "superuser": staff.0.is_superuser,
            "dashboard": dashboard,
            "update": UPDATE,
        }),
    )
}

/// The dashboard as an event every two seconds, for as long as the session stands.
#[get("/admin/dashboard/events")]
fn events(
    _staff: AdminStaff,
    opened_in: OpenedIn,
    sources: Sources<'_>,
    shutdown: Shutdown,
) -> EventStream![Event + '_] {
    let Sources { db, config, .. } = sources;
    redraws(
        EVERY,
        UPDATE,
        opened_in,
        db,
        config,
        shutdown,
        move || async move {
            let dashboard = sources.read().await?;
            Ok(sources
                .templates
                .render(
                    "admin/_dashboard.html",
                    &serde_json::json!({ "dashboard": dashboard }),
                )?
                .0)
        },
    )
}

pub fn routes() -> Vec<Route> {
    routes![index, events]
}
