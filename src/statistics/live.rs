//! `/statistics/live/`: the course right now, submissions and queue waits of the last hours,
//! redrawn over server-sent events every few seconds while the page is open.

use std::time::Duration;

use rocket::response::stream::{Event, EventStream};
use rocket::{Route, Shutdown, State, get, routes};
use serde::Serialize;

use super::chart::{self, Chart};
use super::queries::{self, median};
use crate::admin::AdminStaff;
use crate::admin::redraws::{OpenedIn, redraws};
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, Templates};

/// The window shown, and the width of one bar.
const WINDOW: Duration = Duration::from_hours(3);
const SLICE: Duration = Duration::from_mins(10);
/// How often an open page is redrawn.
const EVERY: Duration = Duration::from_secs(5);
/// The event that carries the redrawn fragment.
const UPDATE: &str = "update";

/// The live figures, ready for `statistics/_live.html`.
#[derive(Serialize)]
struct Live {
    queued: i64,
    running: i64,
    submitted: i64,
    updated: String,
    slices: Vec<Slice>,
    submissions: Chart,
    waits: Chart,
}

#[derive(Serialize)]
struct Slice {
    label: String,
    submissions: i64,
    median_wait_secs: String,
}

#[allow(
    clippy::cast_possible_truncation,
    reason = "constants far below i64::MAX"
)]
async fn read(db: &DbPool, config: &Config) -> Result<Live, AppError> {
    let now = Timestamp::now();
    let slice_ms = SLICE.as_millis() as i64;
    let slices_shown = (WINDOW.as_millis() / SLICE.as_millis()) as i64;
    // Whole slices, the newest one holding now.
    let first = (now.millis() / slice_ms - slices_shown + 1) * slice_ms;
    let recent = queries::recent(db, Timestamp::from_millis(first)).await?;
    let zone = config.zone();
    let mut slices = Vec::new();
    let mut submission_bars = Vec::new();
    let mut wait_bars = Vec::new();
    for index in 0..slices_shown {
        let start = first + index * slice_ms;
        let within = |at: i64| at >= start && at < start + slice_ms;
        let submissions = recent.submitted.iter().filter(|at| within(**at)).count();
        let mut waits: Vec<i64> = recent
            .started
            .iter()
            .filter(|(at, _)| within(*at))
            .map(|(_, wait)| *wait)
            .collect();
        let wait = median(&mut waits).map(|ms| ms / 1000.0);
        let label =
            crate::time_zone::format_local(Timestamp::from_millis(start).to_datetime(), &zone);
        #[allow(clippy::cast_precision_loss, reason = "counts")]
        submission_bars.push((label.clone(), submissions as f64));
        wait_bars.push((label.clone(), wait.unwrap_or(0.0)));
        slices.push(Slice {
            label,
            submissions: i64::try_from(submissions).unwrap_or(i64::MAX),
            median_wait_secs: wait.map_or_else(|| "–".to_owned(), |wait| format!("{wait:.1}")),
        });
    }
    Ok(Live {
        queued: recent.queued,
        running: recent.running,
        submitted: slices.iter().map(|slice| slice.submissions).sum(),
        updated: crate::time_zone::format_local(now.to_datetime(), &zone),
        slices,
        submissions: chart::bars(
            "live-submissions",
            "Submissions per 10 minutes",
            "How many solutions students handed in, per 10 minutes, over the last 3 hours.",
            &submission_bars,
            |value| format!("{value:.0}"),
        ),
        waits: chart::bars(
            "live-waits",
            "Median queue wait per 10 minutes",
            "The median time students' checks waited in the queue, in seconds, per 10 minutes.",
            &wait_bars,
            |value| format!("{value:.1} s"),
        ),
    })
}

/// `/statistics/live/`: the page, drawn once; its event stream keeps it current.
#[get("/statistics/live")]
async fn page(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
) -> AppResult<Html> {
    let live = read(db, config).await?;
    page.render(
        "statistics/live.html",
        &serde_json::json!({ "live": live, "update": UPDATE }),
    )
}

/// The live figures as an `update` event every few seconds, for as long as the session stands.
#[get("/statistics/live/events")]
fn events<'r>(
    _staff: AdminStaff,
    opened_in: OpenedIn,
    db: &'r Db,
    config: &'r State<Config>,
    templates: &'r State<Templates>,
    shutdown: Shutdown,
) -> EventStream![Event + 'r] {
    let config: &'r Config = config;
    let templates: &'r Templates = templates;
    redraws(
        EVERY,
        UPDATE,
        opened_in,
        db,
        config,
        shutdown,
        move || async move {
            let live = read(db, config).await?;
            Ok(templates
                .render(
                    "statistics/_live.html",
                    &serde_json::json!({ "live": live }),
                )?
                .0)
        },
    )
}

pub fn routes() -> Vec<Route> {
    routes![page, events]
}
