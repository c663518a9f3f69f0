//! `/admin/plagiarism/pairs/<id>/`: one pair's two solutions side by side with the shared
//! regions marked and numbered, and dismissing the pair with a note or restoring it (audited).

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, State, get, post, routes, uri};

use super::access::AdminStaff;
use super::audit::{self, Change};
use super::plagiarism_sides::{Side, cut};
use crate::config::Config;
use crate::db::{Db, DbPool, Timestamp};
use crate::plagiarism::pairs::{self, StoredPair};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber};

/// The dismissal form.
#[derive(Debug, FromForm)]
struct DismissForm {
    #[field(default = String::new())]
    note: String,
}

async fn pair(db: &DbPool, id: PathNumber) -> AppResult<StoredPair> {
    pairs::get(db, id.get()?).await?.ok_or(AppError::NotFound)
}

async fn render(
    page: &Page<'_>,
    db: &DbPool,
    config: &Config,
    pair: &StoredPair,
    note: &str,
    errors: &BTreeMap<&'static str, String>,
) -> AppResult<Html> {
    let regions = pair.regions();
    let (files_a, anchored_a) = cut(&pairs::files(db, pair.solution_a).await?, &regions, Side::A);
    let (files_b, anchored_b) = cut(&pairs::files(db, pair.solution_b).await?, &regions, Side::B);
    let listed: Vec<_> = regions
        .iter()
        .enumerate()
        .map(|(index, region)| {
            let number = index + 1;
            serde_json::json!({
                "number": number,
                "region": region,
                "on_a": anchored_a.contains(&number),
                "on_b": anchored_b.contains(&number),
            })
        })
        .collect();
    let local = |at: Timestamp| crate::time_zone::format_local(at.to_datetime(), &config.zone());
    page.render(
        "admin/plagiarism_pair.html",
        &serde_json::json!({
            "pair": pair,
            "percent": format!("{:.1}", pair.similarity * 100.0),
            "dismissed": pair.dismissed_at.map(local),
            "regions": listed,
            "files_a": files_a,
            "files_b": files_b,
            "note": note,
            "errors": errors,
        }),
    )
}

#[get("/admin/plagiarism/pairs/<id>")]
async fn detail(
    page: Page<'_>,
    _staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
) -> AppResult<Html> {
    let pair = pair(&db.0, id).await?;
    render(&page, &db.0, config, &pair, "", &BTreeMap::new()).await
}

fn back(id: i64) -> Redirect {
    Redirect::to(format!("{}/", uri!(detail(id = id))))
}

/// Dismisses the pair (it is no copy) with a note saying why; a later check keeps that.
#[post("/admin/plagiarism/pairs/<id>/dismiss", data = "<form>")]
async fn dismiss(
    page: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    config: &State<Config>,
    id: PathNumber,
    form: Form<DismissForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let pair = pair(&db.0, id).await?;
    let note = form.note.trim();
    if note.is_empty() {
        let errors = BTreeMap::from([(
            "note",
            "Say why this is no copy, for the other staff.".to_owned(),
        )]);
        let html = render(&page, &db.0, config, &pair, note, &errors).await?;
        return Ok(Either::Right((Status::UnprocessableEntity, html)));
    }
    pairs::set_dismissal(&db.0, pair.id, Some((staff.0.id, note))).await?;
    let old = pair.dismissed_at.map(|_| pair.dismissal_note.clone());
    let change = Change::of(
        "plagiarism_pair",
        pair.id,
        &pair.label(),
        "dismissal",
        old,
        Some(note.to_owned()),
    );
    audit::record(&db.0, &staff.0, &change.into_iter().collect::<Vec<_>>()).await?;
    Ok(Either::Left(Flash::success(
        back(pair.id),
        "The pair was dismissed.",
    )))
}

/// Takes a dismissal back: the pair counts as a possible copy again.
#[post("/admin/plagiarism/pairs/<id>/restore")]
async fn restore(staff: AdminStaff, db: &Db, id: PathNumber) -> AppResult<Flash<Redirect>> {
    let pair = pair(&db.0, id).await?;
    if pair.dismissed_at.is_none() {
        return Ok(Flash::error(back(pair.id), "The pair was not dismissed."));
    }
    pairs::set_dismissal(&db.0, pair.id, None).await?;
    let old = Some(pair.dismissal_note.clone());
    let change = Change::of(
        "plagiarism_pair",
        pair.id,
        &pair.label(),
        "dismissal",
        old,
        None,
    );
    audit::record(&db.0, &staff.0, &change.into_iter().collect::<Vec<_>>()).await?;
    Ok(Flash::success(back(pair.id), "The pair was restored."))
}

pub fn routes() -> Vec<Route> {
    routes![detail, dismiss, restore]
}
