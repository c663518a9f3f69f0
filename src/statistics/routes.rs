//! The statistics pages: each a chart with its numbers as a table, or with `?format=csv` the
//! numbers as a file.

use std::collections::HashMap;

use jiff::tz::TimeZone;
use rocket::{Either, Route, State, get, routes};
use serde::Serialize;

use super::chart;
use super::filters::{Filter, Granularity, Query, wants_csv};
use super::queries;
use super::series;
use crate::admin::AdminStaff;
use crate::admin::csv::{self, Csv};
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::runner::verdict::Verdict;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html};

/// A page, or its numbers as CSV.
pub(super) type Answer = AppResult<Either<Html, Csv<Vec<u8>>>>;

/// Attempts from this many on share one bar.
const ATTEMPTS_CAP: i64 = 10;

pub(super) fn csv_file(
    name: &'static str,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Either<Html, Csv<Vec<u8>>> {
    let mut body = csv::line(header);
    for row in rows {
        body.extend(csv::line(&row));
    }
    Either::Right(Csv::new(name, body))
}

/// One decimal, or a dash for "no data".
pub(super) fn decimal(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |value| format!("{value:.1}"))
}

pub(super) fn verdict_options() -> Vec<(&'static str, &'static str)> {
    Verdict::ALL
        .into_iter()
        .map(|verdict| (verdict.as_str(), verdict.label()))
        .collect()
}

pub(super) async fn filter(
    db: &DbPool,
    query: &Query,
    config: &Config,
) -> Result<Filter, AppError> {
    Filter::of(db, query, &config.zone()).await
}

/// What the filter forms show ("" for "not given").
pub(super) fn filter_context(filter: &Filter) -> serde_json::Value {
    let slug = |named: Option<&super::filters::Named>| {
        named.map_or_else(String::new, |named| named.slug.clone())
    };
    serde_json::json!({
        "granularity": filter.granularity,
        "verdict": filter.verdict.map_or("", Verdict::as_str),
        "category": slug(filter.category.as_ref()),
        "task": slug(filter.task.as_ref()),
        "from": filter.from_text,
        "to": filter.to_text,
    })
}

/// The range a chart over time covers: the filter's, or the granularity's default span up to now.
fn range(filter: &Filter, zone: &TimeZone) -> (Timestamp, Timestamp) {
    let to = filter.to.unwrap_or_else(Timestamp::now);
    let from = filter.from.unwrap_or_else(|| {
        let end = jiff::Timestamp::from_millisecond(to.millis())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(zone.clone());
        let start = end
            .checked_sub(filter.granularity.default_span())
            .map_or(0, |start| start.timestamp().as_millisecond());
        Timestamp::from_millis(start)
    });
    (from, to)
}

/// `/statistics/submissions/`: submissions per minute, hour, day or month.
#[get("/statistics/submissions?<query..>")]
async fn submissions(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    query: Query,
) -> Answer {
    let csv = wants_csv(&query)?;
    let filter = filter(db, &query, config).await?;
    let zone = config.zone();
    let (from, to) = range(&filter, &zone);
    let slices =
        queries::submissions(db, &filter, from, to, series::slice_ms(filter.granularity)).await?;
    let buckets = series::buckets(from, to, filter.granularity, &zone, &slices)
        .map_err(AppError::BadRequest)?;
    if csv {
        return Ok(csv_file(
            "submissions.csv",
            &[filter.granularity.as_str(), "submissions"],
            buckets
                .into_iter()
                .map(|bucket| vec![bucket.label, bucket.count.to_string()]),
        ));
    }
    #[allow(clippy::cast_precision_loss, reason = "counts")]
    let values: Vec<(String, f64)> = buckets
        .iter()
        .map(|bucket| (bucket.label.clone(), bucket.count as f64))
        .collect();
    let chart = chart::bars(
        "submissions",
        &format!("Submissions per {}", filter.granularity.as_str()),
        "How many solutions students handed in, per period.",
        &values,
        |value| format!("{value:.0}"),
    );
    let total: i64 = buckets.iter().map(|bucket| bucket.count).sum();
    Ok(Either::Left(page.render(
        "statistics/submissions.html",
        &serde_json::json!({
            "buckets": buckets,
            "total": total,
            "chart": chart,
            "granularities": Granularity::ALL.map(Granularity::as_str),
            "verdicts": verdict_options(),
            "filter": filter_context(&filter),
            "query": filter.query_string(),
        }),
    )?))
}

/// A task's row of "attempts until the first pass": students per number of attempts.
#[derive(Serialize)]
struct AttemptsRow {
    slug: String,
    title: String,
    /// Students who first passed with 1, 2, … attempts; the last entry: [`ATTEMPTS_CAP`] or more.
    students: Vec<i64>,
    never: i64,
}

