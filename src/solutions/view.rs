//! What the solution templates show: rows, the result page, statuses in words.

use serde::Serialize;

use super::check_view::CheckView;
use super::queue_places::Places;
use super::state::SolutionStatus;
use super::store::{Solution, SolutionFile};
use crate::db::Timestamp;
use crate::runner::junit::{Outcome, TestSuite};
use crate::runner::verdict::Verdict;

/// `HH:MM:SS` of a moment in the configured time zone.
#[must_use]
pub fn clock_time(moment: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    let local = crate::time_zone::to_local(moment.to_datetime(), zone);
    format!(
        "{:02}:{:02}:{:02}",
        local.hour(),
        local.minute(),
        local.second()
    )
}

/// `YYYY-MM-DD HH:MM` of a moment in the configured time zone.
#[must_use]
pub fn date_time(moment: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    crate::time_zone::format_local(moment.to_datetime(), zone)
}

/// A solution's state in words, with a CSS class and whether it can still change.
#[derive(Serialize)]
pub struct Status {
    pub label: &'static str,
    pub class: &'static str,
    pub explanation: &'static str,
    pub is_final: bool,
}

/// The status shown for a solution whose summary is `status`/`verdict`.
#[must_use]
pub fn status(status: SolutionStatus, verdict: Option<Verdict>) -> Status {
    match (status, verdict) {
        (SolutionStatus::Saved, _) => Status {
            label: "Saved",
            class: SolutionStatus::Saved.as_str(),
            explanation: "Your solution is stored. It is not checked now (exam mode); the course staff will see it.",
            is_final: true,
        },
        (SolutionStatus::Queued, _) => Status {
            label: "Waiting",
            class: SolutionStatus::Queued.as_str(),
            explanation: "Your solution waits for a free checker.",
            is_final: false,
        },
        (SolutionStatus::Running, _) => Status {
            label: "Checking",
            class: SolutionStatus::Running.as_str(),
            explanation: "Your solution is being checked right now.",
            is_final: false,
        },
        (SolutionStatus::Cancelled, _) => Status {
            label: "Cancelled",
            class: SolutionStatus::Cancelled.as_str(),
            explanation: "The course staff cancelled this check.",
            is_final: true,
        },
        (_, Some(verdict)) => Status {
            label: verdict.label(),
            class: verdict.as_str(),
            explanation: verdict.explanation(),
            is_final: true,
        },
        _ => Status {
            label: "Unknown",
            class: "unknown",
            explanation: "",
            is_final: true,
        },
    }
}

/// One row of the solution list.
#[derive(Serialize)]
pub struct Row {
    pub number: i64,
    pub url: String,
    pub submitted: String,
    pub status: Status,
    pub tests_passed: i64,
    pub tests_total: i64,
    /// Place in the queue, from 1, while waiting.
    pub place: Option<i64>,
}

/// A row for `solution`, with its place in the queue from [`super::queue_places::places`].
#[must_use]
pub fn row(slug: &str, solution: &Solution, places: &Places, zone: &jiff::tz::TimeZone) -> Row {
    Row {
        number: solution.number,
        url: super::links::detail(slug, solution.number, None),
        submitted: date_time(solution.submitted_at, zone),
        status: status(solution.status, solution.verdict),
        tests_passed: solution.tests_passed,
        tests_total: solution.tests_total,
        place: places
            .of(solution.id)
            .filter(|_| solution.status == SolutionStatus::Queued),
    }
}

/// The live part of the result page: what the check is doing or how it ended.
#[derive(Serialize)]
pub struct Progress {
    pub solution_id: i64,
    pub number: i64,
    pub status: Status,
    /// Place in the queue, from 1, while waiting.
    pub position: Option<i64>,
    pub started: Option<String>,
    pub duration: Option<String>,
    pub queue_wait: Option<String>,
    pub tests_passed: i64,
    pub tests_total: i64,
    /// While queued: when the check should start, from recent throughput.
    pub estimated_start: Option<String>,
    /// While running: when it started (Unix milliseconds, for the page's ticking clock),
    /// seconds since then, and the time limit in seconds.
    pub started_ms: Option<i64>,
    pub elapsed_secs: Option<i64>,
    pub limit_secs: Option<u64>,
}

