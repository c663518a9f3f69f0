//! Login sessions: an encrypted cookie naming a session row, and the guards built on it.
//!
//! The cookie holds a random token; the database holds only its SHA-256, so a leaked table
//! opens no session. Ending a session deletes its row, which ends it for every copy of the cookie.
//! A session also ends after `session_idle_minutes` without requests and `session_max_days` after
//! the login; its last-seen time is written at most once a minute.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::{Request, State};
use sha2::{Digest, Sha256};

use super::User;
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::on_pool;
use crate::settings::{OWNWORK_REQUIRED, Settings};
use crate::web::page::PageUser;

const COOKIE: &str = "session";

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionKey(String);

impl SessionKey {
    /// The session the request's cookie names, if any.
    #[must_use]
    pub fn of(request: &Request<'_>) -> Option<Self> {
        request
            .cookies()
            .get_private(COOKIE)
            .map(|cookie| Self(digest(cookie.value())))
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

/// Starts a session for `user_id` and sets its cookie.
pub async fn start(
    db: &DbPool,
    cookies: &CookieJar<'_>,
    user_id: i64,
    secure: bool,
    lifetime: Lifetime,
) -> Result<(), sqlx::Error> {
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
    let cookie = Cookie::build((COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(lifetime.max)
        .path("/");
    cookies.add_private(cookie);
    Ok(())
}

/// Ends the session of this browser.
pub async fn end(db: &DbPool, cookies: &CookieJar<'_>) -> Result<(), sqlx::Error> {
    if let Some(cookie) = cookies.get_private(COOKIE) {
        let sql = "DELETE FROM sessions WHERE id = $1";
        on_pool!(db, |pool| sqlx::query(sql)
            .bind(digest(cookie.value()))
            .execute(pool)
            .await
            .map(drop))?;
    }
    cookies.remove_private(Cookie::build(COOKIE).path("/"));
    Ok(())
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

#[derive(sqlx::FromRow)]
struct SessionRow {
    last_seen_at: Timestamp,
    #[sqlx(flatten)]
    user: User,
}

/// The user of a live session; marks the session seen when it was last marked over a minute ago.
async fn user_of(
    db: &DbPool,
    token: &str,
    lifetime: Lifetime,
) -> Result<Option<User>, sqlx::Error> {
    let (seen_after, created_after) = lifetime.bounds();
    let id = digest(token);
    let sql = "SELECT s.last_seen_at, u.id, u.username, u.email, u.password_hash, u.first_name, u.last_name,
                      u.is_active, u.is_staff, u.is_superuser, u.date_joined, u.last_login,
                      u.matriculation_number, u.course_id, u.ownwork_confirmed
               FROM sessions s JOIN users u ON u.id = s.user_id
               WHERE s.id = $1 AND u.is_active = TRUE AND s.last_seen_at >= $2 AND s.created_at >= $3";
    let row: Option<SessionRow> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(&id)
        .bind(seen_after)
        .bind(created_after)
        .fetch_optional(pool)
        .await)?;
    let Some(row) = row else { return Ok(None) };
    let now = Timestamp::now();
    if row.last_seen_at < now.plus(-TOUCH_INTERVAL) {
        let sql = "UPDATE sessions SET last_seen_at = $2 WHERE id = $1";
        on_pool!(db, |pool| sqlx::query(sql)
            .bind(&id)
            .bind(now)
            .execute(pool)
            .await
            .map(drop))?;
    }
    Ok(Some(row.user))
}

/// The logged-in user, if any (never fails; looked up once per request).
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<User>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MaybeUser {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let cached = request
            .local_cache_async(async {
                let token = request.cookies().get_private(COOKIE)?;
                let db = request.guard::<&Db>().await.succeeded()?;
                let lifetime = Lifetime::of(request.rocket().state::<Config>()?);
                match user_of(db, token.value(), lifetime).await {
                    Ok(user) => user,
                    Err(error) => {
                        tracing::error!(%error, "session lookup failed");
                        None
                    }
                }
            })
            .await;
        Outcome::Success(Self(cached.clone()))
    }
}

/// The logged-in user as every page shows it (forwards when nobody is logged in).
#[rocket::async_trait]
impl<'r> FromRequest<'r> for PageUser {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        match request.guard::<MaybeUser>().await {
            Outcome::Success(MaybeUser(Some(user))) => Outcome::Success(PageUser {
                id: user.id,
                is_staff: user.is_staff(),
                username: user.username,
            }),
            _ => Outcome::Forward(Status::Unauthorized),
        }
    }
}

/// Why a guard refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// Nobody is logged in (401: the catcher sends them to the login page).
    LoginRequired,
    /// The own-work declaration is still owed (428: the catcher sends them to it).
    OwnworkPending,
    /// Staff only (403).
    NotStaff,
    /// Superusers only (403).
    NotSuperuser,
}

/// A logged-in user who may use INLOOP now.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub User);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CurrentUser {
    type Error = Denied;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Denied> {
        let Outcome::Success(MaybeUser(Some(user))) = request.guard::<MaybeUser>().await else {
            return Outcome::Error((Status::Unauthorized, Denied::LoginRequired));
        };
        if !user.ownwork_confirmed && ownwork_required(request).await {
            return Outcome::Error((Status::PreconditionRequired, Denied::OwnworkPending));
        }
        Outcome::Success(Self(user))
    }
}

async fn ownwork_required(request: &Request<'_>) -> bool {
    let (Outcome::Success(db), Outcome::Success(settings)) = (
        request.guard::<&Db>().await,
        request.guard::<&State<Settings>>().await,
    ) else {
        return false;
    };
    settings.bool(db, &OWNWORK_REQUIRED).await.unwrap_or(false)
}

/// A logged-in member of the course staff; others get 403.
#[derive(Clone, Debug)]
pub struct Staff(pub User);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Staff {
    type Error = Denied;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Denied> {
        match request.guard::<CurrentUser>().await {
            Outcome::Success(CurrentUser(user)) if user.is_staff() => Outcome::Success(Self(user)),
            Outcome::Success(_) => Outcome::Error((Status::Forbidden, Denied::NotStaff)),
            Outcome::Error(error) => Outcome::Error(error),
            Outcome::Forward(status) => Outcome::Forward(status),
        }
    }
}

/// A logged-in superuser (who may manage roles and runtime settings); others get 403.
#[derive(Clone, Debug)]
pub struct Superuser(pub User);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Superuser {
    type Error = Denied;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Denied> {
        match request.guard::<CurrentUser>().await {
            Outcome::Success(CurrentUser(user)) if user.is_superuser => {
                Outcome::Success(Self(user))
            }
            Outcome::Success(_) => Outcome::Error((Status::Forbidden, Denied::NotSuperuser)),
            Outcome::Error(error) => Outcome::Error(error),
            Outcome::Forward(status) => Outcome::Forward(status),
        }
    }
}
