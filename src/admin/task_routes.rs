//! `/admin/tasks/` and `/admin/tasks/<id>/`: what staff set on top of the task repository for
//! each task — its submission limit, the group that may see it, and its check limits within the
//! admins' maximums. Imports never change these; the repository's own fields are shown read-only.

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, State, get, post, routes};

use super::access::AdminStaff;
use super::audit::{self, Change};
use crate::accounts::groups;
use crate::config::Config;
use crate::db::{Db, Timestamp};
use crate::runner::sandbox::Limits;
use crate::solutions::limits::{self, Maximums};
use crate::solutions::regrade;
use crate::tasks::meta::CheckLimits;
use crate::tasks::staff_fields::{self, TaskEdit, TaskFields};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber};

/// Field errors by field name.
type Errors = BTreeMap<&'static str, String>;

#[get("/admin/tasks")]
async fn tasks(page: Page<'_>, _staff: AdminStaff, db: &Db) -> AppResult<Html> {
    let max = Maximums::load(&db.0).await;
    let rows: Vec<_> = staff_fields::tasks(&db.0)
        .await?
        .into_iter()
        .map(|task| {
            let limits = effective(&task, &max);
            serde_json::json!({ "task": task, "limits": limits })
        })
        .collect();
    page.render("admin/tasks.html", &serde_json::json!({ "tasks": rows }))
}

/// The limits a task's checks run with, as shown: seconds, MiB, CPUs, processes.
fn effective(task: &TaskFields, max: &Maximums) -> serde_json::Value {
    let limits: Limits = limits::for_task(&task.limits, &task.staff_limits, max);
    serde_json::json!({
        "time_limit": limits.wall_time.as_secs(),
        "memory_limit": limits.memory_bytes / (1024 * 1024),
        "cpus": limits.cpus,
        "process_limit": limits.processes,
    })
}

/// The form as typed: what a page shows in its fields.
#[derive(FromForm, serde::Serialize, Default)]
struct TaskForm {
    submission_limit: String,
    group: String,
    /// The check limits; a field not sent keeps staff's value, an empty one removes it.
    time_limit: Option<String>,
    memory_limit: Option<String>,
    cpus: Option<String>,
    process_limit: Option<String>,
}

impl TaskForm {
    /// The form of a task as it is.
    fn of(task: &TaskFields) -> Self {
        let staff = CheckLimits::from_json(&task.staff_limits);
        let text = |value: Option<String>| Some(value.unwrap_or_default());
        Self {
            submission_limit: task
                .submission_limit
                .map(|limit| limit.to_string())
                .unwrap_or_default(),
            group: task.group_name.clone().unwrap_or_default(),
            time_limit: text(staff.time_limit_secs.map(|secs| secs.to_string())),
            memory_limit: text(staff.memory_mib.map(|mib| mib.to_string())),
            cpus: text(staff.cpus.map(|cpus| cpus.to_string())),
            process_limit: text(staff.processes.map(|processes| processes.to_string())),
        }
    }

    /// Staff's limits after this form (`current` where a field was not sent), or the errors.
    fn limits(&self, current: CheckLimits, max: &Maximums, errors: &mut Errors) -> CheckLimits {
        let mut whole = |field: &'static str,
                         text: Option<&String>,
                         old: Option<u32>,
                         top: u64,
                         setting: &str| {
            let Some(text) = text.map(|text| text.trim()) else {
                return old;
            };
            if text.is_empty() {
                return None;
            }
            match text.parse::<u32>() {
                Ok(value) if value >= 1 && u64::from(value) <= top => Some(value),
                _ => {
                    let message = format!(
                        "A whole number from 1 to {top} (the runtime setting {setting}), or empty."
                    );
                    errors.insert(field, message);
                    old
                }
            }
        };
        let time_limit_secs = whole(
            "time_limit",
            self.time_limit.as_ref(),
            current.time_limit_secs,
            max.time_secs,
            "max_time_limit_seconds",
        );
        let memory_mib = whole(
            "memory_limit",
            self.memory_limit.as_ref(),
            current.memory_mib,
            max.memory_mib,
            "max_memory_mib",
        );
        let processes = whole(
            "process_limit",
            self.process_limit.as_ref(),
            current.processes,
            max.processes.unsigned_abs(),
            "max_processes",
        );
        let cpus = match self.cpus.as_deref().map(str::trim) {
            None => current.cpus,
            Some("") => None,
            Some(text) => match text.parse::<f32>() {
                Ok(cpus) if cpus >= 0.1 && f64::from(cpus) <= max.cpus => Some(cpus),
                _ => {
                    let message = format!(
                        "A number of CPUs from 0.1 to {} (the runtime setting max_cpus_tenths), or empty.",
                        max.cpus
                    );
                    errors.insert("cpus", message);
                    current.cpus
                }
            },
        };
        CheckLimits {
            time_limit_secs,
            memory_mib,
            cpus,
            processes,
        }
    }
}

