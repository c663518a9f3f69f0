//! The repository copy's way into the `make` container and back, through Docker's archive API:
//! the Docker host needs no path shared with this server, and may be another machine.
//!
//! `make` sees the copy without `.git`, owned by its unprivileged user; afterwards, what it left
//! replaces everything in the copy but `.git`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use bollard::Docker;
use bollard::query_parameters::{DownloadFromContainerOptions, UploadToContainerOptions};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

/// The most the copy may hold on either way, packed.
pub const MAX_BYTES: u64 = 1 << 30;

/// Git's folder, kept on this side.
const GIT: &str = ".git";
/// The copy's name in the archives, and in the folder it is uploaded into.
pub const FOLDER: &str = "repository";

/// Uploads the copy `dir` (but `.git`) as [`FOLDER`] into `path` of the created container `id`,
/// every entry owned by `owner` (uid, gid), modes, times and symlinks as they are.
pub async fn upload(
    docker: &Docker,
    id: &str,
    path: &str,
    dir: &Path,
    owner: (u32, u32),
) -> Result<(), String> {
    let root = dir.to_owned();
    let tar = tokio::task::spawn_blocking(move || pack(&root, owner))
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| format!("cannot pack the copy: {error}"))?;
    if tar.len() as u64 > MAX_BYTES {
        return Err(format!(
            "the repository holds more than {} MiB",
            MAX_BYTES >> 20
        ));
    }
    let options = UploadToContainerOptions {
        path: path.to_owned(),
        ..UploadToContainerOptions::default()
    };
    docker
        .upload_to_container(id, Some(options), bollard::body_full(tar.into()))
        .await
        .map_err(|error| format!("docker: uploading the copy: {error}"))
}

fn pack(dir: &Path, (uid, gid): (u32, u32)) -> io::Result<Vec<u8>> {
    let owned = |metadata: &fs::Metadata| {
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(metadata, tar::HeaderMode::Complete);
        header.set_uid(uid.into());
        header.set_gid(gid.into());
        header
    };
    let mut builder = tar::Builder::new(Vec::new());
    // The folder itself too, so that it is owned like its contents (Docker leaves the
    // ownership of the folder it unpacks into as it is).
    let mut top = owned(&fs::metadata(dir)?);
    builder.append_data(&mut top, FOLDER, io::empty())?;
    let root = Path::new(FOLDER);
    crate::runner::tarball::pack_tree(&mut builder, dir, root, &mut |name, metadata| {
        (name != root.join(GIT)).then(|| owned(metadata))
    })?;
    builder.into_inner()
}

/// Downloads `path` of the stopped container `id` and puts what it holds in place of everything
/// in `dir` but `.git`. Nothing in `dir` changes unless the whole download arrived and unpacked.
pub async fn download(docker: &Docker, id: &str, path: &str, dir: &Path) -> Result<(), String> {
    let parent = dir.parent().unwrap_or(dir).to_owned();
    let part = tempfile::NamedTempFile::new_in(&parent)
        .map_err(|error| format!("cannot store the result of make: {error}"))?;
    let mut file = tokio::fs::File::from_std(
        part.reopen()
            .map_err(|error| format!("cannot store the result of make: {error}"))?,
    );
    let options = DownloadFromContainerOptions {
        path: path.to_owned(),
    };
    let mut stream = docker.download_from_container(id, Some(options));
    let mut received = 0_u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|error| format!("docker: reading the copy back: {error}"))?;
        received += chunk.len() as u64;
        if received > MAX_BYTES {
            return Err(format!(
                "make left more than {} MiB in the repository",
                MAX_BYTES >> 20
            ));
        }
        file.write_all(&chunk)
            .await
            .map_err(|error| format!("cannot store the result of make: {error}"))?;
    }
    file.flush()
        .await
        .map_err(|error| format!("cannot store the result of make: {error}"))?;
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || replace(part.path(), &parent, &dir))
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| format!("cannot unpack the result of make: {error}"))
}

/// Unpacks `archive` (one folder, named like the container's path) next to `dir`, then moves its
/// contents into `dir` in place of all but `.git`.
fn replace(archive: &Path, parent: &Path, dir: &Path) -> io::Result<()> {
    let unpacked = tempfile::tempdir_in(parent)?;
    // Entries never land outside `unpacked`: tar refuses `..`, and paths through symlinks.
    tar::Archive::new(fs::File::open(archive)?).unpack(unpacked.path())?;
    let mut roots = fs::read_dir(unpacked.path())?.collect::<io::Result<Vec<_>>>()?;
    let root: PathBuf = match roots.as_slice() {
        [one] if one.file_type()?.is_dir() => roots.remove(0).path(),
        _ => return Err(io::Error::other("the archive is not one folder")),
    };
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == GIT {
            continue;
        }
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    for entry in fs::read_dir(&root)? {
        let entry = entry?;
        if entry.file_name() != GIT {
            fs::rename(entry.path(), dir.join(entry.file_name()))?;
        }
    }
    Ok(())
}
