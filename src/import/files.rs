//! A task's `attachments/` and `images/` on disk: found with the loader's link rules, held to
//! size caps, compared with what the database holds, read for storing.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::links;
use crate::tasks::stored_files::{FOLDERS, FileChanges, FileKey, NewFile};

const MIB: u64 = 1024 * 1024;

/// How large one task file, and all files of one task together, may be.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    pub per_file: u64,
    pub per_task: u64,
}

/// The caps imports use: a task file is course material, not a data set, and each is stored in
/// the database and read whole into memory when served.
pub const CAPS: Caps = Caps {
    per_file: 20 * MIB,
    per_task: 100 * MIB,
};

/// A file of a task folder, found on disk and not read yet.
#[derive(Clone, Debug)]
pub struct FoundFile {
    /// Folder, path and hash, as they are stored.
    pub key: FileKey,
    pub size: u64,
    /// The real file (links resolved), inside the repository.
    pub source: PathBuf,
}

/// The files in the served folders of the task directory `task`, by folder and path.
///
/// Links are followed while they stay inside the repository `root` (itself canonical); those
/// leading out are left out (and reported by [`links::escaping`]). Hidden files and folders are
/// left out too: the file route never serves a name starting with a dot.
///
/// # Errors
/// Why the task cannot be imported: a name that is not UTF-8, a file over `caps`, an I/O error.
pub fn find(root: &Path, task: &Path, caps: Caps) -> Result<Vec<FoundFile>, String> {
    let mut found = Vec::new();
    let mut total = 0;
    for folder in FOLDERS {
        let dir = task.join(folder);
        // A folder linked out of the repository is never read; a missing one holds nothing.
        let Some(real) = links::inside(root, &dir) else {
            continue;
        };
        let mut walk = walkdir::WalkDir::new(&real)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walk.next() {
            let entry = match entry {
                Ok(entry) => entry,
                // Dangling links and links to a folder above lead nowhere.
                Err(error) if error.loop_ancestor().is_some() || is_not_found(&error) => continue,
                Err(error) => return Err(format!("cannot read {folder}/: {error}")),
            };
            if entry.depth() == 0 {
                continue;
            }
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let inside = if hidden {
                None
            } else {
                links::inside(root, entry.path())
            };
            let Some(source) = inside else {
                if entry.file_type().is_dir() {
                    walk.skip_current_dir();
                }
                continue;
            };
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry.path().strip_prefix(&real).unwrap_or(entry.path());
            let path = stored_path(folder, relative)?;
            let size = entry
                .metadata()
                .map_err(|error| format!("cannot read {folder}/{path}: {error}"))?
                .len();
            if size > caps.per_file {
                return Err(format!(
                    "{folder}/{path} is {}, over the limit of {} per task file",
                    amount(size),
                    amount(caps.per_file)
                ));
            }
            total += size;
            if total > caps.per_task {
                return Err(format!(
                    "attachments/ and images/ hold more than the limit of {} per task \
                     (reached at {folder}/{path})",
                    amount(caps.per_task)
                ));
            }
            let sha256 =
                hash(&source).map_err(|error| format!("cannot read {folder}/{path}: {error}"))?;
            found.push(FoundFile {
                key: FileKey {
                    folder: (*folder).to_owned(),
                    path,
                    sha256,
                },
                size,
                source,
            });
        }
    }
    Ok(found)
}

/// What storing `found` changes in the `stored` files of the same task (found files are not
/// read yet: [`read`] does that for those that need writing).
#[must_use]
pub fn changes(stored: &[FileKey], found: &[FoundFile]) -> (Vec<FoundFile>, Vec<FileKey>) {
    let write = found
        .iter()
        .filter(|file| !stored.contains(&file.key))
        .cloned()
        .collect();
    let remove = stored
        .iter()
        .filter(|key| {
            !found
                .iter()
                .any(|file| file.key.folder == key.folder && file.key.path == key.path)
        })
        .cloned()
        .collect();
    (write, remove)
}

/// Reads the files to `write` and pairs them with the ones to `remove`.
///
/// # Errors
/// Why the task cannot be imported: a file that cannot be read, or grew past the cap since it
/// was found.
pub fn read(
    write: Vec<FoundFile>,
    remove: Vec<FileKey>,
    caps: Caps,
) -> Result<FileChanges, String> {
    let mut written = Vec::with_capacity(write.len());
    for file in write {
        let name = format!("{}/{}", file.key.folder, file.key.path);
        let mut content = Vec::new();
        std::fs::File::open(&file.source)
            .and_then(|opened| opened.take(caps.per_file + 1).read_to_end(&mut content))
            .map_err(|error| format!("cannot read {name}: {error}"))?;
        if content.len() as u64 > caps.per_file {
            return Err(format!(
                "{name} is over the limit of {} per task file",
                amount(caps.per_file)
            ));
        }
        // What is stored is what was read, whatever happened to the file since it was found.
        let sha256 = hex::encode(Sha256::digest(&content));
        written.push(NewFile {
            key: FileKey { sha256, ..file.key },
            content,
        });
    }
    Ok(FileChanges {
        write: written,
        remove,
    })
}

/// `relative` as stored: `/`-separated UTF-8, which PostgreSQL's TEXT can hold.
fn stored_path(folder: &str, relative: &Path) -> Result<String, String> {
    let mut parts = Vec::new();
    for part in relative.components() {
        let Some(part) = part.as_os_str().to_str() else {
            return Err(format!(
                "{folder}/{}: the file name is not valid UTF-8",
                relative.to_string_lossy()
            ));
        };
        if part.contains('\0') {
            return Err(format!(
                "{folder}/{part:?}: the file name contains a NUL character"
            ));
        }
        parts.push(part);
    }
    Ok(parts.join("/"))
}

