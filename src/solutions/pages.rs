//! The solution pages: the list, the result page, files and downloads.

use std::sync::Arc;
use std::time::Instant;

use rocket::http::{ContentType, Header};
use rocket::{Responder, Route, get, routes};
use serde::Serialize;

use super::course::{Course, Visible};
use super::links::{self, SolutionLinks};
use super::store::{self};
use super::{live, view};
use crate::accounts::CurrentUser;
use crate::db::{TaskId, UserId};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PageNumber, PathNumber};

/// Solutions per page of the list.
pub(super) const PAGE_SIZE: i64 = 20;

#[derive(Serialize)]
struct ListPage {
    task_title: String,
    task_url: String,
    events_url: String,
    rows: Vec<view::Row>,
    page: i64,
    previous: Option<i64>,
    next: Option<i64>,
    limit: Option<i64>,
    handed_in: i64,
    /// Whether the list listens to its event stream: on the first page (new solutions appear
    /// there), and on any page while a row can still change.
    live: bool,
    events: live::EventNames,
}

#[get("/solutions/list/<slug>?<page>")]
async fn list(
    course: Course<'_>,
    ctx: Page<'_>,
    user: CurrentUser,
    slug: &str,
    page: rocket::form::Result<'_, PageNumber>,
) -> AppResult<Html> {
    let page = PageNumber::of(page)?;
    let Course {
        db,
        settings,
        config,
        queue,
        ..
    } = course;
    let task = course.open_task(&user.0, slug).await?;
    let mut solutions = store::of_author(
        db,
        UserId(user.0.id),
        TaskId(task.summary.id),
        PAGE_SIZE + 1,
        page.offset(PAGE_SIZE),
    )
    .await?;
    let more = solutions.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    solutions.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let zone = config.zone();
    let limit = match task.submission_limit {
        Some(limit) => limit,
        None => settings.int(db, &crate::settings::SUBMISSION_LIMIT).await?,
    };
    let unfinished = solutions
        .iter()
        .any(|solution| !view::status(solution.status, solution.verdict).is_final);
    let queue_state = if unfinished {
        queue.get(db, Some(Instant::now())).await?
    } else {
        Arc::default()
    };
    let data = ListPage {
        task_title: task.summary.title.clone(),
        task_url: crate::tasks::task_url(slug),
        events_url: links::list_events(slug, page.0),
        rows: solutions
            .iter()
            .map(|solution| view::row(slug, solution, &queue_state.places, &zone))
            .collect(),
        page: page.0,
        previous: (page.0 > 1).then(|| page.0 - 1),
        next: more.then(|| page.0 + 1),
        limit: (limit >= 0).then_some(limit),
        handed_in: store::count(db, UserId(user.0.id), TaskId(task.summary.id)).await?,
        // The first page also shows new solutions as they come; later ones follow their rows.
        live: page.0 == 1 || unfinished,
        events: live::EVENTS,
    };
    ctx.render("solutions/list.html", &data)
}

#[derive(Serialize)]
struct DetailPage {
    task_title: String,
    links: SolutionLinks,
    author: Option<String>,
    staff: bool,
    progress: view::Progress,
    files_hash: String,
    submitted: String,
    #[serde(flatten)]
    results: live::Results,
    staff_message: String,
    files: Vec<view::FileRow>,
    events: live::EventNames,
}

#[get("/solutions/detail/<slug>/<number>?<author>")]
async fn detail(
    course: Course<'_>,
    ctx: Page<'_>,
    user: CurrentUser,
    slug: &str,
    number: PathNumber,
    author: Option<&str>,
) -> AppResult<Html> {
    let number = number.get()?;
    let Visible {
        task_title,
        solution,
        files,
        owner,
    } = course
        .visible_solution(&user.0, slug, number, author)
        .await?;
    let Course {
        db, config, queue, ..
    } = course;
    let zone = config.zone();
    let author = owner.as_ref().map(|owner| owner.username.as_str());
    let files = view::file_rows(files, |name| {
        SolutionLinks::file(slug, number, name, author)
    });
    let submitted = view::date_time(solution.submitted_at, &zone);
    let files_hash = solution.files_hash.clone();
    // A page (re)load shows the queue as it is now.
    let snapshot = live::snapshot(db, solution, queue, Some(Instant::now()), &zone).await?;
    let data = DetailPage {
        task_title,
        links: SolutionLinks::new(slug, number, author),
        author: author.map(str::to_owned),
        staff: user.0.is_staff(),
        results: live::Results::of(&snapshot),
        staff_message: match &snapshot.check {
            Some(check) if user.0.is_staff() => check.staff_message.clone(),
            _ => String::new(),
        },
        progress: snapshot.progress,
        files_hash,
        submitted,
        files,
        events: live::EVENTS,
    };
    ctx.render("solutions/detail.html", &data)
}

#[get("/solutions/detail/<slug>/<number>/files/<name>?<author>")]
async fn file(
    course: Course<'_>,
    ctx: Page<'_>,
    user: CurrentUser,
    slug: &str,
    number: PathNumber,
    name: &str,
    author: Option<&str>,
) -> AppResult<Html> {
    let number = number.get()?;
    let visible = course
        .visible_solution(&user.0, slug, number, author)
        .await?;
    let files = store::file_contents(course.db, visible.solution.id).await?;
    let file = files
        .into_iter()
        .find(|file| file.name == name)
        .ok_or(AppError::NotFound)?;
    let data = serde_json::json!({
        "name": file.name,
        "language": view::language(&file.name),
        "content": String::from_utf8_lossy(&file.content),
        "back": links::detail(slug, number, author),
    });
    ctx.render("solutions/file.html", &data)
}

/// A zip of a solution's files, built when asked for.
#[derive(Responder)]
struct ZipFile(Vec<u8>, ContentType, Header<'static>);

#[get("/solutions/detail/<slug>/<number>/download?<author>")]
async fn download(
    course: Course<'_>,
    user: CurrentUser,
    slug: &str,
    number: PathNumber,
    author: Option<&str>,
) -> AppResult<ZipFile> {
    let number = number.get()?;
    let visible = course
        .visible_solution(&user.0, slug, number, author)
        .await?;
    let files = store::file_contents(course.db, visible.solution.id).await?;
    let zip = super::archive::zip(&files).map_err(|e| AppError::internal("building a zip", e))?;
    let disposition = format!("attachment; filename=\"{slug}-{number}.zip\"");
    Ok(ZipFile(
        zip,
        ContentType::ZIP,
        Header::new("Content-Disposition", disposition),
    ))
}

/// The list, the result page, files and downloads.
pub fn routes() -> Vec<Route> {
    routes![list, detail, file, download]
}