async fn render(
    page: &Page<'_>,
    db: &Db,
    config: &Config,
    task: &TaskFields,
    form: &TaskForm,
    errors: &Errors,
) -> AppResult<Html> {
    let facts = staff_fields::task_facts(&db.0, task.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let zone = config.zone();
    let local = |moment: Timestamp| crate::time_zone::format_local(moment.to_datetime(), &zone);
    let max = Maximums::load(&db.0).await;
    let defaults = Limits::default();
    page.render(
        "admin/task.html",
        &serde_json::json!({
            "task": task,
            "slug": facts.slug,
            "pubdate": local(facts.pubdate),
            "deadline": facts.deadline.map(local),
            "imported": local(facts.imported_at),
            "repository": CheckLimits::from_json(&task.limits),
            "defaults": {
                "time_limit": defaults.wall_time.as_secs(),
                "memory_limit": defaults.memory_bytes / (1024 * 1024),
                "cpus": defaults.cpus,
                "process_limit": defaults.processes,
            },
            "maximums": {
                "time_limit": max.time_secs,
                "memory_limit": max.memory_mib,
                "cpus": max.cpus,
                "process_limit": max.processes,
            },
            "effective": effective(task, &max),
            "open_regrade": regrade::open_of(&db.0, task.id).await?,
            "form": form,
            "errors": errors,
        }),
    )
}

#[get("/admin/tasks/<id>")]
async fn task(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
) -> AppResult<Html> {
    let task = staff_fields::task(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    render(
        &page,
        db,
        config,
        &task,
        &TaskForm::of(&task),
        &Errors::new(),
    )
    .await
}

#[post("/admin/tasks/<id>", data = "<form>")]
async fn save_task(
    page: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
    form: Form<TaskForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let before = staff_fields::task(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Errors::new();
    let submission_limit = match form.submission_limit.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(limit) if limit >= 1 => Some(limit),
            _ => {
                let message =
                    "The submission limit must be a whole number of at least 1, or empty.";
                errors.insert("submission_limit", message.to_owned());
                None
            }
        },
    };
    let max = Maximums::load(&db.0).await;
    let limits = form.limits(
        CheckLimits::from_json(&before.staff_limits),
        &max,
        &mut errors,
    );
    if !errors.is_empty() {
        let html = render(&page, db, config, &before, &form, &errors).await?;
        return Ok(Either::Right((Status::UnprocessableEntity, html)));
    }
    let group_name = form.group.trim();
    let group = match group_name {
        "" => None,
        name => Some(groups::ensure(&db.0, name).await?),
    };
    let edit = TaskEdit {
        submission_limit,
        group,
        staff_limits: serde_json::to_string(&limits).unwrap_or_else(|_| "{}".to_owned()),
    };
    let title = staff_fields::save_task(&db.0, before.id, &edit)
        .await?
        .ok_or(AppError::NotFound)?;
    let change = |field, old: Option<String>, new: Option<String>| {
        Change::of("task", before.id, &title, field, old, new)
    };
    let changes: Vec<_> = [
        change(
            "submission_limit",
            before.submission_limit.map(|limit| limit.to_string()),
            submission_limit.map(|limit| limit.to_string()),
        ),
        change(
            "group",
            before.group_name.clone(),
            (!group_name.is_empty()).then(|| group_name.to_owned()),
        ),
        change(
            "staff_limits",
            Some(before.staff_limits.clone()),
            Some(edit.staff_limits.clone()),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    audit::record(&db.0, &staff.0, &changes).await?;
    Ok(Either::Left(Flash::success(
        Redirect::to(format!("/admin/tasks/{}/", before.id)),
        format!("Saved the task {title}."),
    )))
}

/// The task pages.
pub fn routes() -> Vec<Route> {
    routes![tasks, task, save_task]
}
