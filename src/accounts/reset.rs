//! Password reset by e-mail, without telling which addresses have accounts.

use std::collections::BTreeMap;

use rocket::form::Form;
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{FromForm, Route, State, get, post, routes};
use serde::Serialize;

use super::desk::Desk;
use super::limits::address_key;
use super::mail::Mailer;
use super::tokens::{self, Purpose};
use super::{SessionCache, password, sessions, users};
use crate::config::Config;
use crate::db::Db;
use crate::web::page::Page;
use crate::web::{AppResult, FormAnswer, Html};

#[derive(FromForm)]
pub struct ResetRequest {
    #[field(default = String::new())]
    email: String,
}

#[get("/account/password_reset")]
fn request_page(page: Page<'_>) -> AppResult<Html> {
    page.render(
        "accounts/password_reset.html",
        &serde_json::json!({ "errors": {} }),
    )
}

#[post("/account/password_reset", data = "<form>")]
async fn request(desk: Desk<'_>, page: Page<'_>, form: Form<ResetRequest>) -> AppResult<Html> {
    let Desk {
        db,
        config,
        mailer,
        limits,
        origin,
        ip,
        ..
    } = desk;
    limits.reset_ip.check(&address_key(ip.0))?;
    let email = form.email.trim();
    // The same answer whether or not the address has an account, and the mail only if it has.
    if limits.reset_email.check(email).is_ok()
        && let Some(user) = users::by_email(db, email)
            .await?
            .filter(|user| user.is_active)
        && let Err(error) = send_link(config, mailer, &origin.base_url(), &user).await
    {
        tracing::error!(%error, "password reset mail not sent");
    }
    page.render(
        "accounts/password_reset_sent.html",
        &serde_json::json!({ "email": email }),
    )
}

/// Mails `user` a link (under `base_url`) to choose a new password, valid for 3 days and once.
pub async fn send_link(
    config: &Config,
    mailer: &Mailer,
    base_url: &str,
    user: &users::User,
) -> Result<(), super::mail::MailError> {
    let token = tokens::issue(&config.secret(), Purpose::PasswordReset, user);
    let link = format!("{base_url}/account/reset/{token}/");
    let body = format!(
        "Hello {},\n\nsomeone (hopefully you) asked to reset your INLOOP password. Choose a new one within \
         3 days here:\n\n{link}\n\nIf you did not ask for this, ignore this mail.\n",
        user.username
    );
    mailer
        .send(&user.email, "Reset your INLOOP password", body)
        .await
}

#[derive(FromForm)]
pub struct NewPassword {
    #[field(default = String::new())]
    password1: String,
    #[field(default = String::new())]
    password2: String,
}

#[derive(Serialize)]
struct ResetPage {
    valid: bool,
    errors: BTreeMap<&'static str, &'static str>,
}

async fn user_for(db: &Db, config: &Config, token: &str) -> AppResult<Option<users::User>> {
    let Ok(id) = tokens::user_id(token) else {
        return Ok(None);
    };
    let user = users::by_id(db, id).await?;
    Ok(user.filter(|user| {
        tokens::verify(&config.secret(), Purpose::PasswordReset, user, token).is_ok()
    }))
}

#[get("/account/reset/<token>")]
async fn reset_page(
    db: &Db,
    page: Page<'_>,
    config: &State<Config>,
    token: &str,
) -> AppResult<(Status, Html)> {
    let valid = user_for(db, config, token).await?.is_some();
    let status = if valid { Status::Ok } else { Status::NotFound };
    Ok((
        status,
        page.render(
            "accounts/password_reset_confirm.html",
            &ResetPage {
                valid,
                errors: BTreeMap::new(),
            },
        )?,
    ))
}

#[post("/account/reset/<token>", data = "<form>")]
async fn reset(
    db: &Db,
    cache: &State<SessionCache>,
    page: Page<'_>,
    config: &State<Config>,
    token: &str,
    form: Form<NewPassword>,
) -> AppResult<FormAnswer> {
    let Some(user) = user_for(db, config, token).await? else {
        let html = page.render(
            "accounts/password_reset_confirm.html",
            &ResetPage {
                valid: false,
                errors: BTreeMap::new(),
            },
        )?;
        return Ok(FormAnswer::Again((Status::NotFound, html)));
    };
    let problem = if form.password1 == form.password2 {
        password::problem(&form.password1, &user.username, &user.email)
            .map(|problem| ("password1", problem))
    } else {
        Some(("password2", "The two passwords do not match."))
    };
    if let Some((field, message)) = problem {
        let again = ResetPage {
            valid: true,
            errors: BTreeMap::from([(field, message)]),
        };
        let html = page.render("accounts/password_reset_confirm.html", &again)?;
        return Ok(FormAnswer::Again((Status::UnprocessableEntity, html)));
    }
    users::set_password_hash(
        db,
        user.id,
        &password::hash_off_thread(&form.password1).await,
    )
    .await?;
    sessions::end_all(db, user.id).await?;
    cache.changed(user.id).await;
    Ok(FormAnswer::Done(Flash::success(
        Redirect::to("/login/"),
        "Your password has been changed. Please log in.",
    )))
}

pub fn routes() -> Vec<Route> {
    routes![request_page, request, reset_page, reset]
}
