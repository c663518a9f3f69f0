//! Grades for a category: a point per task a student solved on or after a start date and by
//! their deadline (extensions and the deadline's grace included), unless a plagiarism detection
//! for that task stands against them; capped at a maximum. Also the results matrix (students ×
//! tasks: solved, attempts, first pass). Staff download both at `/admin/grades/`; scripts run
//! `inloop export-grades`.

pub mod command;
mod matrix;
mod points;
mod routes;

pub use matrix::{Matrix, results_matrix};
pub use points::{Export, GradeRow, grade_rows, points_csv};

use rocket::fairing::AdHoc;

use crate::db::DbPool;

/// The grade pages.
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Grades", |rocket| async {
        rocket.mount("/", routes::routes())
    })
}

/// A category by name or slug (any case): its id and name.
pub async fn category(db: &DbPool, name: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    crate::on_pool!(db, |pool| sqlx::query_as(
        "SELECT id, name FROM categories WHERE lower(slug) = lower($1) OR lower(name) = lower($1)"
    )
    .bind(name.trim())
    .fetch_optional(pool)
    .await)
}
