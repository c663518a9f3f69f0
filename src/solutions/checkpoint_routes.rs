//! The editor's checkpoints over HTTP (JSON): the latest files, saving a version, the history,
//! and restoring a version. Each student reaches only their own checkpoints.

use rocket::data::{Data, ToByteUnit};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, put, routes};
use serde::{Deserialize, Serialize};

use super::checkpoints::{self, Checkpoint, EditorFile, HistoryEntry};
use super::course::open_task;
use super::files::{self, Refusal};
use super::submit;
use crate::accounts::CurrentUser;
use crate::db::{Db, TaskId, Timestamp, UserId};
use crate::settings::Settings;
use crate::tasks::catalog::TaskDetail;
use crate::web::{AppError, AppResult};

/// Where the files the editor opens come from.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum Source {
    /// The student's latest checkpoint.
    Checkpoint,
    /// The task's start files (no checkpoint yet; version 0).
    Templates,
}

#[derive(Serialize)]
struct Opened {
    version: i64,
    saved_at: Option<Timestamp>,
    summary: Option<String>,
    source: Source,
    files: Vec<EditorFile>,
}

impl From<Checkpoint> for Opened {
    fn from(checkpoint: Checkpoint) -> Self {
        Self {
            version: checkpoint.version,
            saved_at: Some(checkpoint.saved_at),
            summary: Some(checkpoint.summary),
            source: Source::Checkpoint,
            files: checkpoint.files,
        }
    }
}

/// A refusal: its reason, and for a stale save the stored version.
#[derive(Serialize)]
struct Refused {
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i64>,
}

/// Either answer of a JSON endpoint, with its status.
type Answer<T> = Result<(Status, Json<T>), (Status, Json<Refused>)>;

fn refuse(status: Status, error: impl ToString) -> (Status, Json<Refused>) {
    let error = error.to_string();
    (
        status,
        Json(Refused {
            error,
            version: None,
        }),
    )
}

fn ids(user: &CurrentUser, task: &TaskDetail) -> (UserId, TaskId) {
    (UserId(user.0.id), TaskId(task.summary.id))
}

#[get("/solutions/editor/<slug>/checkpoint")]
async fn latest(
    db: &Db,
    settings: &State<Settings>,
    user: CurrentUser,
    slug: &str,
) -> AppResult<Json<Opened>> {
    let task = open_task(db, settings, &user.0, slug).await?;
    let (user, task_id) = ids(&user, &task);
    if let Some(checkpoint) = checkpoints::latest(db, user, task_id).await? {
        return Ok(Json(checkpoint.into()));
    }
    Ok(Json(Opened {
        version: 0,
        saved_at: None,
        summary: None,
        source: Source::Templates,
        files: serde_json::from_str(&task.templates).unwrap_or_default(),
    }))
}

/// A save: the files, and the version the editor started from (0: none yet).
#[derive(Deserialize)]
struct Save {
    base: i64,
    files: Vec<EditorFile>,
}

/// Reads a JSON body of at most twice the allowed size of the files (escapes in JSON take room).
async fn json_body<T: for<'de> Deserialize<'de>>(
    data: Data<'_>,
    max_bytes: usize,
) -> Result<T, (Status, Json<Refused>)> {
    let limit = (max_bytes.saturating_mul(2) + 64 * 1024).bytes();
    let body = data.open(limit).into_string().await.map_err(|error| {
        refuse(
            Status::BadRequest,
            format!("The body was not read: {error}"),
        )
    })?;
    if !body.is_complete() {
        let refusal = Refusal::TooLarge { max: max_bytes };
        return Err(refuse(Status::PayloadTooLarge, refusal));
    }
    serde_json::from_str(&body).map_err(|error| {
        refuse(
            Status::BadRequest,
            format!("The request is not valid JSON of the expected shape: {error}"),
        )
    })
}

#[put("/solutions/editor/<slug>/checkpoint", data = "<data>")]
async fn save(
    db: &Db,
    settings: &State<Settings>,
    user: CurrentUser,
    slug: &str,
    data: Data<'_>,
) -> AppResult<Answer<Opened>> {
    let task = open_task(db, settings, &user.0, slug).await?;
    let rules = submit::rules(db, settings).await?;
    let save: Save = match json_body(data, rules.max_bytes).await {
        Ok(save) => save,
        Err(refused) => return Ok(Err(refused)),
    };
    let uploads: Vec<_> = save.files.iter().map(EditorFile::upload).collect();
    if let Err(refusal) = files::check_draft(&uploads, &rules) {
        let status = match refusal {
            Refusal::TooLarge { .. } => Status::PayloadTooLarge,
            _ => Status::UnprocessableEntity,
        };
        return Ok(Err(refuse(status, refusal)));
    }
    let (user, task_id) = ids(&user, &task);
    Ok(stored(
        checkpoints::save(db, user, task_id, save.base, &save.files, None).await?,
    ))
}

/// The answer to a save: the new version, or 409 with the stored one.
fn stored(saved: Result<Checkpoint, checkpoints::Stale>) -> Answer<Opened> {
    match saved {
        Ok(checkpoint) => Ok((Status::Ok, Json(checkpoint.into()))),
        Err(stale) => Err((
            Status::Conflict,
            Json(Refused {
                error: format!(
                    "These files were saved elsewhere in the meantime (version {}): reload them, or overwrite them with yours.",
                    stale.current
                ),
                version: Some(stale.current),
            }),
        )),
    }
}

#[derive(Serialize)]
struct History {
    entries: Vec<HistoryEntry>,
}

#[get("/solutions/editor/<slug>/checkpoint/history")]
async fn history(
    db: &Db,
    settings: &State<Settings>,
    user: CurrentUser,
    slug: &str,
) -> AppResult<Json<History>> {
    let task = open_task(db, settings, &user.0, slug).await?;
    let (user, task_id) = ids(&user, &task);
    let entries = checkpoints::history(db, user, task_id).await?;
    Ok(Json(History { entries }))
}

#[get("/solutions/editor/<slug>/checkpoint/history/<version>")]
async fn preview(
    db: &Db,
    settings: &State<Settings>,
    user: CurrentUser,
    slug: &str,
    version: i64,
) -> AppResult<Json<Opened>> {
    let task = open_task(db, settings, &user.0, slug).await?;
    let (user, task_id) = ids(&user, &task);
    let checkpoint = checkpoints::version(db, user, task_id, version).await?;
    Ok(Json(checkpoint.ok_or(AppError::NotFound)?.into()))
}

#[post("/solutions/editor/<slug>/checkpoint/history/<version>/restore")]
async fn restore(
    db: &Db,
    settings: &State<Settings>,
    user: CurrentUser,
    slug: &str,
    version: i64,
) -> AppResult<Answer<Opened>> {
    let task = open_task(db, settings, &user.0, slug).await?;
    let (user, task_id) = ids(&user, &task);
    let old = checkpoints::version(db, user, task_id, version)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = checkpoints::latest(db, user, task_id)
        .await?
        .map_or(0, |latest| latest.version);
    let summary = Some(format!("restored version {version}"));
    Ok(stored(
        checkpoints::save(db, user, task_id, base, &old.files, summary).await?,
    ))
}

/// The checkpoint routes.
pub fn routes() -> Vec<Route> {
    routes![latest, save, history, preview, restore]
}
