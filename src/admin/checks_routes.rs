//! `/admin/checks/`: every run of the check queue, filtered (status, lane, verdict, task, worker,
//! queued between), a page at a time or as CSV; one run with its full output, tests, notes,
//! infrastructure detail and resources at `<id>/`, and cancelling it while it waits or runs.

use rocket::form::FromForm;
use rocket::response::stream::ByteStream;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, State, get, post, routes, uri};
use serde::Serialize;

use super::access::AdminStaff;
use super::audit::{self, Change};
use super::checks::{self, Filter, Listed};
use super::csv::{self, Csv};
use super::keyset;
use super::solutions_routes::{id_of, task_options};
use super::{day_range, non_empty, slashed};
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::events::Bus;
use crate::runner::verdict::Verdict;
use crate::solutions::live::Results;
use crate::solutions::recheck;
use crate::solutions::resource_view::{Resources, millis};
use crate::solutions::state::CheckStatus;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber};

/// Checks on one page.
const PAGE_SIZE: i64 = 50;
/// The statuses a check can have, in the queue's order.
const STATUSES: [CheckStatus; 4] = [
    CheckStatus::Queued,
    CheckStatus::Running,
    CheckStatus::Done,
    CheckStatus::Cancelled,
];

/// The list's filters, as the query gives them (empty: not given).
#[derive(Clone, Debug, Default, FromForm, rocket::UriDisplayQuery, Serialize)]
pub struct CheckQuery {
    /// `queued`, `running`, `done` or `cancelled`.
    #[field(default = String::new())]
    status: String,
    /// `0` (students) or `1` (staff re-runs).
    #[field(default = String::new())]
    lane: String,
    /// A verdict's name.
    #[field(default = String::new())]
    verdict: String,
    /// A task's slug.
    #[field(default = String::new())]
    task: String,
    /// A worker's name (`instance/1`).
    #[field(default = String::new())]
    worker: String,
    /// Dates (YYYY-MM-DD), both days included.
    #[field(default = String::new())]
    queued_from: String,
    #[field(default = String::new())]
    queued_to: String,
}

impl CheckQuery {
    /// The filter, or 400 with the reason.
    async fn filter(&self, db: &DbPool, config: &Config) -> Result<Filter, AppError> {
        let bad = |message: String| AppError::BadRequest(message);
        let mut filter = Filter {
            worker: non_empty(Some(&self.worker)),
            ..Filter::default()
        };
        if let Some(status) = non_empty(Some(&self.status)) {
            let known = STATUSES.into_iter().find(|known| known.as_str() == status);
            filter.status =
                Some(known.ok_or_else(|| bad(format!("There is no status {status:?}.")))?);
        }
        filter.lane = match self.lane.trim() {
            "" => None,
            "0" => Some(0),
            "1" => Some(1),
            lane => return Err(bad(format!("There is no lane {lane:?}: use 0 or 1."))),
        };
        if let Some(verdict) = non_empty(Some(&self.verdict)) {
            let known = verdict.parse::<Verdict>().ok();
            filter.verdict =
                Some(known.ok_or_else(|| bad(format!("There is no verdict {verdict:?}.")))?);
        }
        if let Some(slug) = non_empty(Some(&self.task)) {
            let id = id_of(db, "tasks", &slug).await?;
            filter.task_id = Some(id.ok_or_else(|| bad(format!("There is no task {slug:?}.")))?);
        }
        (filter.from, filter.to) = day_range(
            (&self.queued_from, &self.queued_to),
            ("Queued from", "Queued to"),
            &config.zone(),
        )?;
        Ok(filter)
    }
}

/// A listed check with its local times.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    check: Listed,
    queued: String,
    started: String,
    finished: String,
    duration: String,
}

fn row(check: Listed, config: &Config) -> Row {
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &config.zone());
    Row {
        queued: local(check.queued_at),
        started: check.started_at.map(local).unwrap_or_default(),
        finished: check.finished_at.map(local).unwrap_or_default(),
        duration: check.duration_ms.map(millis).unwrap_or_default(),
        check,
    }
}

const CSV_HEADER: [&str; 14] = [
    "id",
    "solution",
    "task",
    "author",
    "number",
    "lane",
    "status",
    "verdict",
    "worker",
    "queued",
    "started",
    "finished",
    "duration_ms",
    "attempts",
];

fn csv_line(row: &Row) -> Vec<u8> {
    let c = &row.check;
    csv::line(&[
        c.id.to_string().as_str(),
        &c.solution_id.to_string(),
        &c.slug,
        &c.username,
        &c.number.to_string(),
        &c.lane.to_string(),
        c.status.as_str(),
        c.verdict.map_or("", Verdict::as_str),
        &c.worker,
        &row.queued,
        &row.started,
        &row.finished,
        &c.duration_ms.map(|ms| ms.to_string()).unwrap_or_default(),
        &c.attempts.to_string(),
    ])
}

