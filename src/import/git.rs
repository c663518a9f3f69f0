//! Fetching the task repository into its local copy with `git` on the host, trusting nothing
//! the repository or its `make` may have left behind.
//!
//! Git's own folder lives beside the copy (`repository.git`), outside what `make` can write;
//! its config is rewritten and its hooks are removed before every import, and git runs without
//! hooks, fsmonitor, system or global config.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;

pub use super::command::CommandError;

/// How long one `git` command may take.
const GIT_TIME_LIMIT: Duration = Duration::from_mins(5);

/// Variables of the server's environment git still sees: where ssh finds its files and agent,
/// proxies, certificates.
const PASSED_ON: &[&str] = &[
    "PATH",
    "HOME",
    "SSH_AUTH_SOCK",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// The only config of the local clone: written before every import.
const CONFIG: &str = "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n";

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
    let git_dir = git_dir(dir);
    prepare(dir, &git_dir).await.map_err(|error| CommandError {
        what: format!("cannot prepare {}", dir.display()),
        reason: error.to_string(),
        output: String::new(),
    })?;
    let git = Git {
        dir,
        folder: &git_dir,
        remote,
    };
    let refspec = format!("refs/heads/{}", remote.branch);
    git.run(&[
        "fetch", "--quiet", "--depth", "1", "--", remote.url, &refspec,
    ])
    .await?;
    git.run(&["reset", "--quiet", "--hard", "FETCH_HEAD"])
        .await?;
    // Leftovers of the last `make` must not leak into this import.
    git.run(&["clean", "--quiet", "-ffdx"]).await?;
    let hash = git.run(&["rev-parse", "HEAD"]).await?;
    let message = git.run(&["log", "-1", "--format=%s"]).await?;
    Ok(Checkout {
        hash: hash.trim().to_owned(),
        message: message.trim().to_owned(),
    })
}

/// Git's folder of the copy `dir`: beside it, so nothing run inside the copy reaches it.
#[must_use]
pub fn git_dir(dir: &Path) -> PathBuf {
    dir.with_extension("git")
}

/// A fresh start for git: the copy exists without a `.git` of its own (an older INLOOP's, or
/// one a Makefile made), git's folder exists with INLOOP's config and no hooks.
async fn prepare(dir: &Path, git_dir: &Path) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let planted = dir.join(".git");
    match tokio::fs::symlink_metadata(&planted).await {
        Ok(metadata) if metadata.is_dir() => tokio::fs::remove_dir_all(&planted).await?,
        Ok(_) => tokio::fs::remove_file(&planted).await?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    if !git_dir.join("HEAD").is_file() {
        tokio::fs::create_dir_all(git_dir).await?;
        let init = Command::new("git")
            .arg("init")
            .arg("--quiet")
            .arg("--bare")
            .arg(git_dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .await?;
        if !init.status.success() {
            return Err(std::io::Error::other(format!(
                "git init: {}",
                String::from_utf8_lossy(&init.stderr).trim()
            )));
        }
    }
    tokio::fs::write(git_dir.join("config"), CONFIG).await?;
    for folder in ["hooks", "info"] {
        match tokio::fs::remove_dir_all(git_dir.join(folder)).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
    }
    Ok(())
}

/// Git on the copy, with nothing configurable from outside INLOOP.
struct Git<'a> {
    dir: &'a Path,
    folder: &'a Path,
    remote: &'a Remote<'a>,
}

impl Git<'_> {
    async fn run(&self, args: &[&str]) -> Result<String, CommandError> {
        let mut command = Command::new("git");
        command
            .arg("--git-dir")
            .arg(self.folder)
            .arg("--work-tree")
            .arg(self.dir)
            .args([
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "core.fsmonitor=false",
            ])
            .args(args)
            .current_dir(self.dir)
            // Nothing of the server's environment (secrets, GIT_* variables) reaches git but
            // what fetching needs.
            .env_clear()
            .envs(
                PASSED_ON
                    .iter()
                    .filter_map(|name| Some((name, std::env::var_os(name)?))),
            )
            .env("LANG", "C.UTF-8")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        if let Some(ssh) = ssh_command(self.remote) {
            command.env("GIT_SSH_COMMAND", ssh);
        }
        let what = format!("git {}", args.first().copied().unwrap_or_default());
        let output = super::command::run(command, &what, GIT_TIME_LIMIT).await?;
        Ok(output.stdout)
    }
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
