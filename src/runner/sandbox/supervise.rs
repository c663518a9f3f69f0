//! Watching a running check: output and wall time until exit or kill, then its state.

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as DockerError;
use bollard::query_parameters::{LogsOptions, WaitContainerOptions};
use futures_util::StreamExt;

use super::container::is_gone;
use super::output::Capture;
use super::usage::{Peaks, Usage};
use super::{Limits, SandboxError};
use crate::metrics::METRICS;

/// How long the rest of a killed check's log is read.
const DRAIN: Duration = Duration::from_secs(2);

/// How long a killed container may take to stop; generous for a loaded machine.
const STOP_GRACE: Duration = Duration::from_mins(1);

/// What was seen of a check that ran.
pub(super) struct Watched {
    pub(super) exit_code: i64,
    pub(super) stdout: Capture,
    pub(super) stderr: Capture,
    pub(super) timed_out: bool,
    pub(super) oom_killed: bool,
    pub(super) output_limit_hit: bool,
    pub(super) duration: Duration,
    pub(super) usage: Usage,
}

#[derive(PartialEq)]
enum End {
    Exited,
    TimeLimit,
    OutputLimit,
}

/// Starts the container (`begun` is the check's first Docker call, for the start latency) and
/// follows it until it exits or a limit ends it, then reads its state.
pub(super) async fn supervise(
    docker: &Docker,
    id: &str,
    limits: &Limits,
    begun: Instant,
) -> Result<Watched, SandboxError> {
    docker
        .start_container(id, None)
        .await
        .map_err(SandboxError::docker("starting the container"))?;
    let started = Instant::now();
    METRICS
        .container_start
        .observe(started.duration_since(begun).as_secs_f64());
    // `logs` with `follow`, not `attach`: killing a container with an attach stream open can
    // wedge Docker 20.10 until dockerd restarts. The log stream ends when the container stops.
    let options = LogsOptions {
        follow: true,
        stdout: true,
        stderr: true,
        ..LogsOptions::default()
    };
    let mut logs = docker.logs(id, Some(options));
    let mut stdout = Capture::new(limits.output_bytes_per_stream);
    let mut stderr = Capture::new(limits.output_bytes_per_stream);
    let deadline = tokio::time::sleep(limits.wall_time);
    tokio::pin!(deadline);
    let peaks = Peaks::default();
    // Boxed to be dropped early: no stats stream stays open while the container is killed.
    let mut sampler = Box::pin(peaks.sample(docker, id));
    let end = loop {
        tokio::select! {
            chunk = logs.next() => {
                let within_limit = match chunk {
                    None => break End::Exited,
                    Some(Ok(LogOutput::StdOut { message })) => stdout.push(&message),
                    Some(Ok(LogOutput::StdErr { message })) => stderr.push(&message),
                    Some(Ok(_)) => true,
                    Some(Err(source)) => {
                        return Err(SandboxError::Docker { action: "reading the output", source });
                    }
                };
                // Reading on and discarding would let a flood run until the wall time.
                if !within_limit {
                    break End::OutputLimit;
                }
            }
            () = &mut deadline => break End::TimeLimit,
            () = &mut sampler => {}
        }
    };
    let duration = started.elapsed();
    drop(sampler);
    // The last reading must come before the kill: a stopped container's stats are empty (see
    // `usage`), so after a natural exit the last sample stands.
    if end != End::Exited {
        peaks.read_last(docker, id).await;
        kill(docker, id).await?;
        // Docker logs stdout and stderr from separate pipes: a line written to stderr before a
        // flood on stdout can reach the log after the flood's first bytes. Read what was logged
        // until the kill (the log is capped), keeping only what fits.
        let _ = tokio::time::timeout(DRAIN, async {
            while let Some(Ok(chunk)) = logs.next().await {
                match chunk {
                    LogOutput::StdOut { message } => drop(stdout.push(&message)),
                    LogOutput::StdErr { message } => drop(stderr.push(&message)),
                    _ => {}
                }
            }
        })
        .await;
    }
    drop(logs);
    wait_stopped(docker, id).await?;
    let state = docker
        .inspect_container(id, None)
        .await
        .map_err(SandboxError::docker("inspecting the stopped container"))?
        .state
        .unwrap_or_default();
    if state.running == Some(true) {
        return Err(SandboxError::NotStopped(STOP_GRACE));
    }
    Ok(Watched {
        exit_code: state.exit_code.unwrap_or(-1),
        stdout,
        stderr,
        timed_out: end == End::TimeLimit,
        // The kernel's word, not a guess from exit code 137 (which any SIGKILL gives).
        oom_killed: state.oom_killed.unwrap_or(false),
        output_limit_hit: end == End::OutputLimit,
        duration,
        usage: peaks.usage(),
    })
}

async fn kill(docker: &Docker, id: &str) -> Result<(), SandboxError> {
    match docker.kill_container(id, None).await {
        // 409: it exited on its own meanwhile.
        Ok(())
        | Err(DockerError::DockerResponseServerError {
            status_code: 409, ..
        }) => Ok(()),
        Err(error) if is_gone(&error) => Ok(()),
        Err(source) => Err(SandboxError::Docker {
            action: "killing the container",
            source,
        }),
    }
}

/// Waits until the container is no longer running (it has exited, or is dying of a kill).
async fn wait_stopped(docker: &Docker, id: &str) -> Result<(), SandboxError> {
    let options = WaitContainerOptions {
        condition: "not-running".to_owned(),
    };
    let mut wait = docker.wait_container(id, Some(options));
    match tokio::time::timeout(STOP_GRACE, wait.next()).await {
        Err(_) => Err(SandboxError::NotStopped(STOP_GRACE)),
        // Bollard reports a non-zero exit code as an error; it is a stop all the same.
        Ok(None | Some(Ok(_) | Err(DockerError::DockerContainerWaitError { .. }))) => Ok(()),
        Ok(Some(Err(source))) => Err(SandboxError::Docker {
            action: "waiting for the container to stop",
            source,
        }),
    }
}
