//! The start page.

use rocket::fairing::AdHoc;
use rocket::{State, get, routes};
use serde::Serialize;

use crate::web::{AppResult, CsrfToken, Html, Templates};

#[derive(Serialize)]
struct HomePage {
    csrf_token: String,
    user: Option<()>,
}

#[get("/")]
fn index(templates: &State<Templates>, csrf: CsrfToken) -> AppResult<Html> {
    templates.render(
        "home.html",
        &HomePage {
            csrf_token: csrf.0,
            user: None,
        },
    )
}

#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Home", |rocket| async { rocket.mount("/", routes![index]) })
}
