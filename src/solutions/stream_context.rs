//! What both event streams (`stream_routes`) share: their request guard, waiting for the bus,
//! throttling queue moves, small body chunks, and events.

use std::time::{Duration, Instant};

use super::stream_slots::StreamSlots;

use rocket::request::{FromRequest, Outcome};
use rocket::response::stream::Event;
use rocket::response::{self, Responder};
use rocket::{Request, Shutdown};
use rocket_db_pools::Database;
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::queue_places::QueueCache;
use crate::accounts::sessions::{Lifetime, SessionKey};
use crate::config::Config;
use crate::db::Db;
use crate::events::{Bus, Message, RESUBSCRIBED};
use crate::settings::Settings;
use crate::web::{LastEventId, Templates};

/// What an event stream takes from its request: the shared state, the first event id (continuing
/// from the client's `Last-Event-ID`), and the server's shutdown.
pub(super) struct Streaming<'r> {
    pub db: &'r Db,
    pub settings: &'r Settings,
    pub bus: &'r Bus,
    pub queue: &'r QueueCache,
    pub templates: &'r Templates,
    pub config: &'r Config,
    pub first_id: u64,
    pub shutdown: Shutdown,
    /// The per-user count of open streams.
    pub slots: &'r StreamSlots,
    /// The session the stream was opened in, checked as the stream goes.
    pub session: SessionCheck<'r>,
}

/// Whether the stream's session still stands (logout, password change, deactivation and
/// expiry end it): asked before every re-read and at every heartbeat.
pub(super) struct SessionCheck<'r> {
    db: &'r Db,
    key: Option<SessionKey>,
    lifetime: Lifetime,
    every: Duration,
}

impl SessionCheck<'_> {
    async fn live(&self) -> bool {
        let Some(key) = &self.key else {
            return false;
        };
        match key.is_live(self.db, self.lifetime).await {
            Ok(live) => live,
            Err(error) => {
                // A database hiccup should not close every stream; the next check decides.
                tracing::warn!(%error, "checking a stream's session failed");
                true
            }
        }
    }
}

impl Streaming<'_> {
    /// How often an idle stream sends a heartbeat.
    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.config.sse_heartbeat_secs.max(1))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Streaming<'r> {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let rocket = request.rocket();
        let last = request.guard::<LastEventId>().await.succeeded();
        let key = crate::accounts::session_cookie::key(request);
        let streaming = (|| {
            let db = Db::fetch(rocket)?;
            let config: &Config = rocket.state()?;
            Some(Streaming {
                db,
                settings: rocket.state()?,
                bus: rocket.state()?,
                queue: rocket.state()?,
                templates: rocket.state()?,
                config,
                slots: rocket.state()?,
                session: SessionCheck {
                    db,
                    key,
                    lifetime: Lifetime::of(config),
                    every: Duration::from_secs(config.sse_heartbeat_secs.max(1)),
                },
                first_id: last
                    .and_then(|last| last.0)
                    .map_or(1, |id| id.saturating_add(1)),
                shutdown: rocket.shutdown(),
            })
        })();
        match streaming {
            Some(streaming) => Outcome::Success(streaming),
            None => Outcome::Error((rocket::http::Status::InternalServerError, ())),
        }
    }
}

/// What a stream waits for next.
pub(super) enum Wake {
    /// A message about these solutions (or a resubscription): read the database again.
    Changed(Option<String>),
    /// The server shuts down or the bus is gone: end the stream.
    Stop,
}

/// Waits for a message whose topic `wanted` accepts, a resubscription, or shutdown; ends the
/// stream when its session no longer stands (checked before a re-read and periodically).
pub(super) async fn wait(
    messages: &mut Receiver<Message>,
    shutdown: &mut Shutdown,
    session: &SessionCheck<'_>,
    wanted: impl Fn(&str) -> bool,
) -> Wake {
    let mut next_check = tokio::time::Instant::now() + session.every;
    let wake = loop {
        tokio::select! {
            message = messages.recv() => match message {
                Ok(Message { topic, .. }) if topic == RESUBSCRIBED => break Wake::Changed(None),
                Ok(Message { topic, .. }) if wanted(&topic) => break Wake::Changed(Some(topic)),
                Ok(_) => {}
                // Missed messages might have been ours: read everything again.
                Err(RecvError::Lagged(_)) => break Wake::Changed(None),
                Err(RecvError::Closed) => return Wake::Stop,
            },
            () = tokio::time::sleep_until(next_check) => {
                if !session.live().await {
                    return Wake::Stop;
                }
                next_check = tokio::time::Instant::now() + session.every;
            }
            () = &mut *shutdown => return Wake::Stop,
        }
    };
    if session.live().await {
        wake
    } else {
        Wake::Stop
    }
}

/// How often at most a stream re-reads its state because the queue moved.
const QUEUE_INTERVAL: Duration = Duration::from_secs(1);

/// Coalesces "queue moved" messages: a busy queue moves several times a second, and every
/// stream of a queued solution would read the database on each move.
#[derive(Default)]
pub(super) struct Throttle {
    last: Option<Instant>,
}

impl Throttle {
    /// Waits until [`QUEUE_INTERVAL`] has passed since the last queue-driven read, then drops
    /// the messages that came meanwhile (the read that follows covers them all). Returns
    /// `false` when the stream should end.
    pub(super) async fn settle(
        &mut self,
        messages: &mut Receiver<Message>,
        shutdown: &mut Shutdown,
    ) -> bool {
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
pub struct Lean<R>(pub R);

impl<'r, 'o: 'r, R: Responder<'r, 'o>> Responder<'r, 'o> for Lean<R> {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'o> {
        let mut response = self.0.respond_to(request)?;
        response.set_max_chunk_size(STREAM_CHUNK_BYTES);
        Ok(response)
    }
}

/// A named event with its id.
pub(super) fn event(name: &str, id: u64, data: String) -> Event {
    Event::data(data).event(name.to_owned()).id(id.to_string())
}
