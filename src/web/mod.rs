//! The web baseline every page relies on: templates, assets, guards, CSRF, headers, errors.

mod assets;
mod csrf;
mod error;
mod guards;
pub mod health;
mod hosts;
mod logging;
mod metrics_route;
pub mod numbers;
pub mod page;
mod security_headers;
mod templates;
mod trailing_slash;

use rocket::fairing::AdHoc;
use rocket::shield::{Frame, Referrer, Shield};

pub use csrf::CsrfToken;
pub use error::{AppError, AppResult};
pub use guards::{ClientIp, Htmx, IfNoneMatch, LastEventId, Origin};
pub use numbers::{PageNumber, PathNumber};
pub use templates::{FormAnswer, Html, Templates};

/// The path every rejected request is rewritten to before any handler runs (see `csrf`, `hosts`).
const REJECTED_PATH: &str = "/_/rejected";

/// Attaches the baseline: state, fairings, catchers and the routes of `assets` and `health`.
#[must_use]
pub fn stage() -> AdHoc {
    AdHoc::on_ignite("Web baseline", |rocket| async {
        let shield = Shield::default()
            .enable(Frame::Deny)
            .enable(Referrer::SameOrigin);
        rocket
            .manage(Templates::load())
            .attach(trailing_slash::TrailingSlash)
            .attach(shield)
            .attach(security_headers::SecurityHeaders)
            .attach(logging::RequestLog)
            .attach(hosts::AllowedHosts)
            .attach(csrf::CsrfCheck)
            .mount("/", assets::routes())
            .mount("/", health::routes())
            .mount("/", metrics_route::routes())
            .mount("/", error::routes())
            .register("/", error::catchers())
    })
}
