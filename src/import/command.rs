//! Running a host command of the import: its output streamed into capped logs, its process
//! group killed at the time limit and when it ends.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use super::capped::CappedLog;

/// A command that failed, with what it printed.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct CommandError {
    pub what: String,
    pub reason: String,
    pub output: String,
}

/// What a command that exited 0 printed.
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` to its end within `limit`, in a process group of its own.
///
/// Whatever it started is killed with it: when it exits (a daemon left behind would hold the
/// pipes open) and at the time limit. Each stream keeps its head and tail ([`CappedLog`]).
pub async fn run(
    mut command: Command,
    what: &str,
    limit: Duration,
) -> Result<Output, CommandError> {
    let failed = |reason: String, output: String| CommandError {
        what: what.to_owned(),
        reason,
        output,
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|error| failed(format!("cannot start: {error}"), String::new()))?;
    let group = child.id();
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        kill_group(group);
        return Err(failed("no output pipes".into(), String::new()));
    };
    let mut out = CappedLog::default();
    let mut err = CappedLog::default();
    let work = async {
        let exited = async {
            let status = child.wait().await;
            kill_group(group);
            status
        };
        let (status, (), ()) = tokio::join!(exited, pump(stdout, &mut out), pump(stderr, &mut err));
        status
    };
    let status = tokio::time::timeout(limit, work).await;
    kill_group(group);
    let output = move || (out.into_text(), err.into_text());
    match status {
        Err(_) => {
            let (stdout, stderr) = output();
            Err(failed(
                format!("did not finish within {} s", limit.as_secs()),
                joined(&stdout, &stderr),
            ))
        }
        Ok(Err(error)) => Err(failed(error.to_string(), String::new())),
        Ok(Ok(status)) => {
            let (stdout, stderr) = output();
            if status.success() {
                Ok(Output { stdout, stderr })
            } else {
                Err(failed(status.to_string(), joined(&stdout, &stderr)))
            }
        }
    }
}

/// Standard output, then standard error.
#[must_use]
pub fn joined(stdout: &str, stderr: &str) -> String {
    match (stdout.is_empty(), stderr.is_empty()) {
        (_, true) => stdout.to_owned(),
        (true, false) => stderr.to_owned(),
        (false, false) => format!("{}\n{stderr}", stdout.trim_end_matches('\n')),
    }
}

/// Reads `stream` to its end into `log`, a chunk at a time.
async fn pump(mut stream: impl AsyncRead + Unpin, log: &mut CappedLog) {
    let mut buffer = vec![0; 16 * 1024];
    while let Ok(read @ 1..) = stream.read(&mut buffer).await {
        log.push(&buffer[..read]);
    }
}

/// Kills the process group `leader` started (its id is the group's); gone already is fine.
fn kill_group(leader: Option<u32>) {
    let Some(pid) = leader
        .and_then(|id| i32::try_from(id).ok())
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn output_is_capped_and_a_background_child_does_not_hold_the_command() {
        let mut command = Command::new("sh");
        command.args([
            "-c",
            "(sleep 600 &); head -c 1000000 /dev/zero | tr '\\0' x; echo; echo the end",
        ]);
        let started = std::time::Instant::now();
        let output = run(command, "sh", Duration::from_mins(1)).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(30));
        assert!(output.stdout.len() < 70_000, "{}", output.stdout.len());
        assert!(output.stdout.contains("bytes cut …]"));
        assert!(output.stdout.ends_with("the end\n"));
    }

    #[tokio::test]
    async fn the_time_limit_kills_the_whole_group() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo started; sleep 600 & sleep 600"]);
        let started = std::time::Instant::now();
        let error = run(command, "sh", Duration::from_millis(500))
            .await
            .err()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(error.reason.contains("did not finish"), "{error}");
        assert!(error.output.contains("started"), "{error:?}");
    }
}
