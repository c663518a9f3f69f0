//! `/statistics/`, the overview: per task, who attempted and solved it, the verdicts, how long
//! checks waited and ran, and what they used.

use std::collections::HashMap;

use rocket::{Either, Route, State, get, routes};
use serde::Serialize;

use super::chart;
use super::filters::{Query, wants_csv};
use super::queries::{self, median_of_counts};
use super::resources;
use super::routes::{Answer, csv_file, decimal, filter, filter_context, verdict_options};
use crate::admin::AdminStaff;
use crate::admin::csv::Csv;
use crate::config::Config;
use crate::db::Db;
use crate::runner::verdict::Verdict;
use crate::web::Html;
use crate::web::page::Page;

/// A task's row in the overview.
#[derive(Serialize)]
struct TaskStats {
    slug: String,
    title: String,
    category: String,
    attempted: i64,
    solved: i64,
    solve_rate: String,
    median_attempts: String,
    /// Solutions per verdict, in the order of [`Verdict::ALL`].
    verdicts: Vec<i64>,
    median_wait_secs: String,
    median_check_secs: String,
    /// Of students' finished checks: peak memory (MiB) and CPU time (ms).
    median_peak_memory_mib: String,
    max_peak_memory_mib: String,
    median_cpu_ms: String,
}

/// A task's students: how many attempted and solved it, and how many needed how many solutions
/// (`(solutions, students)`).
#[derive(Default)]
struct Students {
    attempted: i64,
    solved: i64,
    attempts: Vec<(i64, i64)>,
}

/// The overview's table as CSV.
fn tasks_csv(rows: Vec<TaskStats>) -> Either<Html, Csv<Vec<u8>>> {
    let mut header = vec![
        "task",
        "title",
        "category",
        "attempted",
        "solved",
        "solve_rate_percent",
        "median_attempts",
    ];
    header.extend(Verdict::ALL.iter().map(|verdict| verdict.as_str()));
    header.extend([
        "median_queue_wait_secs",
        "median_check_secs",
        "median_peak_memory_mib",
        "max_peak_memory_mib",
        "median_cpu_ms",
    ]);
    csv_file(
        "tasks.csv",
        &header,
        rows.into_iter().map(|row| {
            let mut fields = vec![
                row.slug,
                row.title,
                row.category,
                row.attempted.to_string(),
                row.solved.to_string(),
                row.solve_rate,
                row.median_attempts,
            ];
            fields.extend(row.verdicts.iter().map(ToString::to_string));
            fields.extend([
                row.median_wait_secs,
                row.median_check_secs,
                row.median_peak_memory_mib,
                row.max_peak_memory_mib,
                row.median_cpu_ms,
            ]);
            fields
        }),
    )
}

/// `/statistics/`: per task, who attempted and solved it, how, and how long checks took.
#[get("/statistics?<query..>")]
async fn overview(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    query: Query,
) -> Answer {
    let csv = wants_csv(&query)?;
    let filter = filter(db, &query, config).await?;
    let tasks = queries::tasks(db, &filter).await?;
    let efforts = queries::efforts(db, &filter).await?;
    let verdicts = queries::verdicts(db, &filter).await?;
    let mut checks = resources::check_figures(db, &filter).await?;
    let mut students: HashMap<i64, Students> = HashMap::new();
    for effort in efforts {
        let task = students.entry(effort.task_id).or_default();
        task.attempted += effort.students;
        if effort.first_pass.is_some() {
            task.solved += effort.students;
        }
        task.attempts.push((effort.attempts, effort.students));
    }
    let rows: Vec<TaskStats> = tasks
        .into_iter()
        .map(|task| {
            let mut students = students.remove(&task.id).unwrap_or_default();
            let counts = verdicts.get(&task.id);
            let checks = checks.remove(&task.id).unwrap_or_default();
            #[allow(clippy::cast_precision_loss, reason = "student counts")]
            let rate = (students.attempted > 0)
                .then(|| students.solved as f64 * 100.0 / students.attempted as f64);
            TaskStats {
                attempted: students.attempted,
                solved: students.solved,
                solve_rate: decimal(rate),
                median_attempts: decimal(median_of_counts(&mut students.attempts)),
                verdicts: Verdict::ALL
                    .iter()
                    .map(|verdict| {
                        counts
                            .and_then(|counts| counts.get(verdict.as_str()))
                            .copied()
                            .unwrap_or(0)
                    })
                    .collect(),
                median_wait_secs: decimal(checks.wait_ms.map(|ms| ms / 1000.0)),
                median_check_secs: decimal(checks.check_ms.map(|ms| ms / 1000.0)),
                median_peak_memory_mib: decimal(checks.memory_mib),
                max_peak_memory_mib: decimal(checks.max_memory_mib),
                median_cpu_ms: decimal(checks.cpu_ms),
                slug: task.slug,
                title: task.title,
                category: task.category,
            }
        })
        .collect();
    if csv {
        return Ok(tasks_csv(rows));
    }
    let rates: Vec<(String, f64)> = rows
        .iter()
        .map(|row| (row.title.clone(), row.solve_rate.parse().unwrap_or(0.0)))
        .collect();
    let chart = chart::bars(
        "solve-rate",
        "Solve rate per task",
        "The share of students who attempted a task and solved it, per task, in percent.",
        &rates,
        |value| format!("{value:.0} %"),
    );
    Ok(Either::Left(page.render(
        "statistics/overview.html",
        &serde_json::json!({
            "rows": rows,
            "chart": chart,
            "verdicts": verdict_options(),
            "filter": filter_context(&filter),
            "query": filter.query_string(),
        }),
    )?))
}

/// The overview page.
pub fn routes() -> Vec<Route> {
    routes![overview]
}
