//! `/about/<slug>/` and `/privacy/`.

use rocket::{Route, State, get, routes};

use crate::accounts::MaybeUser;
use crate::db::Db;
use crate::settings::Settings;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html};

async fn show(
    ctx: &Page<'_>,
    db: &Db,
    settings: &Settings,
    user: &MaybeUser,
    slug: &str,
) -> AppResult<Html> {
    let fixed = super::find(slug).ok_or(AppError::NotFound)?;
    let page = fixed.load(&db.0, settings).await?;
    if page.login_only && fixed.may_be_login_only && user.0.is_none() {
        return Err(AppError::Unauthorized);
    }
    ctx.render(
        "about.html",
        &serde_json::json!({ "title": page.title, "html": page.body_html }),
    )
}

#[get("/about/<slug>")]
async fn about(
    ctx: Page<'_>,
    db: &Db,
    settings: &State<Settings>,
    user: MaybeUser,
    slug: &str,
) -> AppResult<Html> {
    show(&ctx, db, settings, &user, slug).await
}

/// The privacy statement's old address, which sign-up and bookmarks use: the same page.
#[get("/privacy")]
async fn privacy(
    ctx: Page<'_>,
    db: &Db,
    settings: &State<Settings>,
    user: MaybeUser,
) -> AppResult<Html> {
    show(&ctx, db, settings, &user, "privacy").await
}

pub fn routes() -> Vec<Route> {
    routes![about, privacy]
}
