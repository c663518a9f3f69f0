//! The task pages: categories, the tasks of a category, and a task's text.

use rocket::response::Redirect;
use rocket::{Route, State, get, routes, uri};
use serde::Serialize;

use super::catalog::{self, CategoryKey, CategorySummary, TaskSummary, Viewer};
use crate::accounts::CurrentUser;
use crate::config::Config;
use crate::db::{Db, Timestamp};
use crate::settings::Settings;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html};

/// How early a student may ask for a task and be told it starts in a moment (not 404).
const STARTS_SOON_MS: i64 = 15_000;

/// How long before its deadline a task page warns that time is running out.
const DEADLINE_WARNING_MS: i64 = 5 * 60_000;

/// A task as the lists and the task page show it (its flags are what the templates ask).
#[derive(Serialize)]
#[allow(clippy::struct_excessive_bools)]
struct TaskView {
    title: String,
    slug: String,
    /// The task's page.
    url: String,
    published: bool,
    pubdate: String,
    deadline: Option<String>,
    /// The task's own deadline, when the viewer's is later (an extension).
    extended_from: Option<String>,
    /// Plain-text time left until the deadline, or that it has passed.
    deadline_left: Option<String>,
    /// Plain-text time until publication (for unpublished tasks).
    opens_in: String,
    /// Whether the viewer may open it.
    openable: bool,
    solved: bool,
    /// Whether the deadline is less than five minutes away.
    deadline_soon: bool,
    /// Unix milliseconds of publication and deadline, and of this rendering, for live countdowns.
    pubdate_ms: i64,
    deadline_ms: Option<i64>,
    now_ms: i64,
}

fn local(moment: Timestamp, config: &Config) -> String {
    crate::time_zone::format_local(moment.to_datetime(), &config.zone())
}

fn time_left(deadline: Timestamp, now: Timestamp) -> String {
    let left = deadline.millis() - now.millis();
    if left <= 0 {
        "the deadline has passed".to_owned()
    } else {
        format!("{} left", duration_words(left))
    }
}

/// A span of time as `public/countdown.js` words it ("3 days", "5 h 07 min", "4 min 09 s",
/// "12 s"), so the first tick of a countdown does not change the server's text.
#[must_use]
pub fn duration_words(millis: i64) -> String {
    let total = millis.max(0) / 1000;
    let (days, hours) = (total / 86_400, total % 86_400 / 3600);
    let (minutes, seconds) = (total % 3600 / 60, total % 60);
    if days >= 2 {
        format!("{days} days")
    } else if days == 1 || hours > 0 {
        format!("{} h {minutes:02} min", days * 24 + hours)
    } else if minutes > 0 {
        format!("{minutes} min {seconds:02} s")
    } else {
        format!("{seconds} s")
    }
}

fn view(task: &TaskSummary, viewer: Viewer, config: &Config, now: Timestamp) -> TaskView {
    let published = task.pubdate <= now;
    TaskView {
        title: task.title.clone(),
        slug: task.slug.clone(),
        url: task_url(&task.slug),
        published,
        pubdate: local(task.pubdate, config),
        deadline: task.deadline.map(|deadline| local(deadline, config)),
        extended_from: task
            .task_deadline
            .filter(|own| Some(*own) != task.deadline)
            .map(|own| local(own, config)),
        deadline_left: task.deadline.map(|deadline| time_left(deadline, now)),
        opens_in: duration_words(task.pubdate.millis() - now.millis()),
        openable: published || viewer.staff,
        solved: task.solved,
        deadline_soon: task.deadline.is_some_and(|deadline| {
            (1..DEADLINE_WARNING_MS).contains(&(deadline.millis() - now.millis()))
        }),
        pubdate_ms: task.pubdate.millis(),
        deadline_ms: task.deadline.map(Timestamp::millis),
        now_ms: now.millis(),
    }
}

/// A category as the overview lists it, with its page.
#[derive(Serialize)]
pub struct CategoryRow {
    #[serde(flatten)]
    category: CategorySummary,
    url: String,
}

/// The categories `viewer` sees now, for the overview (`/tasks/` and the start page).
pub async fn overview(db: &Db, viewer: Viewer) -> AppResult<Vec<CategoryRow>> {
    let categories = catalog::categories(db, viewer, Timestamp::now()).await?;
    Ok(categories
        .into_iter()
        .map(|category| CategoryRow {
            url: format!("{}/", uri!(category(slug = &category.slug))),
            category,
        })
        .collect())
}

