//! `inloop backup` and `inloop restore`: the database and the data folder in one folder, with a
//! manifest that says what a restore needs.
//!
//! A backup folder holds `manifest.json` (written last), the database (`database.sqlite3`, a
//! `VACUUM INTO` copy, or `database.pgdump`, `pg_dump`'s custom format) and `data/`, the data
//! folder's files without the SQLite database itself and the transient run folders
//! ([`data_folder::TRANSIENT`]). Solutions and their files, and task files, live in
//! the database; the data folder holds the task repository's copy, the import's working tree.

mod data_folder;
pub mod manifest;
mod postgres;
mod sqlite;

use std::path::{Path, PathBuf};

use crate::config::{Backend, Config};
use crate::db::{DbError, DbPool};
use manifest::{DatabaseFile, Manifest};

/// The data folder's files inside a backup folder.
const DATA: &str = "data";

/// Why a backup or a restore did not happen, said for the operator.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
}

impl From<crate::config::ConfigError> for BackupError {
    fn from(error: crate::config::ConfigError) -> Self {
        Self::Database(error.into())
    }
}

fn refused(reason: impl Into<String>) -> BackupError {
    BackupError::Refused(reason.into())
}

/// Attaches the path to an I/O error.
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Backs up the database and the data folder into `dir` (new or empty) while the server runs.
/// A backup that fails takes away what it wrote, so the folder can be used again.
pub async fn backup(config: &Config, dir: &Path) -> Result<Manifest, BackupError> {
    let backend = Backend::of_url(config.database_url())?;
    if data_folder::absolute(dir).starts_with(data_folder::absolute(&config.data_dir)) {
        return Err(refused(format!(
            "{} lies inside the data folder: keep backups outside it (the next backup would \
             copy this one)",
            dir.display()
        )));
    }
    let created = new_folder(dir)?;
    let made = write_backup(config, backend, dir).await;
    if made.is_err() {
        for written in [DATA, sqlite::FILE, postgres::FILE, manifest::PARTIAL] {
            let path = dir.join(written);
            let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
        }
        if created {
            let _ = std::fs::remove_dir(dir);
        }
    }
    made
}

async fn write_backup(
    config: &Config,
    backend: Backend,
    dir: &Path,
) -> Result<Manifest, BackupError> {
    let url = config.database_url();
    if backend == Backend::Sqlite {
        let file = &sqlite::files(url)?[0];
        if !file.is_file() {
            // Connecting would create an empty database where the operator expected theirs.
            return Err(refused(format!(
                "there is no SQLite database at {}: check DATABASE_URL and INLOOP_DATA_DIR",
                file.display()
            )));
        }
    }
    let db = DbPool::connect(url, 1).await?;
    let migration = db.applied_migration().await?.ok_or_else(|| {
        refused("the database holds no INLOOP tables: there is nothing to back up")
    })?;
    let name = match backend {
        Backend::Sqlite => {
            sqlite::dump(&db, &dir.join(sqlite::FILE)).await?;
            sqlite::FILE
        }
        Backend::Postgres => {
            postgres::dump(url, &dir.join(postgres::FILE)).await?;
            postgres::FILE
        }
    };
    db.close().await;
    let mut skip: Vec<PathBuf> = data_folder::TRANSIENT
        .iter()
        .map(|name| data_folder::absolute(&config.data_dir).join(name))
        .collect();
    if backend == Backend::Sqlite {
        skip.extend(sqlite::files(url)?.iter().map(|f| data_folder::absolute(f)));
    }
    let data = data_folder::copy(&config.data_dir, &dir.join(DATA), &skip)?;
    let manifest = Manifest {
        format: manifest::FORMAT,
        inloop_version: env!("CARGO_PKG_VERSION").into(),
        backend: manifest::backend_name(backend).into(),
        created_at: jiff::Timestamp::now().to_string(),
        migration,
        database: DatabaseFile::measure(dir, name)?,
        data,
    };
    manifest.write(dir)?;
    Ok(manifest)
}

/// Restores the backup folder `dir` into the configured database and data folder, which must be
/// empty unless `force` (then the database is replaced, and so is each entry of the data folder
/// that the backup holds too). Every instance must be stopped. Migrations run afterwards.
pub async fn restore(config: &Config, dir: &Path, force: bool) -> Result<Manifest, BackupError> {
    let url = config.database_url();
    let backend = Backend::of_url(url)?;
    let manifest = Manifest::read(dir)?;
    manifest.check_compatible(backend)?;
    let backed_up = dir.join(DATA);
    manifest.check_complete(dir, data_folder::measure(&backed_up)?)?;

    let db = DbPool::connect(url, 1).await?;
    let empty = db.is_empty().await?;
    let occupied = data_folder::occupied(&backed_up, &config.data_dir)?;
    if !force && (!empty || !occupied.is_empty()) {
        let mut what = Vec::new();
        if !empty {
            what.push("the database is not empty".to_owned());
        }
        if !occupied.is_empty() {
            what.push(format!(
                "the data folder {} already holds {}",
                config.data_dir.display(),
                occupied.join(", ")
            ));
        }
        return Err(refused(format!(
            "{}: restore into an empty database and data folder, or pass --force to replace \
             them (stop every instance first)",
            what.join(" and ")
        )));
    }
    let file = dir.join(&manifest.database.file);
    match backend {
        Backend::Sqlite => {
            db.close().await;
            sqlite::restore(&file, url)?;
        }
        Backend::Postgres => {
            if !empty {
                postgres::clear(&db).await?;
            }
            db.close().await;
            postgres::restore(url, &file).await?;
        }
    }
    data_folder::remove(&config.data_dir, &occupied)?;
    data_folder::copy(&backed_up, &config.data_dir, &[])?;
    let db = DbPool::connect(url, 1).await?;
    db.migrate().await?;
    db.close().await;
    Ok(manifest)
}

/// Creates `dir` for a backup (only its owner may read it: it holds password hashes), refusing
/// one that holds anything already; says whether it created the folder.
fn new_folder(dir: &Path) -> Result<bool, BackupError> {
    use std::os::unix::fs::DirBuilderExt as _;
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(refused(format!(
                    "{} is not empty: back up into a new or empty folder",
                    dir.display()
                )));
            }
            Ok(false)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map(|()| true)
            .map_err(io_error(dir)),
        Err(error) => Err(io_error(dir)(error)),
    }
}
