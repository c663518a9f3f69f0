//! `/admin/pages/` (superusers): the Markdown pages at `/about/<slug>/`, edited and audited.

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, State, get, post, routes};

use super::access::AdminSuperuser;
use super::audit::{self, Change};
use crate::db::Db;
use crate::pages::{self, Fixed, Stored};
use crate::settings::Settings;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html};

/// The longest title and text a page may have.
const TITLE_LIMIT: usize = 200;
const BODY_LIMIT: usize = 100_000;

#[get("/admin/pages")]
fn list(ctx: Page<'_>, _superuser: AdminSuperuser) -> AppResult<Html> {
    let pages: Vec<_> = pages::ALL
        .iter()
        .map(|page| serde_json::json!({ "slug": page.slug, "title": page.title }))
        .collect();
    ctx.render("admin/pages.html", &serde_json::json!({ "pages": pages }))
}

fn render(
    ctx: &Page<'_>,
    fixed: &Fixed,
    page: &Stored,
    errors: &BTreeMap<&str, String>,
) -> AppResult<Html> {
    ctx.render(
        "admin/page.html",
        &serde_json::json!({
            "slug": fixed.slug,
            "may_be_login_only": fixed.may_be_login_only,
            "title": page.title,
            "body": page.body,
            "login_only": page.login_only,
            "errors": errors,
        }),
    )
}

#[get("/admin/pages/<slug>")]
async fn edit(
    ctx: Page<'_>,
    _superuser: AdminSuperuser,
    db: &Db,
    settings: &State<Settings>,
    slug: &str,
) -> AppResult<Html> {
    let fixed = pages::find(slug).ok_or(AppError::NotFound)?;
    let page = fixed.load(&db.0, settings).await?;
    render(&ctx, fixed, &page, &BTreeMap::new())
}

#[derive(FromForm)]
struct PageForm {
    #[field(default = String::new())]
    title: String,
    #[field(default = String::new())]
    body: String,
    login_only: bool,
}

#[post("/admin/pages/<slug>", data = "<form>")]
async fn save(
    ctx: Page<'_>,
    superuser: AdminSuperuser,
    db: &Db,
    settings: &State<Settings>,
    slug: &str,
    form: Form<PageForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let fixed = pages::find(slug).ok_or(AppError::NotFound)?;
    let before = fixed.load(&db.0, settings).await?;
    let title = form.title.trim();
    let new = Stored {
        title: title.to_owned(),
        body: form.body.clone(),
        body_html: crate::markdown::render(&form.body),
        login_only: form.login_only && fixed.may_be_login_only,
    };
    let mut errors = BTreeMap::new();
    if title.is_empty() || title.chars().count() > TITLE_LIMIT {
        errors.insert(
            "title",
            format!("A title has 1 to {TITLE_LIMIT} characters."),
        );
    }
    if form.body.chars().count() > BODY_LIMIT {
        errors.insert(
            "body",
            format!("The text is too long (at most {BODY_LIMIT} characters)."),
        );
    }
    if !errors.is_empty() {
        let html = render(&ctx, fixed, &new, &errors)?;
        return Ok(Either::Right((Status::UnprocessableEntity, html)));
    }
    pages::store::put(&db.0, fixed.slug, &new).await?;
    let change = |field, old: String, value: String| {
        Change::of(
            "page",
            fixed.slug,
            &new.title,
            field,
            Some(old),
            Some(value),
        )
    };
    let changes: Vec<_> = [
        change("title", before.title, new.title.clone()),
        change("body", before.body, new.body.clone()),
        change(
            "login_only",
            before.login_only.to_string(),
            new.login_only.to_string(),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    audit::record(&db.0, &superuser.0, &changes).await?;
    Ok(Either::Left(Flash::success(
        Redirect::to(format!("/admin/pages/{}/", fixed.slug)),
        format!(
            "Saved the page {}; it is at /about/{}/.",
            new.title, fixed.slug
        ),
    )))
}

/// The page editor.
pub fn routes() -> Vec<Route> {
    routes![list, edit, save]
}
