//! Solutions in the database: creating one with its check, and reading them for the pages.

use serde::Serialize;

use super::state::SolutionStatus;
use crate::db::{DbPool, TaskId, Timestamp, UserId};
use crate::on_pool;
use crate::runner::verdict::Verdict;
use crate::tasks::catalog::{VISIBLE, Viewer};

/// A solution as lists and result pages show it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Solution {
    pub id: i64,
    pub task_id: i64,
    pub author_id: i64,
    pub number: i64,
    pub submitted_at: Timestamp,
    pub files_hash: String,
    pub status: SolutionStatus,
    pub verdict: Option<Verdict>,
    pub tests_total: i64,
    pub tests_passed: i64,
}

const COLUMNS: &str = "id, task_id, author_id, number, submitted_at, files_hash, status, verdict, \
    tests_total, tests_passed";

/// A solution with its files and the title and publication date of its task, as [`in_task`]
/// reads it.
#[derive(Clone, Debug)]
pub struct InTask {
    pub solution: Solution,
    pub files: Vec<SolutionFile>,
    pub title: String,
    pub pubdate: Timestamp,
}

/// One row of [`in_task`]'s read: the solution and its task with one of its files.
#[derive(sqlx::FromRow)]
struct InTaskRow {
    #[sqlx(flatten)]
    solution: Solution,
    title: String,
    pubdate: Timestamp,
    file_name: Option<String>,
    file_size: Option<i64>,
}

/// Solution `number` of `author_id` for the task `slug` names, with its files, when `viewer` sees
/// the task (hidden, group and exam rules as in `tasks::catalog`; not its publication date): one
/// read for all.
pub async fn in_task(
    db: &DbPool,
    viewer: Viewer,
    slug: &str,
    author_id: UserId,
    number: i64,
) -> Result<Option<InTask>, sqlx::Error> {
    let sql = format!(
        "SELECT s.*, t.title, t.pubdate, f.name AS file_name, f.size AS file_size
         FROM (SELECT {COLUMNS} FROM solutions WHERE author_id = $5 AND number = $6) s
              JOIN tasks t ON t.id = s.task_id
              LEFT JOIN solution_files f ON f.solution_id = s.id
         WHERE {VISIBLE} AND t.slug = $3
         ORDER BY f.name"
    );
    let rows: Vec<InTaskRow> = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(viewer.user_id)
        .bind(viewer.staff)
        .bind(slug)
        .bind(viewer.exam_category)
        .bind(author_id)
        .bind(number)
        .fetch_all(pool)
        .await)?;
    let files = rows
        .iter()
        .filter_map(|row| {
            Some(SolutionFile {
                name: row.file_name.clone()?,
                size: row.file_size?,
            })
        })
        .collect();
    Ok(rows.into_iter().next().map(|row| InTask {
        solution: row.solution,
        files,
        title: row.title,
        pubdate: row.pubdate,
    }))
}

/// A new solution: who, for which task, which files (name, size), and whether to check it.
pub struct NewSolution<'a> {
    pub task_id: i64,
    pub author_id: i64,
    pub files_hash: &'a str,
    pub files: &'a [super::files::Upload],
    pub check: bool,
    /// How many solutions the author may have for the task; `None`: no limit.
    pub limit: Option<i64>,
}

/// How often a submission retries when another one took the same number at the same moment.
const NUMBERING_ATTEMPTS: usize = 20;

/// Inserts the solution, its files and (when checked) its queued check in one transaction, with
/// the next number for this author and task; `None` when the author reached the limit. Two
/// simultaneous submissions get consecutive numbers: the loser of a race on the unique number
/// retries with the next one.
pub async fn create(db: &DbPool, new: &NewSolution<'_>) -> Result<Option<Solution>, sqlx::Error> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_create(db, new).await {
            Err(error) if attempt < NUMBERING_ATTEMPTS && is_conflict(&error) => {
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt as u64)).await;
            }
            result => return result,
        }
    }
}

/// A unique violation (the number was taken) or, on SQLite, a write lock held by another writer.
fn is_conflict(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|db| {
        db.is_unique_violation()
            || db.message().contains("database is locked")
            || db.message().contains("busy")
    })
}

/// How a submission's transaction starts, and the statement that makes it the only one of its
/// author and task counting solutions until it ends: the count and the insert must see the same
/// rows, or simultaneous submissions all pass a limit they exceed together.
fn serialised(db: &DbPool) -> (&'static str, &'static str) {
    match db {
        // A write transaction from the start: SQLite lets one writer in at a time, so nothing
        // commits between the count and the insert (busy_timeout makes the others wait).
        DbPool::Sqlite(_) => ("BEGIN IMMEDIATE", "SELECT 1"),
        // A lock on the pair (author, task), held until commit. Rows that do not exist yet
        // cannot be locked with FOR UPDATE, and SERIALIZABLE would fail the losers instead of
        // letting them wait; each statement after the lock sees the previous holder's commit.
        DbPool::Postgres(_) => (
            "BEGIN",
            "SELECT pg_advisory_xact_lock(hashtextextended(
                 'inloop.submission:' || CAST($1 AS TEXT) || ':' || CAST($2 AS TEXT), 0))",
        ),
    }
}

