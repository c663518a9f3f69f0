//! Server-sent event streams of a solution's result page and of a student's solution list.
//!
//! Each stream subscribes to the bus first, then reads the state from the database and sends it,
//! so no change falls between the two; every relevant message (and the bus's resubscription
//! after a Redis outage) makes it read the database again. Events carry rendered fragments.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use rocket::response::stream::{Event, EventStream};
use rocket::{get, routes};

use super::course::{open_task, visible_solution};
use super::live::{self, EVENTS, Snapshot};
use super::pages::PAGE_SIZE;
use super::queue_places::{QueueCache, QueueState};
use super::state::SolutionStatus;
use super::stream_context::{Lean, Streaming, Throttle, Wake, event, wait};
use super::{events, store, view};
use crate::accounts::CurrentUser;
use crate::config::Config;
use crate::db::{DbPool, TaskId, UserId};
use crate::web::{AppError, AppResult, PageNumber, PathNumber, Templates};

/// The status event, and the results and the closing event when the check is final.
fn snapshot_events(
    templates: &Templates,
    snapshot: &Snapshot,
    progress: String,
    id: u64,
) -> Result<Vec<Event>, AppError> {
    let mut out = vec![event(EVENTS.status, id, progress)];
    if snapshot.is_final() {
        let results = live::render_results(templates, snapshot)?;
        out.push(event(EVENTS.results, id, results));
        out.push(event(EVENTS.done, id, String::new()));
    }
    Ok(out)
}

async fn read(
    db: &DbPool,
    id: i64,
    queue: &QueueCache,
    changed: Option<Instant>,
    config: &Config,
) -> Result<Option<Snapshot>, sqlx::Error> {
    match store::by_id(db, id).await? {
        Some(solution) => live::snapshot(db, solution, queue, changed, &config.zone())
            .await
            .map(Some),
        None => Ok(None),
    }
}

/// The live part of a result page; the same access rules as the page.
#[get("/solutions/detail/<slug>/<number>/events?<author>")]
async fn detail_events<'r>(
    streaming: Streaming<'r>,
    user: CurrentUser,
    slug: &str,
    number: PathNumber,
    author: Option<&str>,
) -> AppResult<Lean<EventStream![Event + 'r]>> {
    let number = number.get()?;
    let heartbeat = streaming.heartbeat();
    let Streaming {
        db,
        settings,
        bus,
        queue,
        templates,
        config,
        first_id: mut id,
        mut shutdown,
        slots,
        session,
    } = streaming;
    let slot = slots
        .take(user.0.id)
        .ok_or(AppError::TooManyStreams(slots.max()))?;
    let solution = visible_solution(db, settings, &user.0, slug, number, author)
        .await?
        .solution;
    let mut messages = bus.subscribe();
    // Whatever changed before this moment has been read by the first read below.
    let mut changed = Some(Instant::now());
    let topic = events::topic(solution.id);
    let stream = EventStream! {
        // Held while the stream is open.
        let _slot = slot;
        let mut sent = String::new();
        let mut throttle = Throttle::default();
        loop {
            // Boxed: the read's state lives only while it runs, not in every idle stream.
            let snapshot = match Box::pin(read(db, solution.id, queue, changed, config)).await {
                Ok(Some(snapshot)) => snapshot,
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(%error, "reading a solution for its event stream failed");
                    break;
                }
            };
            let rendered = live::render_progress(templates, &snapshot).and_then(|progress| {
                // A message without a visible change (a repeated status) sends nothing.
                if progress == sent && !snapshot.is_final() {
                    return Ok(Vec::new());
                }
                sent.clone_from(&progress);
                snapshot_events(templates, &snapshot, progress, id)
            });
            match rendered {
                Ok(events) => {
                    if !events.is_empty() {
                        id += 1;
                    }
                    for event in events {
                        yield event;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "rendering a solution event failed");
                    break;
                }
            }
            if snapshot.is_final() {
                break;
            }
            // Only a queued check's place moves with the queue.
            let queued = snapshot.solution.status == SolutionStatus::Queued;
            let wanted = |t: &str| t == topic || (queued && t == events::QUEUE_MOVED);
            changed = match wait(&mut messages, &mut shutdown, &session, wanted).await {
                Wake::Stop => break,
                Wake::Changed(Some(t)) if t == events::QUEUE_MOVED => {
                    if !throttle.settle(&mut messages, &mut shutdown).await {
                        break;
                    }
                    Some(Instant::now())
                }
                // Every change of the queue also sends `queue`: a recent reading will do.
                Wake::Changed(Some(_)) => None,
                Wake::Changed(None) => Some(Instant::now()),
            };
        }
    };
    Ok(Lean(stream.heartbeat(heartbeat)))
}

