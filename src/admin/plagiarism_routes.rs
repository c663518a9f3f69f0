//! `/admin/plagiarism/`: the plagiarism checks (newest first) and the form that starts one for
//! a task or a category; one check at `<id>/` with its progress redrawn live over server-sent
//! events until it ends, then its pairs (sortable, as CSV too).

use std::collections::BTreeMap;
use std::time::Duration;

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::stream::{Event, EventStream};
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, Shutdown, State, get, post, routes, uri};
use serde::Serialize;

use super::access::AdminStaff;
use super::csv::{self, Csv};
use super::redraws::{OpenedIn, redraws_until};
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::plagiarism::Doorbell;
use crate::plagiarism::pairs::{self, Order, StoredPair};
use crate::plagiarism::runs::{self, Run, Scope};
use crate::plagiarism::store;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber, Templates};

/// How many checks the list shows.
const RECENT: i64 = 50;
/// How often an open check that is still going is redrawn.
const EVERY: Duration = Duration::from_secs(1);
/// The event that carries a redrawn check; the name `admin/plagiarism_run.html` listens for.
const UPDATE: &str = "plagiarism-run";
/// The minimum similarity the form suggests, in percent.
const DEFAULT_PERCENT: &str = "90";

/// The start form as typed (kept when it is refused).
#[derive(Clone, Debug, FromForm, Serialize)]
struct StartForm {
    /// `task:<slug>` or `category:<slug>`.
    #[field(default = String::new())]
    scope: String,
    /// In percent.
    #[field(default = String::new())]
    min_similarity: String,
}

impl Default for StartForm {
    fn default() -> Self {
        Self {
            scope: String::new(),
            min_similarity: DEFAULT_PERCENT.into(),
        }
    }
}

/// The form checked: what to compare and the threshold (0 to 1), or a message per field.
async fn check(
    db: &DbPool,
    form: &StartForm,
) -> Result<Result<(Scope, f64), BTreeMap<&'static str, String>>, sqlx::Error> {
    let mut errors = BTreeMap::new();
    let scope = store::scope_chosen(db, form.scope.trim()).await?;
    if scope.is_none() {
        let message = if form.scope.trim().is_empty() {
            "Choose a task or a category."
        } else {
            "There is no such task or category (any more)."
        };
        errors.insert("scope", message.to_owned());
    }
    let percent = form.min_similarity.trim().trim_end_matches('%').trim();
    let percent = percent.replace(',', ".").parse::<f64>().ok();
    let percent = percent.filter(|percent| (1.0..=100.0).contains(percent));
    if percent.is_none() {
        let message = "The minimum similarity must be a number of percent from 1 to 100.";
        errors.insert("min_similarity", message.to_owned());
    }
    Ok(match (scope, percent) {
        (Some(scope), Some(percent)) if errors.is_empty() => Ok((scope, percent / 100.0)),
        _ => Err(errors),
    })
}

/// A check with local times and its progress in words, for the templates.
fn view(run: &Run, config: &Config) -> serde_json::Value {
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &config.zone());
    serde_json::json!({
        "run": run,
        "percent": format!("{:.0}", run.min_similarity * 100.0),
        "requested": local(run.requested_at),
        "started": run.started_at.map(local),
        "finished": run.finished_at.map(local),
        "is_final": run.status.is_final(),
    })
}

async fn render_list(
    page: &Page<'_>,
    db: &DbPool,
    config: &Config,
    form: &StartForm,
    errors: &BTreeMap<&'static str, String>,
) -> AppResult<Html> {
    let runs: Vec<_> = runs::recent(db, RECENT)
        .await?
        .iter()
        .map(|run| view(run, config))
        .collect();
    let (categories, tasks) = store::choices(db).await?;
    page.render(
        "admin/plagiarism_runs.html",
        &serde_json::json!({
            "runs": runs,
            "tasks": tasks,
            "categories": categories,
            "form": form,
            "errors": errors,
        }),
    )
}

#[get("/admin/plagiarism")]
async fn list(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
) -> AppResult<Html> {
    render_list(
        &page,
        &db.0,
        config,
        &<StartForm as Default>::default(),
        &BTreeMap::new(),
    )
    .await
}

