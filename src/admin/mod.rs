//! The staff area: an index page, the task imports, and the staff fields of categories and tasks.

mod catalog;
mod imports;

use rocket::fairing::AdHoc;
use rocket::{get, routes};

use crate::accounts::Staff;
use crate::web::page::Page;
use crate::web::{AppResult, Html};

#[get("/admin")]
fn index(page: Page<'_>, _staff: Staff) -> AppResult<Html> {
    page.render("admin/index.html", &serde_json::json!({}))
}

/// The staff pages.
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Admin", |rocket| async {
        rocket
            .mount("/", routes![index])
            .mount("/", imports::routes())
            .mount("/", catalog::routes())
    })
}
