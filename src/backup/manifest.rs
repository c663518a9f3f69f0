//! The backup's `manifest.json`: what made it, from which schema, and what it must hold.

use std::io::Read as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{BackupError, io_error, refused};
use crate::config::Backend;
use crate::db::DbPool;

/// The manifest's own file name; written last, so a backup without it never finished.
pub const FILE: &str = "manifest.json";

/// The manifest while it is written.
pub const PARTIAL: &str = "manifest.json.partial";

/// The layout this INLOOP writes and reads; a change to it raises the number.
pub const FORMAT: u32 = 1;

/// What a backup folder holds, checked before a restore touches anything.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The backup layout ([`FORMAT`]).
    pub format: u32,
    /// The INLOOP version that wrote it.
    pub inloop_version: String,
    /// `sqlite` or `postgres`: a backup restores into the same backend only.
    pub backend: String,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// The newest migration applied to the database backed up.
    pub migration: i64,
    /// The database file (`VACUUM INTO` copy or `pg_dump` archive).
    pub database: DatabaseFile,
    /// The files copied from the data folder.
    pub data: DataFiles,
}

/// The database file of a backup, with what it must measure.
#[derive(Debug, Serialize, Deserialize)]
pub struct DatabaseFile {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// How many files (and symbolic links) and bytes the backup's `data/` folder holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFiles {
    pub files: u64,
    pub bytes: u64,
}

/// The manifest's name for a backend.
#[must_use]
pub fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

impl DatabaseFile {
    /// Measures the file `name` in the backup folder `dir`.
    pub fn measure(dir: &Path, name: &str) -> Result<Self, BackupError> {
        let path = dir.join(name);
        let mut file = std::fs::File::open(&path).map_err(io_error(&path))?;
        let mut hash = Sha256::new();
        let mut buffer = vec![0; 1 << 16];
        let mut bytes = 0;
        loop {
            let read = file.read(&mut buffer).map_err(io_error(&path))?;
            if read == 0 {
                break;
            }
            hash.update(&buffer[..read]);
            bytes += read as u64;
        }
        Ok(Self {
            file: name.to_owned(),
            bytes,
            sha256: hex::encode(hash.finalize()),
        })
    }
}

impl Manifest {
    /// Reads the manifest of the backup folder `dir`.
    pub fn read(dir: &Path) -> Result<Self, BackupError> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(refused(format!(
                    "{} has no {FILE}: it is not an INLOOP backup, or its backup did not finish",
                    dir.display()
                )));
            }
            Err(error) => return Err(io_error(&path)(error)),
        };
        serde_json::from_str(&text).map_err(|error| {
            refused(format!(
                "{} is not a manifest this INLOOP understands: {error}",
                path.display()
            ))
        })
    }

    /// Writes the manifest into `dir`, atomically (a half-written one would pass for none).
    pub fn write(&self, dir: &Path) -> Result<(), BackupError> {
        let path = dir.join(FILE);
        let partial = dir.join(PARTIAL);
        let text = serde_json::to_string_pretty(self).expect("a manifest serialises");
        std::fs::write(&partial, text + "\n").map_err(io_error(&partial))?;
        std::fs::rename(&partial, &path).map_err(io_error(&path))
    }

    /// One line for the operator: what the backup holds.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "the {} database at migration {} ({} KiB) and {} file(s) of the data folder ({} KiB), \
             made by INLOOP {} at {}",
            self.backend,
            self.migration,
            self.database.bytes.div_ceil(1024),
            self.data.files,
            self.data.bytes.div_ceil(1024),
            self.inloop_version,
            self.created_at
        )
    }

    /// Refuses a backup this binary cannot restore into `backend`.
    pub fn check_compatible(&self, backend: Backend) -> Result<(), BackupError> {
        if self.format != FORMAT {
            return Err(refused(format!(
                "the backup has format {}, this INLOOP ({}) reads format {FORMAT}: restore it \
                 with the INLOOP version that made it ({})",
                self.format,
                env!("CARGO_PKG_VERSION"),
                self.inloop_version
            )));
        }
        if self.backend != backend_name(backend) {
            return Err(refused(format!(
                "the backup holds a {} database, but DATABASE_URL names a {} one: restore into \
                 the backend it came from",
                self.backend,
                backend_name(backend)
            )));
        }
        let known = DbPool::known_migration(backend);
        if self.migration > known {
            return Err(refused(format!(
                "the backup's database is at migration {}, newer than this INLOOP ({}, up to \
                 migration {known}): restore it with INLOOP {} or newer",
                self.migration,
                env!("CARGO_PKG_VERSION"),
                self.inloop_version
            )));
        }
        Ok(())
    }

    /// Refuses a backup whose files are missing, shorter or changed since it was written.
    pub fn check_complete(&self, dir: &Path, data: DataFiles) -> Result<(), BackupError> {
        let name = &self.database.file;
        if name.contains('/') || !dir.join(name).is_file() {
            return Err(refused(format!(
                "the backup is incomplete: its database file {name:?} is missing"
            )));
        }
        let found = DatabaseFile::measure(dir, name)?;
        if (found.bytes, &found.sha256) != (self.database.bytes, &self.database.sha256) {
            return Err(refused(format!(
                "the backup is damaged: {name} has {} bytes and not the {} (or the content) \
                 its manifest names",
                found.bytes, self.database.bytes
            )));
        }
        if data != self.data {
            return Err(refused(format!(
                "the backup is incomplete: its data folder holds {} file(s) of {} bytes, its \
                 manifest names {} of {} bytes",
                data.files, data.bytes, self.data.files, self.data.bytes
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(backend: &str, format: u32, migration: i64) -> Manifest {
        Manifest {
            format,
            inloop_version: "9.9.9".into(),
            backend: backend.into(),
            created_at: "2026-12-01T02:00:00Z".into(),
            migration,
            database: DatabaseFile {
                file: "database.sqlite3".into(),
                bytes: 0,
                sha256: String::new(),
            },
            data: DataFiles::default(),
        }
    }

    fn refusal(manifest: &Manifest, backend: Backend) -> String {
        manifest.check_compatible(backend).unwrap_err().to_string()
    }

    #[test]
    fn a_backup_restores_only_into_its_backend_and_a_binary_that_knows_its_schema() {
        let known = DbPool::known_migration(Backend::Sqlite);
        assert!(
            manifest("sqlite", FORMAT, known)
                .check_compatible(Backend::Sqlite)
                .is_ok()
        );
        assert!(
            manifest("sqlite", FORMAT, 1)
                .check_compatible(Backend::Sqlite)
                .is_ok()
        );
        let said = refusal(&manifest("sqlite", FORMAT, known), Backend::Postgres);
        assert!(
            said.contains("holds a sqlite database, but DATABASE_URL names a postgres"),
            "{said}"
        );
        let said = refusal(&manifest("sqlite", FORMAT, known + 1), Backend::Sqlite);
        assert!(
            said.contains("newer than this INLOOP") && said.contains("INLOOP 9.9.9 or newer"),
            "{said}"
        );
        let said = refusal(&manifest("sqlite", FORMAT + 1, known), Backend::Sqlite);
        assert!(said.contains(&format!("format {}", FORMAT + 1)), "{said}");
    }
}
