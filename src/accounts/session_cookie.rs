//! The browser's side of a login session: the encrypted cookie holding its token, and the
//! request guards that answer who is logged in (`MaybeUser`, `CurrentUser`, `Staff`).

use rocket::http::{Cookie, CookieJar, SameSite, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::{Request, State};

use super::SessionCache;
use super::User;
use super::sessions::{Lifetime, SessionKey};
use crate::config::Config;
use crate::db::Db;
use crate::settings::{OWNWORK_REQUIRED, Settings};
use crate::web::page::PageUser;

const COOKIE: &str = "session";

/// The session the request's cookie names, if any.
#[must_use]
pub fn key(request: &Request<'_>) -> Option<SessionKey> {
    request
        .cookies()
        .get_private(COOKIE)
        .map(|cookie| SessionKey::of_token(cookie.value()))
}

/// Gives the browser a session's token, for as long as the session may live at most.
pub fn keep(cookies: &CookieJar<'_>, token: String, secure: bool, lifetime: Lifetime) {
    let cookie = Cookie::build((COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(lifetime.max)
        .path("/");
    cookies.add_private(cookie);
}

/// The session this browser's cookie names, which the cookie no longer names afterwards.
pub fn forget(cookies: &CookieJar<'_>) -> Option<SessionKey> {
    let key = cookies
        .get_private(COOKIE)
        .map(|cookie| SessionKey::of_token(cookie.value()));
    cookies.remove_private(Cookie::build(COOKIE).path("/"));
    key
}

/// The logged-in user, if any (looked up once per request, in the [`SessionCache`]). Fails with
/// 503 only when the database does not answer: a student is never sent to the login page because
/// PostgreSQL is restarting.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<User>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MaybeUser {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let cached: &Result<Option<User>, ()> = request
            .local_cache_async(async {
                let Some(key) = key(request) else {
                    return Ok(None);
                };
                let (Outcome::Success(db), Some(config), Some(cache)) = (
                    request.guard::<&Db>().await,
                    request.rocket().state::<Config>(),
                    request.rocket().state::<SessionCache>(),
                ) else {
                    return Ok(None);
                };
                cache
                    .user_of(db, &key, Lifetime::of(config))
                    .await
                    .map_err(|error| tracing::error!(%error, "session lookup failed"))
            })
            .await;
        match cached {
            Ok(user) => Outcome::Success(Self(user.clone())),
            Err(()) => Outcome::Error((Status::ServiceUnavailable, ())),
        }
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
            Outcome::Error(error) => Outcome::Error(error),
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
    /// The database did not answer who is logged in (503: try again shortly).
    Unavailable,
}

/// A logged-in user who may use INLOOP now.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub User);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CurrentUser {
    type Error = Denied;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Denied> {
        let user = match request.guard::<MaybeUser>().await {
            Outcome::Success(MaybeUser(Some(user))) => user,
            Outcome::Error(_) => {
                return Outcome::Error((Status::ServiceUnavailable, Denied::Unavailable));
            }
            _ => return Outcome::Error((Status::Unauthorized, Denied::LoginRequired)),
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
