//! What the browser editor needs to know about a task for this student: the file rules, whether
//! to suggest completions, and how many more solutions it takes (JSON).

use rocket::serde::json::Json;
use rocket::{Route, State, get, routes};
use serde::Serialize;

use super::course::open_task;
use super::live;
use super::submit::{self, TaskTerms};
use crate::accounts::CurrentUser;
use crate::db::{Db, Timestamp};
use crate::settings::{EDITOR_AUTOCOMPLETION, Settings};
use crate::web::AppResult;

#[derive(Serialize)]
struct Terms {
    autocompletion: bool,
    /// Lower-case extensions with their dot; empty allows any.
    extensions: Vec<String>,
    max_files: usize,
    max_bytes: usize,
    handed_in: i64,
    limit: Option<i64>,
    /// Why no more solutions are taken, in words for the student.
    closed: Option<String>,
    /// Milliseconds until the deadline (with its grace) closes submitting, while it is open.
    closes_in_ms: Option<i64>,
    /// The names of the result stream's events, for the result panel.
    events: live::EventNames,
}

#[get("/solutions/editor/<slug>/terms")]
async fn terms(
    db: &Db,
    settings: &State<Settings>,
    user: CurrentUser,
    slug: &str,
) -> AppResult<Json<Terms>> {
    let task = open_task(db, settings, &user.0, slug).await?;
    let rules = submit::rules(db, settings).await?;
    let standing = submit::standing(db, settings, &TaskTerms::of(&task), &user.0)
        .await
        .map_err(|error| crate::web::AppError::internal("reading the submission terms", error))?;
    Ok(Json(Terms {
        autocompletion: settings.bool(db, &EDITOR_AUTOCOMPLETION).await?,
        extensions: rules.extensions,
        max_files: rules.max_files,
        max_bytes: rules.max_bytes,
        handed_in: standing.handed_in,
        limit: standing.limit,
        closed: standing.closed.map(|closed| closed.to_string()),
        closes_in_ms: standing
            .closes_at
            .map(|closes_at| (closes_at.millis() - Timestamp::now().millis()).max(0)),
        events: live::EVENTS,
    }))
}

/// The editor's routes.
pub fn routes() -> Vec<Route> {
    routes![terms]
}
