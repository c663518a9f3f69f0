//! SQLite's side: `VACUUM INTO` writes a consistent copy while the server keeps running, and a
//! restore puts that copy where `DATABASE_URL` points.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;

use super::{BackupError, io_error, refused};
use crate::db::DbPool;

/// The database's file name in a backup.
pub const FILE: &str = "database.sqlite3";

/// Copies the database into `file` (which must not exist) in one read transaction: writers go
/// on meanwhile (WAL), and the copy is compacted.
pub async fn dump(db: &DbPool, file: &Path) -> Result<(), BackupError> {
    let DbPool::Sqlite(pool) = db else {
        unreachable!("only SQLite databases are copied with VACUUM INTO");
    };
    let path = file
        .to_str()
        .ok_or_else(|| refused(format!("{} is not a UTF-8 path", file.display())))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(pool)
        .await?;
    Ok(())
}

/// The database file `url` names, with the files SQLite keeps beside it.
pub fn files(url: &str) -> Result<Vec<PathBuf>, BackupError> {
    let options = SqliteConnectOptions::from_str(url)?;
    let file = options.get_filename().to_owned();
    let mut files = vec![file.clone()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut sidecar = file.clone().into_os_string();
        sidecar.push(suffix);
        files.push(sidecar.into());
    }
    Ok(files)
}

/// Replaces the database `url` names with the backup's copy `copy`. Every connection to it
/// must be closed (the caller's pool too).
pub fn restore(copy: &Path, url: &str) -> Result<(), BackupError> {
    let files = files(url)?;
    let file = &files[0];
    let mut partial = file.clone().into_os_string();
    partial.push(".restoring");
    let partial = PathBuf::from(partial);
    std::fs::copy(copy, &partial).map_err(io_error(&partial))?;
    for stale in &files {
        match std::fs::remove_file(stale) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(io_error(stale)(error));
            }
            _ => {}
        }
    }
    std::fs::rename(&partial, file).map_err(io_error(file))
}
