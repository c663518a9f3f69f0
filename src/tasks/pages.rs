//! The task pages: categories, the tasks of a category, and a task's text.

use rocket::response::Redirect;
use rocket::{Route, State, get, routes, uri};
use serde::Serialize;

use super::catalog::{self, TaskSummary, Viewer};
use crate::accounts::CurrentUser;
use crate::config::Config;
use crate::db::{Db, Timestamp};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html};

fn viewer(user: &CurrentUser) -> Viewer {
    Viewer {
        user_id: user.0.id,
        staff: user.0.is_staff(),
    }
}

/// A task as the lists and the task page show it.
#[derive(Serialize)]
struct TaskView {
    title: String,
    slug: String,
    published: bool,
    pubdate: String,
    deadline: Option<String>,
    /// Plain-text time left until the deadline, or that it has passed.
    deadline_left: Option<String>,
    /// Whether the viewer may open it.
    openable: bool,
}

fn local(moment: Timestamp, config: &Config) -> String {
    let zone = crate::time_zone::parse(&config.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let local = crate::time_zone::to_local(moment.to_datetime(), &zone);
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    local.format(&format).unwrap_or_default()
}

fn time_left(deadline: Timestamp, now: Timestamp) -> String {
    let minutes = (deadline.millis() - now.millis()) / 60_000;
    match minutes {
        ..=-1 => "the deadline has passed".to_owned(),
        0..60 => format!("{minutes} minutes left"),
        60..2880 => format!("{} hours left", minutes / 60),
        _ => format!("{} days left", minutes / 1440),
    }
}

fn view(task: &TaskSummary, viewer: Viewer, config: &Config, now: Timestamp) -> TaskView {
    let published = task.pubdate <= now;
    TaskView {
        title: task.title.clone(),
        slug: task.slug.clone(),
        published,
        pubdate: local(task.pubdate, config),
        deadline: task.deadline.map(|deadline| local(deadline, config)),
        deadline_left: task.deadline.map(|deadline| time_left(deadline, now)),
        openable: published || viewer.staff,
    }
}

#[get("/tasks")]
async fn categories(page: Page<'_>, user: CurrentUser, db: &Db) -> AppResult<Html> {
    let categories = catalog::categories(&db.0, viewer(&user), Timestamp::now()).await?;
    page.render(
        "tasks/categories.html",
        &serde_json::json!({ "categories": categories }),
    )
}

#[get("/tasks/category/<slug>")]
async fn category(
    page: Page<'_>,
    user: CurrentUser,
    db: &Db,
    config: &State<Config>,
    slug: &str,
) -> AppResult<Html> {
    let (id, name, description_html) = catalog::category(&db.0, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let viewer = viewer(&user);
    let now = Timestamp::now();
    let tasks: Vec<_> = catalog::tasks_in(&db.0, viewer, id)
        .await?
        .iter()
        .map(|task| view(task, viewer, config, now))
        .collect();
    page.render(
        "tasks/category.html",
        &serde_json::json!({ "name": name, "description_html": description_html, "tasks": tasks }),
    )
}

#[derive(Serialize, serde::Deserialize)]
struct Template {
    name: String,
    content: String,
}

#[get("/solutions/editor/<key>")]
async fn editor(
    page: Page<'_>,
    user: CurrentUser,
    db: &Db,
    config: &State<Config>,
    key: &str,
) -> AppResult<Result<Html, Redirect>> {
    let viewer = viewer(&user);
    let Some(task) = catalog::task(&db.0, viewer, key, true).await? else {
        // Old links name the task by its system name.
        let task = catalog::task(&db.0, viewer, key, false).await?;
        let task = task.ok_or(AppError::NotFound)?;
        let target = format!("{}/", uri!(editor(key = task.summary.slug)));
        return Ok(Err(Redirect::to(target)));
    };
    let now = Timestamp::now();
    let summary = view(&task.summary, viewer, config, now);
    if !summary.openable {
        return Err(AppError::NotFound);
    }
    let templates: Vec<Template> = serde_json::from_str(&task.templates).unwrap_or_default();
    page.render(
        "tasks/task.html",
        &serde_json::json!({
            "task": summary,
            "text_html": task.text_html,
            "templates": templates,
            "submission_limit": task.submission_limit,
        }),
    )
    .map(Ok)
}

/// The task pages.
pub fn routes() -> Vec<Route> {
    routes![categories, category, editor]
}
