//! Reading tasks and categories for the pages, filtered by what a user may see.
//!
//! A task is visible when it is not hidden and has no group or one the user belongs to; staff see
//! every task that is not hidden. Unpublished tasks are listed (greyed) but not opened by students.

use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// Who is looking.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub user_id: i64,
    pub staff: bool,
}

/// The condition on `t` (tasks) for viewer `$1` (user id) and `$2` (staff).
const VISIBLE: &str = "t.hidden = FALSE AND ($2 OR t.group_id IS NULL
    OR t.group_id IN (SELECT group_id FROM group_members WHERE user_id = $1))";

/// A category with how many of its visible tasks are published and still open.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct CategorySummary {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub description_html: String,
    /// Published tasks the viewer sees.
    pub published: i64,
    /// Published tasks whose deadline has not passed.
    pub open: i64,
}

/// A task row as lists and the task page show it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct TaskSummary {
    pub id: i64,
    pub system_name: String,
    pub title: String,
    pub slug: String,
    pub category_id: i64,
    pub pubdate: Timestamp,
    pub deadline: Option<Timestamp>,
}

/// A task with its text and start files, for the task page.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TaskDetail {
    #[sqlx(flatten)]
    pub summary: TaskSummary,
    pub text_html: String,
    pub templates: String,
    pub submission_limit: Option<i64>,
}

/// Every category that has a task the viewer sees, in order.
pub async fn categories(
    db: &DbPool,
    viewer: Viewer,
    now: Timestamp,
) -> Result<Vec<CategorySummary>, sqlx::Error> {
    let sql = format!(
        "SELECT c.id, c.name, c.slug, c.description_html,
                COUNT(CASE WHEN t.pubdate <= $3 THEN 1 END) AS published,
                COUNT(CASE WHEN t.pubdate <= $3 AND (t.deadline IS NULL OR t.deadline > $3) THEN 1 END) AS open
         FROM categories c JOIN tasks t ON t.category_id = c.id
         WHERE {VISIBLE}
         GROUP BY c.id, c.name, c.slug, c.description_html, c.ordering
         ORDER BY c.ordering, c.name"
    );
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(viewer.user_id)
        .bind(viewer.staff)
        .bind(now)
        .fetch_all(pool)
        .await)
}

/// The category with this slug: `(id, name, description_html)`.
pub async fn category(
    db: &DbPool,
    slug: &str,
) -> Result<Option<(i64, String, String)>, sqlx::Error> {
    let sql = "SELECT id, name, description_html FROM categories WHERE slug = $1";
    on_pool!(db, pool => sqlx::query_as(sql).bind(slug).fetch_optional(pool).await)
}

const SUMMARY: &str = "t.id, t.system_name, t.title, t.slug, t.category_id, t.pubdate, t.deadline";

/// The tasks of a category the viewer sees, by publication date.
pub async fn tasks_in(
    db: &DbPool,
    viewer: Viewer,
    category_id: i64,
) -> Result<Vec<TaskSummary>, sqlx::Error> {
    let sql = format!(
        "SELECT {SUMMARY} FROM tasks t WHERE {VISIBLE} AND t.category_id = $3
         ORDER BY t.pubdate, t.title"
    );
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(viewer.user_id)
        .bind(viewer.staff)
        .bind(category_id)
        .fetch_all(pool)
        .await)
}

/// The task the viewer sees whose slug (`by_slug`) or system name is `key`.
pub async fn task(
    db: &DbPool,
    viewer: Viewer,
    key: &str,
    by_slug: bool,
) -> Result<Option<TaskDetail>, sqlx::Error> {
    let column = if by_slug { "slug" } else { "system_name" };
    let sql = format!(
        "SELECT {SUMMARY}, t.text_html, t.templates, t.submission_limit FROM tasks t
         WHERE {VISIBLE} AND t.{column} = $3"
    );
    on_pool!(db, pool => sqlx::query_as(&sql)
        .bind(viewer.user_id)
        .bind(viewer.staff)
        .bind(key)
        .fetch_optional(pool)
        .await)
}
