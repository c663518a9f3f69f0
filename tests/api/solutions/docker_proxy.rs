//! A stand-in for a Docker daemon that goes away: a Unix-socket proxy to the real one that can be
//! switched off (new connections refused, open ones cut) and on again.

use std::path::PathBuf;

use tempfile::TempDir;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

const DAEMON: &str = "/var/run/docker.sock";

pub struct DockerProxy {
    path: PathBuf,
    up: watch::Sender<bool>,
    _dir: TempDir,
}

impl DockerProxy {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let (up, state) = watch::channel(true);
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut state = state.clone();
                if !*state.borrow() {
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut daemon) = UnixStream::connect(DAEMON).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut daemon) => {}
                        _ = state.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Self {
            path,
            up,
            _dir: dir,
        }
    }

    /// `INLOOP_DOCKER_HOST` for the proxy.
    pub fn url(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// Switches the "daemon" on or off.
    pub fn set(&self, up: bool) {
        self.up.send_replace(up);
    }
}
