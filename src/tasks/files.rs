//! A task's files, `attachments/` and `images/` of its directory in the repository, and only those.

use std::path::{Path, PathBuf};

use rocket::fs::NamedFile;
use rocket::http::{ContentType, Header};
use rocket::{Responder, Route, State, get, routes};
use tokio::io::AsyncReadExt;

use super::catalog::{self, Viewer};
use crate::accounts::CurrentUser;
use crate::config::Config;
use crate::db::{Db, Timestamp};
use crate::settings::Settings;
use crate::web::{AppError, AppResult};

/// Task files come from a repository that more people than the task authors can push to: an
/// HTML or SVG file among them is shown in a sandbox (a unique origin, no script), never as a
/// page of INLOOP.
const SANDBOX: &str =
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/// A task file with its type and the sandbox policy.
#[derive(Responder)]
struct TaskFile(NamedFile, ContentType, Header<'static>);

/// The folders of a task directory that may be served.
const SERVED: &[&str] = &["attachments", "images"];

#[get("/solutions/editor/<slug>/<folder>/<path..>", rank = 2)]
async fn task_file(
    user: CurrentUser,
    db: &Db,
    settings: &State<Settings>,
    config: &State<Config>,
    slug: &str,
    folder: &str,
    path: Result<PathBuf, rocket::http::uri::error::PathError>,
) -> AppResult<TaskFile> {
    // A path Rocket refuses (`..%2f`, dotfiles) is simply not there.
    let Ok(path) = path else {
        return Err(AppError::NotFound);
    };
    if !SERVED.contains(&folder) {
        return Err(AppError::NotFound);
    }
    let viewer = Viewer::of(&user.0, &db.0, settings).await?;
    let task = catalog::task(&db.0, viewer, slug, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if task.summary.pubdate > Timestamp::now() && !viewer.staff {
        return Err(AppError::NotFound);
    }
    let repository = config.repository_dir();
    let wanted = repository
        .join(&task.summary.system_name)
        .join(folder)
        .join(&path);
    let file = contained(&repository, &wanted)
        .await
        .ok_or(AppError::NotFound)?;
    let content_type = content_type(&file).await;
    let file = NamedFile::open(file)
        .await
        .map_err(|_| AppError::NotFound)?;
    Ok(TaskFile(
        file,
        content_type,
        Header::new("Content-Security-Policy", SANDBOX),
    ))
}

/// Rocket's type for the extension, else the MIME database's; text of any other kind (source
/// code such as `Foo.java`) is shown as plain text, anything else is a download.
async fn content_type(file: &Path) -> ContentType {
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    let known = ContentType::from_extension(extension).or_else(|| {
        let guess = mime_guess::from_ext(extension).first()?;
        // The database says `application/octet-stream` for `.java`: no better than no answer.
        if guess == mime_guess::mime::APPLICATION_OCTET_STREAM {
            return None;
        }
        if guess.type_() == mime_guess::mime::TEXT {
            return Some(ContentType::Plain);
        }
        ContentType::parse_flexible(guess.essence_str())
    });
    if let Some(known) = known {
        return known;
    }
    let mut head = vec![0; 8192];
    let read = match tokio::fs::File::open(file).await {
        Ok(mut opened) => opened.read(&mut head).await.unwrap_or(0),
        Err(_) => 0,
    };
    head.truncate(read);
    // A multi-byte character cut at the end of the sample still counts as text.
    let text = match std::str::from_utf8(&head) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none(),
    };
    if text && !head.contains(&0) {
        ContentType::Plain
    } else {
        ContentType::Binary
    }
}

/// `file` with every link resolved, if it is a regular file inside the repository copy.
///
/// Checked against the copy's own real location, not the task's folder: a folder that is itself
/// a link (`attachments -> /`) would otherwise become the boundary it is checked against.
async fn contained(repository: &Path, file: &Path) -> Option<PathBuf> {
    // `PathBuf` segments from Rocket never hold `..`; links are resolved here.
    let root = tokio::fs::canonicalize(repository).await.ok()?;
    let file = tokio::fs::canonicalize(file).await.ok()?;
    let is_file = tokio::fs::metadata(&file).await.ok()?.is_file();
    (is_file && file.starts_with(&root)).then_some(file)
}

/// The task file route.
pub fn routes() -> Vec<Route> {
    routes![task_file]
}
