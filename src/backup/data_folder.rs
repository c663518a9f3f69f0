//! The data folder's files in a backup: copied (never hard-linked: a backup often lives on
//! another file system) with their relative layout, symbolic links kept as links.

use std::path::{Path, PathBuf};

use super::manifest::DataFiles;
use super::{BackupError, io_error};

/// Top-level folders of the data folder that are never backed up: the run folders of checks
/// (`runner::sandbox::work_dir`, rebuilt by each check) and the image's `TMPDIR`.
pub const TRANSIENT: &[&str] = &["checks", "tmp"];

/// Copies `source` into `target` (created), leaving out the paths in `skip` (absolute, as
/// [`absolute`] gives them); returns what was copied. `target` must not lie inside `source`
/// unless it is skipped.
pub fn copy(source: &Path, target: &Path, skip: &[PathBuf]) -> Result<DataFiles, BackupError> {
    walk(source, skip, Some(target))
}

/// What [`copy`] would copy from `source`, without copying.
pub fn measure(source: &Path) -> Result<DataFiles, BackupError> {
    walk(source, &[], None)
}

/// The entries of the backup's data folder `backup` that the data folder `data` holds already.
pub fn occupied(backup: &Path, data: &Path) -> Result<Vec<String>, BackupError> {
    let mut names = Vec::new();
    for entry in read_dir(backup)? {
        let name = entry.file_name();
        if data.join(&name).symlink_metadata().is_ok() {
            names.push(name.to_string_lossy().into_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Removes the entries of `data` that have these names (files, links or whole folders).
pub fn remove(data: &Path, names: &[String]) -> Result<(), BackupError> {
    for name in names {
        let path = data.join(name);
        let metadata = path.symlink_metadata().map_err(io_error(&path))?;
        if metadata.is_dir() {
            std::fs::remove_dir_all(&path).map_err(io_error(&path))?;
        } else {
            std::fs::remove_file(&path).map_err(io_error(&path))?;
        }
    }
    Ok(())
}

/// `path` made absolute with symbolic links of its folder resolved (the path itself may not
/// exist yet), so that it compares equal to the paths a walk of a resolved folder yields.
#[must_use]
pub fn absolute(path: &Path) -> PathBuf {
    if let Ok(resolved) = path.canonicalize() {
        return resolved;
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    match (parent.map(Path::canonicalize), path.file_name()) {
        (Some(Ok(folder)), Some(name)) => folder.join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_owned()),
    }
}

fn read_dir(folder: &Path) -> Result<Vec<std::fs::DirEntry>, BackupError> {
    match std::fs::read_dir(folder) {
        Ok(entries) => entries.collect::<Result<_, _>>().map_err(io_error(folder)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(io_error(folder)(error)),
    }
}

/// Walks `source` (a missing one is empty), counting regular files and links, and copies them
/// into `target` when one is given.
fn walk(source: &Path, skip: &[PathBuf], target: Option<&Path>) -> Result<DataFiles, BackupError> {
    let mut found = DataFiles::default();
    if let Some(target) = target {
        std::fs::create_dir_all(target).map_err(io_error(target))?;
    }
    if !source.exists() {
        return Ok(found);
    }
    let root = absolute(source);
    let entries = walkdir::WalkDir::new(&root)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| !skip.iter().any(|skipped| skipped == entry.path()));
    for entry in entries {
        let entry = entry.map_err(|error| {
            let path = error.path().unwrap_or(&root).to_owned();
            io_error(&path)(error.into())
        })?;
        let relative = entry.path().strip_prefix(&root).expect("walked below root");
        let kind = entry.file_type();
        let copied = target.map(|target| target.join(relative));
        if kind.is_dir() {
            if let Some(folder) = copied {
                std::fs::create_dir_all(&folder).map_err(io_error(&folder))?;
            }
        } else if kind.is_symlink() {
            found.files += 1;
            if let Some(link) = copied {
                let points_to = std::fs::read_link(entry.path()).map_err(io_error(entry.path()))?;
                std::os::unix::fs::symlink(points_to, &link).map_err(io_error(&link))?;
            }
        } else if kind.is_file() {
            found.files += 1;
            found.bytes += match copied {
                Some(file) => std::fs::copy(entry.path(), &file).map_err(io_error(&file))?,
                None => entry
                    .metadata()
                    .map_err(|e| io_error(entry.path())(e.into()))?
                    .len(),
            };
        } else {
            tracing::warn!(path = %entry.path().display(), "left out: not a file, folder or link");
        }
    }
    Ok(found)
}