/// Requests a check; a refused form comes back with a message beside each field (422).
#[post("/admin/plagiarism", data = "<form>")]
async fn start(
    page: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    doorbell: &State<Doorbell>,
    form: Form<StartForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let (scope, min_similarity) = match check(&db.0, &form).await? {
        Ok(checked) => checked,
        Err(errors) => {
            let html = render_list(&page, &db.0, config, &form, &errors).await?;
            return Ok(Either::Right((Status::UnprocessableEntity, html)));
        }
    };
    let id = doorbell
        .request(&db.0, scope, min_similarity, Some(staff.0.id))
        .await?;
    let to = format!("{}/", uri!(detail(id = id, sort = _, format = _)));
    Ok(Either::Left(Flash::success(
        Redirect::to(to),
        format!("Plagiarism check {id} was requested."),
    )))
}

/// The check's live part: status, progress, and once it has ended, its pairs.
async fn live(
    db: &DbPool,
    config: &Config,
    run: &Run,
    order: Order,
) -> AppResult<serde_json::Value> {
    let found = if run.status.is_final() {
        pairs::of_run(db, run.id, order).await?
    } else {
        Vec::new()
    };
    let rows: Vec<_> = found.iter().map(|pair| row(pair, config)).collect();
    Ok(serde_json::json!({
        "check": view(run, config),
        "pairs": rows,
        "sort": sort_name(order),
        "update": UPDATE,
    }))
}

fn row(pair: &StoredPair, config: &Config) -> serde_json::Value {
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &config.zone());
    serde_json::json!({
        "pair": pair,
        "percent": format!("{:.1}", pair.similarity * 100.0),
        "regions": pair.regions().len(),
        "dismissed": pair.dismissed_at.map(local),
    })
}

fn sort_name(order: Order) -> &'static str {
    match order {
        Order::Similarity => "similarity",
        Order::Task => "task",
        Order::Student => "student",
    }
}

const CSV_HEADER: [&str; 10] = [
    "similarity_percent",
    "task",
    "student_a",
    "solution_a",
    "student_b",
    "solution_b",
    "regions",
    "dismissed",
    "dismissal_note",
    "pair",
];

/// One check with its pairs, ordered by `sort`; `format=csv` for the pairs.
#[get("/admin/plagiarism/<id>?<sort>&<format>")]
async fn detail(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
    sort: Option<&str>,
    format: Option<&str>,
) -> AppResult<Either<Html, Csv<Vec<u8>>>> {
    let run = runs::get(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let order = Order::parse(sort.unwrap_or_default())
        .ok_or_else(|| AppError::BadRequest("Sort by similarity, task or student.".into()))?;
    if format == Some("csv") {
        let mut body = csv::line(&CSV_HEADER);
        for pair in pairs::of_run(&db.0, run.id, order).await? {
            body.extend(csv::line(&[
                format!("{:.1}", pair.similarity * 100.0).as_str(),
                &pair.task_title,
                &pair.author_a,
                &pair.number_a.to_string(),
                &pair.author_b,
                &pair.number_b.to_string(),
                &pair.regions().len().to_string(),
                if pair.dismissed_at.is_some() {
                    "yes"
                } else {
                    "no"
                },
                &pair.dismissal_note,
                &pair.id.to_string(),
            ]));
        }
        return Ok(Either::Right(Csv::new("plagiarism.csv", body)));
    }
    let live = live(&db.0, config, &run, order).await?;
    Ok(Either::Left(page.render(
        "admin/plagiarism_run.html",
        &serde_json::json!({ "live": live }),
    )?))
}

/// The check's live part as an event every second until it has ended (then once more).
#[get("/admin/plagiarism/<id>/events", rank = 2)]
async fn events<'r>(
    _staff: AdminStaff,
    opened_in: OpenedIn,
    db: &'r Db,
    config: &'r State<Config>,
    templates: &'r State<Templates>,
    shutdown: Shutdown,
    id: PathNumber,
) -> AppResult<EventStream![Event + 'r]> {
    let id = id.get()?;
    runs::get(&db.0, id).await?.ok_or(AppError::NotFound)?;
    Ok(redraws_until(
        EVERY,
        UPDATE,
        opened_in,
        db,
        config,
        shutdown,
        move || async move {
            let run = runs::get(&db.0, id).await?.ok_or(AppError::NotFound)?;
            let live = live(&db.0, config, &run, Order::default()).await?;
            let html = templates.render(
                "admin/_plagiarism_run.html",
                &serde_json::json!({ "live": live }),
            )?;
            Ok((html.0, run.status.is_final()))
        },
    ))
}

pub fn routes() -> Vec<Route> {
    routes![list, start, detail, events]
}
