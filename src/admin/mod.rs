//! The admin area at `/admin/`: the dashboard, the course's people, content, solutions and settings.
//! Students get 404 for every page of it ([`access`]).

mod access;
mod audit;
mod audit_routes;
mod catalog;
mod checks;
mod checks_routes;
mod course_routes;
pub mod csv;
mod dashboard;
mod dashboard_routes;
mod extensions_routes;
mod group_routes;
mod groups;
mod imports;
mod keyset;
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

use crate::db::Timestamp;
use crate::web::AppError;

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
            .mount("/", checks_routes::routes())
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

/// The moments between the date filters `from` and `to` (`YYYY-MM-DD` in `zone`, both days
/// included, empty: open): from the start of `from` to the start of the day after `to`. A bad
/// date is a 400 naming its field (`names`, e.g. `("From", "To")`).
fn day_range(
    (from, to): (&str, &str),
    names: (&str, &str),
    zone: &jiff::tz::TimeZone,
) -> Result<(Option<Timestamp>, Option<Timestamp>), AppError> {
    let start = |text: &str, name: &str, next: bool| {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<jiff::civil::Date>()
            .ok()
            .filter(|_| text.len() == 10)
            .and_then(|date| {
                if next {
                    date.tomorrow().ok()
                } else {
                    Some(date)
                }
            })
            .and_then(|date| crate::time_zone::date_start(date, zone))
            .map(|millis| Some(Timestamp::from_millis(millis)))
            .ok_or_else(|| AppError::BadRequest(format!("{name} must be a date like 2026-10-31.")))
    };
    Ok((start(from, names.0, false)?, start(to, names.1, true)?))
}

/// A form or query field that says something, trimmed; empty means "not given".
fn non_empty(text: Option<&String>) -> Option<String> {
    text.map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}
