//! A check's volumes, both size-capped tmpfs volumes (never the Docker host's disk) kept mounted
//! by a holder container: the input, uploaded through Docker's archive API before the checker
//! starts, and the output storage, read back the same way after it exits. Nothing is bind-mounted,
//! so the Docker host may be another machine.

use std::io::Read;
use std::path::{Component, Path};

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::models::{ContainerCreateBody, HostConfig, Mount};
use bollard::query_parameters::UploadToContainerOptions;

use super::container::{Container, LABEL};
use super::input::InputArchive;
use super::{CheckRequest, CollectedFile, Limits, SandboxError, archive, holder, volume};

/// Where the holder mounts the storage volume.
const HOLDER_PATH: &str = "/storage";
/// Where the holder mounts the input volume.
const HOLDER_INPUT: &str = "/input";

/// Tasks the holder may have: enough for runc's init (its threads count) to start the one
/// program, which never forks.
const HOLDER_PROCESSES: i64 = 32;

/// What one storage entry costs at least, so that a million empty files count too.
pub(super) const ENTRY_BYTES: u64 = 4096;

/// The storage and input volumes and their holder, removed by [`Storage::remove`], or in the
/// background when dropped without it.
pub(super) struct Storage {
    docker: Docker,
    volume: String,
    input: String,
    holder: Option<Container>,
}

/// What the checker left in storage.
pub(super) struct Stored {
    pub(super) files: Vec<CollectedFile>,
    /// Whether the checker used more than its storage limit (writes beyond it failed).
    pub(super) over_limit: bool,
}

/// The tmpfs's size: a little more than the limit, so that a checker that filled it is seen to
/// be over the limit. Its pages count against the check's memory limit too.
pub(super) fn tmpfs_bytes(limits: &Limits) -> u64 {
    limits.storage_bytes.saturating_add(64 * 1024)
}

impl Storage {
    /// Creates the volumes, storage sized by the limits and input by `input`; [`Storage::hold`]
    /// starts their holder.
    pub(super) async fn create(
        docker: &Docker,
        request: &CheckRequest,
        input: &InputArchive,
    ) -> Result<Self, SandboxError> {
        let limits = &request.limits;
        // Entries beyond the limit's worth of `ENTRY_BYTES` fail too.
        let inodes = limits.storage_bytes / ENTRY_BYTES + 16;
        let storage = format!(
            "size={},nr_inodes={inodes},mode=1777,nosuid,nodev",
            tmpfs_bytes(limits)
        );
        let input_options = format!(
            "size={},nr_inodes={},mode=0755,nosuid,nodev",
            input.tmpfs_bytes(),
            input.tmpfs_inodes()
        );
        let (volume, input) = tokio::join!(
            volume::create(docker, request, "storage", storage),
            volume::create(docker, request, "input", input_options)
        );
        // Either one made is removed when this is dropped for the other's failure.
        let created = Self {
            docker: docker.clone(),
            volume: volume.as_ref().cloned().unwrap_or_default(),
            input: input.as_ref().cloned().unwrap_or_default(),
            holder: None,
        };
        volume.and(input)?;
        Ok(created)
    }