/// What the live part shows beyond the stored state: the queue estimate and the time limit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timing {
    /// Seconds until a queued check should start.
    pub start_in_secs: Option<i64>,
    /// The time limit of a running check.
    pub limit_secs: Option<u64>,
}

/// "in about 40 s", "in about 3 min": a rough estimate in words.
#[must_use]
pub fn estimate(seconds: i64) -> String {
    match seconds {
        ..=5 => "any moment now".to_owned(),
        6..=119 => format!("in about {} s", (seconds + 4) / 5 * 5),
        _ => format!("in about {} min", (seconds + 30) / 60),
    }
}

fn seconds(millis: i64) -> String {
    #[allow(clippy::cast_precision_loss, reason = "durations of checks are small")]
    let seconds = millis as f64 / 1000.0;
    format!("{seconds:.1} s")
}

/// The progress of a solution and its latest check.
#[must_use]
pub fn progress(
    solution: &Solution,
    check: Option<&CheckView>,
    position: Option<i64>,
    timing: Timing,
    zone: &jiff::tz::TimeZone,
) -> Progress {
    let queued = solution.status == SolutionStatus::Queued;
    let running_since = check
        .filter(|_| solution.status == SolutionStatus::Running)
        .and_then(|c| c.started_at);
    let waited = check.and_then(|c| Some(c.started_at?.millis() - c.queued_at.millis()));
    Progress {
        solution_id: solution.id,
        number: solution.number,
        status: status(solution.status, solution.verdict),
        position: if queued { position } else { None },
        started: check
            .and_then(|c| c.started_at)
            .map(|at| clock_time(at, zone)),
        duration: check.and_then(|c| c.duration_ms).map(seconds),
        queue_wait: waited.map(seconds),
        tests_passed: solution.tests_passed,
        tests_total: solution.tests_total,
        estimated_start: timing.start_in_secs.filter(|_| queued).map(estimate),
        started_ms: running_since.map(Timestamp::millis),
        elapsed_secs: running_since.map(|at| (Timestamp::now().millis() - at.millis()) / 1000),
        limit_secs: timing.limit_secs.filter(|_| running_since.is_some()),
    }
}

/// A test suite with its failing tests first, for the result page.
#[must_use]
pub fn suites(reports_json: &str) -> Vec<TestSuite> {
    let mut suites: Vec<TestSuite> = serde_json::from_str(reports_json).unwrap_or_default();
    for suite in &mut suites {
        suite
            .cases
            .sort_by_key(|case| matches!(case.outcome, Outcome::Passed | Outcome::Skipped { .. }));
    }
    suites.sort_by_key(|suite| suite.failures + suite.errors == 0);
    suites
}

/// A file of the solution, for the files section.
#[derive(Serialize)]
pub struct FileRow {
    pub name: String,
    pub size: i64,
    /// The page showing the file.
    pub url: String,
}

/// The rows of the files section; `url` says where a file of that name is shown.
#[must_use]
pub fn file_rows(files: Vec<SolutionFile>, url: impl Fn(&str) -> String) -> Vec<FileRow> {
    files
        .into_iter()
        .map(|file| FileRow {
            url: url(&file.name),
            name: file.name,
            size: file.size,
        })
        .collect()
}

/// The highlighting class of a file, by extension.
#[must_use]
pub fn language(name: &str) -> &'static str {
    match name
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("java") => "language-java",
        Some("py") => "language-python",
        Some("c" | "h") => "language-c",
        Some("sh") => "language-bash",
        Some("xml") => "language-xml",
        _ => "language-plaintext",
    }
}
