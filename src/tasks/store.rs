//! Writing imported tasks and categories: what an import run changes in the database.

use super::stored_files::FileChanges;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// A task as the importer read it from its directory, ready to be stored.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRecord {
    pub system_name: String,
    pub title: String,
    pub category_id: i64,
    pub pubdate: Timestamp,
    pub deadline: Option<Timestamp>,
    pub text_html: String,
    /// JSON object of the checker limits from `meta.json`.
    pub limits: String,
    /// JSON list of `{"name", "content"}`.
    pub templates: String,
}

/// The imported fields of a stored task, to tell an update from no change.
#[derive(Debug, sqlx::FromRow)]
struct StoredTask {
    id: i64,
    title: String,
    slug: String,
    category_id: i64,
    pubdate: Timestamp,
    deadline: Option<Timestamp>,
    text_html: String,
    limits: String,
    templates: String,
    hidden: bool,
}

impl StoredTask {
    /// Whether storing `record` would change nothing (a hidden task comes back, so it changes).
    fn matches(&self, record: &TaskRecord) -> bool {
        self.title == record.title
            && self.category_id == record.category_id
            && self.pubdate == record.pubdate
            && self.deadline == record.deadline
            && self.text_html == record.text_html
            && self.limits == record.limits
            && self.templates == record.templates
            && !self.hidden
    }
}

/// What storing a task did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    Added,
    Updated,
    Unchanged,
}

/// The id of the category `name`, created (last in order) on first use.
pub async fn ensure_category(db: &DbPool, name: &str) -> Result<i64, sqlx::Error> {
    let select = "SELECT id FROM categories WHERE name = $1";
    let existing: Option<i64> = on_pool!(db, |pool| sqlx::query_scalar(select)
        .bind(name)
        .fetch_optional(pool)
        .await)?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let base = Some(super::meta::slug(name))
        .filter(|slug| !slug.is_empty())
        .unwrap_or_else(|| "category".to_owned());
    let slug = free_slug(db, "categories", &base, None).await?;
    let insert = "INSERT INTO categories (name, slug, ordering)
                  VALUES ($1, $2, (SELECT COALESCE(MAX(ordering), 0) + 1 FROM categories))
                  ON CONFLICT (name) DO NOTHING";
    on_pool!(db, |pool| sqlx::query(insert)
        .bind(name)
        .bind(&slug)
        .execute(pool)
        .await
        .map(drop))?;
    on_pool!(db, |pool| sqlx::query_scalar(select)
        .bind(name)
        .fetch_one(pool)
        .await)
}

/// `base`, or `base-2`, `base-3`, … whichever no other row of `table` (but `except`) uses.
async fn free_slug(
    db: &DbPool,
    table: &str,
    base: &str,
    except: Option<i64>,
) -> Result<String, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE slug = $1 AND id <> $2");
    for n in 1.. {
        let candidate = if n == 1 {
            base.to_owned()
        } else {
            format!("{base}-{n}")
        };
        let count: i64 = on_pool!(db, |pool| sqlx::query_scalar(&sql)
            .bind(&candidate)
            .bind(except.unwrap_or(-1))
            .fetch_one(pool)
            .await)?;
        if count == 0 {
            return Ok(candidate);
        }
    }
    unreachable!("some slug is free")
}

