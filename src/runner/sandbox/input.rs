//! The submitted files as the checker sees them: a tar archive, uploaded through Docker's archive
//! API into a volume of the run's own, so the Docker host needs no path shared with this server.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::SandboxError;
use super::storage::ENTRY_BYTES;

/// The archive of the submitted files, readable for all: folders 0755, files 0644 (0755 when
/// executable), owned by root; symlinks and special files are left out.
pub(super) struct InputArchive {
    pub(super) tar: Vec<u8>,
    /// Bytes the files take in a tmpfs: whole pages, and at least one per entry.
    pub(super) bytes: u64,
    /// Files and folders in it.
    pub(super) entries: u64,
}

impl InputArchive {
    /// Packs the files in `input_dir` (flat or nested).
    pub(super) async fn pack(input_dir: &Path) -> Result<Self, SandboxError> {
        let input_dir = input_dir.to_owned();
        tokio::task::spawn_blocking(move || pack(&input_dir))
            .await
            .map_err(|error| SandboxError::Host {
                action: "packing the submitted files",
                source: io::Error::other(error),
            })?
            .map_err(SandboxError::host("packing the submitted files"))
    }

    /// The size of a tmpfs that holds the files, with room for the folder itself.
    pub(super) fn tmpfs_bytes(&self) -> u64 {
        self.bytes.saturating_add(64 * 1024)
    }

    /// The inodes a tmpfs needs for the files.
    pub(super) fn tmpfs_inodes(&self) -> u64 {
        self.entries.saturating_add(16)
    }
}

fn pack(input_dir: &Path) -> io::Result<InputArchive> {
    let (mut bytes, mut entries) = (0_u64, 0_u64);
    let mut builder = tar::Builder::new(Vec::new());
    crate::runner::tarball::pack_tree(
        &mut builder,
        input_dir,
        Path::new(""),
        &mut |_, metadata| {
            let mode = if metadata.is_dir() || metadata.mode() & 0o111 != 0 {
                0o755
            } else {
                0o644
            };
            if !(metadata.is_dir() || metadata.is_file()) {
                return None;
            }
            entries += 1;
            let size = if metadata.is_file() {
                metadata.len()
            } else {
                0
            };
            bytes = bytes.saturating_add(size.div_ceil(ENTRY_BYTES).max(1) * ENTRY_BYTES);
            let mut header = tar::Header::new_gnu();
            header.set_uid(0);
            header.set_gid(0);
            header.set_mode(mode);
            header.set_mtime(metadata.mtime().try_into().unwrap_or(0));
            Some(header)
        },
    )?;
    Ok(InputArchive {
        tar: builder.into_inner()?,
        bytes,
        entries,
    })
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};

    use super::*;

    #[tokio::test]
    async fn the_archive_is_readable_by_all_and_holds_no_links() {
        let submitted = tempfile::tempdir().unwrap();
        let path = |name: &str| submitted.path().join(name);
        fs::write(path("Solution.java"), "class Solution {}").unwrap();
        fs::set_permissions(path("Solution.java"), fs::Permissions::from_mode(0o600)).unwrap();
        fs::create_dir(path("lib")).unwrap();
        fs::set_permissions(path("lib"), fs::Permissions::from_mode(0o700)).unwrap();
        fs::write(path("lib/run.sh"), "#!/bin/sh").unwrap();
        fs::set_permissions(path("lib/run.sh"), fs::Permissions::from_mode(0o700)).unwrap();
        symlink("/etc/passwd", path("passwd")).unwrap();

        let archive = InputArchive::pack(submitted.path()).await.unwrap();

        let mut entries = Vec::new();
        for entry in tar::Archive::new(archive.tar.as_slice()).entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header();
            let line = format!(
                "{} {:o} {}:{}",
                entry.path().unwrap().display(),
                header.mode().unwrap(),
                header.uid().unwrap(),
                header.gid().unwrap()
            );
            let mut content = String::new();
            io::Read::read_to_string(&mut entry, &mut content).unwrap();
            entries.push((line, content));
        }
        let lines: Vec<_> = entries.iter().map(|(line, _)| line.as_str()).collect();
        assert_eq!(
            lines,
            ["Solution.java 644 0:0", "lib 755 0:0", "lib/run.sh 755 0:0"]
        );
        assert_eq!(entries[0].1, "class Solution {}");
        assert_eq!((archive.entries, archive.bytes), (3, 3 * ENTRY_BYTES));
    }

    #[tokio::test]
    async fn a_missing_input_folder_is_a_host_error() {
        let missing = Path::new("/nonexistent/inloop-input");
        let error = InputArchive::pack(missing).await.err().unwrap();
        assert!(matches!(
            error,
            SandboxError::Host {
                action: "packing the submitted files",
                ..
            }
        ));
    }
}
