//! `/admin/categories/`: what staff set on top of the task repository for categories, their
//! order and description. Imports never change these.

use rocket::form::{Form, FromForm};
use rocket::response::{Flash, Redirect};
use rocket::{Route, get, post, routes};

use super::access::AdminStaff;
use super::audit::{self, Change};
use crate::db::Db;
use crate::tasks::staff_fields;
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, PathNumber};

/// The longest category description staff may write.
const DESCRIPTION_LIMIT: usize = 20_000;

#[derive(FromForm)]
struct CategoryForm {
    ordering: String,
    description: String,
}

#[get("/admin/categories")]
async fn categories(page: Page<'_>, _staff: AdminStaff, db: &Db) -> AppResult<Html> {
    let rows = staff_fields::categories(&db.0).await?;
    page.render(
        "admin/categories.html",
        &serde_json::json!({ "categories": rows }),
    )
}

#[post("/admin/categories/<id>", data = "<form>")]
async fn save_category(
    staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    form: Form<CategoryForm>,
) -> AppResult<Flash<Redirect>> {
    let id = id.get()?;
    let back = Redirect::to("/admin/categories/");
    let Ok(ordering) = form.ordering.trim().parse::<i64>() else {
        return Ok(Flash::error(back, "The order must be a whole number."));
    };
    if form.description.chars().count() > DESCRIPTION_LIMIT {
        let message =
            format!("The description is too long (at most {DESCRIPTION_LIMIT} characters).");
        return Ok(Flash::error(back, message));
    }
    let before = staff_fields::category(&db.0, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let html = crate::markdown::render(&form.description);
    let name = staff_fields::save_category(&db.0, id, ordering, &form.description, &html)
        .await?
        .ok_or(AppError::NotFound)?;
    let changes: Vec<_> = [
        Change::of(
            "category",
            id,
            &name,
            "ordering",
            Some(before.ordering.to_string()),
            Some(ordering.to_string()),
        ),
        Change::of(
            "category",
            id,
            &name,
            "description",
            Some(before.description),
            Some(form.description.clone()),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    audit::record(&db.0, &staff.0, &changes).await?;
    Ok(Flash::success(back, format!("Saved the category {name}.")))
}

/// The catalog pages.
pub fn routes() -> Vec<Route> {
    routes![categories, save_category]
}
