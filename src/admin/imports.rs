//! `/admin/imports/`: the recent import runs, one run's outputs, and "Import now".

use rocket::response::{Flash, Redirect};
use rocket::{Route, State, get, post, routes, uri};
use serde::Serialize;

use super::access::AdminStaff;
use crate::config::Config;
use crate::db::{Db, Timestamp};
use crate::import::runs::{self, ImageStatus, ImportRun, RunStatus};
use crate::import::{Doorbell, Trigger};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber};

/// How many runs the list shows.
const RECENT: i64 = 50;

/// A run as the pages show it, with local times.
#[derive(Serialize)]
struct RunView {
    id: i64,
    trigger: String,
    requested: String,
    started: Option<String>,
    finished: Option<String>,
    status: RunStatus,
    commit_hash: String,
    commit_short: String,
    commit_message: String,
    make_output: String,
    image_tag: String,
    image_status: ImageStatus,
    image_log: String,
    error: String,
}

fn view(run: ImportRun, config: &Config) -> RunView {
    let local =
        |moment: Timestamp| crate::time_zone::format_local(moment.to_datetime(), &config.zone());
    RunView {
        id: run.id,
        trigger: run.trigger,
        requested: local(run.requested_at),
        started: run.started_at.map(local),
        finished: run.finished_at.map(local),
        status: run.status,
        commit_short: run.commit_hash.chars().take(10).collect(),
        commit_hash: run.commit_hash,
        commit_message: run.commit_message,
        make_output: run.make_output,
        image_tag: run.image_tag,
        image_status: run.image_status,
        image_log: run.image_log,
        error: run.error,
    }
}

#[get("/admin/imports")]
async fn list(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
) -> AppResult<Html> {
    let runs: Vec<_> = runs::recent(&db.0, RECENT)
        .await?
        .into_iter()
        .map(|run| view(run, config))
        .collect();
    page.render("admin/imports.html", &serde_json::json!({ "runs": runs }))
}

#[post("/admin/imports")]
async fn import_now(
    _staff: AdminStaff,
    db: &Db,
    doorbell: &State<Doorbell>,
) -> AppResult<Flash<Redirect>> {
    let id = doorbell.request(&db.0, Trigger::Admin).await?;
    Ok(Flash::success(
        Redirect::to(format!("{}/", uri!(list))),
        format!("An import was requested (run {id}); reload this page to follow it."),
    ))
}

#[get("/admin/imports/<id>")]
async fn detail(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
) -> AppResult<Html> {
    let id = id.get()?;
    let run = runs::get(&db.0, id).await?.ok_or(AppError::NotFound)?;
    let results = runs::results(&db.0, id).await?;
    page.render(
        "admin/import.html",
        &serde_json::json!({ "run": view(run, config), "results": results }),
    )
}

/// The import pages.
pub fn routes() -> Vec<Route> {
    routes![list, import_now, detail]
}
