//! The statistics' reads. Only students' solutions count (staff's own never do). The database
//! groups and counts; what it cannot do the same way on both backends (medians, local calendar
//! buckets) is finished here from few rows.

use std::collections::HashMap;

use serde::Serialize;

use super::filters::Filter;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;
use crate::runner::junit::{Outcome, TestSuite};

/// Solutions of students, with their task: `s`, `u`, `t`.
const STUDENT_SOLUTIONS: &str = "FROM solutions s \
     JOIN users u ON u.id = s.author_id AND NOT u.is_staff \
     JOIN tasks t ON t.id = s.task_id";

/// A filter's conditions on `s` and `t`, over the binds $1 to $5 ([`bind_filter`]).
const FILTERED: &str = "($1 IS NULL OR s.verdict = $1) \
     AND ($2 IS NULL OR t.category_id = $2) \
     AND ($3 IS NULL OR s.task_id = $3) \
     AND ($4 IS NULL OR s.submitted_at >= $4) \
     AND ($5 IS NULL OR s.submitted_at < $5)";

macro_rules! bind_filter {
    ($query:expr, $filter:expr) => {
        $query
            .bind($filter.verdict.map(|verdict| verdict.as_str()))
            .bind($filter.category.as_ref().map(|category| category.id))
            .bind($filter.task.as_ref().map(|task| task.id))
            .bind($filter.from)
            .bind($filter.to)
    };
}

/// Submissions per slice of `width_ms` (from the epoch), for the filter: (slice start, count).
pub async fn submissions(
    db: &DbPool,
    filter: &Filter,
    from: Timestamp,
    to: Timestamp,
    width_ms: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT s.submitted_at / $6 * $6 AS slice, COUNT(*) {STUDENT_SOLUTIONS} \
         WHERE {FILTERED} AND s.submitted_at >= $7 AND s.submitted_at < $8 \
         GROUP BY 1 ORDER BY 1"
    );
    on_pool!(db, |pool| bind_filter!(sqlx::query_as(&sql), filter)
        .bind(width_ms)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await)
}

/// The tasks a page lists (hidden ones not), in the catalog's order.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct TaskRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub category: String,
}

pub async fn tasks(db: &DbPool, filter: &Filter) -> Result<Vec<TaskRow>, sqlx::Error> {
    on_pool!(db, |pool| sqlx::query_as(
        "SELECT t.id, t.slug, t.title, c.name AS category FROM tasks t \
         JOIN categories c ON c.id = t.category_id \
         WHERE NOT t.hidden AND ($1 IS NULL OR t.category_id = $1) AND ($2 IS NULL OR t.id = $2) \
         ORDER BY c.ordering, c.name, t.pubdate, t.title"
    )
    .bind(filter.category.as_ref().map(|category| category.id))
    .bind(filter.task.as_ref().map(|task| task.id))
    .fetch_all(pool)
    .await)
}

/// How many students of a task needed how many solutions: each student's solutions (they
/// count from 1 without gaps) and the number of the first that passed, with how many students
/// share both. The database groups twice, so a page reads a few rows per task, not one per
/// student.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct Efforts {
    pub task_id: i64,
    pub attempts: i64,
    pub first_pass: Option<i64>,
    pub students: i64,
}

/// The students' efforts per task of the filter's category and task.
pub async fn efforts(db: &DbPool, filter: &Filter) -> Result<Vec<Efforts>, sqlx::Error> {
    let sql = format!(
        "SELECT task_id, attempts, first_pass, COUNT(*) AS students FROM ( \
           SELECT s.task_id, COUNT(*) AS attempts, \
           MIN(CASE WHEN s.verdict = 'passed' THEN s.number END) AS first_pass \
           {STUDENT_SOLUTIONS} WHERE ($1 IS NULL OR t.category_id = $1) AND ($2 IS NULL OR s.task_id = $2) \
           GROUP BY s.author_id, s.task_id) effort \
         GROUP BY task_id, attempts, first_pass"
    );
    on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(filter.category.as_ref().map(|category| category.id))
        .bind(filter.task.as_ref().map(|task| task.id))
        .fetch_all(pool)
        .await)
}

/// Solutions per task and verdict (`None`: not checked yet).
pub async fn verdicts(
    db: &DbPool,
    filter: &Filter,
) -> Result<HashMap<i64, HashMap<String, i64>>, sqlx::Error> {
    let sql = format!(
        "SELECT s.task_id, COALESCE(s.verdict, 'unchecked'), COUNT(*) {STUDENT_SOLUTIONS} \
         WHERE ($1 IS NULL OR t.category_id = $1) GROUP BY s.task_id, s.verdict"
    );
    let rows: Vec<(i64, String, i64)> = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(filter.category.as_ref().map(|category| category.id))
        .fetch_all(pool)
        .await)?;
    let mut counts: HashMap<i64, HashMap<String, i64>> = HashMap::new();
    for (task, verdict, count) in rows {
        *counts.entry(task).or_default().entry(verdict).or_default() += count;
    }
    Ok(counts)
}

/// How one test case did across the latest checked solution of each student.
#[derive(Clone, Debug, Serialize)]
pub struct TestCaseCount {
    pub class_name: String,
    pub name: String,
    pub runs: i64,
    pub failed: i64,
    pub errors: i64,
}

