//! Running the task repository's `make` in a throwaway, locked-down container: whoever can push
//! to the repository runs code there, and must reach nothing of the server.
//!
//! The container sees the repository copy without `.git` (read-write, as its working directory,
//! in a volume of its own filled and read back through Docker's API: see [`super::transfer`]) and
//! nothing else of the host: no environment of the server, no Docker socket, no network unless
//! the runtime setting `import_make_network` allows it, no capabilities, a read-only root with a
//! tmpfs `/tmp`, limits on memory, CPU and processes. It runs as `nobody`, and is removed with
//! its volume and with force when `make` exits or the time limit passes, with everything it
//! started.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as DockerError;
use bollard::models::{
    ContainerCreateBody, HostConfig, HostConfigLogConfig, Mount, MountType, MountVolumeOptions,
    ResourcesUlimits,
};
use bollard::query_parameters::{
    ListContainersOptions, LogsOptions, RemoveContainerOptions, WaitContainerOptions,
};
use futures_util::StreamExt;

use super::capped::CappedLog;
use super::command::CommandError;
use super::image::OWNER_LABEL;

/// The label of an import's `make` container; its value is the import run's id.
pub const LABEL: &str = "inloop.import";
/// Where the volume holding the repository copy ([`super::transfer::FOLDER`]) is mounted.
const VOLUME: &str = "/work";
/// The copy, `make`'s working directory.
const WORKDIR: &str = "/work/repository";
/// `nobody:nogroup`: who runs `make`, and owns the copy it sees.
const NOBODY: (u32, u32) = (65534, 65534);
const MEMORY_BYTES: i64 = 1024 * 1024 * 1024;
const TMP_SIZE: &str = "size=268435456";
const NANO_CPUS: i64 = 1_000_000_000;
const PROCESSES: i64 = 256;
const OPEN_FILES: i64 = 1024;
/// How long `make` may take.
pub const TIME_LIMIT: Duration = Duration::from_mins(10);

/// How and where one `make` runs.
pub struct Make<'a> {
    /// The image with `make` (config `make_image`).
    pub image: &'a str,
    /// Whether the container gets the default bridge network (`import_make_network`).
    pub network: bool,
    /// The import run, for the container's label.
    pub run: i64,
    /// This installation's name on the Docker host ([`super::image::owner`]).
    pub owner: &'a str,
    /// Wall time from start until the container is removed.
    pub time_limit: Duration,
}

impl Make<'_> {
    /// Runs `make` (the default target) on the copy `dir`, which then holds what `make` left;
    /// its output, also when it failed.
    pub async fn run(&self, docker: &Docker, dir: &Path) -> Result<String, CommandError> {
        let failed = |reason: String, output: String| CommandError {
            what: "make".into(),
            reason,
            output,
        };
        match docker.inspect_image(self.image).await {
            Ok(_) => {}
            Err(DockerError::DockerResponseServerError {
                status_code: 404, ..
            }) => {
                return Err(failed(
                    format!(
                        "the image {} (setting make_image, INLOOP_MAKE_IMAGE) does not exist \
                         on the Docker host: build it with `just images`, or name another",
                        self.image
                    ),
                    String::new(),
                ));
            }
            Err(error) => return Err(failed(format!("docker: {error}"), String::new())),
        }
        // One import runs at a time in an installation: a `make` container of its own still
        // there belongs to an instance that died during an import.
        remove_leftovers(docker, self.owner).await;
        let created = docker
            .create_container(None, self.container())
            .await
            .map_err(|error| failed(format!("docker: {error}"), String::new()))?;
        let container = Removed {
            docker: docker.clone(),
            id: created.id,
        };
        super::transfer::upload(docker, &container.id, VOLUME, dir, NOBODY)
            .await
            .map_err(|reason| failed(reason, String::new()))?;
        let mut log = CappedLog::default();
        let ended = tokio::time::timeout(self.time_limit, follow(docker, &container.id, &mut log));
        let outcome = match ended.await {
            Err(_) => Err(format!(
                "did not finish within {} s",
                self.time_limit.as_secs()
            )),
            Ok(Err(error)) => Err(format!("docker: {error}")),
            Ok(Ok(0)) => super::transfer::download(docker, &container.id, WORKDIR, dir).await,
            Ok(Ok(code)) => Err(format!("exit status: {code}")),
        };
        container.remove().await;
        let output = log.into_text();
        match outcome {
            Ok(()) => Ok(output),
            Err(reason) => Err(failed(reason, output)),
        }
    }

    fn container(&self) -> ContainerCreateBody {
        let labels = HashMap::from([
            (LABEL.to_owned(), self.run.to_string()),
            (OWNER_LABEL.to_owned(), self.owner.to_owned()),
        ]);
        let host_config = HostConfig {
            // An anonymous volume, removed with the container.
            mounts: Some(vec![Mount {
                typ: Some(MountType::VOLUME),
                target: Some(VOLUME.to_owned()),
                read_only: Some(false),
                volume_options: Some(MountVolumeOptions {
                    labels: Some(labels.clone()),
                    ..MountVolumeOptions::default()
                }),
                ..Mount::default()
            }]),
            tmpfs: Some(HashMap::from([("/tmp".to_owned(), TMP_SIZE.to_owned())])),
            readonly_rootfs: Some(true),
            network_mode: Some(if self.network { "bridge" } else { "none" }.to_owned()),
            cap_drop: Some(vec!["ALL".to_owned()]),
            security_opt: Some(vec!["no-new-privileges".to_owned()]),
            memory: Some(MEMORY_BYTES),
            memory_swap: Some(MEMORY_BYTES),
            nano_cpus: Some(NANO_CPUS),
            pids_limit: Some(PROCESSES),
            ulimits: Some(vec![ResourcesUlimits {
                name: Some("nofile".to_owned()),
                soft: Some(OPEN_FILES),
                hard: Some(OPEN_FILES),
            }]),
            // Output is read from the log, whose files on the Docker host stay within 128 MiB
            // under a flood. A follower lagging further behind loses the middle (and, far
            // behind, the head): the tail is read again at the end.
            log_config: Some(HostConfigLogConfig {
                typ: Some("json-file".to_owned()),
                config: Some(HashMap::from([
                    ("max-size".to_owned(), "32m".to_owned()),
                    ("max-file".to_owned(), "4".to_owned()),
                ])),
            }),
            auto_remove: Some(false),
            ..HostConfig::default()
        };
        ContainerCreateBody {
            image: Some(self.image.to_owned()),
            cmd: Some(vec!["make".to_owned()]),
            working_dir: Some(WORKDIR.to_owned()),
            user: Some(format!("{}:{}", NOBODY.0, NOBODY.1)),
            // Exactly this environment: nothing of the server's.
            env: Some(
                [
                    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "HOME=/tmp",
                    "TMPDIR=/tmp",
                    "LANG=C.UTF-8",
                ]
                .map(String::from)
                .to_vec(),
            ),
            labels: Some(labels),
            tty: Some(false),
            open_stdin: Some(false),
            host_config: Some(host_config),
            ..ContainerCreateBody::default()
        }
    }
}

