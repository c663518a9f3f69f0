//! The admin area at `/admin/`: the dashboard, the course's people, content, solutions and settings.
//! Students get 404 for every page of it ([`access`]).

mod access;
mod audit;
mod audit_routes;
mod catalog;
mod course_routes;
pub mod csv;
mod dashboard;
mod dashboard_routes;
mod extensions_routes;
mod group_routes;
mod groups;
mod imports;
mod pages_routes;
mod plagiarism_pair_routes;
mod plagiarism_routes;
mod plagiarism_sides;
pub mod redraws;
mod regrade_routes;
mod rosters;
mod rosters_routes;
mod settings_routes;
mod solutions;
mod solutions_routes;
mod task_routes;
mod user_routes;
mod users;
mod users_routes;

use rocket::fairing::AdHoc;
use rocket::http::uri::Origin;

pub use access::{AdminStaff, AdminSuperuser};

/// The staff pages.
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Admin", |rocket| async {
        rocket
            .mount("/", dashboard_routes::routes())
            .mount("/", imports::routes())
            .mount("/", catalog::routes())
            .mount("/", task_routes::routes())
            .mount("/", extensions_routes::routes())
            .mount("/", audit_routes::routes())
            .mount("/", settings_routes::routes())
            .mount("/", users_routes::routes())
            .mount("/", solutions_routes::routes())
            .mount("/", user_routes::routes())
            .mount("/", rosters_routes::routes())
            .mount("/", group_routes::routes())
            .mount("/", course_routes::routes())
            .mount("/", pages_routes::routes())
            .mount("/", plagiarism_routes::routes())
            .mount("/", plagiarism_pair_routes::routes())
            .mount("/", regrade_routes::routes())
    })
}

/// `origin` as a link with the final slash the admin pages answer to (`/admin/audit/?kind=user`).
fn slashed(origin: &Origin<'_>) -> String {
    match origin.query() {
        Some(query) => format!("{}/?{query}", origin.path()),
        None => format!("{}/", origin.path()),
    }
}

/// A form or query field that says something, trimmed; empty means "not given".
fn non_empty(text: Option<&String>) -> Option<String> {
    text.map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}
