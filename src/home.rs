//! The start page: the login form for visitors, the overview for users.

use rocket::fairing::AdHoc;
use rocket::response::Redirect;
use rocket::{State, get, routes};

use crate::accounts::{self, CurrentUser, Denied};
use crate::db::Db;
use crate::settings::Settings;
use crate::tasks::catalog;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html};

#[get("/")]
async fn index(
    page: Page<'_>,
    user: Result<CurrentUser, Denied>,
    db: &Db,
    settings: &State<Settings>,
) -> AppResult<Result<Html, Redirect>> {
    match user {
        Ok(CurrentUser(user)) => {
            let viewer = catalog::Viewer::of(&user, &db.0, settings).await?;
            let categories = crate::tasks::overview(db, viewer).await?;
            page.render(
                "home.html",
                &serde_json::json!({ "name": user.first_name, "categories": categories }),
            )
            .map(Ok)
        }
        Err(Denied::OwnworkPending) => Ok(Err(Redirect::to("/account/confirm_ownwork/"))),
        Err(Denied::Unavailable) => Err(AppError::Unavailable),
        Err(_) => accounts::login_form(&page, None).map(Ok),
    }
}

#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Home", |rocket| async { rocket.mount("/", routes![index]) })
}
