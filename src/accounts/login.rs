//! Logging in and out.

use std::collections::BTreeMap;

use rocket::form::Form;
use rocket::http::{CookieJar, Header, Status};
use rocket::response::{Flash, Redirect, Responder};
use rocket::{FromForm, Route, State, get, post, routes};
use serde::Serialize;

use super::desk::Desk;
use super::limits::address_key;
use super::{MaybeUser, SessionCache, groups, password, session_cookie, sessions, users};
use crate::db::Db;
use crate::settings::AUTO_ASSIGN_GROUPS;
use crate::web::page::Page;
use crate::web::{AppResult, FormAnswer, Html};

/// The message for every failed login, so that it tells nothing about which accounts exist.
const FAILED: &str = "Please enter a correct username (or e-mail address) and password. \
    Accounts must be activated through the link in the sign-up e-mail first.";

#[derive(FromForm)]
pub struct LoginForm {
    #[field(default = String::new())]
    login: String,
    #[field(default = String::new())]
    password: String,
    next: Option<String>,
}

#[derive(Serialize, Default)]
pub struct LoginPage {
    login: String,
    next: String,
    errors: BTreeMap<&'static str, &'static str>,
}

/// Where to go after login: a local path, never another site.
#[must_use]
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.contains("://") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The login form, for `/` and `/login/`.
pub fn form(page: &Page<'_>, next: Option<&str>) -> AppResult<Html> {
    page.render(
        "accounts/login.html",
        &LoginPage {
            next: safe_next(next),
            ..LoginPage::default()
        },
    )
}

#[get("/login?<next>")]
fn login_page(page: Page<'_>, next: Option<&str>) -> AppResult<Result<Html, Redirect>> {
    if page.user.is_some() {
        return Ok(Err(Redirect::to(safe_next(next))));
    }
    form(&page, next).map(Ok)
}

#[post("/login", data = "<form>")]
async fn login(
    desk: Desk<'_>,
    page: Page<'_>,
    cookies: &CookieJar<'_>,
    form: Form<LoginForm>,
) -> AppResult<FormAnswer> {
    let Desk {
        db,
        config,
        settings,
        limits,
        origin,
        ip,
        ..
    } = desk;
    let address = address_key(ip.0);
    limits.login_ip.check(&address)?;
    limits
        .login_account
        .check(&format!("{}|{address}", form.login.trim()))?;
    let user = users::by_login(db, &form.login).await?;
    // Verify against a dummy hash for unknown users, so timing does not tell who exists.
    let hash = user
        .as_ref()
        .map_or(password::dummy_hash(), |user| user.password_hash.as_str());
    let matches = password::verify_off_thread(&form.password, hash).await;
    let Some(user) = user.filter(|user| matches && user.is_active) else {
        let again = LoginPage {
            login: form.login.clone(),
            next: safe_next(form.next.as_deref()),
            errors: BTreeMap::from([("form", FAILED)]),
        };
        return Ok(FormAnswer::Again((
            Status::Ok,
            page.render("accounts/login.html", &again)?,
        )));
    };
    let lifetime = sessions::Lifetime::of(config);
    let token = sessions::start(db, user.id).await?;
    session_cookie::keep(cookies, token, origin.https, lifetime);
    users::touch_login(db, user.id).await?;
    let auto_groups = settings.list(db, &AUTO_ASSIGN_GROUPS).await?;
    groups::join_all(db, user.id, &auto_groups).await?;
    let message = if user.matriculation_number.is_empty() || user.last_name.is_empty() {
        "Welcome! Please complete your profile (name and matriculation number) so your work can be graded."
    } else {
        "Welcome back!"
    };
    Ok(FormAnswer::Done(Flash::success(
        Redirect::to(safe_next(form.next.as_deref())),
        message,
    )))
}

#[post("/logout")]
async fn logout(
    db: &Db,
    cache: &State<SessionCache>,
    user: MaybeUser,
    cookies: &CookieJar<'_>,
) -> AppResult<Flash<Redirect>> {
    if let Some(key) = session_cookie::forget(cookies) {
        sessions::end(db, &key).await?;
    }
    if let Some(user) = user.0 {
        cache.changed(user.id).await;
    }
    Ok(Flash::success(
        Redirect::to("/"),
        "You have been logged out.",
    ))
}

/// Logging out changes state, so it is POST only.
#[derive(Responder)]
#[response(status = 405)]
struct MethodNotAllowed(&'static str, Header<'static>);

#[get("/logout")]
fn logout_by_get() -> MethodNotAllowed {
    MethodNotAllowed(
        "Log out with the button in the menu (POST /logout/).",
        Header::new("Allow", "POST"),
    )
}

pub fn routes() -> Vec<Route> {
    routes![login_page, login, logout, logout_by_get]
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/tasks/")), "/tasks/");
        for evil in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/x?u=https://e.x",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
