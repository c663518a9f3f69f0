//! Who is logged in, per process: the user of each session read in the last few seconds, so a
//! page does not ask the database who its viewer is on every request.
//!
//! A change to a user or their sessions (logout, password change, deactivation, roles, profile,
//! own-work declaration) is announced on the event bus, and every process forgets that user's
//! sessions at once. Redis pub/sub may drop a message, so an entry is also read again after
//! `session_cache_secs` (10) whatever the bus says: a missed logout on another instance lasts that
//! long at most. Every forgetting bumps a generation counter, and a lookup stores what it read
//! only when no forgetting came while it was reading (as in `settings::Settings`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::User;
use super::sessions::{self, Lifetime, LiveSession, SessionKey};
use crate::db::DbPool;
use crate::events::Bus;

/// The bus topic announcing that a user (the payload: their id) or their sessions changed; any
/// other payload forgets every session.
pub const TOPIC: &str = "accounts";
/// Sessions kept at most; beyond, stale ones go, and if that is not enough, all.
const MOST: usize = 100_000;

struct Entry {
    session: LiveSession,
    read_at: Instant,
}

/// The per-process cache of sessions; managed as Rocket state, clones share it.
#[derive(Clone)]
pub struct SessionCache {
    entries: Arc<Mutex<HashMap<SessionKey, Entry>>>,
    generation: Arc<AtomicU64>,
    bus: Bus,
    /// How long a session read from the database is believed without reading it again.
    fresh_for: Duration,
}

impl SessionCache {
    /// An empty cache that forgets what any process announces on `bus`, and anything read
    /// `fresh_for` ago.
    #[must_use]
    pub fn new(bus: &Bus, fresh_for: Duration) -> Self {
        let cache = Self {
            entries: Arc::default(),
            generation: Arc::default(),
            bus: bus.clone(),
            fresh_for,
        };
        let follower = cache.clone();
        bus.follow(TOPIC, move |user| {
            follower.forget(user.and_then(|user| user.parse().ok()));
        });
        cache
    }

    /// The user of the live session `key` names (see [`sessions::user_of`]), from the cache when
    /// it was read less than `fresh_for` ago.
    pub async fn user_of(
        &self,
        db: &DbPool,
        key: &SessionKey,
        lifetime: Lifetime,
    ) -> Result<Option<User>, sqlx::Error> {
        if let Some(entry) = self.lock().get(key)
            && entry.read_at.elapsed() < self.fresh_for
            && entry.session.within(lifetime)
        {
            return Ok(Some(entry.session.user.clone()));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let Some(session) = sessions::user_of(db, key, lifetime).await? else {
            self.lock().remove(key);
            return Ok(None);
        };
        let user = session.user.clone();
        let mut entries = self.lock();
        // A change announced while reading: what was read may predate it.
        if self.generation.load(Ordering::SeqCst) == generation && !self.fresh_for.is_zero() {
            if entries.len() >= MOST {
                entries.retain(|_, entry| entry.read_at.elapsed() < self.fresh_for);
                if entries.len() >= MOST {
                    entries.clear();
                }
            }
            let read_at = Instant::now();
            entries.insert(key.clone(), Entry { session, read_at });
        }
        Ok(Some(user))
    }

    /// Announces to every process (this one first) that user `user_id` or their sessions changed.
    pub async fn changed(&self, user_id: i64) {
        self.forget(Some(user_id));
        self.bus.publish(TOPIC, user_id.to_string()).await;
    }

    /// Forgets the sessions of `user_id`, or all of them (`None`).
    fn forget(&self, user_id: Option<i64>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut entries = self.lock();
        match user_id {
            Some(id) => entries.retain(|_, entry| entry.session.user.id != id),
            None => entries.clear(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionKey, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
