//! The operators' commands on solutions: `prune-solutions` (keep the newest per student and
//! task), `export-solutions` (the latest files of every student as a zip) and
//! `generate-submissions` (a synthetic course for load tests).

use std::io::Write;
use std::path::Path;

use zip::write::SimpleFileOptions;

use super::{recheck, store};
use crate::db::{DbPool, Timestamp};
use crate::events::Bus;
use crate::on_pool;

type CommandResult = Result<(), Box<dyn std::error::Error>>;

/// Deletes all but the newest `keep` solutions of every author and task (with their checks); a
/// queued or running check of a deleted solution is cancelled. Numbers are never reused, so a
/// submission limit still counts what was pruned.
pub async fn prune(db: &DbPool, bus: &Bus, keep: i64, dry_run: bool) -> CommandResult {
    if keep < 1 {
        return Err(
            "--keep must be at least 1 (delete solutions in the admin area instead)".into(),
        );
    }
    let doomed: Vec<(i64, i64)> = on_pool!(db, |pool| {
        sqlx::query_as(
        "SELECT s.id, s.author_id FROM solutions s
         WHERE (SELECT COUNT(*) FROM solutions n
                WHERE n.author_id = s.author_id AND n.task_id = s.task_id AND n.number > s.number) >= $1
         ORDER BY s.id"
    )
    .bind(keep)
    .fetch_all(pool)
    .await
    })?;
    let mut authors: Vec<i64> = doomed.iter().map(|(_, author)| *author).collect();
    authors.sort_unstable();
    authors.dedup();
    if dry_run {
        println!(
            "would delete {} solution(s) of {} author(s), keeping the newest {keep} per task",
            doomed.len(),
            authors.len()
        );
        return Ok(());
    }
    for (solution, _) in &doomed {
        recheck::delete(db, bus, *solution).await?;
    }
    println!(
        "deleted {} solution(s) of {} author(s), kept the newest {keep} per task",
        doomed.len(),
        authors.len()
    );
    Ok(())
}

/// The tasks `name` stands for: the task with that slug, or every task of the category with that
/// name or slug (any case).
async fn tasks_named(db: &DbPool, name: &str) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(
        "SELECT t.id, t.slug FROM tasks t JOIN categories c ON c.id = t.category_id
         WHERE lower(t.slug) = lower($1)
            OR (lower(c.slug) = lower($1) OR lower(c.name) = lower($1))
               AND NOT EXISTS (SELECT 1 FROM tasks o WHERE lower(o.slug) = lower($1))
         ORDER BY t.slug"
    )
    .bind(name.trim())
    .fetch_all(pool)
    .await)
}

/// Writes the files of every student's latest solution of the task (or of each task of the
/// category) `name` to the zip file `target`, as `<task>/<username>/<file>`; staff are left out.
pub async fn export(db: &DbPool, name: &str, target: &Path) -> CommandResult {
    let tasks = tasks_named(db, name).await?;
    if tasks.is_empty() {
        return Err(format!("there is no task or category {name:?}").into());
    }
    let mut zip = zip::ZipWriter::new(std::fs::File::create(target)?);
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut solutions = 0;
    for (task, slug) in &tasks {
        let latest: Vec<(i64, String)> = on_pool!(db, |pool| sqlx::query_as(
            "SELECT s.id, u.username FROM solutions s JOIN users u ON u.id = s.author_id
             WHERE s.task_id = $1 AND NOT u.is_staff AND NOT u.is_superuser
               AND s.number = (SELECT MAX(o.number) FROM solutions o
                               WHERE o.author_id = s.author_id AND o.task_id = s.task_id)
             ORDER BY u.username"
        )
        .bind(task)
        .fetch_all(pool)
        .await)?;
        for (solution, username) in latest {
            for file in store::file_contents(db, solution).await? {
                zip.start_file(format!("{slug}/{username}/{}", file.name), options)?;
                zip.write_all(&file.content)?;
            }
            solutions += 1;
        }
    }
    zip.finish()?;
    println!(
        "wrote the latest solutions of {solutions} student(s) for {} task(s) to {}",
        tasks.len(),
        target.display()
    );
    Ok(())
}

/// The size of a synthetic course.
#[derive(Clone, Debug)]
pub struct Synthetic {
    /// Names the category (`<prefix>`), its tasks (`<prefix>-t<n>`) and users (`<prefix>-s<n>`).
    pub prefix: String,
    pub students: i64,
    pub tasks: i64,
    pub solutions: i64,
}

impl Synthetic {
    fn check(&self) -> Result<(), &'static str> {
        let prefix = &self.prefix;
        let named = (1..=20).contains(&prefix.len())
            && prefix
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
        if !named {
            return Err("--prefix must be 1 to 20 lower-case letters or digits");
        }
        if self.students < 1 || self.tasks < 1 || self.solutions < 0 {
            return Err("there must be a student and a task at least");
        }
        Ok(())
    }
}