/// Adds or updates the task `record` (visible again if it was hidden) and applies `files` to its
/// stored files, in one transaction: a reader sees the old task with its old files or the new
/// with the new. Admin-set fields stay.
pub async fn upsert(
    db: &DbPool,
    record: &TaskRecord,
    files: &FileChanges,
) -> Result<Stored, sqlx::Error> {
    let select = "SELECT id, title, slug, category_id, pubdate, deadline, text_html, limits, templates, hidden
                  FROM tasks WHERE system_name = $1";
    let stored: Option<StoredTask> = on_pool!(db, |pool| sqlx::query_as(select)
        .bind(&record.system_name)
        .fetch_optional(pool)
        .await)?;
    let base = Some(super::meta::slug(&record.title))
        .filter(|slug| !slug.is_empty())
        .unwrap_or_else(|| record.system_name.to_lowercase());
    let (slug, stored_as) = match stored {
        None => (free_slug(db, "tasks", &base, None).await?, Stored::Added),
        Some(stored) if stored.matches(record) && files.is_empty() => {
            return Ok(Stored::Unchanged);
        }
        Some(stored) => {
            // A slug that still follows from the title is kept, so a numbered one (`x-2`) stays.
            let numbered = stored
                .slug
                .strip_prefix(&format!("{base}-"))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            let slug = if stored.slug == base || numbered {
                stored.slug
            } else {
                free_slug(db, "tasks", &base, Some(stored.id)).await?
            };
            (slug, Stored::Updated)
        }
    };
    write(db, record, &slug, files).await?;
    Ok(stored_as)
}

/// Writes the task row under `slug` and its file changes in one transaction.
async fn write(
    db: &DbPool,
    record: &TaskRecord,
    slug: &str,
    files: &FileChanges,
) -> Result<(), sqlx::Error> {
    let write =
        "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, deadline, text_html,
                      limits, templates, imported_at)
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                  ON CONFLICT (system_name) DO UPDATE SET title = excluded.title,
                      slug = excluded.slug, category_id = excluded.category_id,
                      pubdate = excluded.pubdate, deadline = excluded.deadline,
                      text_html = excluded.text_html, limits = excluded.limits,
                      templates = excluded.templates, hidden = FALSE,
                      imported_at = excluded.imported_at
                  RETURNING id";
    let remove = "DELETE FROM task_files WHERE task_id = $1 AND folder = $2 AND path = $3";
    let put = "INSERT INTO task_files (task_id, folder, path, size, sha256, content)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (task_id, folder, path) DO UPDATE SET size = excluded.size,
                   sha256 = excluded.sha256, content = excluded.content";
    on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let id: i64 = sqlx::query_scalar(write)
            .bind(&record.system_name)
            .bind(&record.title)
            .bind(slug)
            .bind(record.category_id)
            .bind(record.pubdate)
            .bind(record.deadline)
            .bind(&record.text_html)
            .bind(&record.limits)
            .bind(&record.templates)
            .bind(Timestamp::now())
            .fetch_one(&mut *tx)
            .await?;
        for gone in &files.remove {
            sqlx::query(remove)
                .bind(id)
                .bind(&gone.folder)
                .bind(&gone.path)
                .execute(&mut *tx)
                .await?;
        }
        for file in &files.write {
            sqlx::query(put)
                .bind(id)
                .bind(&file.key.folder)
                .bind(&file.key.path)
                .bind(i64::try_from(file.content.len()).unwrap_or(i64::MAX))
                .bind(&file.key.sha256)
                .bind(&file.content)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    })
}

/// Hides every visible task whose system name is not in `keep`; returns the names hidden.
pub async fn hide_all_but(db: &DbPool, keep: &[String]) -> Result<Vec<String>, sqlx::Error> {
    let visible: Vec<(i64, String)> = on_pool!(db, |pool| sqlx::query_as(
        "SELECT id, system_name FROM tasks WHERE hidden = FALSE ORDER BY system_name"
    )
    .fetch_all(pool)
    .await)?;
    let mut hidden = Vec::new();
    for (id, name) in visible {
        if keep.contains(&name) {
            continue;
        }
        let sql = "UPDATE tasks SET hidden = TRUE WHERE id = $1";
        on_pool!(db, |pool| sqlx::query(sql)
            .bind(id)
            .execute(pool)
            .await
            .map(drop))?;
        hidden.push(name);
    }
    Ok(hidden)
}

/// Sets (or clears) a task's submission limit, an admin's field that imports keep.
pub async fn set_submission_limit(
    db: &DbPool,
    system_name: &str,
    limit: Option<i64>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE tasks SET submission_limit = $2 WHERE system_name = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(system_name)
        .bind(limit)
        .execute(pool)
        .await
        .map(drop))
}
