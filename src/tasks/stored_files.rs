//! Task files in the database: the `attachments/` and `images/` an import stored with its task.
//!
//! Every instance serves them from here, so none needs the repository copy of the instance that
//! ran the import (issue 16). An import writes them with the task record ([`super::store::upsert`]).

use crate::db::{DbPool, TaskId};
use crate::on_pool;

/// The folders of a task directory whose files are stored and served.
pub const FOLDERS: &[&str] = &["attachments", "images"];

/// A stored task file as an import compares it: where it is and what it holds.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FileKey {
    pub folder: String,
    /// Relative to the folder, `/`-separated.
    pub path: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// A file an import writes, with its content.
#[derive(Clone, Debug)]
pub struct NewFile {
    pub key: FileKey,
    pub content: Vec<u8>,
}

/// What an import changes in the files of one task.
#[derive(Debug, Default)]
pub struct FileChanges {
    /// New files and files whose content changed.
    pub write: Vec<NewFile>,
    /// Files no longer in the repository.
    pub remove: Vec<FileKey>,
}

impl FileChanges {
    /// Whether the task's files stay as they are.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.write.is_empty() && self.remove.is_empty()
    }
}

/// The stored files of the task `system_name` (none for a task not stored yet), by folder and path.
pub async fn listed(db: &DbPool, system_name: &str) -> Result<Vec<FileKey>, sqlx::Error> {
    let sql = "SELECT f.folder, f.path, f.sha256 FROM task_files f
               JOIN tasks t ON t.id = f.task_id
               WHERE t.system_name = $1 ORDER BY f.folder, f.path";
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(system_name)
        .fetch_all(pool)
        .await)
}

/// The hex SHA-256 of a stored file, if there is such a file: its `ETag`.
pub async fn sha256(
    db: &DbPool,
    task: TaskId,
    folder: &str,
    path: &str,
) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT sha256 FROM task_files WHERE task_id = $1 AND folder = $2 AND path = $3";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(task.0)
        .bind(folder)
        .bind(path)
        .fetch_optional(pool)
        .await)
}

/// The content of a stored file, if there is such a file.
pub async fn content(
    db: &DbPool,
    task: TaskId,
    folder: &str,
    path: &str,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let sql = "SELECT content FROM task_files WHERE task_id = $1 AND folder = $2 AND path = $3";
    on_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(task.0)
        .bind(folder)
        .bind(path)
        .fetch_optional(pool)
        .await)
}
