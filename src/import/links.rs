//! Symbolic links in task directories: followed only while they stay inside the repository copy.

use std::path::{Path, PathBuf};

/// The folders of a task directory whose files are shown or served.
pub const SHOWN: &[&str] = &["templates", "attachments", "images"];

/// `path` with every link resolved, if that stays inside `root` (itself canonical).
#[must_use]
pub fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(path).ok()?;
    real.starts_with(root).then_some(real)
}

/// The links in the shown folders of `task` (and the folders themselves) that lead out of
/// `root`, as `folder/name -> target`; links to folders inside the repository are followed.
#[must_use]
pub fn escaping(root: &Path, task: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for folder in SHOWN {
        let mut walk = walkdir::WalkDir::new(task.join(folder))
            .follow_links(true)
            .into_iter();
        while let Some(entry) = walk.next() {
            let path = match &entry {
                Ok(entry) if entry.path_is_symlink() => entry.path(),
                // A link to a folder above it (`attachments/root -> /`) is a loop to walkdir.
                Err(error) if error.loop_ancestor().is_some() => match error.path() {
                    Some(path) => path,
                    None => continue,
                },
                // Missing folders and dangling links lead nowhere: nothing to report.
                _ => continue,
            };
            if inside(root, path).is_some() {
                continue;
            }
            let name = path.strip_prefix(task).unwrap_or(path);
            let target = std::fs::read_link(path).unwrap_or_default();
            found.push(format!("{} -> {}", name.display(), target.display()));
            // Never walk where the link leads (`attachments -> /`).
            if entry.is_ok_and(|entry| entry.file_type().is_dir()) {
                walk.skip_current_dir();
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_out_of_the_repository_are_found_even_inside_linked_folders() {
        let repository = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(repository.path()).unwrap();
        let task = root.join("task");
        std::fs::create_dir_all(task.join("attachments")).unwrap();
        std::fs::create_dir_all(root.join("shared")).unwrap();
        std::fs::write(root.join("shared/ok.txt"), "fine").unwrap();
        symlink("/etc/hostname", root.join("shared/host")).unwrap();
        symlink("../shared", task.join("images")).unwrap();
        symlink("/etc", task.join("templates")).unwrap();
        symlink("/", task.join("attachments/root")).unwrap();
        symlink("../../shared/ok.txt", task.join("attachments/ok.txt")).unwrap();
        let mut found = escaping(&root, &task);
        found.sort();
        assert_eq!(
            found,
            [
                "attachments/root -> /",
                "images/host -> /etc/hostname",
                "templates -> /etc"
            ]
        );
        assert!(inside(&root, &task.join("attachments/ok.txt")).is_some());
        assert!(inside(&root, &task.join("images/host")).is_none());
    }
}
