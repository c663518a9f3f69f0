//! `/admin/solutions/`: every solution of the course, filtered (task, category, verdict, dates,
//! semester, author), a page at a time or as CSV; checking the selected ones again or deleting
//! them after a confirmation step (audited); one solution with every check at `<id>/`.

use rocket::form::{Form, FromForm};
use rocket::response::stream::ByteStream;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, State, get, post, routes, uri};
use serde::Serialize;

use super::access::AdminStaff;
use super::audit::{self, Change};
use super::csv::{self, Csv};
use super::keyset;
use super::solutions::{self, Filter, Listed, Semester};
use super::{day_range, non_empty, slashed};
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::events::Bus;
use crate::on_pool;
use crate::runner::verdict::Verdict;
use crate::solutions::{Doorbell, links, recheck};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber};

/// Solutions on one page.
const PAGE_SIZE: i64 = 50;
/// Semesters offered in the filter, the current one first.
const SEMESTERS_OFFERED: usize = 6;

/// The list's filters, as the query gives them (empty: not given).
#[derive(Clone, Debug, Default, FromForm, rocket::UriDisplayQuery, Serialize)]
pub struct SolutionQuery {
    /// A task's slug.
    #[field(default = String::new())]
    task: String,
    /// A category's slug.
    #[field(default = String::new())]
    category: String,
    /// A verdict's name, or `unchecked`.
    #[field(default = String::new())]
    verdict: String,
    /// Dates (YYYY-MM-DD), both days included.
    #[field(default = String::new())]
    from: String,
    #[field(default = String::new())]
    to: String,
    /// `summer-2026`, `winter-2026`.
    #[field(default = String::new())]
    semester: String,
    /// Part of the author's username.
    #[field(default = String::new())]
    author: String,
}

/// The id of the row of `table` (`tasks`, `categories`) with `slug`.
pub(super) async fn id_of(
    db: &DbPool,
    table: &str,
    slug: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = format!("SELECT id FROM {table} WHERE slug = $1");
    on_pool!(db, |pool| sqlx::query_scalar(&sql)
        .bind(slug)
        .fetch_optional(pool)
        .await)
}

impl SolutionQuery {
    /// The filter, or 400 with the reason.
    async fn filter(&self, db: &DbPool, config: &Config) -> Result<Filter, AppError> {
        let bad = |message: String| AppError::BadRequest(message);
        let zone = config.zone();
        let mut filter = Filter {
            author: non_empty(Some(&self.author)),
            ..Filter::default()
        };
        if let Some(slug) = non_empty(Some(&self.task)) {
            let id = id_of(db, "tasks", &slug).await?;
            filter.task_id = Some(id.ok_or_else(|| bad(format!("There is no task {slug:?}.")))?);
        }
        if let Some(slug) = non_empty(Some(&self.category)) {
            let id = id_of(db, "categories", &slug).await?;
            let message = format!("There is no category {slug:?}.");
            filter.category_id = Some(id.ok_or_else(|| bad(message))?);
        }
        if let Some(verdict) = non_empty(Some(&self.verdict)) {
            if verdict != "unchecked" && verdict.parse::<Verdict>().is_err() {
                return Err(bad(format!("There is no verdict {verdict:?}.")));
            }
            filter.verdict = Some(verdict);
        }
        (filter.from, filter.to) = day_range((&self.from, &self.to), ("From", "To"), &zone)?;
        if let Some(key) = non_empty(Some(&self.semester)) {
            let semester = Semester::parse(&key).ok_or_else(|| {
                bad(format!(
                    "There is no semester {key:?}: use e.g. summer-2026 or winter-2026."
                ))
            })?;
            let (start, end) = semester.bounds(&zone);
            filter.from = Some(filter.from.map_or(start, |from| from.max(start)));
            filter.to = Some(filter.to.map_or(end, |to| to.min(end)));
        }
        Ok(filter)
    }
}

/// A listed solution with its local time and page.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    solution: Listed,
    submitted: String,
    url: String,
}

fn row(solution: Listed, config: &Config) -> Row {
    Row {
        submitted: crate::time_zone::format_local(
            solution.submitted_at.to_datetime(),
            &config.zone(),
        ),
        url: links::detail(&solution.slug, solution.number, Some(&solution.username)),
        solution,
    }
}

const CSV_HEADER: [&str; 9] = [
    "id",
    "task",
    "author",
    "number",
    "submitted",
    "status",
    "verdict",
    "tests_passed",
    "tests_total",
];

fn csv_line(row: &Row) -> Vec<u8> {
    let s = &row.solution;
    csv::line(&[
        s.id.to_string().as_str(),
        &s.slug,
        &s.username,
        &s.number.to_string(),
        &row.submitted,
        &s.status,
        s.verdict.as_deref().unwrap_or(""),
        &s.tests_passed.to_string(),
        &s.tests_total.to_string(),
    ])
}

/// A select's options: (value, text).
pub(super) type Options = Vec<(String, String)>;

/// The tasks a filter form offers: (slug, title).
pub(super) async fn task_options(db: &DbPool) -> Result<Options, sqlx::Error> {
    let sql = "SELECT slug, title FROM tasks ORDER BY title";
    on_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await)
}

/// What the filter form offers.
async fn choices(db: &DbPool, config: &Config) -> Result<serde_json::Value, sqlx::Error> {
    let tasks = task_options(db).await?;
    let categories: Options = on_pool!(db, |pool| sqlx::query_as(
        "SELECT slug, name FROM categories ORDER BY name"
    )
    .fetch_all(pool)
    .await)?;
    let mut semester = Semester::of(Timestamp::now(), &config.zone());
    let mut semesters = Vec::new();
    for _ in 0..SEMESTERS_OFFERED {
        semesters.push((semester.key(), semester.label()));
        semester = semester.previous();
    }
    let mut verdicts: Vec<(&str, &str)> = Verdict::ALL
        .into_iter()
        .map(|verdict| (verdict.as_str(), verdict.label()))
        .collect();
    verdicts.push(("unchecked", "Not checked (yet)"));
    Ok(serde_json::json!({
        "tasks": tasks,
        "categories": categories,
        "semesters": semesters,
        "verdicts": verdicts,
    }))
}

