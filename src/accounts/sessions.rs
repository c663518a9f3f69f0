//! Login sessions: an encrypted cookie naming a session row, and the guards built on it.
//!
//! The cookie holds a random token; the database holds only its SHA-256, so a leaked table
//! opens no session. Ending a session deletes its row, which ends it for every copy of the cookie.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::{Request, State};
use sha2::{Digest, Sha256};

use super::User;
use crate::db::{Db, DbPool, Timestamp};
use crate::on_pool;
use crate::settings::{OWNWORK_REQUIRED, Settings};

const COOKIE: &str = "session";

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session for `user_id` and sets its cookie.
pub async fn start(
    db: &DbPool,
    cookies: &CookieJar<'_>,
    user_id: i64,
    secure: bool,
) -> Result<(), sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let now = Timestamp::now();
    let sql =
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)";
    on_pool!(db, pool => sqlx::query(sql).bind(digest(&token)).bind(user_id).bind(now).execute(pool).await.map(drop))?;
    let cookie = Cookie::build((COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/");
    cookies.add_private(cookie);
    Ok(())
}

/// Ends the session of this browser.
pub async fn end(db: &DbPool, cookies: &CookieJar<'_>) -> Result<(), sqlx::Error> {
    if let Some(cookie) = cookies.get_private(COOKIE) {
        let sql = "DELETE FROM sessions WHERE id = $1";
        on_pool!(db, pool => sqlx::query(sql).bind(digest(cookie.value())).execute(pool).await.map(drop))?;
    }
    cookies.remove_private(Cookie::build(COOKIE).path("/"));
    Ok(())
}

/// Ends every session of a user (after a password change or reset).
pub async fn end_all(db: &DbPool, user_id: i64) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM sessions WHERE user_id = $1";
    on_pool!(db, pool => sqlx::query(sql).bind(user_id).execute(pool).await.map(drop))
}

async fn user_of(db: &DbPool, token: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = "SELECT u.id, u.username, u.email, u.password_hash, u.first_name, u.last_name, u.is_active, u.is_staff,
                      u.is_superuser, u.date_joined, u.last_login, u.matriculation_number, u.course_id,
                      u.ownwork_confirmed
               FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND u.is_active = TRUE";
    on_pool!(db, pool => sqlx::query_as(sql).bind(digest(token)).fetch_optional(pool).await)
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
                match user_of(db, token.value()).await {
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

/// Why a guard refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// Nobody is logged in (401: the catcher sends them to the login page).
    LoginRequired,
    /// The own-work declaration is still owed (428: the catcher sends them to it).
    OwnworkPending,
    /// Staff only (403).
    NotStaff,
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
