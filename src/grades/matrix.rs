//! The results matrix of a category: for every student who handed in anything since the start
//! date, per task whether they solved it, how many solutions they handed in, and when the first
//! one passed. Unlike the points, it ignores deadlines and plagiarism detections: it shows what
//! happened, for staff to read.

use std::collections::HashMap;

use jiff::tz::TimeZone;
use serde::Serialize;

use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::runner::verdict::Verdict;

/// A task, as a column group.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct TaskColumn {
    #[serde(skip)]
    pub id: i64,
    pub slug: String,
    pub title: String,
}

/// One student's results for one task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub attempts: i64,
    pub first_pass: Option<Timestamp>,
}

/// One student's row.
#[derive(Clone, Debug, Serialize)]
pub struct StudentResults {
    pub username: String,
    pub last_name: String,
    pub first_name: String,
    /// In the order of [`Matrix::tasks`].
    pub cells: Vec<Cell>,
}

/// Students × tasks.
#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub tasks: Vec<TaskColumn>,
    pub students: Vec<StudentResults>,
}

#[derive(sqlx::FromRow)]
struct Student {
    id: i64,
    username: String,
    last_name: String,
    first_name: String,
}

#[derive(sqlx::FromRow)]
struct Tally {
    author_id: i64,
    task_id: i64,
    attempts: i64,
    first_pass: Option<Timestamp>,
}

/// What the students (not staff) handed in for the category's tasks since `start`.
pub async fn results_matrix(
    db: &DbPool,
    category_id: i64,
    start: Timestamp,
) -> Result<Matrix, sqlx::Error> {
    const SINCE: &str = "FROM solutions s JOIN tasks t ON t.id = s.task_id
         JOIN users u ON u.id = s.author_id
         WHERE t.category_id = $1 AND s.submitted_at >= $2
           AND NOT u.is_staff AND NOT u.is_superuser";
    let tasks: Vec<TaskColumn> = on_pool!(db, |pool| sqlx::query_as(
        "SELECT id, slug, title FROM tasks WHERE category_id = $1 ORDER BY pubdate, title"
    )
    .bind(category_id)
    .fetch_all(pool)
    .await)?;
    let students_sql = format!(
        "SELECT u.id, u.username, u.last_name, u.first_name {SINCE}
         GROUP BY u.id, u.username, u.last_name, u.first_name
         ORDER BY lower(u.last_name), lower(u.first_name), lower(u.username)"
    );
    let students: Vec<Student> = on_pool!(db, |pool| sqlx::query_as(&students_sql)
        .bind(category_id)
        .bind(start)
        .fetch_all(pool)
        .await)?;
    let tallies_sql = format!(
        "SELECT s.author_id, s.task_id, COUNT(*) AS attempts,
                MIN(CASE WHEN s.verdict = $3 THEN s.submitted_at END) AS first_pass {SINCE}
         GROUP BY s.author_id, s.task_id"
    );
    let tallies: Vec<Tally> = on_pool!(db, |pool| sqlx::query_as(&tallies_sql)
        .bind(category_id)
        .bind(start)
        .bind(Verdict::Passed.as_str())
        .fetch_all(pool)
        .await)?;
    let column: HashMap<i64, usize> = tasks
        .iter()
        .enumerate()
        .map(|(index, task)| (task.id, index))
        .collect();
    let mut cells: HashMap<i64, Vec<Cell>> = HashMap::new();
    for tally in tallies {
        let Some(&index) = column.get(&tally.task_id) else {
            continue;
        };
        cells
            .entry(tally.author_id)
            .or_insert_with(|| vec![Cell::default(); tasks.len()])[index] = Cell {
            attempts: tally.attempts,
            first_pass: tally.first_pass,
        };
    }
    let students = students
        .into_iter()
        .map(|student| StudentResults {
            cells: cells
                .remove(&student.id)
                .unwrap_or_else(|| vec![Cell::default(); tasks.len()]),
            username: student.username,
            last_name: student.last_name,
            first_name: student.first_name,
        })
        .collect();
    Ok(Matrix { tasks, students })
}

impl Matrix {
    /// The matrix as CSV: a row per student, three columns per task (solved, attempts, first
    /// pass as local time in `zone`).
    #[must_use]
    pub fn to_csv(&self, zone: &TimeZone) -> Vec<u8> {
        let mut header = vec![
            "username".to_owned(),
            "last_name".to_owned(),
            "first_name".to_owned(),
        ];
        for task in &self.tasks {
            for column in ["solved", "attempts", "first_pass"] {
                header.push(format!("{} {column}", task.slug));
            }
        }
        let mut body = crate::admin::csv::line(&header);
        for student in &self.students {
            let mut fields = vec![
                student.username.clone(),
                student.last_name.clone(),
                student.first_name.clone(),
            ];
            for cell in &student.cells {
                fields.push(
                    if cell.first_pass.is_some() {
                        "yes"
                    } else {
                        "no"
                    }
                    .to_owned(),
                );
                fields.push(cell.attempts.to_string());
                fields.push(cell.first_pass.map_or_else(String::new, |at| {
                    crate::time_zone::format_local(at.to_datetime(), zone)
                }));
            }
            body.extend(crate::admin::csv::line(&fields));
        }
        body
    }
}
