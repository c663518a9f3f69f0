//! Sign-up with e-mail activation.

use std::collections::BTreeMap;

use rocket::form::Form;
use rocket::http::Status;
use rocket::{FromForm, Route, State, get, post, routes};
use serde::Serialize;

use super::desk::Desk;
use super::limits::address_key;
use super::password;
use super::tokens::{self, Purpose, TokenError};
use super::users::{self, NewUser};
use crate::config::Config;
use crate::db::{Db, DbPool};
use crate::markdown;
use crate::settings::{
    EMAIL_ERROR_MESSAGE, EMAIL_HELP_TEXT, EMAIL_PATTERN, SIGNUP_ALLOWED, Settings,
};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html};

/// Names nobody may sign up with.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "staff",
    "system",
    "inloop",
    "support",
    "help",
    "info",
    "webmaster",
    "postmaster",
    "hostmaster",
    "abuse",
    "security",
    "noreply",
    "no-reply",
    "tutor",
    "teacher",
    "moderator",
];

#[derive(FromForm)]
pub struct SignupForm {
    #[field(default = String::new())]
    username: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    password1: String,
    #[field(default = String::new())]
    password2: String,
    #[field(default = false)]
    privacy_consent: bool,
}

#[derive(Serialize, Default)]
struct SignupPage {
    allowed: bool,
    username: String,
    email: String,
    email_help: String,
    errors: BTreeMap<&'static str, String>,
}

async fn settings_text(
    settings: &Settings,
    db: &DbPool,
    setting: &crate::settings::Setting,
) -> AppResult<String> {
    Ok(settings.text(db, setting).await?)
}

async fn blank_page(db: &DbPool, settings: &Settings) -> AppResult<SignupPage> {
    let allowed = settings.bool(db, &SIGNUP_ALLOWED).await?;
    let email_help = markdown::render(&settings_text(settings, db, &EMAIL_HELP_TEXT).await?);
    Ok(SignupPage {
        allowed,
        email_help,
        ..SignupPage::default()
    })
}

#[get("/account/signup")]
async fn signup_page(db: &Db, page: Page<'_>, settings: &State<Settings>) -> AppResult<Html> {
    page.render("accounts/signup.html", &blank_page(db, settings).await?)
}

/// Checks the form; every problem gets its own message under its field.
async fn problems(
    db: &DbPool,
    settings: &Settings,
    form: &SignupForm,
) -> AppResult<BTreeMap<&'static str, String>> {
    let mut errors = BTreeMap::new();
    let username = form.username.trim();
    let valid_chars = |c: char| c.is_alphanumeric() || "@.+-_".contains(c);
    if username.is_empty() || username.chars().count() > 150 || !username.chars().all(valid_chars) {
        errors.insert(
            "username",
            "Use up to 150 letters, digits and @ . + - _ only.".into(),
        );
    } else if RESERVED.contains(&username.to_lowercase().as_str()) {
        errors.insert(
            "username",
            "This username is reserved. Please choose another one.".into(),
        );
    } else {
        match users::login_taken(db, username).await? {
            Some(users::Taken::AsUsername) => {
                errors.insert("username", "This username is already taken.".into());
            }
            Some(users::Taken::AsEmail) => {
                errors.insert(
                    "username",
                    "This username is already taken: it is another account's e-mail address."
                        .into(),
                );
            }
            None => {}
        }
    }
    let email = form.email.trim();
    if email.parse::<lettre::Address>().is_err() {
        errors.insert("email", "Enter a valid e-mail address.".into());
    } else if let Some(taken) = users::login_taken(db, email).await? {
        let message = match taken {
            users::Taken::AsEmail => "An account with this e-mail address exists already.",
            users::Taken::AsUsername => {
                "This address is another account's username, so it cannot log in as yours. \
                 Please use another address."
            }
        };
        errors.insert("email", message.into());
    } else {
        let pattern = settings_text(settings, db, &EMAIL_PATTERN).await?;
        let matches =
            pattern.is_empty() || regex::Regex::new(&pattern).is_ok_and(|re| re.is_match(email));
        if !matches {
            errors.insert(
                "email",
                markdown::render(&settings_text(settings, db, &EMAIL_ERROR_MESSAGE).await?),
            );
        }
    }
    if form.password1 != form.password2 {
        errors.insert("password2", "The two passwords do not match.".into());
    } else if let Some(problem) = password::problem(&form.password1, username, email) {
        errors.insert("password1", problem.into());
    }
    if !form.privacy_consent {
        errors.insert(
            "privacy_consent",
            "Please agree to the privacy statement to sign up.".into(),
        );
    }
    Ok(errors)
}

