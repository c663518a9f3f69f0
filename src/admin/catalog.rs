//! `/admin/categories/` and `/admin/tasks/`: what staff set on top of the task repository — the
//! order and description of categories, and each task's submission limit and group. Imports never
//! change these.

use rocket::form::{Form, FromForm};
use rocket::response::{Flash, Redirect};
use rocket::{Route, get, post, routes};
use serde::Serialize;

use crate::accounts::{Staff, groups};
use crate::db::{Db, DbPool};
use crate::on_pool;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber};

/// The longest category description staff may write.
const DESCRIPTION_LIMIT: usize = 20_000;

#[derive(Serialize, sqlx::FromRow)]
struct CategoryRow {
    id: i64,
    name: String,
    description: String,
    ordering: i64,
}

#[derive(FromForm)]
struct CategoryForm {
    ordering: String,
    description: String,
}

#[get("/admin/categories")]
async fn categories(page: Page<'_>, _staff: Staff, db: &Db) -> AppResult<Html> {
    let sql = "SELECT id, name, description, ordering FROM categories ORDER BY ordering, name";
    let rows: Vec<CategoryRow> =
        on_pool!(&db.0, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
    page.render(
        "admin/categories.html",
        &serde_json::json!({ "categories": rows }),
    )
}

#[post("/admin/categories/<id>", data = "<form>")]
async fn save_category(
    _staff: Staff,
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
    let html = crate::markdown::render(&form.description);
    let sql = "UPDATE categories SET ordering = $1, description = $2, description_html = $3
               WHERE id = $4 RETURNING name";
    let name: Option<String> = on_pool!(&db.0, pool => sqlx::query_scalar(sql)
        .bind(ordering)
        .bind(&form.description)
        .bind(html)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    let name = name.ok_or(AppError::NotFound)?;
    Ok(Flash::success(back, format!("Saved the category {name}.")))
}

#[derive(Serialize, sqlx::FromRow)]
struct TaskRow {
    id: i64,
    title: String,
    system_name: String,
    category: String,
    hidden: bool,
    submission_limit: Option<i64>,
    group_name: Option<String>,
}

#[derive(FromForm)]
struct TaskForm {
    submission_limit: String,
    group: String,
}

#[get("/admin/tasks")]
async fn tasks(page: Page<'_>, _staff: Staff, db: &Db) -> AppResult<Html> {
    let sql = "SELECT t.id, t.title, t.system_name, c.name AS category, t.hidden,
                      t.submission_limit, g.name AS group_name
               FROM tasks t JOIN categories c ON c.id = t.category_id
               LEFT JOIN groups g ON g.id = t.group_id
               ORDER BY c.ordering, c.name, t.pubdate, t.title";
    let rows: Vec<TaskRow> = on_pool!(&db.0, pool => sqlx::query_as(sql).fetch_all(pool).await)?;
    page.render("admin/tasks.html", &serde_json::json!({ "tasks": rows }))
}

#[post("/admin/tasks/<id>", data = "<form>")]
async fn save_task(
    _staff: Staff,
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
    let group = match form.group.trim() {
        "" => None,
        name => Some(groups::ensure(&db.0, name).await?),
    };
    let title = save_task_fields(&db.0, id, limit, group)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Flash::success(back, format!("Saved the task {title}.")))
}

/// Stores the staff fields of task `id`; returns its title, or `None` when there is no such task.
async fn save_task_fields(
    db: &DbPool,
    id: i64,
    limit: Option<i64>,
    group: Option<i64>,
) -> Result<Option<String>, sqlx::Error> {
    let sql = "UPDATE tasks SET submission_limit = $1, group_id = $2 WHERE id = $3 RETURNING title";
    on_pool!(db, pool => sqlx::query_scalar(sql)
        .bind(limit)
        .bind(group)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// The catalogue pages.
pub fn routes() -> Vec<Route> {
    routes![categories, save_category, tasks, save_task]
}
