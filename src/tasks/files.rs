//! A task's files, `attachments/` and `images/` of its directory in the repository, and only those.

use std::path::{Path, PathBuf};

use rocket::fs::NamedFile;
use rocket::{Route, State, get, routes};

use super::catalog::{self, Viewer};
use crate::accounts::CurrentUser;
use crate::config::Config;
use crate::db::{Db, Timestamp};
use crate::web::{AppError, AppResult};

/// The folders of a task directory that may be served.
const SERVED: &[&str] = &["attachments", "images"];

#[get("/solutions/editor/<slug>/<folder>/<path..>", rank = 2)]
async fn task_file(
    user: CurrentUser,
    db: &Db,
    config: &State<Config>,
    slug: &str,
    folder: &str,
    path: Result<PathBuf, rocket::http::uri::error::PathError>,
) -> AppResult<NamedFile> {
    // A path Rocket refuses (`..%2f`, dotfiles) is simply not there.
    let Ok(path) = path else {
        return Err(AppError::NotFound);
    };
    if !SERVED.contains(&folder) {
        return Err(AppError::NotFound);
    }
    let viewer = Viewer {
        user_id: user.0.id,
        staff: user.0.is_staff(),
    };
    let task = catalog::task(&db.0, viewer, slug, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if task.summary.pubdate > Timestamp::now() && !viewer.staff {
        return Err(AppError::NotFound);
    }
    let root = crate::import::git::repository_dir(&config.data_dir)
        .join(&task.summary.system_name)
        .join(folder);
    let file = contained(&root, &path).await.ok_or(AppError::NotFound)?;
    NamedFile::open(file).await.map_err(|_| AppError::NotFound)
}

/// `root/relative` if it is a regular file inside `root` once symlinks are resolved.
async fn contained(root: &Path, relative: &Path) -> Option<PathBuf> {
    // `PathBuf` segments from Rocket never hold `..`; resolving links keeps symlinks inside too.
    let root = tokio::fs::canonicalize(root).await.ok()?;
    let file = tokio::fs::canonicalize(root.join(relative)).await.ok()?;
    let is_file = tokio::fs::metadata(&file).await.ok()?.is_file();
    (is_file && file.starts_with(&root)).then_some(file)
}

/// The task file route.
pub fn routes() -> Vec<Route> {
    routes![task_file]
}