/// Starts the container and reads its output until it stops; returns its exit code.
async fn follow(docker: &Docker, id: &str, log: &mut CappedLog) -> Result<i64, DockerError> {
    docker.start_container(id, None).await?;
    // `logs` with `follow`, never `attach` (which can wedge Docker 20.10): the stream ends when the
    // container stops, which is when `make` exits (its pid namespace dies with it, background
    // jobs included).
    let options = LogsOptions {
        follow: true,
        stdout: true,
        stderr: true,
        timestamps: true,
        ..LogsOptions::default()
    };
    let mut last = None;
    read_logs(docker, id, options, log, &mut last, false).await?;
    let options = WaitContainerOptions {
        condition: "not-running".to_owned(),
    };
    let code = match docker.wait_container(id, Some(options)).next().await {
        Some(Ok(response)) => response.status_code,
        // Bollard reports a non-zero exit as an error.
        Some(Err(DockerError::DockerContainerWaitError { code, .. })) => code,
        Some(Err(error)) => return Err(error),
        None => -1,
    };
    // Docker 20.10 may end a follow early when a flood rotates the log file under it: the
    // end of the output, which says how `make` ended, is read again from the stopped log.
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        timestamps: true,
        tail: "4000".to_owned(),
        ..LogsOptions::default()
    };
    read_logs(docker, id, options, log, &mut last, true).await?;
    Ok(code)
}

/// Appends the log entries to `log` (with `only_newer`, those after `last`); moves `last` on.
/// The parts of one long line share its time.
async fn read_logs(
    docker: &Docker,
    id: &str,
    options: LogsOptions,
    log: &mut CappedLog,
    last: &mut Option<jiff::Timestamp>,
    only_newer: bool,
) -> Result<(), DockerError> {
    let mut logs = docker.logs(id, Some(options));
    while let Some(chunk) = logs.next().await {
        let (LogOutput::StdOut { message } | LogOutput::StdErr { message }) = chunk? else {
            continue;
        };
        // Each entry starts with its time, `2026-12-04T15:00:00.123456789Z `.
        let space = message.iter().position(|&byte| byte == b' ');
        let time = space.and_then(|at| {
            let text = std::str::from_utf8(&message[..at]).ok()?;
            text.parse::<jiff::Timestamp>().ok()
        });
        let (Some(at), Some(time)) = (space, time) else {
            log.push(&message);
            continue;
        };
        if only_newer && last.is_some_and(|last| time <= last) {
            continue;
        }
        *last = Some(time);
        log.push(&message[at + 1..]);
    }
    Ok(())
}

/// Removes the `make` containers of the installation `owner`, with force.
async fn remove_leftovers(docker: &Docker, owner: &str) {
    let filters = HashMap::from([(
        "label".to_owned(),
        vec![LABEL.to_owned(), format!("{OWNER_LABEL}={owner}")],
    )]);
    let options = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..ListContainersOptions::default()
    };
    match docker.list_containers(Some(options)).await {
        Ok(leftovers) => {
            for id in leftovers.into_iter().filter_map(|container| container.id) {
                tracing::info!(
                    container = id,
                    "removing a make container left by an earlier import"
                );
                remove(docker, &id).await;
            }
        }
        Err(error) => tracing::warn!(%error, "cannot list leftover make containers"),
    }
}

/// The container, removed with force when the run is over, or in the background if dropped.
struct Removed {
    docker: Docker,
    id: String,
}

impl Removed {
    async fn remove(mut self) {
        let id = std::mem::take(&mut self.id);
        remove(&self.docker, &id).await;
    }
}

impl Drop for Removed {
    fn drop(&mut self) {
        if self.id.is_empty() {
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
    // With its anonymous volume, the copy `make` worked on.
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        ..RemoveContainerOptions::default()
    };
    for attempt in 1..=3 {
        match docker.remove_container(id, Some(options.clone())).await {
            Ok(())
            | Err(DockerError::DockerResponseServerError {
                status_code: 404, ..
            }) => return,
            Err(error) if attempt == 3 => {
                tracing::error!(container = id, %error, "could not remove a make container");
            }
            // Docker sometimes reports a busy device right after a kill; it passes quickly.
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}
