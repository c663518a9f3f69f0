//! `/admin/courses/<id>/`: one course of study — how many students name it (listed on the user
//! list, filtered by it), renaming, and deleting it after a confirmation (its students then name
//! none). Every change is audited.

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{Either, Route, get, post, routes};

use super::access::AdminStaff;
use super::rosters::{Counted, Roster};
use super::rosters_routes::{self, NameForm};
use crate::db::Db;
use crate::web::page::Page;
use crate::web::{AppResult, Html, PathNumber};

/// The page of `course` with the name as typed and why it was refused.
fn render(ctx: &Page<'_>, course: &Counted, name: &str, problem: Option<&str>) -> AppResult<Html> {
    ctx.render(
        "admin/course.html",
        &serde_json::json!({
            "course": course,
            "form": { "name": name },
            "errors": { "name": problem },
        }),
    )
}

#[get("/admin/courses/<id>")]
async fn detail(ctx: Page<'_>, _staff: AdminStaff, db: &Db, id: PathNumber) -> AppResult<Html> {
    let course = rosters_routes::found(&db.0, Roster::Course, id).await?;
    render(&ctx, &course, &course.name, None)
}

#[post("/admin/courses/<id>", data = "<form>")]
async fn rename(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    form: Form<NameForm>,
) -> AppResult<Either<Flash<Redirect>, (Status, Html)>> {
    let course = rosters_routes::found(&db.0, Roster::Course, id).await?;
    let refused = async |problem: String| render(&ctx, &course, &form.name, Some(&problem));
    rosters_routes::rename(&staff.0, &db.0, Roster::Course, &course, &form, refused).await
}

/// Deleting asks first: without `confirm` only the confirmation page is shown.
#[derive(FromForm)]
struct DeleteForm {
    confirm: bool,
}

#[post("/admin/courses/<id>/delete", data = "<form>")]
async fn delete(
    ctx: Page<'_>,
    staff: AdminStaff,
    db: &Db,
    id: PathNumber,
    form: Form<DeleteForm>,
) -> AppResult<Either<Html, Flash<Redirect>>> {
    let course = rosters_routes::found(&db.0, Roster::Course, id).await?;
    let step = (form.confirm, ());
    rosters_routes::delete(&ctx, &staff.0, &db.0, Roster::Course, &course, step).await
}

/// One course's pages.
pub fn routes() -> Vec<Route> {
    routes![detail, rename, delete]
}
