//! The run's host folder: a readable copy of the submitted files; and removing those of a crash.

use std::fs::{self, Permissions};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::SandboxError;

/// A private temp folder (mode 0700) holding `input`, a world-readable copy of the submitted
/// files. The bind mount exposes only that, read-only, never the private parent. Nothing in it
/// is the checker's: storage is a volume ([`super::storage`]).
pub(super) struct RunFolders {
    root: TempDir,
    input: PathBuf,
}

impl RunFolders {
    /// Copies the submitted files in `input_dir` (flat or nested; symlinks and special files are
    /// left out) so that the checker's user can read them whatever their owner and mode.
    /// The folder is made in `work_dir`, which is created when missing.
    pub(super) async fn prepare(input_dir: &Path, work_dir: &Path) -> Result<Self, SandboxError> {
        let input_dir = input_dir.to_owned();
        let work_dir = work_dir.to_owned();
        blocking(move || {
            fs::create_dir_all(&work_dir)
                .map_err(SandboxError::host("creating the checks' work folder"))?;
            let root = tempfile::Builder::new()
                .prefix("inloop-check-")
                .permissions(Permissions::from_mode(0o700))
                .tempdir_in(&work_dir)
                .map_err(SandboxError::host("creating the run's temp folder"))?;
            let input = root.path().join("input");
            make_dir(&input, 0o755).map_err(SandboxError::host("creating the input folder"))?;
            copy_tree(&input_dir, &input)
                .map_err(SandboxError::host("copying the submitted files"))?;
            Ok(Self { root, input })
        })
        .await
    }

    pub(super) fn input(&self) -> &Path {
        &self.input
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

/// Removes everything in `work_dir` (run folders of checks a crash interrupted), making
/// folders writable first, so that no mode left behind keeps anything; returns how many entries
/// it removed. A missing `work_dir` has nothing to remove.
pub(super) async fn remove_leftovers(work_dir: &Path) -> Result<usize, SandboxError> {
    let work_dir = work_dir.to_owned();
    blocking(move || {
        let entries = match fs::read_dir(&work_dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
            Err(error) => return Err(SandboxError::host("listing the checks' work folder")(error)),
        };
        let mut removed = 0;
        for entry in entries {
            let path = entry
                .map_err(SandboxError::host("listing the checks' work folder"))?
                .path();
            remove_tree(&path).map_err(SandboxError::host("removing a leftover run folder"))?;
            removed += 1;
        }
        Ok(removed)
    })
    .await
}

fn remove_tree(path: &Path) -> io::Result<()> {
    let metadata = fs::symlink_metadata(path)?;
    if !metadata.is_dir() {
        return fs::remove_file(path);
    }
    // Owner-writable and searchable, so that its entries can be listed and removed.
    fs::set_permissions(path, Permissions::from_mode(0o700))?;
    for entry in fs::read_dir(path)? {
        remove_tree(&entry?.path())?;
    }
    fs::remove_dir(path)
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
