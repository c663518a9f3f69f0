//! Tasks and their categories: what students see and solve.

pub mod catalog;
pub mod extensions;
mod files;
pub mod meta;
mod pages;
pub mod staff_fields;
pub mod store;
pub mod stored_files;

use rocket::fairing::AdHoc;

pub use pages::{CategoryRow, duration_words, overview, task_url};

/// The task pages and task files.
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Tasks", |rocket| async {
        rocket
            .mount("/", pages::routes())
            .mount("/", files::routes())
    })
}
