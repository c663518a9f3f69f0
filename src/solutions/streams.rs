//! Server-sent event streams of a solution's result page and of a student's solution list.
//!
//! Each stream subscribes to the bus first, then reads the state from the database and sends it,
//! so no change falls between the two; every relevant message (and the bus's resubscription
//! after a Redis outage) makes it read the database again. Events carry rendered fragments.

use std::collections::HashMap;
use std::time::Duration;

use rocket::response::stream::{Event, EventStream};
use rocket::{Shutdown, State, get, routes};
use tokio::sync::broadcast::{Receiver, error::RecvError};

use super::live::{self, EVENTS, Snapshot};
use super::pages::{PAGE_SIZE, open_task, visible_solution};
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

async fn read(db: &DbPool, id: i64, config: &Config) -> Result<Option<Snapshot>, sqlx::Error> {
    match store::by_id(db, id).await? {
        Some(solution) => live::snapshot(db, solution, config.workers, &config.zone())
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
    templates: &'r State<Templates>,
    config: &'r State<Config>,
    user: CurrentUser,
    last: LastEventId,
    mut shutdown: Shutdown,
    slug: &str,
    number: i64,
    author: Option<&str>,
) -> AppResult<EventStream![Event + 'r]> {
    let (_, solution, _) = visible_solution(db, settings, &user.0, slug, number, author).await?;
    let mut messages = bus.subscribe();
    let topic = events::topic(solution.id);
    let heartbeat = Duration::from_secs(config.sse_heartbeat_secs.max(1));
    let mut id = first_id(last);
    let stream = EventStream! {
        let mut sent = String::new();
        loop {
            let snapshot = match read(db, solution.id, config).await {
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
            if let Wake::Stop = wait(&mut messages, &mut shutdown, |t| t == topic).await {
                break;
            }
        }
    };
    Ok(stream.heartbeat(heartbeat))
}

/// The live rows of a student's solution list (its first page): one stream for every row.
#[get("/solutions/list/<slug>/events")]
#[allow(clippy::too_many_arguments)]
async fn list_events<'r>(
    db: &'r Db,
    settings: &State<Settings>,
    bus: &State<Bus>,
    templates: &'r State<Templates>,
    config: &'r State<Config>,
    user: CurrentUser,
    last: LastEventId,
    mut shutdown: Shutdown,
    slug: &'r str,
) -> AppResult<EventStream![Event + 'r]> {
    let task = open_task(db, settings, &user.0, slug).await?;
    let mut messages = bus.subscribe();
    let solutions = store::of_author(db, user.0.id, task.summary.id, PAGE_SIZE, 0).await?;
    let topics: HashMap<String, i64> = solutions
        .iter()
        .map(|solution| (events::topic(solution.id), solution.id))
        .collect();
    let heartbeat = Duration::from_secs(config.sse_heartbeat_secs.max(1));
    let mut id = first_id(last);
    let zone = config.zone();
    let stream = EventStream! {
        // Unfinished solutions, and those to read (and send) now: all of them on connect.
        let mut pending: Vec<i64> = topics.values().copied().collect();
        let mut to_read = pending.clone();
        loop {
            for solution_id in &to_read {
                let solution = match store::by_id(db, *solution_id).await {
                    Ok(Some(solution)) => solution,
                    Ok(None) => {
                        pending.retain(|p| p != solution_id);
                        continue;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "reading a solution for the list stream failed");
                        continue;
                    }
                };
                match live::render_row(templates, slug, &solution, &zone) {
                    Ok(row) => {
                        yield event(&format!("{}{}", EVENTS.row_prefix, solution.number), id, row);
                        id += 1;
                    }
                    Err(error) => tracing::warn!(%error, "rendering a list row failed"),
                }
                if view::status(&solution.status, solution.verdict.as_deref()).is_final {
                    pending.retain(|p| p != solution_id);
                }
            }
            if pending.is_empty() {
                yield event(EVENTS.done, id, String::new());
                break;
            }
            let wanted = |topic: &str| topics.get(topic).is_some_and(|id| pending.contains(id));
            to_read = match wait(&mut messages, &mut shutdown, wanted).await {
                Wake::Stop => break,
                Wake::Changed(Some(topic)) => topics.get(&topic).copied().into_iter().collect(),
                Wake::Changed(None) => pending.clone(),
            };
        }
    };
    Ok(stream.heartbeat(heartbeat))
}

/// The stream routes.
pub fn routes() -> Vec<rocket::Route> {
    routes![detail_events, list_events]
}