/// The live rows of a student's solution list, page `page` (from 1): every row of that page
/// until it is final, and its place while queued. The first page also receives the solutions
/// handed in after the stream started (event `added`, rows for the top of the table) and then
/// stays open; a later page's stream ends once all its rows are final.
#[get("/solutions/list/<slug>/events?<page>")]
#[allow(clippy::too_many_lines)] // one generator: splitting it would split its state
async fn list_events<'r>(
    streaming: Streaming<'r>,
    user: CurrentUser,
    slug: &'r str,
    page: rocket::form::Result<'r, PageNumber>,
) -> AppResult<Lean<EventStream![Event + 'r]>> {
    let page = PageNumber::of(page)?;
    let heartbeat = streaming.heartbeat();
    let Streaming {
        db,
        settings,
        bus,
        queue,
        templates,
        config,
        first_id: mut id,
        mut shutdown,
        slots,
        session,
    } = streaming;
    let slot = slots
        .take(user.0.id)
        .ok_or(AppError::TooManyStreams(slots.max()))?;
    let task = open_task(db, settings, &user.0, slug).await?;
    let mut messages = bus.subscribe();
    let mut changed = Some(Instant::now());
    let (author_id, task_id) = (UserId(user.0.id), TaskId(task.summary.id));
    let solutions =
        store::of_author(db, author_id, task_id, PAGE_SIZE, page.offset(PAGE_SIZE)).await?;
    let first_page = page.0 == 1;
    let added_topic = events::handed_in_topic(author_id, task_id);
    let zone = config.zone();
    let stream = EventStream! {
        let _slot = slot;
        let mut rows = Rows::following(&solutions);
        let mut newest = solutions.first().map_or(0, |solution| solution.number);
        let mut throttle = Throttle::default();
        // Rows to read (and send) now, all of them on connect; whether to look for new ones.
        let mut to_read = rows.pending.clone();
        let mut look_for_new = false;
        loop {
            let state = if to_read.is_empty() {
                Arc::default()
            } else {
                Box::pin(queue_state(db, queue, changed)).await
            };
            for solution_id in &to_read {
                let solution = match store::by_id(db, *solution_id).await {
                    Ok(Some(solution)) => solution,
                    Ok(None) => {
                        rows.update(*solution_id, SolutionStatus::Cancelled, true);
                        continue;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "reading a solution for the list stream failed");
                        continue;
                    }
                };
                match live::render_row(templates, slug, &solution, &state.places, &zone) {
                    // A message without a visible change (the queue moved elsewhere) sends nothing.
                    Ok(row) if rows.sent.get(solution_id) == Some(&row) => {}
                    Ok(row) => {
                        rows.sent.insert(*solution_id, row.clone());
                        yield event(&format!("{}{}", EVENTS.row_prefix, solution.number), id, row);
                        id += 1;
                    }
                    Err(error) => tracing::warn!(%error, "rendering a list row failed"),
                }
                rows.update_from(&solution);
            }
            if look_for_new {
                match store::of_author_after(db, author_id, task_id, newest).await {
                    Ok(new) if !new.is_empty() => {
                        let state = Box::pin(queue_state(db, queue, changed)).await;
                        let mut html = String::new();
                        for solution in &new {
                            let places = &state.places;
                            let row = live::render_row(templates, slug, solution, places, &zone);
                            match row {
                                Ok(row) => {
                                    html.push_str(&row);
                                    rows.sent.insert(solution.id, row);
                                }
                                Err(error) => tracing::warn!(%error, "rendering a list row failed"),
                            }
                            rows.follow(solution);
                        }
                        newest = new[0].number;
                        yield event(EVENTS.added, id, html);
                        id += 1;
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "reading new solutions for the list stream failed");
                    }
                }
            }
            if rows.pending.is_empty() && !first_page {
                yield event(EVENTS.done, id, String::new());
                break;
            }
            let wanted = |topic: &str| {
                (first_page && topic == added_topic)
                    || (topic == events::QUEUE_MOVED && !rows.queued.is_empty())
                    || rows.topics.get(topic).is_some_and(|id| rows.pending.contains(id))
            };
            let wake = wait(&mut messages, &mut shutdown, &session, wanted).await;
            (to_read, look_for_new, changed) = match wake {
                Wake::Stop => break,
                Wake::Changed(Some(topic)) if topic == events::QUEUE_MOVED => {
                    if !throttle.settle(&mut messages, &mut shutdown).await {
                        break;
                    }
                    // Messages dropped while settling are covered by reading everything.
                    (rows.pending.clone(), first_page, Some(Instant::now()))
                }
                // The new solution's check is in the queue already: read it afresh for its place.
                Wake::Changed(Some(topic)) if topic == added_topic => {
                    (Vec::new(), true, Some(Instant::now()))
                }
                Wake::Changed(Some(topic)) => {
                    (rows.topics.get(&topic).copied().into_iter().collect(), false, None)
                }
                Wake::Changed(None) => (rows.pending.clone(), first_page, Some(Instant::now())),
            };
        }
    };
    Ok(Lean(stream.heartbeat(heartbeat)))
}

