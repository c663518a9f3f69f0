//! The start page: the login form for visitors, the overview for users.

use rocket::fairing::AdHoc;
use rocket::response::Redirect;
use rocket::{get, routes};

use crate::accounts::{self, CurrentUser, Denied};
use crate::web::page::Page;
use crate::web::{AppResult, Html};

#[get("/")]
fn index(page: Page<'_>, user: Result<CurrentUser, Denied>) -> AppResult<Result<Html, Redirect>> {
    match user {
        Ok(CurrentUser(user)) => page
            .render("home.html", &serde_json::json!({ "name": user.first_name }))
            .map(Ok),
        Err(Denied::OwnworkPending) => Ok(Err(Redirect::to("/account/confirm_ownwork/"))),
        Err(_) => accounts::login_form(&page, None).map(Ok),
    }
}

#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Home", |rocket| async { rocket.mount("/", routes![index]) })
}
