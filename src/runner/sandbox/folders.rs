//! The checks' work folder on the worker's host: removing what checks a crash interrupted left
//! in it (the worker writes each check's submitted files there before they are packed).

use std::fs::{self, Permissions};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::SandboxError;

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

#[cfg(test)]
mod tests;
