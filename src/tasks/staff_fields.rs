//! What staff set on top of the task repository, stored beside the imported fields: the order and
//! description of categories, each task's submission limit, group and check limits. Imports never
//! change these.

use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// A category as staff edit it.
#[derive(Serialize, sqlx::FromRow)]
pub struct CategoryFields {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub ordering: i64,
}

/// A task as staff edit it, with what identifies it.
#[derive(Serialize, sqlx::FromRow)]
pub struct TaskFields {
    pub id: i64,
    pub title: String,
    pub system_name: String,
    pub category: String,
    pub hidden: bool,
    pub submission_limit: Option<i64>,
    pub group_name: Option<String>,
    /// Check limits as JSON: the repository's (`meta.json`) and staff's.
    pub limits: String,
    pub staff_limits: String,
}

/// What a task's page shows from the repository beside the fields staff edit.
#[derive(Serialize, sqlx::FromRow)]
pub struct TaskFacts {
    pub slug: String,
    pub pubdate: Timestamp,
    pub deadline: Option<Timestamp>,
    pub imported_at: Timestamp,
}

/// What staff set on a task.
pub struct TaskEdit {
    pub submission_limit: Option<i64>,
    pub group: Option<i64>,
    /// As JSON, the keys of `meta.json`'s limits.
    pub staff_limits: String,
}

const CATEGORIES: &str =
    "SELECT id, name, description, ordering FROM categories ORDER BY ordering, name";

const SAVE_CATEGORY: &str = "
    UPDATE categories SET ordering = $1, description = $2, description_html = $3
    WHERE id = $4 RETURNING name";

/// The columns of [`TaskFields`].
macro_rules! task_fields {
    () => {
        "SELECT t.id, t.title, t.system_name, c.name AS category, t.hidden,
                t.submission_limit, g.name AS group_name, t.limits, t.staff_limits"
    };
}

const TASKS: &str = concat!(
    task_fields!(),
    "
    FROM tasks t JOIN categories c ON c.id = t.category_id
    LEFT JOIN groups g ON g.id = t.group_id
    ORDER BY c.ordering, c.name, t.pubdate, t.title"
);

const CATEGORY: &str = "SELECT id, name, description, ordering FROM categories WHERE id = $1";

const TASK: &str = concat!(
    task_fields!(),
    "
    FROM tasks t JOIN categories c ON c.id = t.category_id
    LEFT JOIN groups g ON g.id = t.group_id
    WHERE t.id = $1"
);

const SAVE_TASK: &str = "UPDATE tasks SET submission_limit = $1, group_id = $2, staff_limits = $3
    WHERE id = $4 RETURNING title";

/// Every category in the order students see them.
pub async fn categories(db: &DbPool) -> Result<Vec<CategoryFields>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(CATEGORIES).fetch_all(pool).await)
}

/// The category `id` as staff edit it.
pub async fn category(db: &DbPool, id: i64) -> Result<Option<CategoryFields>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(CATEGORY)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// The task `id` as staff edit it.
pub async fn task(db: &DbPool, id: i64) -> Result<Option<TaskFields>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(TASK)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// The repository's facts of task `id`.
pub async fn task_facts(db: &DbPool, id: i64) -> Result<Option<TaskFacts>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(
        "SELECT slug, pubdate, deadline, imported_at FROM tasks WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)
}

/// Stores the order and the description (Markdown, and its sanitised `html`) of category `id`;
/// returns its name, or `None` when there is no such category.
pub async fn save_category(
    db: &DbPool,
    id: i64,
    ordering: i64,
    description: &str,
    html: &str,
) -> Result<Option<String>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_scalar(SAVE_CATEGORY)
        .bind(ordering)
        .bind(description)
        .bind(html)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// Every task, hidden ones too, in catalog order.
pub async fn tasks(db: &DbPool) -> Result<Vec<TaskFields>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(TASKS).fetch_all(pool).await)
}

/// Stores what staff set on task `id`; returns its title, or `None` when there is no such task.
pub async fn save_task(
    db: &DbPool,
    id: i64,
    edit: &TaskEdit,
) -> Result<Option<String>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_scalar(SAVE_TASK)
        .bind(edit.submission_limit)
        .bind(edit.group)
        .bind(&edit.staff_limits)
        .bind(id)
        .fetch_optional(pool)
        .await)
}
