//! The run's host folders: a readable copy of the input, the storage folder, and what it holds.

use std::fs::{self, File, Permissions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::{CollectedFile, Limits, SandboxError};

/// Directory entries looked at when collecting; more only happen when a checker misbehaves.
const MAX_ENTRIES: usize = 10_000;

/// What one storage entry costs at least, so that a million empty files count too.
const ENTRY_BYTES: u64 = 4096;

/// A private temp folder (mode 0700) holding `input`, a world-readable copy of the submitted
/// files, and `storage` (mode 1777). Bind mounts expose only these two, never the private parent.
pub(super) struct RunFolders {
    root: TempDir,
    input: PathBuf,
    storage: PathBuf,
}

impl RunFolders {
    /// Copies the submitted files in `input_dir` (flat or nested; symlinks and special files are
    /// left out) so that the checker's user can read them whatever their owner and mode.
    pub(super) async fn prepare(input_dir: &Path) -> Result<Self, SandboxError> {
        let input_dir = input_dir.to_owned();
        blocking(move || {
            let root = tempfile::Builder::new()
                .prefix("inloop-check-")
                .permissions(Permissions::from_mode(0o700))
                .tempdir()
                .map_err(SandboxError::host("creating the run's temp folder"))?;
            let input = root.path().join("input");
            let storage = root.path().join("storage");
            make_dir(&input, 0o755).map_err(SandboxError::host("creating the input folder"))?;
            copy_tree(&input_dir, &input)
                .map_err(SandboxError::host("copying the submitted files"))?;
            make_dir(&storage, 0o1777)
                .map_err(SandboxError::host("creating the storage folder"))?;
            Ok(Self {
                root,
                input,
                storage,
            })
        })
        .await
    }

    pub(super) fn input(&self) -> &Path {
        &self.input
    }

    pub(super) fn storage(&self) -> &Path {
        &self.storage
    }

    /// The regular files directly in storage, by name, each and all within `limits`.
    pub(super) async fn collect(
        &self,
        limits: &Limits,
    ) -> Result<Vec<CollectedFile>, SandboxError> {
        let storage = self.storage.clone();
        let (max_files, file_bytes) = (limits.max_files, limits.file_bytes);
        blocking(move || {
            collect(&storage, max_files, file_bytes)
                .map_err(SandboxError::host("reading the storage folder"))
        })
        .await
    }

    /// Whether storage uses more than `limit` bytes of disk; stops counting once it does.
    pub(super) async fn storage_exceeds(&self, limit: u64) -> bool {
        let storage = self.storage.clone();
        blocking(move || Ok(disk_usage_exceeds(&storage, limit)))
            .await
            .unwrap_or(false)
    }

    /// Deletes the folders; a failure (files a non-root server may not delete) is logged.
    pub(super) async fn remove(self) {
        let path = self.root.path().to_owned();
        let removed = blocking(move || {
            self.root
                .close()
                .map_err(SandboxError::host("removing the run's temp folder"))
        })
        .await;
        if let Err(error) = removed {
            tracing::warn!(folder = %path.display(), error = %error_chain(&error), "left a check's temp folder behind");
        }
    }
}

fn make_dir(path: &Path, mode: u32) -> io::Result<()> {
    fs::create_dir(path)?;
    // Set explicitly: `create_dir` applies the umask, and the sticky bit needs setting anyway.
    fs::set_permissions(path, Permissions::from_mode(mode))
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let metadata = fs::symlink_metadata(&source)?;
        if metadata.is_dir() {
            make_dir(&target, 0o755)?;
            copy_tree(&source, &target)?;
        } else if metadata.is_file() {
            fs::copy(&source, &target)?;
            let executable = metadata.mode() & 0o111 != 0;
            let mode = if executable { 0o755 } else { 0o644 };
            fs::set_permissions(&target, Permissions::from_mode(mode))?;
        }
    }
    Ok(())
}

/// Runs only after the container stopped, so nothing can swap a file for a link meanwhile.
fn collect(storage: &Path, max_files: usize, file_bytes: usize) -> io::Result<Vec<CollectedFile>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(storage)?.take(MAX_ENTRIES) {
        let name = entry?.file_name();
        // Not `metadata`: a symlink to the host's /etc/passwd must not be followed.
        if fs::symlink_metadata(storage.join(&name))?.is_file() {
            names.push(name);
        }
    }
    names.sort();
    names.truncate(max_files);
    let mut files = Vec::with_capacity(names.len());
    for name in names {
        let name = name.to_string_lossy().into_owned();
        match read_capped(&storage.join(&name), file_bytes) {
            Ok((bytes, truncated)) => files.push(CollectedFile {
                name,
                bytes,
                truncated,
            }),
            // A checker can `chmod 000` its files, which a non-root server then cannot read.
            Err(error) => tracing::warn!(file = name, %error, "skipped an unreadable storage file"),
        }
    }
    Ok(files)
}

fn read_capped(path: &Path, limit: usize) -> io::Result<(Vec<u8>, bool)> {
    let mut bytes = Vec::new();
    let wanted = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    File::open(path)?.take(wanted).read_to_end(&mut bytes)?;
    let truncated = bytes.len() > limit;
    bytes.truncate(limit);
    Ok((bytes, truncated))
}

/// Counts allocated blocks (a sparse file costs what it really uses) and a minimum per entry.
/// Unreadable folders are skipped: they can only hide what a non-root server could not delete.
fn disk_usage_exceeds(storage: &Path, limit: u64) -> bool {
    let mut used = 0_u64;
    let mut pending = vec![storage.to_owned()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            // `DirEntry::metadata` does not follow symlinks.
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            used = used.saturating_add((metadata.blocks() * 512).max(ENTRY_BYTES));
            if used > limit {
                return true;
            }
            if metadata.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    false
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SandboxError> + Send + 'static,
) -> Result<T, SandboxError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| SandboxError::Host {
            action: "running file work in the background",
            source: io::Error::other(error),
        })?
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
