//! Points per student: the distinct tasks of a category they solved on or after the start date
//! and by their own deadline, a standing plagiarism detection excluding the task, capped.

use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::runner::verdict::Verdict;
use crate::tasks::extensions::deadline_for;

/// What to export.
#[derive(Clone, Copy, Debug)]
pub struct Export {
    pub category_id: i64,
    /// Solutions handed in before this moment do not count.
    pub start: Timestamp,
    /// The most points one student gets.
    pub max_points: i64,
    /// Solutions handed in this long after a deadline still count (the runtime setting).
    pub grace_seconds: i64,
    /// Whether active students without any point get a row too.
    pub include_zero: bool,
}

/// One student's row of the export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct GradeRow {
    pub last_name: String,
    pub first_name: String,
    pub username: String,
    pub email: String,
    pub matriculation_number: String,
    pub course: String,
    pub points: i64,
    #[serde(skip)]
    pub is_active: bool,
}

/// The CSV's column names, in order.
pub const HEADER: [&str; 7] = [
    "last_name",
    "first_name",
    "username",
    "email",
    "matriculation_number",
    "course_of_study",
    "points",
];

/// Every student's points for `export`, by last name, first name and username.
pub async fn grade_rows(db: &DbPool, export: Export) -> Result<Vec<GradeRow>, sqlx::Error> {
    let sql = format!(
        "SELECT u.last_name, u.first_name, u.username, u.email, u.matriculation_number,
                COALESCE(c.name, '') AS course, COALESCE(solved.tasks, 0) AS points, u.is_active
         FROM users u
         LEFT JOIN courses c ON c.id = u.course_id
         LEFT JOIN (
             SELECT s.author_id, COUNT(DISTINCT s.task_id) AS tasks
             FROM solutions s JOIN tasks t ON t.id = s.task_id
             WHERE t.category_id = $1 AND s.verdict = $2 AND s.submitted_at >= $3
               AND (t.deadline IS NULL OR s.submitted_at <= {deadline} + $4)
               AND NOT EXISTS (
                   SELECT 1 FROM plagiarism_pairs p
                   WHERE p.task_id = s.task_id AND p.dismissed_at IS NULL
                     AND (p.author_a = s.author_id OR p.author_b = s.author_id))
             GROUP BY s.author_id
         ) solved ON solved.author_id = u.id
         WHERE NOT u.is_staff AND NOT u.is_superuser
         ORDER BY lower(u.last_name), lower(u.first_name), lower(u.username)",
        deadline = deadline_for("s.author_id"),
    );
    let rows: Vec<GradeRow> = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(export.category_id)
        .bind(Verdict::Passed.as_str())
        .bind(export.start)
        .bind(export.grace_seconds.saturating_mul(1000))
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .filter(|row| row.points > 0 || (export.include_zero && row.is_active))
        .map(|row| GradeRow {
            points: row.points.min(export.max_points),
            ..row
        })
        .collect())
}

/// The rows as CSV, with the column names first when `header` is set.
#[must_use]
pub fn points_csv(rows: &[GradeRow], header: bool) -> Vec<u8> {
    let mut body = if header {
        crate::admin::csv::line(&HEADER)
    } else {
        Vec::new()
    };
    for row in rows {
        body.extend(crate::admin::csv::line(&[
            row.last_name.as_str(),
            &row.first_name,
            &row.username,
            &row.email,
            &row.matriculation_number,
            &row.course,
            &row.points.to_string(),
        ]));
    }
    body
}
