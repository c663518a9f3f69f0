//! A task's files, `attachments/` and `images/` of its directory, served from the database.
//!
//! An import stores them ([`super::stored_files`]): any instance serves them, whichever ran the
//! import, and nothing here reads the repository copy on disk.

use std::path::{Path, PathBuf};

use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder};
use rocket::{Request, Response, Route, State, get, routes};

use super::catalog::{self, Viewer};
use super::stored_files::{self, FOLDERS};
use crate::accounts::CurrentUser;
use crate::db::{Db, TaskId, Timestamp};
use crate::settings::Settings;
use crate::web::{AppError, AppResult, IfNoneMatch};

/// Task files come from a repository that more people than the task authors can push to: an
/// HTML or SVG file among them is shown in a sandbox (a unique origin, no script), never as a
/// page of INLOOP.
const SANDBOX: &str =
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/// A task file with its type and the sandbox policy, or a 304 when the client's copy is current.
///
/// Cached privately and revalidated on every use: whether the viewer may see the task can change
/// (its publication date, a group, an exam), and a 304 costs no content.
struct TaskFile {
    /// `None` for a 304.
    body: Option<(ContentType, Vec<u8>)>,
    etag: String,
}

impl<'r> Responder<'r, 'static> for TaskFile {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::build();
        response
            .header(Header::new("Content-Security-Policy", SANDBOX))
            .header(Header::new("Cache-Control", "private, no-cache"))
            .header(Header::new("ETag", format!("\"{}\"", self.etag)));
        match self.body {
            Some((content_type, content)) => response
                .header(content_type)
                .sized_body(content.len(), std::io::Cursor::new(content)),
            None => response.status(Status::NotModified),
        };
        response.ok()
    }
}

#[get("/solutions/editor/<slug>/<folder>/<path..>", rank = 2)]
async fn task_file(
    user: CurrentUser,
    db: &Db,
    settings: &State<Settings>,
    slug: &str,
    folder: &str,
    path: Result<PathBuf, rocket::http::uri::error::PathError>,
    cached: IfNoneMatch,
) -> AppResult<TaskFile> {
    // A path Rocket refuses (`..%2f`, dotfiles) is simply not there; any other is only a key.
    let Some(path) = path.ok().and_then(|path| path.to_str().map(str::to_owned)) else {
        return Err(AppError::NotFound);
    };
    if !FOLDERS.contains(&folder) {
        return Err(AppError::NotFound);
    }
    let viewer = Viewer::of(&user.0, &db.0, settings).await?;
    let task = catalog::task(&db.0, viewer, slug, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if task.summary.pubdate > Timestamp::now() && !viewer.staff {
        return Err(AppError::NotFound);
    }
    let task = TaskId(task.summary.id);
    let etag = stored_files::sha256(&db.0, task, folder, &path)
        .await?
        .ok_or(AppError::NotFound)?;
    if cached.matches(&etag) {
        return Ok(TaskFile { body: None, etag });
    }
    // Replaced or removed by an import in between: as if it had not been there.
    let content = stored_files::content(&db.0, task, folder, &path)
        .await?
        .ok_or(AppError::NotFound)?;
    let content_type = content_type(Path::new(&path), &content);
    Ok(TaskFile {
        body: Some((content_type, content)),
        etag,
    })
}

/// Rocket's type for the extension, else the MIME database's; text of any other kind (source
/// code such as `Foo.java`) is shown as plain text, anything else is a download.
fn content_type(file: &Path, content: &[u8]) -> ContentType {
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
    let head = &content[..content.len().min(8192)];
    // A multi-byte character cut at the end of the sample still counts as text.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(error) => error.error_len().is_none(),
    };
    if text && !head.contains(&0) {
        ContentType::Plain
    } else {
        ContentType::Binary
    }
}

/// The task file route.
pub fn routes() -> Vec<Route> {
    routes![task_file]
}
