//! `/admin/categories/` and `/admin/tasks/`: what staff set on top of the task repository — the
//! order and description of categories, and each task's submission limit and group. Imports never
//! change these.

use rocket::form::{Form, FromForm};
use rocket::response::{Flash, Redirect};
use rocket::{Route, get, post, routes};

use super::access::AdminStaff;
use super::audit::{self, Change};
use crate::accounts::groups;
use crate::db::Db;
use crate::tasks::staff_fields;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber};

/// The longest category description staff may write.
const DESCRIPTION_LIMIT: usize = 20_000;

#[derive(FromForm)]
struct CategoryForm {
    ordering: String,
    description: String,
}

#[get("/admin/categories")]
async fn categories(page: Page<'_>, _staff: AdminStaff, db: &Db) -> AppResult<Html> {
    let rows = staff_fields::categories(&db.0).await?;
    page.render(
        "admin/categories.html",
        &serde_json::json!({ "categories": rows }),
    )
}

#[post("/admin/categories/<id>", data = "<form>")]
async fn save_category(
    staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    form: Form<CategoryForm>,
) -> AppResult<Flash<Redirect>> {
    let id = id.get()?;
    let back = Redirect::to("/admin/categories/");
    let Ok(ordering) = form.ordering.trim().parse::<i64>() else {
        return Ok(Flash::error(back, "The order must be a whole number."));
    };
    if form.description.chars().count() > DESCRIPTION_LIMIT {
        let message =
            format!("The description is too long (at most {DESCRIPTION_LIMIT} characters).");
        return Ok(Flash::error(back, message));
    }
    let before = staff_fields::category(&db.0, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let html = crate::markdown::render(&form.description);
    let name = staff_fields::save_category(&db.0, id, ordering, &form.description, &html)
        .await?
        .ok_or(AppError::NotFound)?;
    let changes: Vec<_> = [
        Change::of(
            "category",
            id,
            &name,
            "ordering",
            Some(before.ordering.to_string()),
            Some(ordering.to_string()),
        ),
        Change::of(
            "category",
            id,
            &name,
            "description",
            Some(before.description),
            Some(form.description.clone()),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    audit::record(&db.0, &staff.0, &changes).await?;
    Ok(Flash::success(back, format!("Saved the category {name}.")))
}

#[derive(FromForm)]
struct TaskForm {
    submission_limit: String,
    group: String,
}

#[get("/admin/tasks")]
async fn tasks(page: Page<'_>, _staff: AdminStaff, db: &Db) -> AppResult<Html> {
    let rows = staff_fields::tasks(&db.0).await?;
    page.render("admin/tasks.html", &serde_json::json!({ "tasks": rows }))
}

#[post("/admin/tasks/<id>", data = "<form>")]
async fn save_task(
    staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    form: Form<TaskForm>,
) -> AppResult<Flash<Redirect>> {
    let id = id.get()?;
    let back = Redirect::to("/admin/tasks/");
    let limit = match form.submission_limit.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(limit) if limit >= 1 => Some(limit),
            _ => {
                let message =
                    "The submission limit must be a whole number of at least 1, or empty.";
                return Ok(Flash::error(back, message));
            }
        },
    };
    let before = staff_fields::task(&db.0, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let group_name = form.group.trim();
    let group = match group_name {
        "" => None,
        name => Some(groups::ensure(&db.0, name).await?),
    };
    let title = staff_fields::save_task(&db.0, id, limit, group)
        .await?
        .ok_or(AppError::NotFound)?;
    let changes: Vec<_> = [
        Change::of(
            "task",
            id,
            &title,
            "submission_limit",
            before.submission_limit.map(|limit| limit.to_string()),
            limit.map(|limit| limit.to_string()),
        ),
        Change::of(
            "task",
            id,
            &title,
            "group",
            before.group_name,
            (!group_name.is_empty()).then(|| group_name.to_owned()),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    audit::record(&db.0, &staff.0, &changes).await?;
    Ok(Flash::success(back, format!("Saved the task {title}.")))
}

/// The catalog pages.
pub fn routes() -> Vec<Route> {
    routes![categories, save_category, tasks, save_task]
}
