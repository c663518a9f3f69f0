//! Server-sent event streams of a solution's result page and of a student's solution list.
//!
//! Each stream subscribes to the bus first, then reads the state from the database and sends it,
//! so no change falls between the two; every relevant message (and the bus's resubscription
//! after a Redis outage) makes it read the database again. Events carry rendered fragments.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocket::response::stream::{Event, EventStream};
use rocket::response::{self, Responder};
use rocket::{Request, Shutdown, State, get, routes};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::live::{self, EVENTS, Snapshot};
use super::pages::{PAGE_SIZE, open_task, visible_solution};
use super::queue_state::{QueueCache, QueueState};
use super::{events, store, view};
use crate::accounts::CurrentUser;
use crate::config::Config;
use crate::db::{Db, DbPool};
use crate::events::{Bus, Message, RESUBSCRIBED};
use crate::settings::Settings;
use crate::web::{AppError, AppResult, LastEventId, Templates};

/// What a stream waits for next.
enum Wake {
    /// A message about these solutions (or a resubscription): read the database again.
    Changed(Option<String>),
    /// The server shuts down or the bus is gone: end the stream.
    Stop,
}

/// Waits for a message whose topic `wanted` accepts, a resubscription, or shutdown.
async fn wait(
    messages: &mut Receiver<Message>,
    shutdown: &mut Shutdown,
    wanted: impl Fn(&str) -> bool,
) -> Wake {
    loop {
        tokio::select! {
            message = messages.recv() => match message {
                Ok(Message { topic, .. }) if topic == RESUBSCRIBED => return Wake::Changed(None),
                Ok(Message { topic, .. }) if wanted(&topic) => return Wake::Changed(Some(topic)),
                Ok(_) => {}
                // Missed messages might have been ours: read everything again.
                Err(RecvError::Lagged(_)) => return Wake::Changed(None),
                Err(RecvError::Closed) => return Wake::Stop,
            },
            () = &mut *shutdown => return Wake::Stop,
        }
    }
}

/// How often at most a stream re-reads its state because the queue moved.
const QUEUE_INTERVAL: Duration = Duration::from_secs(1);

/// Coalesces "queue moved" messages: a busy queue moves several times a second, and every
/// stream of a queued solution would read the database on each move.
#[derive(Default)]
struct Throttle {
    last: Option<Instant>,
}

impl Throttle {
    /// Waits until [`QUEUE_INTERVAL`] has passed since the last queue-driven read, then drops
    /// the messages that came meanwhile (the read that follows covers them all). Returns
    /// `false` when the stream should end.
    async fn settle(&mut self, messages: &mut Receiver<Message>, shutdown: &mut Shutdown) -> bool {
        if let Some(last) = self.last {
            tokio::select! {
                () = tokio::time::sleep_until((last + QUEUE_INTERVAL).into()) => {}
                () = &mut *shutdown => return false,
            }
            loop {
                match messages.try_recv() {
                    Ok(_) | Err(TryRecvError::Lagged(_)) => {}
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Closed) => return false,
                }
            }
        }
        self.last = Some(Instant::now());
        true
    }
}

/// Body chunk buffer of an event stream. Rocket's default (4 KiB) would stay allocated for every
/// open stream; events are small, and a larger one simply goes out in several chunks.
const STREAM_CHUNK_BYTES: usize = 512;

/// An event stream that keeps a small body chunk buffer while it is open.
pub struct Lean<R>(R);

impl<'r, 'o: 'r, R: Responder<'r, 'o>> Responder<'r, 'o> for Lean<R> {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'o> {
        let mut response = self.0.respond_to(request)?;
        response.set_max_chunk_size(STREAM_CHUNK_BYTES);
        Ok(response)
    }
}

/// Event ids increase per stream and continue from the client's `Last-Event-ID`.
fn first_id(last: LastEventId) -> u64 {
    last.0.map_or(1, |id| id.saturating_add(1))
}

fn event(name: &str, id: u64, data: String) -> Event {
    Event::data(data).event(name.to_owned()).id(id.to_string())
}

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
#[allow(clippy::too_many_arguments)]
async fn detail_events<'r>(
    db: &'r Db,
    settings: &State<Settings>,
    bus: &State<Bus>,
    queue: &'r State<QueueCache>,
    templates: &'r State<Templates>,
    config: &'r State<Config>,
    user: CurrentUser,
    last: LastEventId,
    mut shutdown: Shutdown,
    slug: &str,
    number: i64,
    author: Option<&str>,
) -> AppResult<Lean<EventStream![Event + 'r]>> {
    let (_, solution, _) = visible_solution(db, settings, &user.0, slug, number, author).await?;
    let mut messages = bus.subscribe();
    // Whatever changed before this moment has been read by the first read below.
    let mut changed = Some(Instant::now());
    let topic = events::topic(solution.id);
    let heartbeat = Duration::from_secs(config.sse_heartbeat_secs.max(1));
    let mut id = first_id(last);
    let stream = EventStream! {
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
            let queued = snapshot.solution.status == "queued";
            let wanted = |t: &str| t == topic || (queued && t == events::QUEUE_MOVED);
            changed = match wait(&mut messages, &mut shutdown, wanted).await {
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
#[allow(clippy::too_many_arguments)]
async fn list_events<'r>(
    db: &'r Db,
    settings: &State<Settings>,
    bus: &State<Bus>,
    queue: &'r State<QueueCache>,
    templates: &'r State<Templates>,
    config: &'r State<Config>,
    user: CurrentUser,
    last: LastEventId,
    mut shutdown: Shutdown,
    slug: &'r str,
    page: Option<i64>,
) -> AppResult<Lean<EventStream![Event + 'r]>> {
    let task = open_task(db, settings, &user.0, slug).await?;
    let page = page.unwrap_or(1).max(1);
    let mut messages = bus.subscribe();
    let mut changed = Some(Instant::now());
    let (author_id, task_id) = (user.0.id, task.summary.id);
    let solutions =
        store::of_author(db, author_id, task_id, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let first_page = page == 1;
    let added_topic = events::handed_in_topic(author_id, task_id);
    let heartbeat = Duration::from_secs(config.sse_heartbeat_secs.max(1));
    let mut id = first_id(last);
    let zone = config.zone();
    let stream = EventStream! {
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
                        rows.update(*solution_id, "cancelled", true);
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
                            match live::render_row(templates, slug, solution, &state.places, &zone) {
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
                    Err(error) => tracing::warn!(%error, "reading new solutions for the list stream failed"),
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
            (to_read, look_for_new, changed) = match wait(&mut messages, &mut shutdown, wanted).await {
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
                Wake::Changed(Some(topic)) => (rows.topics.get(&topic).copied().into_iter().collect(), false, None),
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
        let status = view::status(&solution.status, solution.verdict.as_deref());
        self.update(solution.id, &solution.status, status.is_final);
    }

    fn update(&mut self, id: i64, status: &str, is_final: bool) {
        if is_final {
            self.pending.retain(|p| *p != id);
        }
        if status == "queued" {
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
