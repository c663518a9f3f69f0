//! The sandbox that runs one check: a fresh, locked-down container per solution,
//! under INLOOP's checker contract (see `container`).

mod archive;
mod container;
mod folders;
mod holder;
mod input;
mod output;
mod storage;
mod supervise;
mod usage;
mod user;
mod volume;

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::path::PathBuf;
use std::time::Duration;

use bollard::Docker;
use bollard::query_parameters::{ListContainersOptions, RemoveContainerOptions};

pub use container::{LABEL, is_gone};
pub use usage::Usage;

/// What a check may use. The defaults follow the original INLOOP where it had a limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Wall-clock time from start to exit; the container is killed after it.
    pub wall_time: Duration,
    /// Memory including tmpfs contents; swap is not allowed on top. 0: no limit.
    pub memory_bytes: u64,
    /// CPU time share, e.g. 1.0 for one core. 0: no limit.
    pub cpus: f64,
    /// Processes and threads together (a fork bomb stops here). 0 or less: no limit.
    pub processes: i64,
    /// Open file descriptors per process.
    pub open_files: u64,
    /// Size of the `/checker/scratch` tmpfs.
    pub scratch_bytes: u64,
    /// Space the checker may use in `/checker/output/storage`: a tmpfs volume of about this
    /// size (never the host's disk), where writes beyond it fail; using it up is an output limit.
    /// Like scratch, its contents count against `memory_bytes`.
    pub storage_bytes: u64,
    /// Bytes kept of stdout and of stderr each; the container is killed beyond it.
    pub output_bytes_per_stream: usize,
    /// Bytes kept of each collected file.
    pub file_bytes: usize,
    /// Files collected from storage, the first ones by name.
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            wall_time: Duration::from_mins(2),
            memory_bytes: 256 * MIB,
            cpus: 1.0,
            processes: 128,
            open_files: 1024,
            scratch_bytes: 32 * MIB,
            storage_bytes: 32 * MIB,
            output_bytes_per_stream: 30 * 1024,
            file_bytes: 80 * 1024,
            max_files: 32,
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// One check to run.
#[derive(Debug, Clone)]
pub struct CheckRequest {
    /// The task repository's checker image, e.g. `inloop/tasks:3f2a…`.
    pub image: String,
    /// The task's system name: the one argument the image's ENTRYPOINT receives.
    pub task_name: String,
    /// The submitted files. They are packed (readable for all) and uploaded into a volume of the
    /// run's own through Docker's API, so this folder may be private to the server, and the
    /// Docker host another machine.
    pub input_dir: PathBuf,
    /// What the check may use.
    pub limits: Limits,
    /// Extra container labels, e.g. the solution's id; `inloop.check=1` is always added. The
    /// input and storage volumes and their holder container carry them too.
    pub labels: HashMap<String, String>,
}

/// What happened in a check that ran; how to judge it is [`super::verdict`]'s business.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::struct_excessive_bools)] // independent facts, combined by the verdict
pub struct CheckOutcome {
    /// The checker's exit code; 0 means the solution passed. 137 after a kill.
    pub exit_code: i64,
    /// Standard output, capped, invalid UTF-8 replaced, with a marker line when cut.
    pub stdout: String,
    /// Standard error, like `stdout`.
    pub stderr: String,
    /// Whether stdout was cut at the limit.
    pub stdout_truncated: bool,
    /// Whether stderr was cut at the limit.
    pub stderr_truncated: bool,
    /// Whether the wall-time limit ended the check.
    pub timed_out: bool,
    /// Whether the kernel killed a process for exceeding the memory limit.
    pub oom_killed: bool,
    /// Whether output on stdout, stderr or in storage passed its limit and ended the check.
    pub output_limit_hit: bool,
    /// Time from start until exit (or until the kill).
    pub duration: Duration,
    /// Regular files the checker left in storage, sorted by name.
    pub files: Vec<CollectedFile>,
    /// CPU time, peak memory and processes, sampled while it ran; `None` where unmeasured.
    pub usage: Usage,
}

/// A file the checker left in `/checker/output/storage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectedFile {
    /// The file name (invalid UTF-8 replaced).
    pub name: String,
    /// The content, at most [`Limits::file_bytes`].
    pub bytes: Vec<u8>,
    /// Whether the file was longer than what `bytes` holds.
    pub truncated: bool,
}

