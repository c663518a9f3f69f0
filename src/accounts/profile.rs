//! The profile page, password change and own-work declaration.

use std::collections::BTreeMap;

use rocket::form::Form;
use rocket::http::{CookieJar, Status};
use rocket::response::{Flash, Redirect};
use rocket::{FromForm, Route, State, get, post, routes};
use serde::Serialize;

use super::users::{self, Profile};
use super::{CurrentUser, MaybeUser, SessionCache, password, session_cookie, sessions};
use crate::db::Db;
use crate::markdown;
use crate::settings::{OWNWORK_DECLARATION, Settings};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, FormAnswer, Html};

#[derive(Serialize)]
struct ProfilePage<'a> {
    profile: &'a users::User,
    courses: Vec<users::Course>,
    errors: BTreeMap<&'static str, &'static str>,
}

#[get("/account/profile")]
async fn profile_page(db: &Db, page: Page<'_>, user: CurrentUser) -> AppResult<Html> {
    let courses = users::courses(db).await?;
    page.render(
        "accounts/profile.html",
        &ProfilePage {
            profile: &user.0,
            courses,
            errors: BTreeMap::new(),
        },
    )
}

#[derive(FromForm)]
pub struct ProfileForm {
    #[field(default = String::new())]
    first_name: String,
    #[field(default = String::new())]
    last_name: String,
    #[field(default = String::new())]
    matriculation_number: String,
    course_id: Option<i64>,
}

#[post("/account/profile", data = "<form>")]
async fn save_profile(
    db: &Db,
    cache: &State<SessionCache>,
    page: Page<'_>,
    user: CurrentUser,
    form: Form<ProfileForm>,
) -> AppResult<FormAnswer> {
    let number = form.matriculation_number.trim();
    if number.len() > 20 || !number.chars().all(|c| c.is_ascii_digit()) {
        let courses = users::courses(db).await?;
        let errors = BTreeMap::from([("matriculation_number", "Use digits only, at most 20.")]);
        let html = page.render(
            "accounts/profile.html",
            &ProfilePage {
                profile: &user.0,
                courses,
                errors,
            },
        )?;
        return Ok(FormAnswer::Again((Status::UnprocessableEntity, html)));
    }
    let profile = Profile {
        first_name: form.first_name.trim(),
        last_name: form.last_name.trim(),
        matriculation_number: number,
        course_id: form.course_id,
    };
    users::update_profile(db, user.0.id, &profile).await?;
    cache.changed(user.0.id).await;
    Ok(FormAnswer::Done(Flash::success(
        Redirect::to("/account/profile/"),
        "Your profile has been saved.",
    )))
}

#[get("/account/password")]
fn password_page(page: Page<'_>, _user: CurrentUser) -> AppResult<Html> {
    page.render(
        "accounts/password_change.html",
        &serde_json::json!({ "errors": {} }),
    )
}

#[derive(FromForm)]
pub struct PasswordForm {
    #[field(default = String::new())]
    old_password: String,
    #[field(default = String::new())]
    password1: String,
    #[field(default = String::new())]
    password2: String,
}

#[post("/account/password", data = "<form>")]
async fn change_password(
    db: &Db,
    cache: &State<SessionCache>,
    page: Page<'_>,
    cookies: &CookieJar<'_>,
    user: CurrentUser,
    form: Form<PasswordForm>,
) -> AppResult<FormAnswer> {
    let user = user.0;
    let problem = if !password::verify_off_thread(&form.old_password, &user.password_hash).await {
        Some(("old_password", "Your current password is not correct."))
    } else if form.password1 != form.password2 {
        Some(("password2", "The two passwords do not match."))
    } else {
        password::problem(&form.password1, &user.username, &user.email)
            .map(|problem| ("password1", problem))
    };
    if let Some((field, message)) = problem {
        let html = page.render(
            "accounts/password_change.html",
            &serde_json::json!({ "errors": { field: message } }),
        )?;
        return Ok(FormAnswer::Again((Status::UnprocessableEntity, html)));
    }
    users::set_password_hash(
        db,
        user.id,
        &password::hash_off_thread(&form.password1).await,
    )
    .await?;
    // Every session ends, this one too: whoever knew the old password is out.
    sessions::end_all(db, user.id).await?;
    cache.changed(user.id).await;
    session_cookie::forget(cookies);
    Ok(FormAnswer::Done(Flash::success(
        Redirect::to("/login/"),
        "Your password has been changed. Please log in again.",
    )))
}

#[get("/account/confirm_ownwork")]
async fn ownwork_page(
    db: &Db,
    page: Page<'_>,
    settings: &State<Settings>,
    user: MaybeUser,
) -> AppResult<Html> {
    if user.0.is_none() {
        return Err(AppError::Unauthorized);
    }
    let text = settings.text(db, &OWNWORK_DECLARATION).await?;
    page.render(
        "accounts/ownwork.html",
        &serde_json::json!({ "declaration": markdown::render(&text) }),
    )
}

#[post("/account/confirm_ownwork")]
async fn confirm_ownwork(
    db: &Db,
    cache: &State<SessionCache>,
    user: MaybeUser,
) -> AppResult<Flash<Redirect>> {
    let user = user.0.ok_or(AppError::Unauthorized)?;
    users::confirm_ownwork(db, user.id).await?;
    cache.changed(user.id).await;
    Ok(Flash::success(
        Redirect::to("/"),
        "Thank you for confirming the declaration.",
    ))
}

pub fn routes() -> Vec<Route> {
    routes![
        profile_page,
        save_profile,
        password_page,
        change_password,
        ownwork_page,
        confirm_ownwork
    ]
}