#[post("/account/signup", data = "<form>")]
async fn signup(
    desk: Desk<'_>,
    page: Page<'_>,
    form: Form<SignupForm>,
) -> AppResult<(Status, Html)> {
    let Desk {
        db,
        config,
        settings,
        mailer,
        limits,
        origin,
        ip,
    } = desk;
    let mut again = blank_page(db, settings).await?;
    if !again.allowed {
        return Ok((
            Status::Forbidden,
            page.render("accounts/signup.html", &again)?,
        ));
    }
    limits.signup_ip.check(&address_key(ip.0))?;
    let errors = problems(db, settings, &form).await?;
    if !errors.is_empty() {
        again.username = form.username.clone();
        again.email = form.email.clone();
        again.errors = errors;
        return Ok((
            Status::UnprocessableEntity,
            page.render("accounts/signup.html", &again)?,
        ));
    }
    let hash = password::hash_off_thread(&form.password1).await;
    let new_user = NewUser {
        username: form.username.trim(),
        email: form.email.trim(),
        password_hash: &hash,
        is_active: false,
        is_staff: false,
        is_superuser: false,
    };
    let id = users::create(db, &new_user).await?;
    let user = users::by_id(db, id).await?.ok_or(AppError::NotFound)?;
    let link = format!(
        "{}/account/activate/{}/",
        origin.base_url(),
        tokens::issue(&config.secret(), Purpose::Activation, &user)
    );
    let body = format!(
        "Hello {},\n\nplease confirm your INLOOP account by opening this link within 7 days:\n\n{link}\n\n\
         If you did not sign up, ignore this mail; the account will be removed.\n",
        user.username
    );
    if let Err(error) = mailer
        .send(&user.email, "Activate your INLOOP account", body)
        .await
    {
        tracing::error!(%error, "activation mail not sent");
    }
    Ok((
        Status::Created,
        page.render(
            "accounts/signup_done.html",
            &serde_json::json!({ "email": user.email }),
        )?,
    ))
}

#[derive(Serialize)]
struct ActivationPage {
    activated: bool,
    message: &'static str,
}

#[get("/account/activate/<key>")]
async fn activate(
    db: &Db,
    page: Page<'_>,
    config: &State<Config>,
    key: &str,
) -> AppResult<(Status, Html)> {
    let user = match tokens::user_id(key) {
        Ok(id) => users::by_id(db, id).await?,
        Err(_) => None,
    };
    let outcome = match &user {
        None => Err(TokenError::Malformed),
        Some(user) if user.is_active => Err(TokenError::Invalid),
        Some(user) => tokens::verify(&config.secret(), Purpose::Activation, user, key),
    };
    let (status, answer) = match outcome {
        Ok(()) => {
            let user = user.as_ref().ok_or(AppError::NotFound)?;
            users::activate(db, user.id).await?;
            (
                Status::Ok,
                ActivationPage {
                    activated: true,
                    message: "Your account is active. You can log in now.",
                },
            )
        }
        Err(TokenError::Expired) => (
            Status::Gone,
            ActivationPage {
                activated: false,
                message: "This activation link has expired. Please sign up again.",
            },
        ),
        Err(_) if user.as_ref().is_some_and(|user| user.is_active) => (
            Status::Ok,
            ActivationPage {
                activated: true,
                message: "This account is activated already: the link can be used only once. You can log in.",
            },
        ),
        Err(_) => (
            Status::NotFound,
            ActivationPage {
                activated: false,
                message: "This activation link is not valid. Please check that you copied all of it.",
            },
        ),
    };
    Ok((status, page.render("accounts/activation.html", &answer)?))
}

pub fn routes() -> Vec<Route> {
    routes![signup_page, signup, activate]
}
