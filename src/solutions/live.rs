//! The live state of a solution, read from the database and rendered for pages and event streams.

use std::time::Instant;

use serde::Serialize;

use super::check_view::{self, CheckView};
use super::limits;
use super::queue_places::Places;
use super::queue_places::QueueCache;
use super::resource_view::Resources;
use super::resources;
use super::state::{CheckStatus, SolutionStatus};
use super::store::{self, Solution};
use super::view::{self, Progress, Timing};
use crate::db::DbPool;
use crate::runner::junit::TestSuite;
use crate::web::{AppError, Templates};

/// The names of the events the streams send, shared with the templates (as `events`).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct EventNames {
    /// The live part of the result page (`_progress.html`).
    pub status: &'static str,
    /// The result sections (`_results.html`), sent once the check is final.
    pub results: &'static str,
    /// The last event: the page stops listening (`sse-close`).
    pub done: &'static str,
    /// Prefix of a list row's event; the row's solution number follows.
    pub row_prefix: &'static str,
    /// New rows for the top of the list (solutions handed in since it was rendered).
    pub added: &'static str,
}

/// The event names.
pub const EVENTS: EventNames = EventNames {
    status: "status",
    results: "results",
    done: "done",
    row_prefix: "row-",
    added: "added",
};

/// The result sections of a solution's latest check.
#[derive(Debug, Default, Serialize)]
pub struct Results {
    pub suites: Vec<TestSuite>,
    pub notes: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    /// What the finished check used against its limits.
    pub resources: Option<Resources>,
}

impl Results {
    /// The result sections of the snapshot's check (empty without one).
    #[must_use]
    pub fn of(snapshot: &Snapshot) -> Self {
        let Some(check) = snapshot.check.as_ref() else {
            return Self::default();
        };
        let resources = snapshot
            .resources
            .as_ref()
            .map(|(profile, earlier)| Resources::of(profile, earlier));
        Self::of_check(check, resources)
    }

    /// The result sections of `check`, with its `resources` section when it has one.
    #[must_use]
    pub fn of_check(check: &CheckView, resources: Option<Resources>) -> Self {
        Self {
            suites: view::suites(&check.reports),
            notes: serde_json::from_str(&check.notes).unwrap_or_default(),
            stdout: check.stdout.clone(),
            stderr: check.stderr.clone(),
            resources,
        }
    }
}

/// A solution's state as its pages show it now.
pub struct Snapshot {
    pub solution: Solution,
    pub check: Option<CheckView>,
    pub progress: Progress,
    /// A finished check's profile, and those of the author's earlier checks of the task.
    pub resources: Option<(resources::Profile, Vec<resources::Earlier>)>,
}

impl Snapshot {
    /// Whether the check can no longer change.
    #[must_use]
    pub fn is_final(&self) -> bool {
        self.progress.status.is_final
    }
}

/// Reads the state of `solution` (as just read) and its latest check; a queued one's place and
/// estimate come from `queue` as read after `changed` (see [`QueueCache::get`]).
pub async fn snapshot(
    db: &DbPool,
    solution: Solution,
    queue: &QueueCache,
    changed: Option<Instant>,
    zone: &jiff::tz::TimeZone,
) -> Result<Snapshot, sqlx::Error> {
    let (check, earlier) = check_view::latest_and_earlier(db, &solution).await?;
    // The check's end and the solution's verdict are committed together, but `solution` was
    // read before: read it again rather than show the new results under the old status.
    let finished = check
        .as_ref()
        .is_some_and(|check| check.status == CheckStatus::Done);
    let solution = if finished && solution.status != SolutionStatus::Finished {
        store::by_id(db, solution.id).await?.unwrap_or(solution)
    } else {
        solution
    };
    let mut timing = Timing::default();
    let mut position = None;
    match check.as_ref().map(|check| check.status) {
        Some(CheckStatus::Queued) => {
            let state = queue.get(db, changed).await?;
            position = state.places.of(solution.id);
            timing.start_in_secs = position.map(|place| state.start_in_secs(place));
        }
        Some(CheckStatus::Running) => {
            let limits = limits::of_solution(db, solution.id).await?;
            timing.limit_secs = Some(limits.wall_time.as_secs());
        }
        _ => {}
    }
    let progress = view::progress(&solution, check.as_ref(), position, timing, zone);
    let resources = match check.as_ref() {
        Some(check) if check.status == CheckStatus::Done && check.verdict.is_some() => {
            Some((check.profile, earlier))
        }
        _ => None,
    };
    Ok(Snapshot {
        solution,
        check,
        progress,
        resources,
    })
}

/// The live part of the result page.
pub fn render_progress(templates: &Templates, snapshot: &Snapshot) -> Result<String, AppError> {
    let data = serde_json::json!({ "progress": snapshot.progress, "events": EVENTS });
    Ok(templates.render("solutions/_progress.html", &data)?.0)
}

/// The result sections of the page.
pub fn render_results(templates: &Templates, snapshot: &Snapshot) -> Result<String, AppError> {
    templates
        .render("solutions/_results.html", &Results::of(snapshot))
        .map(|html| html.0)
}

/// One row of the solution list (`<tr id="solution-N">`); `places` are the queue's places by
/// solution.
pub fn render_row(
    templates: &Templates,
    slug: &str,
    solution: &Solution,
    places: &Places,
    zone: &jiff::tz::TimeZone,
) -> Result<String, AppError> {
    let row = view::row(slug, solution, places, zone);
    let data = serde_json::json!({ "row": row, "events": EVENTS });
    Ok(templates.render("solutions/_row.html", &data)?.0)
}
