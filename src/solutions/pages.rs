//! The solution pages: upload and editor submission, the list, the result page, downloads.

use rocket::form::Form;
use rocket::fs::TempFile;
use rocket::http::{ContentType, Header, Status};
use rocket::response::{Flash, Redirect};
use rocket::serde::json::Json;
use rocket::{FromForm, Responder, Route, State, get, post, routes};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use super::files::Upload;
use super::store::{self, Solution};
use super::submit::{self, Doorbell, TaskTerms};
use super::{live, view};
use crate::accounts::{CurrentUser, Staff, User, users};
use crate::config::Config;
use crate::db::{Db, Timestamp};
use crate::settings::Settings;
use crate::tasks::catalog::{self, TaskDetail, Viewer};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html};

/// Solutions per page of the list.
pub(super) const PAGE_SIZE: i64 = 20;

/// The task the user may submit to (published, or any for staff), by slug.
pub(super) async fn open_task(db: &Db, user: &User, slug: &str) -> AppResult<TaskDetail> {
    let viewer = Viewer {
        user_id: user.id,
        staff: user.is_staff(),
    };
    let task = catalog::task(db, viewer, slug, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if !user.is_staff() && task.summary.pubdate > Timestamp::now() {
        return Err(AppError::NotFound);
    }
    Ok(task)
}

fn terms(task: &TaskDetail) -> TaskTerms {
    TaskTerms {
        id: task.summary.id,
        deadline: task.summary.deadline,
        submission_limit: task.submission_limit,
    }
}

#[derive(FromForm)]
pub struct UploadForm<'r> {
    files: Vec<TempFile<'r>>,
}

async fn read_upload(file: &TempFile<'_>) -> std::io::Result<Upload> {
    let name = file
        .raw_name()
        .map(|name| name.dangerous_unsafe_unsanitized_raw().as_str().to_owned())
        .unwrap_or_default();
    let mut content = Vec::new();
    if file.len() > 0 {
        file.open().await?.read_to_end(&mut content).await?;
    }
    Ok(Upload { name, content })
}

#[post("/solutions/editor/<slug>/upload", data = "<form>")]
#[allow(clippy::too_many_arguments)]
async fn upload(
    db: &Db,
    config: &State<Config>,
    user: CurrentUser,
    settings: &State<Settings>,
    doorbell: &State<Doorbell>,
    slug: &str,
    form: Form<UploadForm<'_>>,
) -> AppResult<Flash<Redirect>> {
    let task = open_task(db, &user.0, slug).await?;
    let mut uploads = Vec::new();
    // Browsers send one empty part when no file was chosen.
    for file in form
        .files
        .iter()
        .filter(|file| file.len() > 0 || file.raw_name().is_some())
    {
        uploads.push(
            read_upload(file)
                .await
                .map_err(|e| AppError::internal("reading an upload", e))?,
        );
    }
    uploads.retain(|upload| !(upload.name.is_empty() && upload.content.is_empty()));
    let back = Redirect::to(format!("/solutions/editor/{slug}/"));
    match submit::submit(db, settings, doorbell, &terms(&task), &user.0, &uploads).await {
        Ok(solution) => {
            let receipt = receipt(&solution, config);
            Ok(Flash::success(
                Redirect::to(view::detail_url(slug, solution.number)),
                receipt,
            ))
        }
        Err(error) if error.is_refusal() => Ok(Flash::error(back, error.to_string())),
        Err(error) => Err(AppError::internal("storing a solution", error)),
    }
}

/// What the student is told a solution was received as.
fn receipt(solution: &Solution, config: &Config) -> String {
    format!(
        "Solution #{} received at {} (receipt {}).",
        solution.number,
        view::clock_time(solution.submitted_at, &config.zone()),
        &solution.files_hash[..12]
    )
}

/// Files from the editor.
#[derive(Deserialize)]
pub struct EditorSubmission {
    files: Vec<EditorFile>,
}

#[derive(Deserialize)]
pub struct EditorFile {
    name: String,
    content: String,
}

#[derive(Serialize)]
pub struct SubmitAnswer {
    number: Option<i64>,
    url: Option<String>,
    receipt: Option<String>,
    error: Option<String>,
}