/// A failure of the infrastructure rather than of the solution: the caller may retry the check.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The checker image is not on the Docker host (images are never pulled).
    #[error("the checker image {image} does not exist on the Docker host")]
    ImageMissing {
        /// The image reference asked for.
        image: String,
    },
    /// The Docker daemon failed or could not be reached.
    #[error("docker failed {action}")]
    Docker {
        /// What was being done, e.g. "creating the container".
        action: &'static str,
        /// Bollard's error.
        #[source]
        source: bollard::errors::Error,
    },
    /// The container did not stop after it had been killed.
    #[error("the container did not stop within {0:?} of being killed")]
    NotStopped(Duration),
    /// Preparing or reading the run's host folders failed.
    #[error("{action}")]
    Host {
        /// What was being done, e.g. "copying the submitted files".
        action: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl SandboxError {
    fn docker(action: &'static str) -> impl FnOnce(bollard::errors::Error) -> Self {
        move |source| Self::Docker { action, source }
    }

    fn host(action: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| Self::Host { action, source }
    }
}

/// Runs one check in a fresh container. What it leaves on the Docker host (the stopped container,
/// the holder, the volumes) is removed by [`Cleanup::finish`], which the caller awaits once it has
/// stored the outcome, so that the verdict does not wait for the removals; on every other path
/// (an error, a dropped future, a dropped [`Cleanup`]) it is removed in the background.
///
/// The solution's own failures (exit codes, limits hit) are in the [`CheckOutcome`]; an `Err`
/// means the check could not be run or observed and says nothing about the solution.
///
/// `docker` should have its API version negotiated ([`super::docker::DockerClient::negotiated`]).
pub async fn run(
    docker: &Docker,
    request: &CheckRequest,
) -> Result<(CheckOutcome, Cleanup), SandboxError> {
    let begun = std::time::Instant::now();
    let user = user::checker_user(docker, request).await?;
    let input = input::InputArchive::pack(&request.input_dir).await?;
    let mut storage = storage::Storage::create(docker, request, &input).await?;
    let config = container::config(request, &user, &storage);
    // The holder must run (and hold the input) before the checker starts; creating both at
    // once saves a round trip per check.
    let (held, created) = tokio::join!(
        storage.hold(docker, request, input),
        container::Container::create(docker, config)
    );
    let (container, id) = match created {
        Ok(container) => {
            let id = container.id().to_owned();
            (Some(container), Ok(id))
        }
        Err(error) => (None, Err(error)),
    };
    let cleanup = Cleanup { container, storage };
    let observed = match held.and(id) {
        Ok(id) => observe(docker, request, &cleanup.storage, &id, begun).await,
        Err(error) => Err(error),
    };
    match observed {
        Ok(outcome) => Ok((outcome, cleanup)),
        Err(error) => {
            cleanup.finish().await;
            Err(error)
        }
    }
}

/// Starts the created container `id` and follows it to its end, then collects its storage.
async fn observe(
    docker: &Docker,
    request: &CheckRequest,
    storage: &storage::Storage,
    id: &str,
    begun: std::time::Instant,
) -> Result<CheckOutcome, SandboxError> {
    let watched = supervise::supervise(docker, id, &request.limits, begun).await?;
    let stored = storage.collect(&request.limits).await?;
    let (stdout, stdout_truncated) = watched.stdout.into_text();
    let (stderr, stderr_truncated) = watched.stderr.into_text();
    Ok(CheckOutcome {
        exit_code: watched.exit_code,
        stdout,
        stderr,
        stdout_truncated,
        stderr_truncated,
        timed_out: watched.timed_out,
        oom_killed: watched.oom_killed,
        output_limit_hit: watched.output_limit_hit || stored.over_limit,
        duration: watched.duration,
        files: stored.files,
        usage: watched.usage,
    })
}

/// What a check left on the Docker host: its stopped container, the holder and the volumes.
#[must_use = "await `finish`, or the removals run in the background"]
pub struct Cleanup {
    container: Option<container::Container>,
    storage: storage::Storage,
}

impl Cleanup {
    /// Removes the container, then the holder and the volumes. A failure is logged, and left to
    /// the orphan sweeps.
    pub async fn finish(self) {
        if let Some(container) = self.container {
            container.remove().await;
        }
        self.storage.remove().await;
    }
}

/// The work folder of an instance's checks, where the worker writes each check's submitted files
/// before they are packed: `<data_dir>/checks/<instance>`, absolute, with the instance name made
/// safe for a path.
#[must_use]
pub fn work_dir(data_dir: &std::path::Path, instance: &str) -> PathBuf {
    let mut safe: String = instance
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    // ``, `.` and `..` would name a folder above, whose contents leftovers are removed from.
    if safe.chars().all(|c| c == '.') {
        safe.insert(0, '_');
    }
    let folder = data_dir.join("checks").join(safe);
    std::path::absolute(&folder).unwrap_or(folder)
}

/// Free space a check needs in the work folder's file system before a worker claims it: the
/// input files (limited far below this).
pub const MIN_FREE_BYTES: u64 = 16 << 20;

/// Whether the file system of `work_dir` (or of its nearest existing parent) has
/// [`MIN_FREE_BYTES`] for a check. A full disk would fail every check claimed meanwhile and use
/// up its attempts; unknown (the call failed) counts as room.
#[must_use]
pub fn room_to_work(work_dir: &std::path::Path) -> bool {
    let Some(existing) = work_dir.ancestors().find(|dir| dir.exists()) else {
        return true;
    };
    rustix::fs::statvfs(existing).map_or(true, |stats| {
        stats.f_bavail.saturating_mul(stats.f_frsize) >= MIN_FREE_BYTES
    })
}

/// Removes what checks interrupted by a crash left: every input folder in `work_dir` (whatever
/// modes it holds), and the check volumes carrying [`LABEL`] and all of `labels`. Call it after
/// [`remove_orphans_labelled`] with the same labels, which removes the containers using them.
/// Returns how many folders and volumes it removed.
pub async fn remove_leftovers<S: BuildHasher>(
    docker: &Docker,
    work_dir: &std::path::Path,
    labels: &HashMap<String, String, S>,
) -> Result<usize, SandboxError> {
    let folders = folders::remove_leftovers(work_dir).await?;
    let labels: HashMap<String, String> =
        labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    Ok(folders + volume::remove_orphans(docker, &labels).await?)
}

/// Removes every check container (labelled [`LABEL`]), running or not; for startup, when no
/// check of this server can be running. Every server sharing the Docker host is affected: give
/// each server's checks a label of its own and use [`remove_orphans_labelled`] if that matters.
pub async fn remove_orphans(docker: &Docker) -> Result<usize, SandboxError> {
    remove_orphans_labelled(docker, &HashMap::new()).await
}

/// Removes the check containers that also carry all of `labels`; returns how many.
pub async fn remove_orphans_labelled<S: BuildHasher>(
    docker: &Docker,
    labels: &HashMap<String, String, S>,
) -> Result<usize, SandboxError> {
    let mut wanted = vec![format!("{LABEL}=1")];
    wanted.extend(labels.iter().map(|(key, value)| format!("{key}={value}")));
    let filters = HashMap::from([("label".to_owned(), wanted)]);
    let orphans = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..ListContainersOptions::default()
        }))
        .await
        .map_err(SandboxError::docker("listing check containers"))?;
    let mut removed = 0;
    for id in orphans.into_iter().filter_map(|orphan| orphan.id) {
        let options = RemoveContainerOptions {
            force: true,
            ..RemoveContainerOptions::default()
        };
        match docker.remove_container(&id, Some(options)).await {
            Ok(()) => removed += 1,
            // Gone already, or being removed by its own run: nothing left to do.
            Err(error) if container::is_gone(&error) => {}
            Err(source) => {
                return Err(SandboxError::Docker {
                    action: "removing an orphaned check container",
                    source,
                });
            }
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_work_dir_is_absolute_and_one_folder_per_instance() {
        let dir = work_dir(std::path::Path::new("data"), "host:8000/../x");
        assert!(dir.is_absolute());
        assert!(
            dir.ends_with("data/checks/host_8000_.._x"),
            "{}",
            dir.display()
        );
    }
}
