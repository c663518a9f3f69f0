//! `/admin/categories/` and `/admin/categories/<id>/`: what staff set on top of the task
//! repository for categories, their order and description. Imports never change these.

use std::collections::BTreeMap;

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, get, post, routes};

use super::access::AdminStaff;
use super::audit::{self, Change};
use crate::db::Db;
use crate::tasks::staff_fields::{self, CategoryFields};
use crate::web::page::Page;
use crate::web::{AppError, AppResult, Html, Htmx, PathNumber};

/// The longest category description staff may write.
const DESCRIPTION_LIMIT: usize = 20_000;

/// Field errors by field name.
type Errors = BTreeMap<&'static str, String>;

/// The form as typed.
#[derive(FromForm, serde::Serialize)]
struct CategoryForm {
    ordering: String,
    description: String,
}

impl CategoryForm {
    /// The order, or the errors of the fields.
    fn read(&self) -> Result<i64, Errors> {
        let mut errors = Errors::new();
        let ordering = self.ordering.trim().parse::<i64>();
        if ordering.is_err() {
            errors.insert("ordering", "The order must be a whole number.".to_owned());
        }
        if self.description.chars().count() > DESCRIPTION_LIMIT {
            let message =
                format!("The description is too long (at most {DESCRIPTION_LIMIT} characters).");
            errors.insert("description", message);
        }
        match ordering {
            Ok(ordering) if errors.is_empty() => Ok(ordering),
            _ => Err(errors),
        }
    }
}

impl CategoryForm {
    /// The form showing what `category` holds.
    fn of(category: &CategoryFields) -> Self {
        Self {
            ordering: category.ordering.to_string(),
            description: category.description.clone(),
        }
    }
}

/// One row of the list (`admin/_category_row.html`): the category, its form as typed, and its
/// errors.
fn row(category: &CategoryFields, form: &CategoryForm, errors: &Errors) -> serde_json::Value {
    serde_json::json!({ "category": category, "form": form, "errors": errors })
}

#[get("/admin/categories")]
async fn categories(page: Page<'_>, _staff: AdminStaff, db: &Db) -> AppResult<Html> {
    let categories = staff_fields::categories(&db.0).await?;
    let rows: Vec<_> = categories
        .iter()
        .map(|category| row(category, &CategoryForm::of(category), &Errors::new()))
        .collect();
    page.render(
        "admin/categories.html",
        &serde_json::json!({ "rows": rows }),
    )
}

/// The list's row of `category` for an htmx edit, and the page's message (its live region):
/// `success` when nothing is wrong, else `error`.
fn edited_row(
    page: &Page<'_>,
    category: &CategoryFields,
    form: &CategoryForm,
    errors: &Errors,
    message: &str,
) -> AppResult<Html> {
    let kind = if errors.is_empty() {
        "success"
    } else {
        "error"
    };
    page.render(
        "admin/_category_row.html",
        &serde_json::json!({
            "row": row(category, form, errors),
            "message": { "kind": kind, "text": message },
        }),
    )
}

/// The page of `category` with the form as typed and its `errors`.
async fn render(
    page: &Page<'_>,
    db: &Db,
    category: &CategoryFields,
    form: &CategoryForm,
    errors: &Errors,
) -> AppResult<Html> {
    let tasks: Vec<_> = staff_fields::tasks(&db.0)
        .await?
        .into_iter()
        .filter(|task| task.category == category.name)
        .collect();
    page.render(
        "admin/category.html",
        &serde_json::json!({
            "category": category,
            "tasks": tasks,
            "form": form,
            "errors": errors,
        }),
    )
}

#[get("/admin/categories/<id>")]
async fn category(page: Page<'_>, _staff: AdminStaff, db: &Db, id: PathNumber) -> AppResult<Html> {
    let category = staff_fields::category(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    render(
        &page,
        db,
        &category,
        &CategoryForm::of(&category),
        &Errors::new(),
    )
    .await
}

/// Saves a category: htmx edits from the list get their row back, forms the list or the page.
#[post("/admin/categories/<id>", data = "<form>")]
async fn save_category(
    page: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    in_row: Htmx,
    id: PathNumber,
    form: Form<CategoryForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let before = staff_fields::category(&db.0, id.get()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let ordering = match form.read() {
        Ok(ordering) => ordering,
        Err(errors) => {
            let html = if in_row.0 {
                let status = format!("Nothing was saved for {}: see its row.", before.name);
                edited_row(&page, &before, &form, &errors, &status)?
            } else {
                render(&page, db, &before, &form, &errors).await?
            };
            return Ok(Either::Right((Status::UnprocessableEntity, html)));
        }
    };
    let html = crate::markdown::render(&form.description);
    let name = staff_fields::save_category(&db.0, before.id, ordering, &form.description, &html)
        .await?
        .ok_or(AppError::NotFound)?;
    let change = |field, old: String, new: String| {
        Change::of("category", before.id, &name, field, Some(old), Some(new))
    };
    let changes: Vec<_> = [
        change(
            "ordering",
            before.ordering.to_string(),
            ordering.to_string(),
        ),
        change(
            "description",
            before.description.clone(),
            form.description.clone(),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    audit::record(&db.0, &staff.0, &changes).await?;
    let saved = format!("Saved the category {name}.");
    if in_row.0 {
        let after = CategoryFields {
            ordering,
            description: form.description.clone(),
            ..before
        };
        let html = edited_row(
            &page,
            &after,
            &CategoryForm::of(&after),
            &Errors::new(),
            &saved,
        )?;
        return Ok(Either::Right((Status::Ok, html)));
    }
    Ok(Either::Left(Flash::success(
        Redirect::to("/admin/categories/"),
        saved,
    )))
}

/// The category pages.
pub fn routes() -> Vec<Route> {
    routes![categories, category, save_category]
}
