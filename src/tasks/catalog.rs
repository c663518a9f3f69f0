//! Reading tasks and categories for the pages, filtered by what a user may see.
//!
//! A task is visible when it is not hidden and has no group or one the user belongs to; staff see
//! every task that is not hidden. Unpublished tasks are listed (greyed) but not opened by students.
//! During an exam (runtime setting `exam_category`) students see only the exam category's tasks.

use serde::Serialize;

use super::extensions::deadline_for;
use crate::accounts::User;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::runner::verdict::Verdict;
use crate::settings::{self, SettingError, Settings};

/// Who is looking.
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub user_id: i64,
    pub staff: bool,
    /// The only category a student sees during an exam.
    pub exam_category: Option<i64>,
}

impl Viewer {
    /// `user` as a viewer under the current exam setting.
    pub async fn of(user: &User, db: &DbPool, settings: &Settings) -> Result<Self, SettingError> {
        let staff = user.is_staff();
        let exam_category = if staff {
            None
        } else {
            exam_category(db, settings).await?
        };
        Ok(Self {
            user_id: user.id,
            staff,
            exam_category,
        })
    }
}

/// The exam category's id, when the setting names an existing category (by name or slug).
pub async fn exam_category(db: &DbPool, settings: &Settings) -> Result<Option<i64>, SettingError> {
    let key = settings.text(db, &settings::EXAM_CATEGORY).await?;
    let key = key.trim();
    if key.is_empty() {
        return Ok(None);
    }
    let sql = "SELECT id FROM categories WHERE slug = $1 OR name = $1";
    Ok(on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(key)
        .fetch_optional(pool)
        .await)?)
}

/// The condition on `t` (tasks) for viewer `$1` (user id), `$2` (staff) and `$4` (exam category).
pub const VISIBLE: &str = "t.hidden = FALSE AND ($2 OR t.group_id IS NULL
    OR t.group_id IN (SELECT group_id FROM group_members WHERE user_id = $1))
    AND ($4 IS NULL OR t.category_id = $4)";

/// Whether viewer `$1` has a solution of `t` that passed every check.
fn solved() -> String {
    format!(
        "EXISTS (SELECT 1 FROM solutions s
    WHERE s.task_id = t.id AND s.author_id = $1 AND s.verdict = '{}')",
        Verdict::Passed
    )
}

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
    /// Published tasks the viewer solved.
    pub solved: i64,
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
    /// The viewer's deadline: the task's, or a later one of an extension granted to them.
    pub deadline: Option<Timestamp>,
    /// The task's own deadline.
    pub task_deadline: Option<Timestamp>,
    /// Whether the viewer has a solution that passed.
    pub solved: bool,
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
    let deadline = deadline_for("$1");
    let sql = format!(
        "SELECT c.id, c.name, c.slug, c.description_html,
                COUNT(CASE WHEN t.pubdate <= $3 THEN 1 END) AS published,
                COUNT(CASE WHEN t.pubdate <= $3 AND (t.deadline IS NULL OR {deadline} > $3) THEN 1 END) AS open,
                COUNT(CASE WHEN t.pubdate <= $3 AND {solved} THEN 1 END) AS solved
         FROM categories c JOIN tasks t ON t.category_id = c.id
         WHERE {VISIBLE}
         GROUP BY c.id, c.name, c.slug, c.description_html, c.ordering
         ORDER BY c.ordering, c.name",
        solved = solved()
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(viewer.user_id)
        .bind(viewer.staff)
        .bind(now)
        .bind(viewer.exam_category)
        .fetch_all(pool)
        .await)
}

/// A category as its page shows it: `(id, name, description_html)`.
pub type Category = (i64, String, String);

/// How a category is named: by its slug (in URLs) or its id (the exam setting's).
#[derive(Clone, Copy, Debug)]
pub enum CategoryKey<'a> {
    Slug(&'a str),
    Id(i64),
}

/// A task of a category with the category, as [`category`] reads them.
#[derive(sqlx::FromRow)]
struct CategoryTask {
    #[sqlx(flatten)]
    task: TaskSummary,
    category_name: String,
    category_description_html: String,
}

/// The category `key` names with its tasks the viewer sees, by publication date. One read when
/// the viewer sees any of its tasks; the category alone takes a second.
pub async fn category(
    db: &DbPool,
    viewer: Viewer,
    key: CategoryKey<'_>,
) -> Result<Option<(Category, Vec<TaskSummary>)>, sqlx::Error> {
    let column = match key {
        CategoryKey::Slug(_) => "slug",
        CategoryKey::Id(_) => "id",
    };
    let sql = format!(
        "SELECT {}, c.name AS category_name, c.description_html AS category_description_html
         FROM tasks t JOIN categories c ON c.id = t.category_id
         WHERE {VISIBLE} AND c.{column} = $3
         ORDER BY t.pubdate, t.title",
        summary()
    );
    let rows: Vec<CategoryTask> = on_pool!(db, |pool| {
        let query = sqlx::query_as(&sql).bind(viewer.user_id).bind(viewer.staff);
        let query = match key {
            CategoryKey::Slug(slug) => query.bind(slug),
            CategoryKey::Id(id) => query.bind(id),
        };
        query.bind(viewer.exam_category).fetch_all(pool).await
    })?;
    if let Some(first) = rows.first() {
        let category = (
            first.task.category_id,
            first.category_name.clone(),
            first.category_description_html.clone(),
        );
        let tasks = rows.into_iter().map(|row| row.task).collect();
        return Ok(Some((category, tasks)));
    }
    let sql = format!("SELECT id, name, description_html FROM categories WHERE {column} = $1");
    let category: Option<Category> = on_pool!(db, |pool| {
        let query = sqlx::query_as(&sql);
        let query = match key {
            CategoryKey::Slug(slug) => query.bind(slug),
            CategoryKey::Id(id) => query.bind(id),
        };
        query.fetch_optional(pool).await
    })?;
    Ok(category.map(|category| (category, Vec::new())))
}

/// The columns of [`TaskSummary`].
fn summary() -> String {
    format!(
        "t.id, t.system_name, t.title, t.slug, t.category_id, t.pubdate,
         {} AS deadline, t.deadline AS task_deadline, {} AS solved",
        deadline_for("$1"),
        solved()
    )
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
        "SELECT {}, t.text_html, t.templates, t.submission_limit FROM tasks t
         WHERE {VISIBLE} AND t.{column} = $3",
        summary()
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(viewer.user_id)
        .bind(viewer.staff)
        .bind(key)
        .bind(viewer.exam_category)
        .fetch_optional(pool)
        .await)
}
