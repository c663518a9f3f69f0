//! Pages that stay current on their own: while such a page is open, a server-sent event brings
//! its live fragment redrawn every few seconds, for as long as the session it was opened in
//! stands (logout, expiry and deactivation end the stream) and the server runs.

use std::future::Future;
use std::time::Duration;

use rocket::request::{FromRequest, Outcome};
use rocket::response::stream::{Event, EventStream};
use rocket::{Request, Shutdown};

use crate::accounts::sessions::{Lifetime, SessionKey};
use crate::config::Config;
use crate::db::Db;
use crate::web::AppError;

/// The session a stream was opened in.
pub struct OpenedIn(Option<SessionKey>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for OpenedIn {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(Self(crate::accounts::session_cookie::key(request)))
    }
}

/// Events named `event` carrying what `draw` renders, the first at once, then every `every`.
/// A failed drawing is logged and skipped; the next one may succeed.
pub fn redraws<'r, F, D>(
    every: Duration,
    event: &'static str,
    opened_in: OpenedIn,
    db: &'r Db,
    config: &'r Config,
    shutdown: Shutdown,
    mut draw: F,
) -> EventStream![Event + 'r]
where
    F: FnMut() -> D + Send + 'r,
    D: Future<Output = Result<String, AppError>> + Send + 'r,
{
    redraws_until(every, event, opened_in, db, config, shutdown, move || {
        let drawn = draw();
        async move { drawn.await.map(|fragment| (fragment, false)) }
    })
}

/// Like [`redraws`], for a page that stops changing: once `draw` says its fragment is final
/// (`true`), that fragment is the last event. The stream then stays open but quiet, since a
/// closed one would be opened again by the browser.
pub fn redraws_until<'r, F, D>(
    every: Duration,
    event: &'static str,
    opened_in: OpenedIn,
    db: &'r Db,
    config: &'r Config,
    mut shutdown: Shutdown,
    mut draw: F,
) -> EventStream![Event + 'r]
where
    F: FnMut() -> D + Send + 'r,
    D: Future<Output = Result<(String, bool), AppError>> + Send + 'r,
{
    let lifetime = Lifetime::of(config);
    EventStream! {
        let mut ticks = tokio::time::interval(every);
        for id in 1_u64.. {
            tokio::select! {
                _ = ticks.tick() => {}
                () = &mut shutdown => break,
            }
            let live = match &opened_in.0 {
                // A database hiccup does not end the stream; the next tick decides.
                Some(key) => key.is_live(db, lifetime).await.unwrap_or(true),
                None => false,
            };
            if !live {
                break;
            }
            match draw().await {
                Ok((fragment, last)) => {
                    yield Event::data(fragment).event(event).id(id.to_string());
                    if last {
                        (&mut shutdown).await;
                        break;
                    }
                }
                Err(error) => tracing::warn!(%error, event, "redrawing a live fragment failed"),
            }
        }
    }
}