#[post(
    "/solutions/editor/<slug>/submit",
    format = "json",
    data = "<submission>"
)]
#[allow(clippy::too_many_arguments)]
async fn submit_json(
    db: &Db,
    config: &State<Config>,
    user: CurrentUser,
    settings: &State<Settings>,
    doorbell: &State<Doorbell>,
    slug: &str,
    submission: Json<EditorSubmission>,
) -> AppResult<(Status, Json<SubmitAnswer>)> {
    let task = open_task(db, &user.0, slug).await?;
    let uploads: Vec<_> = submission
        .into_inner()
        .files
        .into_iter()
        .map(|file| Upload {
            name: file.name,
            content: file.content.into_bytes(),
        })
        .collect();
    match submit::submit(db, settings, doorbell, &terms(&task), &user.0, &uploads).await {
        Ok(solution) => Ok((
            Status::Created,
            Json(SubmitAnswer {
                number: Some(solution.number),
                url: Some(view::detail_url(slug, solution.number)),
                receipt: Some(receipt(&solution, config)),
                error: None,
            }),
        )),
        Err(error) if error.is_refusal() => {
            let answer = SubmitAnswer {
                number: None,
                url: None,
                receipt: None,
                error: Some(error.to_string()),
            };
            Ok((Status::UnprocessableEntity, Json(answer)))
        }
        Err(error) => Err(AppError::internal("storing a solution", error)),
    }
}

#[derive(Serialize)]
struct ListPage {
    task_title: String,
    slug: String,
    rows: Vec<view::Row>,
    page: i64,
    previous: Option<i64>,
    next: Option<i64>,
    limit: Option<i64>,
    handed_in: i64,
    /// Whether a row can still change (the list then listens to its event stream).
    live: bool,
    events: live::EventNames,
}

#[get("/solutions/list/<slug>?<page>")]
async fn list(
    db: &Db,
    ctx: Page<'_>,
    config: &State<Config>,
    settings: &State<Settings>,
    user: CurrentUser,
    slug: &str,
    page: Option<i64>,
) -> AppResult<Html> {
    let task = open_task(db, &user.0, slug).await?;
    let page = page.unwrap_or(1).max(1);
    let mut solutions = store::of_author(
        db,
        user.0.id,
        task.summary.id,
        PAGE_SIZE + 1,
        (page - 1) * PAGE_SIZE,
    )
    .await?;
    let more = solutions.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    solutions.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let zone = config.zone();
    let limit = match task.submission_limit {
        Some(limit) => limit,
        None => settings
            .int(db, &crate::settings::SUBMISSION_LIMIT)
            .await
            .map_err(|e| AppError::internal("settings", e))?,
    };
    let live = solutions
        .iter()
        .any(|solution| !view::status(&solution.status, solution.verdict.as_deref()).is_final);
    let data = ListPage {
        task_title: task.summary.title.clone(),
        slug: slug.to_owned(),
        rows: solutions
            .iter()
            .map(|solution| view::row(slug, solution, &zone))
            .collect(),
        page,
        previous: (page > 1).then(|| page - 1),
        next: more.then(|| page + 1),
        limit: (limit >= 0).then_some(limit),
        handed_in: store::count(db, user.0.id, task.summary.id).await?,
        live: live && page == 1,
        events: live::EVENTS,
    };
    ctx.render("solutions/list.html", &data)
}

