//! A Docker daemon whose stats cannot be read: a Unix-socket proxy to the real one that cuts
//! every connection asking for a container's stats, and passes everything else through.

use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

const DAEMON: &str = "/var/run/docker.sock";

/// The proxy's socket; it stops with the test's runtime.
pub struct NoStats {
    dir: TempDir,
}

impl NoStats {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let listener = UnixListener::bind(dir.path().join("docker.sock")).unwrap();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client));
            }
        });
        Self { dir }
    }

    /// `docker_host` for the proxy.
    pub fn url(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }
}

/// Passes requests through until one asks for stats (a client sends one request at a time, so
/// a request line starts a read), then drops both connections.
async fn relay(client: UnixStream) {
    let Ok(daemon) = UnixStream::connect(DAEMON).await else {
        return;
    };
    let (mut client_in, mut client_out) = client.into_split();
    let (mut daemon_in, mut daemon_out) = daemon.into_split();
    let answers = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut daemon_in, &mut client_out).await;
    });
    let mut buffer = vec![0; 64 * 1024];
    while let Ok(read) = client_in.read(&mut buffer).await {
        let chunk = &buffer[..read];
        let first_line = chunk.split(|b| *b == b'\n').next().unwrap_or_default();
        let asks_stats = first_line.windows(7).any(|w| w == b"/stats?");
        if read == 0 || asks_stats || daemon_out.write_all(chunk).await.is_err() {
            break;
        }
    }
    answers.abort();
}