fn hash(file: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(file)?, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

fn is_not_found(error: &walkdir::Error) -> bool {
    error
        .io_error()
        .is_some_and(|error| error.kind() == std::io::ErrorKind::NotFound)
}

/// A size for a reason: whole MiB when it is one, else bytes.
fn amount(bytes: u64) -> String {
    if bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    const SMALL: Caps = Caps {
        per_file: 10,
        per_task: 15,
    };

    fn task() -> (tempfile::TempDir, PathBuf) {
        let repository = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(repository.path()).unwrap();
        std::fs::create_dir_all(root.join("task/attachments/sub dir")).unwrap();
        std::fs::create_dir_all(root.join("task/images")).unwrap();
        (repository, root)
    }

    fn paths(found: &[FoundFile]) -> Vec<String> {
        found
            .iter()
            .map(|file| format!("{}/{}", file.key.folder, file.key.path))
            .collect()
    }

    #[test]
    fn files_are_found_in_both_folders_with_nested_and_odd_names_but_not_hidden_ones() {
        let (_repository, root) = task();
        let task = root.join("task");
        std::fs::write(task.join("attachments/Übung 1.txt"), "ü").unwrap();
        std::fs::write(task.join("attachments/sub dir/a.txt"), "a").unwrap();
        std::fs::write(task.join("attachments/.secret"), "no").unwrap();
        std::fs::write(task.join("images/pic.png"), "png").unwrap();
        std::fs::write(task.join("task.md"), "not served").unwrap();
        let found = find(&root, &task, SMALL).unwrap();
        assert_eq!(
            paths(&found),
            [
                "attachments/sub dir/a.txt",
                "attachments/Übung 1.txt",
                "images/pic.png"
            ]
        );
        assert_eq!(found[2].size, 3);
        assert_eq!(found[2].key.sha256, hex::encode(Sha256::digest(b"png")));
    }

    #[test]
    fn a_file_over_a_cap_and_a_task_over_its_cap_are_refused_by_name() {
        let (_repository, root) = task();
        let task = root.join("task");
        std::fs::write(task.join("attachments/big.bin"), [0; 11]).unwrap();
        let error = find(&root, &task, SMALL).unwrap_err();
        assert_eq!(
            error,
            "attachments/big.bin is 11 bytes, over the limit of 10 bytes per task file"
        );
        assert!(find(&root, &task, CAPS).is_ok());
        std::fs::write(task.join("attachments/big.bin"), [0; 10]).unwrap();
        std::fs::write(task.join("images/more.bin"), [0; 6]).unwrap();
        let error = find(&root, &task, SMALL).unwrap_err();
        assert!(error.contains("limit of 15 bytes per task"), "{error}");
        assert!(error.contains("images/more.bin"), "{error}");
        assert_eq!(amount(CAPS.per_file), "20 MiB");
    }

    #[test]
    fn a_name_that_is_not_utf8_is_refused() {
        let (_repository, root) = task();
        let task = root.join("task");
        let name = std::ffi::OsStr::from_bytes(b"bad\xff.txt");
        std::fs::write(task.join("images").join(name), "x").unwrap();
        let error = find(&root, &task, SMALL).unwrap_err();
        assert!(error.contains("images/bad"), "{error}");
        assert!(error.contains("not valid UTF-8"), "{error}");
    }

    #[test]
    fn links_are_followed_inside_the_repository_only() {
        let (_repository, root) = task();
        let task = root.join("task");
        std::fs::create_dir_all(root.join("shared")).unwrap();
        std::fs::write(root.join("shared/ok.txt"), "ok").unwrap();
        std::os::unix::fs::symlink("../../shared/ok.txt", task.join("attachments/ok.txt")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", task.join("attachments/host")).unwrap();
        std::os::unix::fs::symlink("/etc", task.join("attachments/etc")).unwrap();
        std::os::unix::fs::symlink("missing", task.join("attachments/dangling")).unwrap();
        std::os::unix::fs::symlink(".", task.join("images/loop")).unwrap();
        let found = find(&root, &task, CAPS).unwrap();
        assert_eq!(paths(&found), ["attachments/ok.txt"]);
        assert_eq!(found[0].source, root.join("shared/ok.txt"));
    }

    #[test]
    fn only_new_and_changed_files_are_read_and_missing_ones_removed() {
        let (_repository, root) = task();
        let task = root.join("task");
        std::fs::write(task.join("attachments/same.txt"), "same").unwrap();
        std::fs::write(task.join("attachments/changed.txt"), "new").unwrap();
        let found = find(&root, &task, CAPS).unwrap();
        let key = |path: &str, content: &[u8]| FileKey {
            folder: "attachments".into(),
            path: path.into(),
            sha256: hex::encode(Sha256::digest(content)),
        };
        let stored = [
            key("changed.txt", b"old"),
            key("gone.txt", b"gone"),
            key("same.txt", b"same"),
        ];
        let (write, remove) = changes(&stored, &found);
        assert_eq!(paths(&write), ["attachments/changed.txt"]);
        assert_eq!(remove, [key("gone.txt", b"gone")]);
        let changes = read(write, remove, CAPS).unwrap();
        assert_eq!(changes.write[0].content, b"new");
        assert_eq!(changes.write[0].key, key("changed.txt", b"new"));
    }
}