/// The queue as read after `changed`; empty (rows then show no place) when reading fails.
async fn queue_state(db: &DbPool, queue: &QueueCache, changed: Option<Instant>) -> Arc<QueueState> {
    queue.get(db, changed).await.unwrap_or_else(|error| {
        tracing::warn!(%error, "reading the queue's places failed");
        Arc::default()
    })
}

/// The rows a list stream follows: their topics, the unfinished ones, the queued ones, and
/// what was sent for each.
#[derive(Default)]
struct Rows {
    topics: HashMap<String, i64>,
    pending: Vec<i64>,
    queued: HashSet<i64>,
    sent: HashMap<i64, String>,
}

impl Rows {
    /// Follows every row of the page.
    fn following(solutions: &[store::Solution]) -> Self {
        let mut rows = Self::default();
        for solution in solutions {
            rows.topics.insert(events::topic(solution.id), solution.id);
            rows.pending.push(solution.id);
        }
        rows
    }

    /// Follows a row added to the page, until it is final.
    fn follow(&mut self, solution: &store::Solution) {
        self.topics.insert(events::topic(solution.id), solution.id);
        self.pending.push(solution.id);
        self.update_from(solution);
    }

    fn update_from(&mut self, solution: &store::Solution) {
        let status = view::status(solution.status, solution.verdict);
        self.update(solution.id, solution.status, status.is_final);
    }

    fn update(&mut self, id: i64, status: SolutionStatus, is_final: bool) {
        if is_final {
            self.pending.retain(|p| *p != id);
        }
        if status == SolutionStatus::Queued {
            self.queued.insert(id);
        } else {
            self.queued.remove(&id);
        }
    }
}

/// The stream routes.
pub fn routes() -> Vec<rocket::Route> {
    routes![detail_events, list_events]
}