/// `/statistics/attempts/`: how many students needed 1, 2, 3… submissions to pass, per task.
#[get("/statistics/attempts?<query..>")]
async fn attempts(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    query: Query,
) -> Answer {
    let csv = wants_csv(&query)?;
    let filter = filter(db, &query, config).await?;
    let tasks = queries::tasks(db, &filter).await?;
    let mut per_task: HashMap<i64, (Vec<i64>, i64)> = HashMap::new();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "capped"
    )]
    for effort in queries::efforts(db, &filter).await? {
        let (students, never) = per_task
            .entry(effort.task_id)
            .or_insert_with(|| (vec![0; ATTEMPTS_CAP as usize], 0));
        match effort.first_pass {
            Some(attempts) => {
                students[(attempts.clamp(1, ATTEMPTS_CAP) - 1) as usize] += effort.students;
            }
            None => *never += effort.students,
        }
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a constant"
    )]
    let empty = (vec![0; ATTEMPTS_CAP as usize], 0);
    let rows: Vec<AttemptsRow> = tasks
        .into_iter()
        .map(|task| {
            let (students, never) = per_task.remove(&task.id).unwrap_or_else(|| empty.clone());
            AttemptsRow {
                slug: task.slug,
                title: task.title,
                students,
                never,
            }
        })
        .collect();
    let label = |index: usize| {
        let attempts = index + 1;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a constant"
        )]
        if attempts == ATTEMPTS_CAP as usize {
            format!("{attempts}+")
        } else {
            attempts.to_string()
        }
    };
    if csv {
        return Ok(csv_file(
            "attempts.csv",
            &["task", "title", "attempts", "students"],
            rows.iter().flat_map(|row| {
                row.students
                    .iter()
                    .enumerate()
                    .filter(|(_, students)| **students > 0)
                    .map(|(index, students)| {
                        vec![
                            row.slug.clone(),
                            row.title.clone(),
                            label(index),
                            students.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>()
            }),
        ));
    }
    #[allow(clippy::cast_precision_loss, reason = "counts")]
    let totals: Vec<(String, f64)> = (0..rows.first().map_or(0, |row| row.students.len()))
        .map(|index| {
            let students: i64 = rows.iter().map(|row| row.students[index]).sum();
            (format!("{} attempts", label(index)), students as f64)
        })
        .collect();
    let chart = chart::bars(
        "attempts",
        "Attempts until the first pass",
        "How many students passed with their first, second, third… submission, over the tasks \
         shown.",
        &totals,
        |value| format!("{value:.0} students"),
    );
    let columns: Vec<String> = (0..totals.len()).map(label).collect();
    Ok(Either::Left(page.render(
        "statistics/attempts.html",
        &serde_json::json!({
            "rows": rows,
            "columns": columns,
            "chart": chart,
            "filter": filter_context(&filter),
            "query": filter.query_string(),
        }),
    )?))
}

/// `/statistics/tasks/<slug>/`: how often each test case fails in students' latest solutions.
#[get("/statistics/tasks/<slug>?<query..>")]
async fn test_cases(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    slug: &str,
    query: Query,
) -> Answer {
    let csv = wants_csv(&query)?;
    let task: Option<(i64, String)> = crate::on_pool!(&db.0, |pool| sqlx::query_as(
        "SELECT id, title FROM tasks WHERE slug = $1"
    )
    .bind(slug)
    .fetch_optional(pool)
    .await)?;
    let (task_id, title) = task.ok_or(AppError::NotFound)?;
    let (cases, solutions) = queries::test_cases(db, task_id).await?;
    if csv {
        return Ok(csv_file(
            "test-cases.csv",
            &["class", "test", "runs", "failures", "errors"],
            cases.into_iter().map(|case| {
                vec![
                    case.class_name,
                    case.name,
                    case.runs.to_string(),
                    case.failed.to_string(),
                    case.errors.to_string(),
                ]
            }),
        ));
    }
    #[allow(clippy::cast_precision_loss, reason = "counts")]
    let values: Vec<(String, f64)> = cases
        .iter()
        .map(|case| (case.name.clone(), (case.failed + case.errors) as f64))
        .collect();
    let chart = chart::bars(
        "test-cases",
        "Failures per test case",
        "How many of the students' latest solutions failed each test case, most failed first.",
        &values,
        |value| format!("{value:.0}"),
    );
    Ok(Either::Left(page.render(
        "statistics/test_cases.html",
        &serde_json::json!({
            "slug": slug,
            "title": title,
            "cases": cases,
            "solutions": solutions,
            "chart": chart,
        }),
    )?))
}

/// The statistics pages over time, attempts and test cases (the overview is [`super::overview`]).
pub fn routes() -> Vec<Route> {
    routes![submissions, attempts, test_cases]
}
