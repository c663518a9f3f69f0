//! Liveness (`/healthz`) and readiness (`/readyz`: database, Redis, Docker).

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Route, State, get, routes};
use serde::Serialize;

use crate::db::Db;
use crate::events::Bus;
use crate::runner::docker::DockerClient;

#[get("/healthz")]
fn healthz() -> &'static str {
    "ok"
}

/// Each dependency's state, in words only (`ok`, `error`, `unavailable`, `not configured`,
/// `not required`): what failed goes to the log, never to an anonymous caller.
#[derive(Clone, Debug, Serialize)]
pub struct Readiness {
    pub ready: bool,
    pub database: &'static str,
    pub redis: &'static str,
    pub docker: &'static str,
}

fn state<E: std::fmt::Display>(
    what: &str,
    failed: &'static str,
    result: Result<(), E>,
) -> &'static str {
    match result {
        Ok(()) => "ok",
        Err(error) => {
            tracing::warn!(%error, "readiness: {what} failed");
            failed
        }
    }
}

/// Ready when the database answers (and Docker, where this process runs checks). Redis only
/// carries hints (the database is the record, and streams re-read it after an outage), so its
/// state is reported but does not take the instance out of rotation.
#[get("/readyz")]
async fn readyz(
    db: &Db,
    bus: &State<Bus>,
    docker: &State<DockerClient>,
) -> (Status, Json<Readiness>) {
    let readiness = readiness(db, bus, docker).await;
    let status = if readiness.ready {
        Status::Ok
    } else {
        Status::ServiceUnavailable
    };
    (status, Json(readiness))
}

/// Each dependency's state now (the admin dashboard shows it too).
pub async fn readiness(db: &Db, bus: &Bus, docker: &DockerClient) -> Readiness {
    let (database, redis, docker) = tokio::join!(db.ping(), bus.ping(), docker.ping());
    let database = state("database", "error", database);
    let redis = redis.map_or("not configured", |result| {
        state("Redis", "unavailable", result)
    });
    let docker = docker.map_or("not required", |result| {
        state("Docker", "unavailable", result)
    });
    let ready = database == "ok" && matches!(docker, "ok" | "not required");
    Readiness {
        ready,
        database,
        redis,
        docker,
    }
}

#[must_use]
pub fn routes() -> Vec<Route> {
    routes![healthz, readyz]
}