async fn try_create(db: &DbPool, new: &NewSolution<'_>) -> Result<Option<Solution>, sqlx::Error> {
    let now = Timestamp::now();
    let status = if new.check {
        SolutionStatus::Queued
    } else {
        SolutionStatus::Saved
    };
    let (begin, lock) = serialised(db);
    on_pool!(db, |pool| {
        let mut tx = pool.begin_with(begin).await?;
        if let Some(limit) = new.limit {
            sqlx::query(lock)
                .bind(new.author_id)
                .bind(new.task_id)
                .execute(&mut *tx)
                .await?;
            let count: i64 = sqlx::query_scalar(HANDED_IN)
                .bind(new.author_id)
                .bind(new.task_id)
                .fetch_one(&mut *tx)
                .await?;
            if count >= limit {
                return Ok(None);
            }
        }
        let solution: Solution = sqlx::query_as(&format!(
            "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status)
             SELECT $1, $2, COALESCE(MAX(number), 0) + 1, $3, $4, $5 FROM solutions
             WHERE author_id = $2 AND task_id = $1
             RETURNING {COLUMNS}"
        ))
        .bind(new.task_id)
        .bind(new.author_id)
        .bind(now)
        .bind(new.files_hash)
        .bind(status)
        .fetch_one(&mut *tx)
        .await?;
        for file in new.files {
            sqlx::query("INSERT INTO solution_files (solution_id, name, size, content) VALUES ($1, $2, $3, $4)")
                .bind(solution.id)
                .bind(&file.name)
                .bind(i64::try_from(file.content.len()).unwrap_or(i64::MAX))
                .bind(&file.content)
                .execute(&mut *tx)
                .await?;
        }
        if new.check {
            sqlx::query(
                "INSERT INTO checks (solution_id, author_id, lane, not_before, queued_at) VALUES ($1, $2, 0, $3, $3)",
            )
            .bind(solution.id)
            .bind(new.author_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(solution))
    })
}

/// The author's solutions to a task, newest first, one page of them.
pub async fn of_author(
    db: &DbPool,
    author_id: UserId,
    task_id: TaskId,
    limit: i64,
    offset: i64,
) -> Result<Vec<Solution>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM solutions WHERE author_id = $1 AND task_id = $2 ORDER BY number DESC LIMIT $3 OFFSET $4"
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(author_id)
        .bind(task_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await)
}

/// An author's solutions of a task numbered above `number`, newest first: those handed in
/// since a list page was rendered.
pub async fn of_author_after(
    db: &DbPool,
    author_id: UserId,
    task_id: TaskId,
    number: i64,
) -> Result<Vec<Solution>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM solutions WHERE author_id = $1 AND task_id = $2 AND number > $3 ORDER BY number DESC"
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(author_id)
        .bind(task_id)
        .bind(number)
        .fetch_all(pool)
        .await)
}

/// SQL: how many solutions author `$1` has handed in for task `$2`: the highest number, since
/// numbers are never reused, so solutions deleted or pruned since still count against a limit.
const HANDED_IN: &str =
    "SELECT COALESCE(MAX(number), 0) FROM solutions WHERE author_id = $1 AND task_id = $2";

/// How many solutions the author has handed in for a task (deleted ones included).
pub async fn count(db: &DbPool, author_id: UserId, task_id: TaskId) -> Result<i64, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_scalar(HANDED_IN)
        .bind(author_id)
        .bind(task_id)
        .fetch_one(pool)
        .await)
}

/// The solution with this id.
pub async fn by_id(db: &DbPool, id: i64) -> Result<Option<Solution>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM solutions WHERE id = $1");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// A file of a solution.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct SolutionFile {
    pub name: String,
    pub size: i64,
}

/// The files of a solution, by name.
pub async fn files(db: &DbPool, solution_id: i64) -> Result<Vec<SolutionFile>, sqlx::Error> {
    let sql = "SELECT name, size FROM solution_files WHERE solution_id = $1 ORDER BY name";
    on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(solution_id)
        .fetch_all(pool)
        .await)
}

/// The files of a solution with their contents, by name.
pub async fn file_contents(
    db: &DbPool,
    solution_id: i64,
) -> Result<Vec<super::files::Upload>, sqlx::Error> {
    let sql = "SELECT name, content FROM solution_files WHERE solution_id = $1 ORDER BY name";
    let rows: Vec<(String, Vec<u8>)> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(solution_id)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(name, content)| super::files::Upload { name, content })
        .collect())
}

/// The latest solution of every author for a task, for staff re-runs.
pub async fn latest_per_author(db: &DbPool, task_id: i64) -> Result<Vec<Solution>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM solutions s WHERE task_id = $1
         AND number = (SELECT MAX(number) FROM solutions o WHERE o.author_id = s.author_id AND o.task_id = s.task_id)"
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(task_id)
        .fetch_all(pool)
        .await)
}
