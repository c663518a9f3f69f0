//! Statistics for the course staff at `/statistics/`: per task, submissions over time, attempts
//! until the first pass, failures per test case, and the live course view. Staff only (others
//! get 404, as in the admin area); every chart's numbers are a table on the page and a CSV file
//! at the page's URL with `?format=csv`.

mod chart;
mod filters;
mod live;
mod overview;
mod queries;
mod resources;
mod routes;
mod series;

use rocket::fairing::AdHoc;

/// The statistics pages.
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Statistics", |rocket| async {
        rocket
            .mount("/", overview::routes())
            .mount("/", routes::routes())
            .mount("/", live::routes())
    })
}