/// Per test case of `task_id`, how often it failed in each student's latest solution (the
/// newest finished check of it, never a regrade preview's shadow check in lane 2; a student whose
/// latest solution is not checked yet is left out). Most often failing first. Also: how many solutions were read.
pub async fn test_cases(
    db: &DbPool,
    task_id: i64,
) -> Result<(Vec<TestCaseCount>, usize), sqlx::Error> {
    let reports: Vec<String> = on_pool!(db, |pool| sqlx::query_scalar(
        "SELECT c.reports FROM checks c WHERE c.id IN ( \
           SELECT MAX(c2.id) FROM checks c2 \
           JOIN solutions s ON s.id = c2.solution_id \
           JOIN users u ON u.id = s.author_id AND NOT u.is_staff \
           WHERE s.task_id = $1 AND c2.status = 'done' AND c2.lane < 2 \
           AND s.number = (SELECT MAX(s2.number) FROM solutions s2 \
                           WHERE s2.task_id = s.task_id AND s2.author_id = s.author_id) \
           GROUP BY s.id)"
    )
    .bind(task_id)
    .fetch_all(pool)
    .await)?;
    let solutions = reports.len();
    let mut counts: HashMap<(String, String), TestCaseCount> = HashMap::new();
    for report in reports {
        // Reports are written by INLOOP; one that does not read counts as no tests.
        let suites: Vec<TestSuite> = serde_json::from_str(&report).unwrap_or_default();
        for case in suites.into_iter().flat_map(|suite| suite.cases) {
            let count = counts
                .entry((case.class_name.clone(), case.name.clone()))
                .or_insert_with(|| TestCaseCount {
                    class_name: case.class_name,
                    name: case.name,
                    runs: 0,
                    failed: 0,
                    errors: 0,
                });
            count.runs += 1;
            match case.outcome {
                Outcome::Failed { .. } => count.failed += 1,
                Outcome::Error { .. } => count.errors += 1,
                Outcome::Passed | Outcome::Skipped { .. } => {}
            }
        }
    }
    let mut counts: Vec<_> = counts.into_values().collect();
    counts.sort_by(|a, b| {
        (b.failed + b.errors)
            .cmp(&(a.failed + a.errors))
            .then_with(|| a.class_name.cmp(&b.class_name))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok((counts, solutions))
}

/// The course right now: submissions and checks started since `since`, the queue's size.
pub struct Recent {
    /// Submission times (milliseconds).
    pub submitted: Vec<i64>,
    /// Students' checks started since then: (start, queue wait), milliseconds.
    pub started: Vec<(i64, i64)>,
    /// Checks waiting and running, regrade previews' shadow checks (lane 2) left out.
    pub queued: i64,
    pub running: i64,
}

pub async fn recent(db: &DbPool, since: Timestamp) -> Result<Recent, sqlx::Error> {
    on_pool!(db, |pool| {
        let submitted = sqlx::query_scalar(&format!(
            "SELECT s.submitted_at {STUDENT_SOLUTIONS} WHERE s.submitted_at >= $1"
        ))
        .bind(since)
        .fetch_all(pool)
        .await?;
        let started = sqlx::query_as(
            "SELECT started_at, started_at - queued_at FROM checks \
             WHERE lane = 0 AND started_at >= $1",
        )
        .bind(since)
        .fetch_all(pool)
        .await?;
        let (queued, running): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'running' THEN 1 ELSE 0 END), 0) \
             FROM checks WHERE status IN ('queued', 'running') AND lane < 2",
        )
        .fetch_one(pool)
        .await?;
        Ok(Recent {
            submitted,
            started,
            queued,
            running,
        })
    })
}

/// The median of `values` (the mean of the two middle ones when their number is even).
#[must_use]
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    #[allow(
        clippy::cast_precision_loss,
        reason = "counts and milliseconds are far below 2^52"
    )]
    Some(if values.len().is_multiple_of(2) {
        f64::midpoint(values[middle - 1] as f64, values[middle] as f64)
    } else {
        values[middle] as f64
    })
}

/// The median of values given with how often each occurs: `(value, occurrences)`.
#[must_use]
pub fn median_of_counts(counts: &mut [(i64, i64)]) -> Option<f64> {
    counts.sort_unstable();
    let total: i64 = counts.iter().map(|&(_, occurrences)| occurrences).sum();
    // The 1-based positions of the middle value or values.
    let at = |position: i64| {
        let mut seen = 0;
        counts.iter().find_map(|&(value, occurrences)| {
            seen += occurrences;
            (seen >= position).then_some(value)
        })
    };
    #[allow(clippy::cast_precision_loss, reason = "attempt counts")]
    Some(f64::midpoint(
        at((total + 1) / 2)? as f64,
        at(total / 2 + 1)? as f64,
    ))
}

#[cfg(test)]
mod tests {
    use super::{median, median_of_counts};

    #[test]
    fn medians_of_counts_are_the_medians_of_the_values_repeated() {
        assert_eq!(median_of_counts(&mut []), None);
        assert_eq!(median_of_counts(&mut [(3, 1)]), Some(3.0));
        // 1, 1, 2, 5
        assert_eq!(median_of_counts(&mut [(5, 1), (1, 2), (2, 1)]), Some(1.5));
        // 1, 4, 4, 4, 9
        assert_eq!(median_of_counts(&mut [(9, 1), (4, 3), (1, 1)]), Some(4.0));
    }

    #[test]
    fn medians_take_the_middle_or_the_mean_of_the_two_middles() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7]), Some(7.0));
        assert_eq!(median(&mut [9, 1, 4]), Some(4.0));
        assert_eq!(median(&mut [4, 1, 2, 10]), Some(3.0));
    }
}