/// The list (`before`: the keyset position of an older page), or `format=csv` for every row.
#[get("/admin/solutions?<before>&<format>&<query..>")]
async fn list(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    before: Option<i64>,
    format: Option<&str>,
    query: SolutionQuery,
) -> AppResult<Either<Html, Csv<ByteStream<impl futures_util::Stream<Item = Vec<u8>>>>>> {
    let filter = query.filter(&db.0, config).await?;
    if format == Some("csv") {
        let (db, config) = (db.0.clone(), config.inner().clone());
        let read = move |before, limit| {
            let (db, filter) = (db.clone(), filter.clone());
            async move { solutions::list(&db, &filter, before, limit).await }
        };
        let line = move |solution| csv_line(&row(solution, &config));
        let body = keyset::csv(&CSV_HEADER, "solutions", read, line);
        return Ok(Either::Right(Csv::new("solutions.csv", body)));
    }
    let rows = solutions::list(&db.0, &filter, before, PAGE_SIZE + 1).await?;
    let (rows, older) = keyset::page(rows, PAGE_SIZE);
    let older = older.map(|id| slashed(&uri!(list(Some(id), None::<&str>, query.clone()))));
    let newest = before.map(|_| slashed(&uri!(list(None::<i64>, None::<&str>, query.clone()))));
    let csv_link = slashed(&uri!(list(None::<i64>, Some("csv"), query.clone())));
    let rows: Vec<_> = rows
        .into_iter()
        .map(|solution| row(solution, config))
        .collect();
    let html = page.render(
        "admin/solutions.html",
        &serde_json::json!({
            "rows": rows,
            "query": query,
            "choices": choices(&db.0, config).await?,
            "older": older,
            "newest": newest,
            "csv": csv_link,
        }),
    )?;
    Ok(Either::Left(html))
}

/// A bulk action on the solutions ticked in the list.
#[derive(FromForm)]
struct BulkForm {
    /// `recheck` or `delete`.
    action: String,
    #[field(default = Vec::new())]
    ids: Vec<i64>,
    /// Set by the confirmation page; without it the action is only shown.
    confirm: bool,
}

fn label(solution: &Listed) -> String {
    format!(
        "{} #{} of {}",
        solution.title, solution.number, solution.username
    )
}

#[post("/admin/solutions/bulk", data = "<form>")]
async fn bulk(
    page: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    bus: &State<Bus>,
    doorbell: &State<Doorbell>,
    form: Form<BulkForm>,
) -> AppResult<Either<Html, Flash<Redirect>>> {
    let back = Redirect::to("/admin/solutions/");
    if !matches!(form.action.as_str(), "recheck" | "delete") {
        return Ok(Either::Right(Flash::error(back, "Choose an action.")));
    }
    let targets = solutions::find(&db.0, &form.ids).await?;
    if targets.is_empty() {
        return Ok(Either::Right(Flash::error(
            back,
            "Tick the solutions first.",
        )));
    }
    if !form.confirm {
        return page
            .render(
                "admin/solutions_confirm.html",
                &serde_json::json!({ "action": form.action, "solutions": targets }),
            )
            .map(Either::Left);
    }
    let mut changes = Vec::new();
    let message = if form.action == "recheck" {
        let ids: Vec<i64> = targets.iter().map(|solution| solution.id).collect();
        let queued = recheck::check_again(&db.0, bus, doorbell, &ids).await?;
        for solution in &targets {
            let now = Some(Timestamp::now().millis().to_string());
            changes.extend(Change::of(
                "solution",
                solution.id,
                &label(solution),
                "rechecked",
                None,
                now,
            ));
        }
        format!(
            "{queued} of {} solutions are checked again (the others are queued or running already).",
            targets.len()
        )
    } else {
        let mut deleted = 0;
        for solution in &targets {
            if recheck::delete(&db.0, bus, solution.id).await? {
                deleted += 1;
                let old = Some(
                    solution
                        .verdict
                        .clone()
                        .unwrap_or_else(|| solution.status.clone()),
                );
                changes.extend(Change::of(
                    "solution",
                    solution.id,
                    &label(solution),
                    "deleted",
                    old,
                    None,
                ));
            }
        }
        format!("Deleted {deleted} solutions.")
    };
    audit::record(&db.0, &staff.0, &changes).await?;
    Ok(Either::Right(Flash::success(back, message)))
}

/// One solution: its files and every check with its full output; its result page links
/// re-running and cancelling.
#[get("/admin/solutions/<id>")]
async fn one(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
) -> AppResult<Html> {
    let id = id.get()?;
    let solution = solutions::find(&db.0, &[id])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &config.zone());
    let checks: Vec<_> = solutions::checks_of(&db.0, id)
        .await?
        .into_iter()
        .map(|check| {
            serde_json::json!({
                "queued": local(check.queued_at),
                "started": check.started_at.map(local),
                "finished": check.finished_at.map(local),
                "check": check,
            })
        })
        .collect();
    let files = crate::solutions::store::files(&db.0, id).await?;
    page.render(
        "admin/solution.html",
        &serde_json::json!({
            "solution": row(solution, config),
            "files": files,
            "checks": checks,
        }),
    )
}

/// The solution list, its bulk actions, and one solution.
pub fn routes() -> Vec<Route> {
    routes![list, bulk, one]
}
