//! What a run compares, read from the database: the tasks of its scope, each task's editor
//! templates (the base code) and the latest passed solution of every student.

use serde::{Deserialize, Serialize};

use super::runs::Scope;
use super::{Source, Submission};
use crate::db::DbPool;
use crate::on_pool;

/// A task to compare.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub title: String,
    /// JSON list of `{"name", "content"}`, as imports store it.
    templates: String,
}

/// A student's solution as the comparison sees it, with its author.
#[derive(Clone, Debug)]
pub struct Entry {
    pub submission: Submission,
    pub author_id: i64,
}

/// The tasks of `scope`, in a stable order.
pub async fn tasks(db: &DbPool, scope: Scope) -> Result<Vec<Task>, sqlx::Error> {
    let (sql, id) = match scope {
        Scope::Task(id) => ("SELECT id, title, templates FROM tasks WHERE id = $1", id),
        Scope::Category(id) => (
            "SELECT id, title, templates FROM tasks WHERE category_id = $1 ORDER BY id",
            id,
        ),
    };
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .fetch_all(pool)
        .await)
}

impl Task {
    /// The editor's start files, the code every student was given.
    #[must_use]
    pub fn base(&self) -> Vec<Source> {
        #[derive(Deserialize)]
        struct Template {
            name: String,
            content: String,
        }
        serde_json::from_str::<Vec<Template>>(&self.templates)
            .unwrap_or_default()
            .into_iter()
            .map(|template| Source {
                name: template.name,
                content: template.content,
            })
            .collect()
    }
}

/// The latest passed solution of every student of `task`; staff and superusers' own solutions
/// are left out (theirs are model solutions, not copies).
pub async fn latest_passed(db: &DbPool, task: i64) -> Result<Vec<Entry>, sqlx::Error> {
    // 'passed' is the stored name of the verdict `runner::verdict::Verdict::Passed`.
    let sql = "SELECT s.id, s.author_id, f.name, f.content
               FROM solutions s
               JOIN users u ON u.id = s.author_id
               JOIN solution_files f ON f.solution_id = s.id
               WHERE s.task_id = $1 AND s.verdict = 'passed'
                 AND u.is_staff = FALSE AND u.is_superuser = FALSE
                 AND s.number = (SELECT MAX(l.number) FROM solutions l
                                 WHERE l.task_id = s.task_id AND l.author_id = s.author_id
                                   AND l.verdict = 'passed')
               ORDER BY s.id, f.name";
    let rows: Vec<(i64, i64, String, Vec<u8>)> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(task)
        .fetch_all(pool)
        .await)?;
    let mut entries: Vec<Entry> = Vec::new();
    for (id, author_id, name, content) in rows {
        let file = Source {
            name,
            content: String::from_utf8_lossy(&content).into_owned(),
        };
        match entries.last_mut() {
            Some(entry) if entry.submission.id == id => entry.submission.files.push(file),
            _ => entries.push(Entry {
                submission: Submission {
                    id,
                    files: vec![file],
                },
                author_id,
            }),
        }
    }
    Ok(entries)
}

/// The task with the slug `name`, else the category with that slug or name (any case).
pub async fn scope_named(db: &DbPool, name: &str) -> Result<Option<Scope>, sqlx::Error> {
    let task = "SELECT id FROM tasks WHERE lower(slug) = lower($1)";
    let id: Option<i64> = on_pool!(db, |pool| sqlx::query_scalar(task)
        .bind(name)
        .fetch_optional(pool)
        .await)?;
    if let Some(id) = id {
        return Ok(Some(Scope::Task(id)));
    }
    let category =
        "SELECT id FROM categories WHERE lower(slug) = lower($1) OR lower(name) = lower($1)
                    ORDER BY id LIMIT 1";
    let id: Option<i64> = on_pool!(db, |pool| sqlx::query_scalar(category)
        .bind(name)
        .fetch_optional(pool)
        .await)?;
    Ok(id.map(Scope::Category))
}

/// A task or category a check may be started for.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Choice {
    pub slug: String,
    pub name: String,
}

/// Every category and every task (by title), for the start form.
pub async fn choices(db: &DbPool) -> Result<(Vec<Choice>, Vec<Choice>), sqlx::Error> {
    let categories = "SELECT slug, name FROM categories ORDER BY name";
    let tasks = "SELECT slug, title AS name FROM tasks ORDER BY title";
    let categories = on_pool!(db, |pool| sqlx::query_as(categories).fetch_all(pool).await)?;
    let tasks = on_pool!(db, |pool| sqlx::query_as(tasks).fetch_all(pool).await)?;
    Ok((categories, tasks))
}

/// The task (`task:<slug>`) or category (`category:<slug>`) a form names.
pub async fn scope_chosen(db: &DbPool, choice: &str) -> Result<Option<Scope>, sqlx::Error> {
    let Some((kind, slug)) = choice.split_once(':') else {
        return Ok(None);
    };
    let (sql, scope): (&str, fn(i64) -> Scope) = match kind {
        "task" => ("SELECT id FROM tasks WHERE slug = $1", Scope::Task),
        "category" => ("SELECT id FROM categories WHERE slug = $1", Scope::Category),
        _ => return Ok(None),
    };
    let id: Option<i64> = on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(slug)
        .fetch_optional(pool)
        .await)?;
    Ok(id.map(scope))
}
