//! The pairs a run found, in the database: storing them (a dismissal of the same two solutions
//! in an earlier run carries over), listing, one pair with both solutions, dismissing, restoring.

use serde::{Deserialize, Serialize};

use super::{Match, Pair, Source};
use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// A shared region as stored in `plagiarism_pairs.matches` (lines 1-based, inclusive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub file_a: String,
    pub lines_a: (u32, u32),
    pub file_b: String,
    pub lines_b: (u32, u32),
    pub tokens: usize,
}

impl Region {
    fn of(found: &Match, swapped: bool) -> Self {
        let (file_a, lines_a, file_b, lines_b) = if swapped {
            (&found.file_b, found.lines_b, &found.file_a, found.lines_a)
        } else {
            (&found.file_a, found.lines_a, &found.file_b, found.lines_b)
        };
        Self {
            file_a: file_a.clone(),
            lines_a,
            file_b: file_b.clone(),
            lines_b,
            tokens: found.tokens,
        }
    }
}

/// A found pair with its authors, ready to store.
pub struct NewPair<'a> {
    pub task_id: i64,
    pub pair: &'a Pair,
    pub author_a: i64,
    pub author_b: i64,
}

/// Stores a pair of run `run`, the lower solution id first. When the latest earlier pair of the
/// same two solutions was dismissed, this one is too, with its note.
pub async fn insert(db: &DbPool, run: i64, new: &NewPair<'_>) -> Result<(), sqlx::Error> {
    let swapped = new.pair.a > new.pair.b;
    let (solution_a, solution_b, author_a, author_b) = if swapped {
        (new.pair.b, new.pair.a, new.author_b, new.author_a)
    } else {
        (new.pair.a, new.pair.b, new.author_a, new.author_b)
    };
    let mut regions: Vec<Region> = new
        .pair
        .matches
        .iter()
        .map(|found| Region::of(found, swapped))
        .collect();
    regions.sort_by(|x, y| (&x.file_a, x.lines_a).cmp(&(&y.file_a, y.lines_a)));
    let matches = serde_json::to_string(&regions).unwrap_or_else(|_| "[]".into());
    let earlier = "SELECT dismissed_at, dismissed_by, dismissal_note FROM plagiarism_pairs
                   WHERE solution_a = $1 AND solution_b = $2 AND run_id <> $3
                   ORDER BY id DESC LIMIT 1";
    let veto: Option<(Option<Timestamp>, Option<i64>, String)> =
        on_pool!(db, |pool| sqlx::query_as(earlier)
            .bind(solution_a)
            .bind(solution_b)
            .bind(run)
            .fetch_optional(pool)
            .await)?;
    let (dismissed_at, dismissed_by, note) = veto.unwrap_or_default();
    let sql = "INSERT INTO plagiarism_pairs (run_id, task_id, solution_a, solution_b, author_a,
                   author_b, similarity, matches, dismissed_at, dismissed_by, dismissal_note)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(run)
        .bind(new.task_id)
        .bind(solution_a)
        .bind(solution_b)
        .bind(author_a)
        .bind(author_b)
        .bind(new.pair.similarity)
        .bind(&matches)
        .bind(dismissed_at)
        .bind(dismissed_by)
        .bind(&note)
        .execute(pool)
        .await
        .map(drop))
}

/// Forgets the pairs of a run that is started again (taken over from a dead instance).
pub async fn clear(db: &DbPool, run: i64) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM plagiarism_pairs WHERE run_id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(run)
        .execute(pool)
        .await
        .map(drop))
}

/// A stored pair with its task, authors and solution numbers.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct StoredPair {
    pub id: i64,
    pub run_id: i64,
    pub task_id: i64,
    pub task_title: String,
    pub task_slug: String,
    pub solution_a: i64,
    pub solution_b: i64,
    pub number_a: i64,
    pub number_b: i64,
    pub author_a: String,
    pub author_b: String,
    pub similarity: f64,
    pub matches: String,
    pub dismissed_at: Option<Timestamp>,
    pub dismissed_by: Option<String>,
    pub dismissal_note: String,
}

impl StoredPair {
    /// The shared regions (none when the stored JSON cannot be read).
    #[must_use]
    pub fn regions(&self) -> Vec<Region> {
        serde_json::from_str(&self.matches).unwrap_or_default()
    }

    /// "Task: a and b", for the audit log and headings.
    #[must_use]
    pub fn label(&self) -> String {
        format!(
            "{}: {} and {}",
            self.task_title, self.author_a, self.author_b
        )
    }
}

const SELECT: &str = "SELECT p.id, p.run_id, p.task_id, t.title AS task_title,
        t.slug AS task_slug, p.solution_a, p.solution_b, sa.number AS number_a,
        sb.number AS number_b, ua.username AS author_a, ub.username AS author_b, p.similarity,
        p.matches, p.dismissed_at, d.username AS dismissed_by, p.dismissal_note
    FROM plagiarism_pairs p
    JOIN tasks t ON t.id = p.task_id
    JOIN solutions sa ON sa.id = p.solution_a
    JOIN solutions sb ON sb.id = p.solution_b
    JOIN users ua ON ua.id = p.author_a
    JOIN users ub ON ub.id = p.author_b
    LEFT JOIN users d ON d.id = p.dismissed_by";

/// How a run's pairs are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Most similar first.
    #[default]
    Similarity,
    /// By task title, the most similar first within a task.
    Task,
    /// By the first student's username, then the second's.
    Student,
}

impl Order {
    /// The order named in a query (`similarity`, `task`, `student`).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "" | "similarity" => Some(Self::Similarity),
            "task" => Some(Self::Task),
            "student" => Some(Self::Student),
            _ => None,
        }
    }

    fn sql(self) -> &'static str {
        match self {
            Self::Similarity => "p.similarity DESC, p.id",
            Self::Task => "t.title, p.similarity DESC, p.id",
            Self::Student => "ua.username, ub.username, p.id",
        }
    }
}

/// The pairs of a run in `order`.
pub async fn of_run(db: &DbPool, run: i64, order: Order) -> Result<Vec<StoredPair>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE p.run_id = $1 ORDER BY {}", order.sql());
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(run)
        .fetch_all(pool)
        .await)
}

/// The pair with this id.
pub async fn get(db: &DbPool, id: i64) -> Result<Option<StoredPair>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await)
}

/// A solution's files, by name.
pub async fn files(db: &DbPool, solution: i64) -> Result<Vec<Source>, sqlx::Error> {
    let sql = "SELECT name, content FROM solution_files WHERE solution_id = $1 ORDER BY name";
    let rows: Vec<(String, Vec<u8>)> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(solution)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|(name, content)| Source {
            name,
            content: String::from_utf8_lossy(&content).into_owned(),
        })
        .collect())
}

/// Dismisses a pair with a note (`Some`), or restores it (`None`).
pub async fn set_dismissal(
    db: &DbPool,
    id: i64,
    dismissal: Option<(i64, &str)>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE plagiarism_pairs SET dismissed_at = $2, dismissed_by = $3,
                   dismissal_note = $4
               WHERE id = $1";
    let (at, by, note) = match dismissal {
        Some((by, note)) => (Some(Timestamp::now()), Some(by), note),
        None => (None, None, ""),
    };
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(id)
        .bind(at)
        .bind(by)
        .bind(note)
        .execute(pool)
        .await
        .map(drop))
}
