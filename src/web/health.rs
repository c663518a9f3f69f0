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

/// One dependency's state: `ok`, `not configured`, or what failed.
#[derive(Serialize)]
struct Readiness {
    ready: bool,
    database: String,
    redis: String,
    docker: String,
}

fn describe<E: std::fmt::Display>(result: Result<(), E>) -> String {
    result.map_or_else(|error| format!("down: {error}"), |()| "ok".into())
}

#[get("/readyz")]
async fn readyz(
    db: &Db,
    bus: &State<Bus>,
    docker: &State<DockerClient>,
) -> (Status, Json<Readiness>) {
    let (database, redis, docker) = tokio::join!(db.ping(), bus.ping(), docker.ping());
    let redis = match redis {
        None => "not configured".to_owned(),
        Some(result) => describe(result),
    };
    let docker_required = docker.is_some();
    let docker = docker.map_or_else(|| "not required (no workers)".to_owned(), describe);
    let database = describe(database);
    let ready = database == "ok"
        && (redis == "ok" || redis == "not configured")
        && (!docker_required || docker == "ok");
    let status = if ready {
        Status::Ok
    } else {
        Status::ServiceUnavailable
    };
    (
        status,
        Json(Readiness {
            ready,
            database,
            redis,
            docker,
        }),
    )
}

pub fn routes() -> Vec<Route> {
    routes![healthz, readyz]
}
