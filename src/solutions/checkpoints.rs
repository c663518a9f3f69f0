//! Editor checkpoints in the database: each student's saved files per task, versioned, with the
//! newest [`KEPT`] versions kept as history.

use serde::{Deserialize, Serialize};

use super::files::Upload;
use crate::db::{DbPool, TaskId, Timestamp, UserId};
use crate::on_pool;

/// How many versions of a student's files for a task are kept (the latest and its history).
pub const KEPT: i64 = 20;

/// One file in the editor: a name and its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorFile {
    pub name: String,
    pub content: String,
}

impl EditorFile {
    /// The file as the submission rules see it.
    #[must_use]
    pub fn upload(&self) -> Upload {
        Upload {
            name: self.name.clone(),
            content: self.content.clone().into_bytes(),
        }
    }
}

/// One saved version with its files.
#[derive(Clone, Debug, Serialize)]
pub struct Checkpoint {
    pub version: i64,
    pub saved_at: Timestamp,
    pub summary: String,
    pub files: Vec<EditorFile>,
}

/// A version in the history list, without its files.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct HistoryEntry {
    pub version: i64,
    pub saved_at: Timestamp,
    pub summary: String,
}

/// A save that started from an older version than the stored one.
#[derive(Debug, PartialEq, Eq)]
pub struct Stale {
    /// The stored version (0: none).
    pub current: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    version: i64,
    saved_at: Timestamp,
    summary: String,
    files: String,
}

impl Row {
    fn checkpoint(self) -> Result<Checkpoint, sqlx::Error> {
        let files = serde_json::from_str(&self.files)
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        Ok(Checkpoint {
            version: self.version,
            saved_at: self.saved_at,
            summary: self.summary,
            files,
        })
    }
}

/// The latest checkpoint of a student for a task.
pub async fn latest(
    db: &DbPool,
    user: UserId,
    task: TaskId,
) -> Result<Option<Checkpoint>, sqlx::Error> {
    let row: Option<Row> = on_pool!(db, |pool| sqlx::query_as(
        "SELECT version, saved_at, summary, files FROM checkpoints
         WHERE user_id = $1 AND task_id = $2 ORDER BY version DESC LIMIT 1"
    )
    .bind(user)
    .bind(task)
    .fetch_optional(pool)
    .await)?;
    row.map(Row::checkpoint).transpose()
}

/// One version of a student's files for a task, if it is still kept.
pub async fn version(
    db: &DbPool,
    user: UserId,
    task: TaskId,
    version: i64,
) -> Result<Option<Checkpoint>, sqlx::Error> {
    let row: Option<Row> = on_pool!(db, |pool| sqlx::query_as(
        "SELECT version, saved_at, summary, files FROM checkpoints
         WHERE user_id = $1 AND task_id = $2 AND version = $3"
    )
    .bind(user)
    .bind(task)
    .bind(version)
    .fetch_optional(pool)
    .await)?;
    row.map(Row::checkpoint).transpose()
}

/// The kept versions, newest first.
pub async fn history(
    db: &DbPool,
    user: UserId,
    task: TaskId,
) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(
        "SELECT version, saved_at, summary FROM checkpoints
         WHERE user_id = $1 AND task_id = $2 ORDER BY version DESC"
    )
    .bind(user)
    .bind(task)
    .fetch_all(pool)
    .await)
}

/// Stores `files` as the version after `base`, unless the stored version is no longer `base`
/// (another tab saved in between: [`Stale`]). Versions older than the newest [`KEPT`] are removed.
pub async fn save(
    db: &DbPool,
    user: UserId,
    task: TaskId,
    base: i64,
    files: &[EditorFile],
    summary: Option<String>,
) -> Result<Result<Checkpoint, Stale>, sqlx::Error> {
    let previous = latest(db, user, task).await?;
    let current = previous.as_ref().map_or(0, |previous| previous.version);
    if current != base {
        return Ok(Err(Stale { current }));
    }
    let summary = summary
        .unwrap_or_else(|| describe_change(previous.as_ref().map_or(&[][..], |p| &p.files), files));
    let saved_at = Timestamp::now();
    let version = base + 1;
    let encoded = serde_json::to_string(files).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    // The primary key (user, task, version) refuses a second save from the same base, also when
    // both read the same latest version above.
    let inserted = on_pool!(db, |pool| sqlx::query(
        "INSERT INTO checkpoints (user_id, task_id, version, saved_at, summary, files)
         VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(user)
    .bind(task)
    .bind(version)
    .bind(saved_at)
    .bind(&summary)
    .bind(&encoded)
    .execute(pool)
    .await
    .map(drop));
    match inserted {
        Ok(()) => {}
        Err(error) if is_taken(&error) => {
            let current = latest(db, user, task).await?.map_or(0, |c| c.version);
            return Ok(Err(Stale { current }));
        }
        Err(error) => return Err(error),
    }
    on_pool!(db, |pool| sqlx::query(
        "DELETE FROM checkpoints WHERE user_id = $1 AND task_id = $2 AND version <= $3"
    )
    .bind(user)
    .bind(task)
    .bind(version - KEPT)
    .execute(pool)
    .await
    .map(drop))?;
    Ok(Ok(Checkpoint {
        version,
        saved_at,
        summary,
        files: files.to_vec(),
    }))
}

/// The version was taken by a save in between.
fn is_taken(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(sqlx::error::DatabaseError::is_unique_violation)
}

/// What changed from `before` to `after`, in a few words: files added, removed and edited (with
/// their line counts), or "no changes".
#[must_use]
pub fn describe_change(before: &[EditorFile], after: &[EditorFile]) -> String {
    let mut parts = Vec::new();
    for file in after {
        match before.iter().find(|old| old.name == file.name) {
            None => parts.push(format!("added {}", file.name)),
            Some(old) if old.content != file.content => parts.push(format!(
                "edited {} ({} → {} lines)",
                file.name,
                old.content.lines().count(),
                file.content.lines().count()
            )),
            Some(_) => {}
        }
    }
    for old in before {
        if !after.iter().any(|file| file.name == old.name) {
            parts.push(format!("removed {}", old.name));
        }
    }
    if parts.is_empty() {
        return "no changes".to_owned();
    }
    let mut summary = parts.join(", ");
    if summary.chars().count() > 200 {
        summary = summary.chars().take(199).collect::<String>() + "…";
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, content: &str) -> EditorFile {
        EditorFile {
            name: name.into(),
            content: content.into(),
        }
    }

    #[test]
    fn a_change_is_described_by_file() {
        let before = [file("A.java", "a\nb"), file("B.java", "b")];
        let after = [file("A.java", "a\nb\nc"), file("C.java", "c")];
        assert_eq!(
            describe_change(&before, &after),
            "edited A.java (2 → 3 lines), added C.java, removed B.java"
        );
        assert_eq!(describe_change(&after, &after), "no changes");
        assert_eq!(describe_change(&[], &[file("A.java", "")]), "added A.java");
    }
}
