//! The check container: its locked-down configuration, and its removal on every path.

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::models::{ContainerCreateBody, HostConfig, HostConfigLogConfig, ResourcesUlimits};
use bollard::query_parameters::RemoveContainerOptions;

use super::storage::{Storage, tmpfs_bytes};
use super::{CheckRequest, Limits, SandboxError};

/// The label every check container carries (value `1`), so orphans can be found.
pub const LABEL: &str = "inloop.check";

/// The container for `request`: INLOOP's checker contract (one argument, the task's system name;
/// `/checker/input` read-only, `/checker/output/storage` and `/checker/scratch` writable; read-only
/// root; no network; hostname `localhost`), plus resource limits.
pub(super) fn config(request: &CheckRequest, user: &str, storage: &Storage) -> ContainerCreateBody {
    let limits = &request.limits;
    let mut labels = request.labels.clone();
    labels.insert(LABEL.to_owned(), "1".to_owned());
    // Docker's defaults for a tmpfs are `nosuid,nodev,noexec`; only the size is ours.
    let scratch = HashMap::from([(
        "/checker/scratch".to_owned(),
        format!("size={}", limits.scratch_bytes),
    )]);
    let memory = saturating_i64(limits.memory_bytes);
    let host_config = HostConfig {
        mounts: Some(vec![
            storage.input_mount("/checker/input"),
            storage.mount("/checker/output/storage"),
        ]),
        tmpfs: Some(scratch),
        readonly_rootfs: Some(true),
        network_mode: Some("none".to_owned()),
        cap_drop: Some(vec!["ALL".to_owned()]),
        security_opt: Some(vec!["no-new-privileges".to_owned()]),
        memory: Some(memory),
        memory_swap: Some(memory),
        nano_cpus: nano_cpus(limits.cpus),
        pids_limit: Some(limits.processes),
        ulimits: Some(ulimits(limits)),
        // Output is read from the log, so it must be a driver `logs` can read, whatever the
        // daemon's default is. Capped: the log is on the host's disk, and a flood is read only
        // up to the output limit before the container is killed.
        log_config: Some(HostConfigLogConfig {
            typ: Some("json-file".to_owned()),
            config: Some(log_options(limits)),
        }),
        // The exit state is inspected after the exit; removal is ours.
        auto_remove: Some(false),
        ..HostConfig::default()
    };
    ContainerCreateBody {
        image: Some(request.image.clone()),
        // No entrypoint here: the image's ENTRYPOINT receives the task name as its one argument.
        cmd: Some(vec![request.task_name.clone()]),
        user: Some(user.to_owned()),
        // Ant and the JVM stall resolving any other host name without a network.
        hostname: Some("localhost".to_owned()),
        labels: Some(labels),
        tty: Some(false),
        open_stdin: Some(false),
        host_config: Some(host_config),
        ..ContainerCreateBody::default()
    }
}

/// Open files; no core dumps (they would land in the working folder, or wherever the host's
/// `core_pattern` says); no file larger than the larger tmpfs, storage or scratch.
fn ulimits(limits: &Limits) -> Vec<ResourcesUlimits> {
    let nofile = saturating_i64(limits.open_files);
    let fsize = saturating_i64(tmpfs_bytes(limits).max(limits.scratch_bytes));
    [("nofile", nofile), ("core", 0), ("fsize", fsize)]
        .into_iter()
        .map(|(name, value)| ResourcesUlimits {
            name: Some(name.to_owned()),
            soft: Some(value),
            hard: Some(value),
        })
        .collect()
}

/// `json-file` options: two files of 16 MiB (or 64 times the output kept per stream) each.
/// The check is killed once the output limit is read, so the log stays far smaller unless
/// reading lags behind; then a small log would rotate output away before it is read.
fn log_options(limits: &Limits) -> HashMap<String, String> {
    let per_file = limits
        .output_bytes_per_stream
        .saturating_mul(64)
        .max(16 << 20);
    HashMap::from([
        ("max-size".to_owned(), per_file.to_string()),
        ("max-file".to_owned(), "2".to_owned()),
    ])
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Docker's CPU limit in billionths of a CPU; `None` (no limit) unless positive.
#[allow(clippy::cast_possible_truncation)] // `as` saturates, and a nano-CPU more or less is moot
fn nano_cpus(cpus: f64) -> Option<i64> {
    (cpus > 0.0).then(|| (cpus * 1e9).round() as i64)
}

/// A created container, force-removed by [`Container::remove`], or in the background when
/// dropped without it (the run's future was cancelled).
pub(super) struct Container {
    docker: Docker,
    id: String,
    removed: bool,
}

impl Container {
    pub(super) async fn create(
        docker: &Docker,
        config: ContainerCreateBody,
    ) -> Result<Self, SandboxError> {
        let created = docker
            .create_container(None, config)
            .await
            .map_err(SandboxError::docker("creating the container"))?;
        Ok(Self {
            docker: docker.clone(),
            id: created.id,
            removed: false,
        })
    }

    pub(super) fn id(&self) -> &str {
        &self.id
    }

    /// Removes the container; a failure is logged, and left to [`super::remove_orphans`].
    pub(super) async fn remove(mut self) {
        self.removed = true;
        remove(&self.docker, &self.id).await;
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let docker = self.docker.clone();
            let id = std::mem::take(&mut self.id);
            runtime.spawn(async move { remove(&docker, &id).await });
        }
    }
}

async fn remove(docker: &Docker, id: &str) {
    let options = RemoveContainerOptions {
        force: true,
        ..RemoveContainerOptions::default()
    };
    let mut attempts = 0;
    loop {
        attempts += 1;
        match docker.remove_container(id, Some(options.clone())).await {
            Ok(()) => return,
            Err(error) if is_gone(&error) => return,
            // Docker sometimes reports a busy device right after a kill; it passes quickly.
            Err(error) if attempts < 3 => {
                tracing::debug!(container = id, %error, "retrying the removal of a check container");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => {
                tracing::error!(container = id, %error, "could not remove a check container");
                return;
            }
        }
    }
}

/// Whether Docker says the container no longer exists, or is being removed already.
#[must_use]
pub fn is_gone(error: &DockerError) -> bool {
    match error {
        DockerError::DockerResponseServerError {
            status_code: 404, ..
        } => true,
        DockerError::DockerResponseServerError {
            status_code: 409,
            message,
        } => message.contains("already in progress"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_core_dumps_files_capped_and_the_log_too() {
        let limits = Limits::default();
        let named = |name: &str| {
            let ulimits = ulimits(&limits);
            let found = ulimits.iter().find(|u| u.name.as_deref() == Some(name));
            found.and_then(|u| u.hard)
        };
        assert_eq!(named("core"), Some(0));
        assert_eq!(
            named("fsize"),
            Some((32 << 20) + (64 << 10)),
            "storage and a little"
        );
        assert_eq!(named("nofile"), Some(1024));
        let log = log_options(&limits);
        assert_eq!(
            (log["max-size"].as_str(), log["max-file"].as_str()),
            ("16777216", "2")
        );
    }

    #[test]
    fn cpus_become_nano_cpus() {
        assert_eq!(nano_cpus(1.0), Some(1_000_000_000));
        assert_eq!(nano_cpus(0.5), Some(500_000_000));
        assert_eq!(nano_cpus(0.0), None);
    }
}