    /// Starts the holder and uploads the input: both volumes are mounted from then on, storage
    /// empty, until they are removed.
    pub(super) async fn hold(
        &mut self,
        docker: &Docker,
        request: &CheckRequest,
        input: InputArchive,
    ) -> Result<(), SandboxError> {
        let mut labels = request.labels.clone();
        labels.insert(LABEL.to_owned(), "1".to_owned());
        let config = ContainerCreateBody {
            image: Some(holder::image(docker).await?),
            labels: Some(labels),
            user: Some(super::user::NOBODY.to_owned()),
            host_config: Some(HostConfig {
                mounts: Some(vec![
                    self.mount(HOLDER_PATH),
                    volume::mount(&self.input, HOLDER_INPUT, false),
                ]),
                network_mode: Some("none".to_owned()),
                readonly_rootfs: Some(true),
                cap_drop: Some(vec!["ALL".to_owned()]),
                security_opt: Some(vec!["no-new-privileges".to_owned()]),
                memory: Some(16 << 20),
                // A limit of 1 failed starts under load: "cannot start a stopped process".
                pids_limit: Some(HOLDER_PROCESSES),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        };
        let holder = Container::create(docker, config)
            .await
            .inspect_err(|error| {
                // The image was removed since it was found: find or build it again next time.
                if let SandboxError::Docker {
                    source:
                        DockerError::DockerResponseServerError {
                            status_code: 404, ..
                        },
                    ..
                } = error
                {
                    holder::forget();
                }
            })?;
        let started = docker.start_container(holder.id(), None).await;
        let id = holder.id().to_owned();
        self.holder = Some(holder);
        started.map_err(SandboxError::docker("starting the storage holder"))?;
        let options = UploadToContainerOptions {
            path: HOLDER_INPUT.to_owned(),
            ..UploadToContainerOptions::default()
        };
        docker
            .upload_to_container(&id, Some(options), bollard::body_full(input.tar.into()))
            .await
            .map_err(SandboxError::docker("uploading the submitted files"))
    }

    /// The storage volume mounted at `target`, writable.
    pub(super) fn mount(&self, target: &str) -> Mount {
        volume::mount(&self.volume, target, false)
    }

    /// The input volume mounted at `target`, read-only.
    pub(super) fn input_mount(&self, target: &str) -> Mount {
        volume::mount(&self.input, target, true)
    }

    /// The regular files directly in storage, by name, each and all within `limits`.
    pub(super) async fn collect(&self, limits: &Limits) -> Result<Stored, SandboxError> {
        let Some(holder) = &self.holder else {
            return Ok(Stored {
                files: Vec::new(),
                over_limit: false,
            });
        };
        // The tmpfs caps the content; tar adds headers (two blocks at most per entry).
        let inodes = usize::try_from(limits.storage_bytes / ENTRY_BYTES + 16).unwrap_or(0);
        let max_bytes = usize::try_from(tmpfs_bytes(limits))
            .unwrap_or(usize::MAX)
            .saturating_add(inodes.saturating_mul(2048))
            .saturating_add(1 << 20);
        let downloaded = archive::download(&self.docker, holder.id(), HOLDER_PATH, max_bytes)
            .await
            .map_err(SandboxError::docker("reading the storage"))?;
        let Some((tar, cut)) = downloaded else {
            return Ok(Stored {
                files: Vec::new(),
                over_limit: false,
            });
        };
        let (max_files, file_bytes, limit) =
            (limits.max_files, limits.file_bytes, limits.storage_bytes);
        let mut stored =
            tokio::task::spawn_blocking(move || read(&tar, max_files, file_bytes, limit))
                .await
                .map_err(|error| SandboxError::Host {
                    action: "reading the storage archive",
                    source: std::io::Error::other(error),
                })?
                .map_err(SandboxError::host("reading the storage archive"))?;
        stored.over_limit |= cut;
        Ok(stored)
    }

    /// Removes the holder, then the volumes (and with them everything in them, whatever its
    /// modes).
    pub(super) async fn remove(mut self) {
        let holder = self.holder.take();
        let volumes = [&mut self.volume, &mut self.input].map(std::mem::take);
        remove(&self.docker, holder, volumes).await;
    }
}

impl Drop for Storage {
    fn drop(&mut self) {
        if self.volume.is_empty() && self.input.is_empty() {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let docker = self.docker.clone();
            let holder = self.holder.take();
            let volumes = [&mut self.volume, &mut self.input].map(std::mem::take);
            runtime.spawn(async move { remove(&docker, holder, volumes).await });
        }
    }
}

async fn remove(docker: &Docker, holder: Option<Container>, volumes: [String; 2]) {
    if let Some(holder) = holder {
        holder.remove().await;
    }
    for volume in volumes.iter().filter(|volume| !volume.is_empty()) {
        volume::remove(docker, volume).await;
    }
}

/// Files directly in the archived folder (`storage/<name>`), and whether all entries together
/// cost more than `limit`, counted like a disk: whole pages, and at least one per entry.
fn read(tar: &[u8], max_files: usize, file_bytes: usize, limit: u64) -> std::io::Result<Stored> {
    let mut files = Vec::new();
    let mut used = 0_u64;
    let wanted = u64::try_from(file_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    for entry in tar::Archive::new(tar).entries()? {
        let entry = entry?;
        let path = entry.path()?.into_owned();
        let depth = path
            .components()
            .filter(|part| matches!(part, Component::Normal(_)))
            .count();
        if depth <= 1 {
            continue; // the storage folder itself
        }
        let size = entry.header().size()?;
        used = used.saturating_add(size.div_ceil(ENTRY_BYTES).max(1) * ENTRY_BYTES);
        // Not links or folders: a symlink to /etc/passwd names the host's file once outside.
        if depth == 2 && entry.header().entry_type().is_file() {
            let mut bytes = Vec::new();
            entry.take(wanted).read_to_end(&mut bytes)?;
            let truncated = bytes.len() > file_bytes;
            bytes.truncate(file_bytes);
            files.push(CollectedFile {
                name: name(&path),
                bytes,
                truncated,
            });
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files.truncate(max_files);
    Ok(Stored {
        files,
        over_limit: used > limit,
    })
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, tar::EntryType, usize)]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for &(path, kind, size) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(kind);
            header.set_size(u64::try_from(size).unwrap());
            header.set_mode(0o700);
            if kind == tar::EntryType::Symlink {
                header.set_link_name("/etc/passwd").unwrap();
            }
            header.set_cksum();
            tar.append_data(&mut header, path, vec![b'x'; size].as_slice())
                .unwrap();
        }
        tar.into_inner().unwrap()
    }

    #[test]
    fn top_level_regular_files_are_collected_and_everything_is_counted() {
        use tar::EntryType::{Directory, Regular, Symlink};
        let tar = archive(&[
            ("storage", Directory, 0),
            ("storage/b.txt", Regular, 3),
            ("storage/a.txt", Regular, 10),
            ("storage/passwd", Symlink, 0),
            ("storage/d", Directory, 0),
            ("storage/d/fill", Regular, 40_000),
        ]);

        let stored = read(&tar, 10, 4, 1 << 20).unwrap();
        let names: Vec<_> = stored.files.iter().map(|file| file.name.as_str()).collect();
        assert_eq!(names, ["a.txt", "b.txt"]);
        assert!(stored.files[0].truncated && !stored.files[1].truncated);
        assert_eq!(stored.files[0].bytes, b"xxxx");
        assert!(!stored.over_limit);

        // 4 entries of one page and 40,000 bytes in 10 pages: 14 pages.
        assert!(read(&tar, 10, 4, 13 * ENTRY_BYTES).unwrap().over_limit);
        assert!(!read(&tar, 10, 4, 14 * ENTRY_BYTES).unwrap().over_limit);
        assert_eq!(read(&tar, 1, 4, 1 << 20).unwrap().files.len(), 1);
    }
}