#[get("/tasks")]
async fn categories(
    page: Page<'_>,
    user: CurrentUser,
    db: &Db,
    settings: &State<Settings>,
    config: &State<Config>,
) -> AppResult<Html> {
    let viewer = Viewer::of(&user.0, &db.0, settings).await?;
    // During an exam the exam category is the overview.
    if let Some(id) = viewer.exam_category {
        let exam = catalog::category(&db.0, viewer, CategoryKey::Id(id)).await?;
        return category_page(&page, config, viewer, exam);
    }
    page.render(
        "tasks/categories.html",
        &serde_json::json!({ "categories": overview(db, viewer).await? }),
    )
}

#[get("/tasks/category/<slug>")]
async fn category(
    page: Page<'_>,
    user: CurrentUser,
    db: &Db,
    settings: &State<Settings>,
    config: &State<Config>,
    slug: &str,
) -> AppResult<Html> {
    let viewer = Viewer::of(&user.0, &db.0, settings).await?;
    let category = catalog::category(&db.0, viewer, CategoryKey::Slug(slug)).await?;
    category_page(&page, config, viewer, category)
}

fn category_page(
    page: &Page<'_>,
    config: &Config,
    viewer: Viewer,
    category: Option<(catalog::Category, Vec<TaskSummary>)>,
) -> AppResult<Html> {
    let ((id, name, description_html), tasks) = category.ok_or(AppError::NotFound)?;
    if viewer.exam_category.is_some_and(|exam| exam != id) {
        return Err(AppError::NotFound);
    }
    let now = Timestamp::now();
    let tasks: Vec<_> = tasks
        .iter()
        .map(|task| view(task, viewer, config, now))
        .collect();
    page.render(
        "tasks/category.html",
        &serde_json::json!({
            "name": name,
            "description_html": description_html,
            "tasks": tasks,
            "exam": viewer.exam_category.is_some(),
        }),
    )
}

#[derive(Serialize, serde::Deserialize)]
struct Template {
    name: String,
    content: String,
}

/// A task's page (its text, the editor and the upload form), from its slug.
#[must_use]
pub fn task_url(slug: &str) -> String {
    format!("{}/", uri!(editor(key = slug)))
}

#[get("/solutions/editor/<key>")]
async fn editor(
    page: Page<'_>,
    user: CurrentUser,
    db: &Db,
    settings: &State<Settings>,
    config: &State<Config>,
    key: &str,
) -> AppResult<Result<Html, Redirect>> {
    let viewer = Viewer::of(&user.0, &db.0, settings).await?;
    let Some(task) = catalog::task(&db.0, viewer, key, true).await? else {
        // Old links name the task by its system name.
        let task = catalog::task(&db.0, viewer, key, false).await?;
        let task = task.ok_or(AppError::NotFound)?;
        return Ok(Err(Redirect::to(task_url(&task.summary.slug))));
    };
    let now = Timestamp::now();
    let summary = view(&task.summary, viewer, config, now);
    if !summary.openable {
        // A student who is a few seconds early (or whose clock runs fast) is told to wait.
        let early = task.summary.pubdate.millis() - now.millis();
        if early <= STARTS_SOON_MS {
            let seconds = (early + 999) / 1000;
            return page
                .render(
                    "tasks/starts_soon.html",
                    &serde_json::json!({ "task": summary, "seconds": seconds }),
                )
                .map(Ok);
        }
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

#[cfg(test)]
mod tests {
    use super::duration_words;

    #[test]
    fn durations_are_worded_as_the_countdown_script_words_them() {
        let second = 1000;
        assert_eq!(duration_words(12 * second), "12 s");
        assert_eq!(duration_words((4 * 60 + 9) * second), "4 min 09 s");
        assert_eq!(
            duration_words((5 * 3600 + 7 * 60 + 30) * second),
            "5 h 07 min"
        );
        assert_eq!(duration_words((86_400 + 3600) * second), "25 h 00 min");
        assert_eq!(duration_words(3 * 86_400 * second), "3 days");
        assert_eq!(duration_words(-5), "0 s");
    }
}
