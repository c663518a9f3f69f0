//! Running `git` and `make` on the local copy of the task repository, with time and output limits.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::Command;

/// How long one `git` command may take.
const GIT_TIME_LIMIT: Duration = Duration::from_mins(5);
/// How long `make` may take.
const MAKE_TIME_LIMIT: Duration = Duration::from_mins(10);
/// Output kept of one command (the rest is cut with a marker).
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// A command that failed, with what it printed.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct CommandError {
    pub what: String,
    pub reason: String,
    pub output: String,
}

/// Where and how to reach the repository.
pub struct Remote<'a> {
    pub url: &'a str,
    pub branch: &'a str,
    /// Private key for SSH URLs (a deploy key).
    pub ssh_key: Option<&'a Path>,
    /// `known_hosts` file for SSH URLs; host keys are checked strictly.
    pub known_hosts: Option<&'a Path>,
}

/// The checked-out commit.
pub struct Checkout {
    pub hash: String,
    pub message: String,
}

/// Makes `dir` hold exactly the tip of the remote branch (shallow), and returns that commit.
pub async fn sync(dir: &Path, remote: &Remote<'_>) -> Result<Checkout, CommandError> {
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|error| CommandError {
            what: format!("cannot create {}", dir.display()),
            reason: error.to_string(),
            output: String::new(),
        })?;
    if !dir.join(".git").exists() {
        git(dir, remote, &["init", "--quiet"]).await?;
    }
    let refspec = format!("refs/heads/{}", remote.branch);
    git(
        dir,
        remote,
        &[
            "fetch", "--quiet", "--depth", "1", "--", remote.url, &refspec,
        ],
    )
    .await?;
    git(dir, remote, &["reset", "--quiet", "--hard", "FETCH_HEAD"]).await?;
    // Leftovers of the last `make` must not leak into this import.
    git(dir, remote, &["clean", "--quiet", "-ffdx"]).await?;
    let hash = git(dir, remote, &["rev-parse", "HEAD"]).await?;
    let message = git(dir, remote, &["log", "-1", "--format=%s"]).await?;
    Ok(Checkout {
        hash: hash.trim().to_owned(),
        message: message.trim().to_owned(),
    })
}

async fn git(dir: &Path, remote: &Remote<'_>, args: &[&str]) -> Result<String, CommandError> {
    let mut command = Command::new("git");
    command
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    if let Some(ssh) = ssh_command(remote) {
        command.env("GIT_SSH_COMMAND", ssh);
    }
    let what = format!("git {}", args.first().copied().unwrap_or_default());
    run(command, &what, GIT_TIME_LIMIT).await
}

/// `GIT_SSH_COMMAND` for the deploy key and known hosts, if any is configured.
fn ssh_command(remote: &Remote<'_>) -> Option<String> {
    if remote.ssh_key.is_none() && remote.known_hosts.is_none() {
        return None;
    }
    let mut ssh = String::from("ssh -o BatchMode=yes -o StrictHostKeyChecking=yes");
    if let Some(key) = remote.ssh_key {
        ssh.push_str(" -o IdentitiesOnly=yes -i ");
        ssh.push_str(&shell_quote(key));
    }
    if let Some(hosts) = remote.known_hosts {
        ssh.push_str(" -o UserKnownHostsFile=");
        ssh.push_str(&shell_quote(hosts));
    }
    Some(ssh)
}

/// Git runs `GIT_SSH_COMMAND` through the shell: single-quote the path.
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// Runs `make` (the default target) in `dir`; returns its output, also when it failed.
pub async fn make(dir: &Path) -> Result<String, CommandError> {
    let mut command = Command::new("make");
    command.current_dir(dir);
    run(command, "make", MAKE_TIME_LIMIT).await
}

/// Runs `command` to its end within `limit`; stdout and stderr together, capped.
async fn run(mut command: Command, what: &str, limit: Duration) -> Result<String, CommandError> {
    let failed = |reason: String, output: String| CommandError {
        what: what.to_owned(),
        reason,
        output,
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|error| failed(format!("cannot start: {error}"), String::new()))?;
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(failed("no output pipes".into(), String::new()));
    };
    let work = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let (_, _, status) = tokio::join!(
            stdout.read_to_end(&mut out),
            stderr.read_to_end(&mut err),
            child.wait()
        );
        out.extend_from_slice(&err);
        (status, out)
    };
    match tokio::time::timeout(limit, work).await {
        Err(_) => Err(failed(
            format!("did not finish within {} s", limit.as_secs()),
            String::new(),
        )),
        Ok((Err(error), _)) => Err(failed(error.to_string(), String::new())),
        Ok((Ok(status), output)) => {
            let output = cap(&output, OUTPUT_LIMIT);
            if status.success() {
                Ok(output)
            } else {
                Err(failed(format!("{status}"), output))
            }
        }
    }
}

/// `bytes` as text (invalid UTF-8 replaced), cut to `limit` bytes with a visible marker.
#[must_use]
pub fn cap(bytes: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= limit {
        return text.into_owned();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[… output cut at {limit} bytes]", &text[..end])
}

/// The local copy of the repository inside the data directory.
#[must_use]
pub fn repository_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("repository")
}