/// A solution the user may see: their own, or (staff) anyone's named by `author`.
pub(super) async fn visible_solution(
    db: &Db,
    user: &User,
    slug: &str,
    number: i64,
    author: Option<&str>,
) -> AppResult<(TaskDetail, Solution, Option<User>)> {
    let task = open_task(db, user, slug).await?;
    let owner = match author {
        Some(name) if user.is_staff() => {
            Some(users::by_login(db, name).await?.ok_or(AppError::NotFound)?)
        }
        Some(_) => return Err(AppError::NotFound),
        None => None,
    };
    let author_id = owner.as_ref().map_or(user.id, |owner| owner.id);
    let solution = store::by_number(db, author_id, task.summary.id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((task, solution, owner))
}

#[derive(Serialize)]
struct DetailPage {
    task_title: String,
    slug: String,
    author: Option<String>,
    author_query: String,
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
    db: &Db,
    ctx: Page<'_>,
    config: &State<Config>,
    user: CurrentUser,
    slug: &str,
    number: i64,
    author: Option<&str>,
) -> AppResult<Html> {
    let (task, solution, owner) = visible_solution(db, &user.0, slug, number, author).await?;
    let zone = config.zone();
    let files = view::file_rows(store::files(db, solution.id).await?);
    let submitted = view::date_time(solution.submitted_at, &zone);
    let files_hash = solution.files_hash.clone();
    let snapshot = live::snapshot(db, solution, config.workers, &zone).await?;
    let data = DetailPage {
        task_title: task.summary.title.clone(),
        slug: slug.to_owned(),
        author: owner.as_ref().map(|owner| owner.username.clone()),
        author_query: owner
            .as_ref()
            .map(|owner| format!("?author={}", owner.username))
            .unwrap_or_default(),
        staff: user.0.is_staff(),
        results: live::Results::of(snapshot.check.as_ref()),
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
    db: &Db,
    ctx: Page<'_>,
    user: CurrentUser,
    slug: &str,
    number: i64,
    name: &str,
    author: Option<&str>,
) -> AppResult<Html> {
    let (_, solution, _) = visible_solution(db, &user.0, slug, number, author).await?;
    let files = store::file_contents(db, solution.id).await?;
    let file = files
        .into_iter()
        .find(|file| file.name == name)
        .ok_or(AppError::NotFound)?;
    let data = serde_json::json!({
        "name": file.name,
        "language": view::language(&file.name),
        "content": String::from_utf8_lossy(&file.content),
        "back": format!("{}{}", view::detail_url(slug, number), author.map(|a| format!("?author={a}")).unwrap_or_default()),
    });
    ctx.render("solutions/file.html", &data)
}

/// A zip of a solution's files, built when asked for.
#[derive(Responder)]
struct ZipFile(Vec<u8>, ContentType, Header<'static>);

#[get("/solutions/detail/<slug>/<number>/download?<author>")]
async fn download(
    db: &Db,
    user: CurrentUser,
    slug: &str,
    number: i64,
    author: Option<&str>,
) -> AppResult<ZipFile> {
    let (_, solution, _) = visible_solution(db, &user.0, slug, number, author).await?;
    let files = store::file_contents(db, solution.id).await?;
    let zip = super::archive::zip(&files).map_err(|e| AppError::internal("building a zip", e))?;
    let disposition = format!("attachment; filename=\"{slug}-{number}.zip\"");
    Ok(ZipFile(
        zip,
        ContentType::ZIP,
        Header::new("Content-Disposition", disposition),
    ))
}

#[post("/solutions/detail/<slug>/<number>/rerun?<author>")]
async fn rerun(
    db: &Db,
    staff: Staff,
    doorbell: &State<Doorbell>,
    slug: &str,
    number: i64,
    author: Option<&str>,
) -> AppResult<Flash<Redirect>> {
    let (_, solution, _) = visible_solution(db, &staff.0, slug, number, author).await?;
    let queued = super::queue::rerun(db, solution.id).await?;
    doorbell.0.notify_waiters();
    let back = Redirect::to(format!(
        "{}{}",
        view::detail_url(slug, number),
        author.map(|a| format!("?author={a}")).unwrap_or_default()
    ));
    Ok(if queued {
        Flash::success(back, "The solution is checked again.")
    } else {
        Flash::warning(
            back,
            "A check of this solution is queued or running already.",
        )
    })
}

#[post("/solutions/detail/<slug>/<number>/cancel?<author>")]
async fn cancel(
    db: &Db,
    staff: Staff,
    slug: &str,
    number: i64,
    author: Option<&str>,
) -> AppResult<Flash<Redirect>> {
    let (_, solution, _) = visible_solution(db, &staff.0, slug, number, author).await?;
    let cancelled = super::queue::cancel(db, solution.id).await?;
    let back = Redirect::to(format!(
        "{}{}",
        view::detail_url(slug, number),
        author.map(|a| format!("?author={a}")).unwrap_or_default()
    ));
    Ok(if cancelled {
        Flash::success(back, "The check was cancelled.")
    } else {
        Flash::warning(back, "Nothing to cancel: the check had ended.")
    })
}

#[post("/solutions/rerun/<slug>")]
async fn rerun_task(
    db: &Db,
    staff: Staff,
    doorbell: &State<Doorbell>,
    slug: &str,
) -> AppResult<Flash<Redirect>> {
    let task = open_task(db, &staff.0, slug).await?;
    let mut queued = 0;
    for solution in store::latest_per_author(db, task.summary.id).await? {
        if super::queue::rerun(db, solution.id).await? {
            queued += 1;
        }
    }
    doorbell.0.notify_waiters();
    Ok(Flash::success(
        Redirect::to(format!("/solutions/editor/{slug}/")),
        format!("{queued} solution(s) will be checked again."),
    ))
}

pub fn routes() -> Vec<Route> {
    routes![
        upload,
        submit_json,
        list,
        detail,
        file,
        download,
        rerun,
        cancel,
        rerun_task
    ]
}
