//! Login sessions: rows named by the SHA-256 of a random token (the browser keeps the token in
//! an encrypted cookie: `session_cookie`), so a leaked table opens no session. Ending a session
//! deletes its row, which ends it for every copy of the cookie.
//! A session also ends after `session_idle_minutes` without requests and `session_max_days` after
//! the login; its last-seen time is written at most once a minute.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::User;
use crate::config::Config;
use crate::db::{DbPool, Timestamp};
use crate::on_pool;

/// How often at most a session's last-seen time is written (not on every request).
const TOUCH_INTERVAL: time::Duration = time::Duration::minutes(1);

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// How long sessions live: idle and absolute lifetimes from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetime {
    pub idle: time::Duration,
    pub max: time::Duration,
}

impl Lifetime {
    /// The configured lifetimes.
    #[must_use]
    pub fn of(config: &Config) -> Self {
        // Ten years is forever for a session, and keeps the arithmetic on timestamps in range.
        let capped = |value: u64, cap: i64| i64::try_from(value).unwrap_or(cap).min(cap);
        Self {
            idle: time::Duration::minutes(capped(config.session_idle_minutes, 10 * 366 * 1440)),
            max: time::Duration::days(capped(config.session_max_days, 10 * 366)),
        }
    }

    /// The last-seen and created times a session needs now to be alive.
    fn bounds(self) -> (Timestamp, Timestamp) {
        let now = Timestamp::now();
        (now.plus(-self.idle), now.plus(-self.max))
    }
}

/// This browser's session, by the digest its row is stored under.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey(String);

impl SessionKey {
    /// The session a token names.
    #[must_use]
    pub fn of_token(token: &str) -> Self {
        Self(digest(token))
    }

    /// Whether the session still stands: not ended (logout, password change), not expired, its
    /// user still active. Long-lived event streams ask this as they go.
    pub async fn is_live(&self, db: &DbPool, lifetime: Lifetime) -> Result<bool, sqlx::Error> {
        let (seen_after, created_after) = lifetime.bounds();
        let sql = "SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id
                   WHERE s.id = $1 AND u.is_active = TRUE AND s.last_seen_at >= $2 AND s.created_at >= $3";
        let count: i64 = on_pool!(db, |pool| sqlx::query_scalar(sql)
            .bind(&self.0)
            .bind(seen_after)
            .bind(created_after)
            .fetch_one(pool)
            .await)?;
        Ok(count > 0)
    }
}

/// Deletes expired sessions; returns how many.
pub async fn prune(db: &DbPool, lifetime: Lifetime) -> Result<u64, sqlx::Error> {
    let (seen_after, created_after) = lifetime.bounds();
    let sql = "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(seen_after)
        .bind(created_after)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))
}

/// Starts a session for `user_id`; returns its token, for the browser to keep.
pub async fn start(db: &DbPool, user_id: i64) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let now = Timestamp::now();
    let sql =
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(digest(&token))
        .bind(user_id)
        .bind(now)
        .execute(pool)
        .await
        .map(drop))?;
    Ok(token)
}

/// Ends one session.
pub async fn end(db: &DbPool, key: &SessionKey) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM sessions WHERE id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(&key.0)
        .execute(pool)
        .await
        .map(drop))
}

/// Ends every session of a user (after a password change or reset).
pub async fn end_all(db: &DbPool, user_id: i64) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM sessions WHERE user_id = $1";
    on_pool!(db, |pool| sqlx::query(sql)
        .bind(user_id)
        .execute(pool)
        .await
        .map(drop))
}

/// A live session and its user, as [`user_of`] read it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LiveSession {
    /// When the login started: the session ends `Lifetime::max` after it.
    pub created_at: Timestamp,
    last_seen_at: Timestamp,
    #[sqlx(flatten)]
    pub user: User,
}

impl LiveSession {
    /// Whether the session is still within its absolute lifetime.
    #[must_use]
    pub fn within(&self, lifetime: Lifetime) -> bool {
        self.created_at >= lifetime.bounds().1
    }
}

/// The live session `key` names, with its user; marks the session seen when it was last marked
/// over a minute ago.
pub async fn user_of(
    db: &DbPool,
    key: &SessionKey,
    lifetime: Lifetime,
) -> Result<Option<LiveSession>, sqlx::Error> {
    let (seen_after, created_after) = lifetime.bounds();
    let id = &key.0;
    let sql = "SELECT s.created_at, s.last_seen_at, u.id, u.username, u.email, u.password_hash,
                      u.first_name, u.last_name, u.is_active, u.is_staff, u.is_superuser,
                      u.date_joined, u.last_login, u.matriculation_number, u.course_id, u.ownwork_confirmed
               FROM sessions s JOIN users u ON u.id = s.user_id
               WHERE s.id = $1 AND u.is_active = TRUE AND s.last_seen_at >= $2 AND s.created_at >= $3";
    let row: Option<LiveSession> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(id)
        .bind(seen_after)
        .bind(created_after)
        .fetch_optional(pool)
        .await)?;
    let Some(row) = row else { return Ok(None) };
    let now = Timestamp::now();
    if row.last_seen_at < now.plus(-TOUCH_INTERVAL) {
        let sql = "UPDATE sessions SET last_seen_at = $2 WHERE id = $1";
        on_pool!(db, |pool| sqlx::query(sql)
            .bind(id)
            .bind(now)
            .execute(pool)
            .await
            .map(drop))?;
    }
    Ok(Some(row))
}
