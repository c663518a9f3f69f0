//! A check's tmpfs volumes on the Docker host: made, mounted, removed, and found again after a
//! crash by their labels.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::models::{Mount, MountType, VolumeCreateRequest};
use bollard::query_parameters::{ListVolumesOptions, RemoveVolumeOptions};

use super::container::{LABEL, is_gone};
use super::{CheckRequest, SandboxError};

/// A tmpfs volume (`inloop-<purpose>-…`, mounted with `options`) of the check's, carrying its
/// labels and [`LABEL`].
pub(super) async fn create(
    docker: &Docker,
    request: &CheckRequest,
    purpose: &str,
    options: String,
) -> Result<String, SandboxError> {
    let mut labels = request.labels.clone();
    labels.insert(LABEL.to_owned(), "1".to_owned());
    let created = docker
        .create_volume(VolumeCreateRequest {
            name: Some(format!("inloop-{purpose}-{:016x}", rand::random::<u64>())),
            driver: Some("local".to_owned()),
            driver_opts: Some(HashMap::from([
                ("type".to_owned(), "tmpfs".to_owned()),
                ("device".to_owned(), "tmpfs".to_owned()),
                ("o".to_owned(), options),
            ])),
            labels: Some(labels),
            ..VolumeCreateRequest::default()
        })
        .await
        .map_err(SandboxError::docker("creating a check's volume"))?;
    Ok(created.name)
}

/// How a container mounts `volume` at `target`.
pub(super) fn mount(volume: &str, target: &str, read_only: bool) -> Mount {
    Mount {
        typ: Some(MountType::VOLUME),
        source: Some(volume.to_owned()),
        target: Some(target.to_owned()),
        read_only: Some(read_only),
        ..Mount::default()
    }
}

/// Removes a volume; while a container being removed in the background (a cancelled check)
/// still uses it, Docker answers 409, so that is retried a few times.
pub(super) async fn remove(docker: &Docker, volume: &str) {
    let options = RemoveVolumeOptions { force: true };
    for attempt in 1..=10 {
        match docker.remove_volume(volume, Some(options.clone())).await {
            Ok(()) => return,
            Err(error) if is_gone(&error) => return,
            Err(DockerError::DockerResponseServerError {
                status_code: 409, ..
            }) if attempt < 10 => tokio::time::sleep(Duration::from_millis(500)).await,
            Err(error) => {
                tracing::error!(volume, %error, "could not remove a check's storage volume");
                return;
            }
        }
    }
}

/// Removes the check volumes that carry [`LABEL`] and all of `labels` (their holders must be
/// gone: see [`super::remove_orphans_labelled`]); returns how many.
pub(super) async fn remove_orphans(
    docker: &Docker,
    labels: &HashMap<String, String>,
) -> Result<usize, SandboxError> {
    let mut wanted = vec![format!("{LABEL}=1")];
    wanted.extend(labels.iter().map(|(key, value)| format!("{key}={value}")));
    let options = ListVolumesOptions {
        filters: Some(HashMap::from([("label".to_owned(), wanted)])),
    };
    let volumes = docker
        .list_volumes(Some(options))
        .await
        .map_err(SandboxError::docker("listing storage volumes"))?
        .volumes
        .unwrap_or_default();
    for volume in &volumes {
        remove(docker, &volume.name).await;
    }
    Ok(volumes.len())
}
