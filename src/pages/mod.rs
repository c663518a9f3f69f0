//! Staff-editable Markdown pages at fixed paths: `/about/help/`, `/about/privacy/` (also
//! `/privacy/`, the address sign-up links to) and `/about/legal-notice/`. Superusers edit them in
//! the admin area; a page never saved shows its default.

mod page_routes;
pub mod store;

use rocket::fairing::AdHoc;

use crate::db::DbPool;
use crate::settings::{PRIVACY_TEXT, SettingError, Settings};
pub use store::Stored;

/// One of the fixed pages.
#[derive(Debug)]
pub struct Fixed {
    pub slug: &'static str,
    pub title: &'static str,
    /// Whether the page may be limited to logged-in users (the privacy statement, which sign-up
    /// links to, may not).
    pub may_be_login_only: bool,
    default_body: &'static str,
}

/// Every page, in the order the footer and the admin list show them.
pub const ALL: &[Fixed] = &[
    Fixed {
        slug: "help",
        title: "Help",
        may_be_login_only: true,
        default_body: "Pick a task under **Tasks**, solve it in the editor or upload your files, \
            and your solution is checked at once. Ask the course staff if you are stuck.",
    },
    Fixed {
        slug: "privacy",
        title: "Privacy statement",
        may_be_login_only: false,
        // The runtime setting `privacy_text` was the privacy statement before pages existed.
        default_body: "",
    },
    Fixed {
        slug: "legal-notice",
        title: "Legal notice",
        may_be_login_only: true,
        default_body: "This INLOOP installation is run by the course staff.",
    },
];

/// The page `slug`, if there is one.
#[must_use]
pub fn find(slug: &str) -> Option<&'static Fixed> {
    ALL.iter().find(|page| page.slug == slug)
}

impl Fixed {
    /// The page as stored, or its default.
    pub async fn load(&self, db: &DbPool, settings: &Settings) -> Result<Stored, SettingError> {
        if let Some(stored) = store::get(db, self.slug).await? {
            return Ok(stored);
        }
        let body = if self.slug == "privacy" {
            settings.text(db, &PRIVACY_TEXT).await?
        } else {
            self.default_body.to_owned()
        };
        Ok(Stored {
            title: self.title.to_owned(),
            body_html: crate::markdown::render(&body),
            body,
            login_only: false,
        })
    }
}

/// The pages' routes.
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Pages", |rocket| async {
        rocket.mount("/", page_routes::routes())
    })
}