/// Creates a synthetic course in one transaction: a category, tasks, students who cannot log in
/// (no password), and solutions a minute apart up to now spread round-robin over students and
/// tasks, each with a file and a finished check (verdicts mixed: 60 % passed; timings and
/// resources spread).
pub async fn generate(db: &DbPool, course: &Synthetic) -> CommandResult {
    course.check()?;
    let taken: Option<i64> = on_pool!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM categories WHERE slug = $1 OR name = $1"
    )
    .bind(&course.prefix)
    .fetch_optional(pool)
    .await)?;
    if taken.is_some() {
        let prefix = &course.prefix;
        return Err(
            format!("a category {prefix:?} exists already: choose another --prefix").into(),
        );
    }
    let now = Timestamp::now().millis();
    on_pool!(db, |pool| {
        async {
        let mut tx = pool.begin().await?;
        let category: i64 = sqlx::query_scalar(
            "INSERT INTO categories (name, slug, ordering) VALUES ($1, $1, 1000) RETURNING id",
        )
        .bind(&course.prefix)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
             INSERT INTO tasks (system_name, title, slug, category_id, pubdate, text_html, imported_at)
             SELECT $2 || '-t' || i, 'Generated task ' || i, $2 || '-t' || i, $3, 0,
                    '<p>A generated task.</p>', $4
             FROM n",
        )
        .bind(course.tasks)
        .bind(&course.prefix)
        .bind(category)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)
             INSERT INTO users (username, email, password_hash, first_name, last_name, date_joined, is_active)
             SELECT $2 || '-s' || i, $2 || '-s' || i || '@example.org', '', 'Student', $2 || ' ' || i, $3, TRUE
             FROM n",
        )
        .bind(course.students)
        .bind(&course.prefix)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1),
             authors AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM users
                         WHERE email LIKE $2 || '-s%@example.org' AND password_hash = ''),
             generated AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM tasks
                           WHERE category_id = $3)
             INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status, verdict)
             SELECT t.id, a.id, n.i / ($4 * $5) + 1, $6 - ($1 - n.i) * 60000, 'generated', 'finished',
                    CASE (n.i * 7) % 10 WHEN 0 THEN 'failed' WHEN 1 THEN 'compile_error'
                         WHEN 2 THEN 'failed' WHEN 3 THEN 'time_limit' ELSE 'passed' END
             FROM n JOIN authors a ON a.k = n.i % $4 JOIN generated t ON t.k = (n.i / $4) % $5",
        )
        .bind(course.solutions)
        .bind(&course.prefix)
        .bind(category)
        .bind(course.students)
        .bind(course.tasks)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let file = b"public class Solution {\n    public static int answer() { return 42; }\n}\n";
        sqlx::query(
            "INSERT INTO solution_files (solution_id, name, size, content)
             SELECT s.id, 'Solution.java', $1, $2 FROM solutions s JOIN tasks t ON t.id = s.task_id
             WHERE t.category_id = $3",
        )
        .bind(i64::try_from(file.len()).unwrap_or_default())
        .bind(&file[..])
        .bind(category)
        .execute(&mut *tx)
        .await?;
        sqlx::query(GENERATED_CHECKS)
            .bind(category)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        // Fresh statistics for the planner, as after any bulk load.
        sqlx::query("ANALYZE").execute(pool).await.map(drop)
    }
    .await
    })?;
    println!(
        "generated category {:?}: {} task(s), {} student(s), {} solution(s)",
        course.prefix, course.tasks, course.students, course.solutions
    );
    Ok(())
}

/// A finished check for each generated solution of category `$1`: waits of 0 to 5 s, checks of
/// 0.5 to 10 s, peaks of 16 to 272 MiB, spread by the solution's id so that medians have
/// something to sort.
const GENERATED_CHECKS: &str =
    "INSERT INTO checks (solution_id, author_id, status, not_before, queued_at, started_at,
                         finished_at, duration_ms, verdict, worker, cpu_ms,
                         peak_memory_bytes, peak_pids)
     SELECT s.id, s.author_id, 'done', s.submitted_at, s.submitted_at,
            s.submitted_at + s.id * 7919 % 5000,
            s.submitted_at + s.id * 7919 % 5000 + 500 + s.id * 104729 % 9500,
            500 + s.id * 104729 % 9500, s.verdict, 'generated', 300 + s.id * 6151 % 8000,
            16777216 + s.id * 2654435761 % 268435456, 1 + s.id % 40
     FROM solutions s JOIN tasks t ON t.id = s.task_id WHERE t.category_id = $1";