/// What the filter form offers.
async fn choices(db: &DbPool) -> Result<serde_json::Value, sqlx::Error> {
    let verdicts: Vec<(&str, &str)> = Verdict::ALL
        .into_iter()
        .map(|verdict| (verdict.as_str(), verdict.label()))
        .collect();
    let statuses: Vec<(&str, &str)> = STATUSES
        .into_iter()
        .map(|status| (status.as_str(), status.as_str()))
        .collect();
    Ok(serde_json::json!({
        "tasks": task_options(db).await?,
        "verdicts": verdicts,
        "statuses": statuses,
        "lanes": [("0", "students"), ("1", "staff re-runs")],
    }))
}

/// The list (`before`: the keyset position of an older page), or `format=csv` for every row.
#[get("/admin/checks?<before>&<format>&<query..>")]
async fn list(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    before: Option<i64>,
    format: Option<&str>,
    query: CheckQuery,
) -> AppResult<Either<Html, Csv<ByteStream<impl futures_util::Stream<Item = Vec<u8>>>>>> {
    let filter = query.filter(&db.0, config).await?;
    if format == Some("csv") {
        let (db, config) = (db.0.clone(), config.inner().clone());
        let read = move |before, limit| {
            let (db, filter) = (db.clone(), filter.clone());
            async move { checks::list(&db, &filter, before, limit).await }
        };
        let line = move |check| csv_line(&row(check, &config));
        let body = keyset::csv(&CSV_HEADER, "checks", read, line);
        return Ok(Either::Right(Csv::new("checks.csv", body)));
    }
    let rows = checks::list(&db.0, &filter, before, PAGE_SIZE + 1).await?;
    let (rows, older) = keyset::page(rows, PAGE_SIZE);
    let older = older.map(|id| slashed(&uri!(list(Some(id), None::<&str>, query.clone()))));
    let newest = before.map(|_| slashed(&uri!(list(None::<i64>, None::<&str>, query.clone()))));
    let csv_link = slashed(&uri!(list(None::<i64>, Some("csv"), query.clone())));
    let rows: Vec<_> = rows.into_iter().map(|check| row(check, config)).collect();
    let html = page.render(
        "admin/checks.html",
        &serde_json::json!({
            "rows": rows,
            "query": query,
            "choices": choices(&db.0).await?,
            "older": older,
            "newest": newest,
            "csv": csv_link,
        }),
    )?;
    Ok(Either::Left(html))
}

/// The data of one check's page.
#[derive(Serialize)]
struct CheckPage {
    #[serde(flatten)]
    results: Results,
    check: serde_json::Value,
}

/// One check: every field, its full output, tests, notes, the infrastructure detail for staff and
/// the resources it used against its limits.
#[get("/admin/checks/<id>")]
async fn one(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
) -> AppResult<Html> {
    let detail = checks::find(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let check = &detail.check;
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &config.zone());
    let resources = (check.status == CheckStatus::Done).then(|| Resources::of(&check.profile, &[]));
    let facts = serde_json::json!({
        "id": check.id,
        "status": check.status,
        "lane": check.lane,
        "attempts": check.attempts,
        "verdict": check.verdict.map(Verdict::label),
        "exit_code": check.exit_code,
        "duration": check.duration_ms.map(millis),
        "staff_message": check.staff_message,
        "queued": local(check.queued_at),
        "started": check.started_at.map(local),
        "heartbeat": detail.heartbeat_at.map(local),
        "finished": check.finished_at.map(local),
        "solution_id": detail.solution_id,
        "solution": format!("{} #{} of {}", detail.title, detail.number, detail.username),
        "worker": detail.worker,
        "image": detail.image,
        "cancellable": matches!(check.status, CheckStatus::Queued | CheckStatus::Running),
    });
    // `solutions/_results.html` reads the result sections at the top level.
    let data = CheckPage {
        results: Results::of_check(check, resources),
        check: facts,
    };
    page.render("admin/check.html", &data)
}

/// Cancels the check while it is queued or running (the queue's own cancel, audited).
#[post("/admin/checks/<id>/cancel")]
async fn cancel(
    staff: AdminStaff,
    db: &Db,
    bus: &State<Bus>,
    id: PathNumber,
) -> AppResult<Flash<Redirect>> {
    let id = id.get()?;
    let detail = checks::find(&db.0, id).await?.ok_or(AppError::NotFound)?;
    let back = Redirect::to(slashed(&uri!(one(id))));
    let status = detail.check.status;
    // The queue cancels a solution's one queued or running check: only when it is this one.
    let cancelled = matches!(status, CheckStatus::Queued | CheckStatus::Running)
        && recheck::cancel(&db.0, bus, detail.solution_id).await?;
    if !cancelled {
        return Ok(Flash::warning(
            back,
            "Nothing to cancel: the check had ended.",
        ));
    }
    let label = format!(
        "check {id} of {} #{} of {}",
        detail.title, detail.number, detail.username
    );
    let change = Change::of(
        "check",
        id,
        &label,
        "status",
        Some(status.as_str().to_owned()),
        Some(CheckStatus::Cancelled.as_str().to_owned()),
    );
    audit::record(&db.0, &staff.0, &Vec::from_iter(change)).await?;
    Ok(Flash::success(back, "The check was cancelled."))
}

/// The check list, one check, and cancelling it.
pub fn routes() -> Vec<Route> {
    routes![list, one, cancel]
}
