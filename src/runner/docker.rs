//! The connection to the Docker Engine, with the API version negotiated (Docker 20.10 speaks 1.41).

use std::time::Duration;

use bollard::Docker;

/// The Docker client, managed as Rocket state; `None` inside when this process runs no checks.
#[derive(Clone)]
pub struct DockerClient(Option<Docker>);

/// A client for the configured Docker Engine: `docker_host` (`unix:///path` or `tcp://host:port`,
/// over TLS with client certificates when `docker_cert_path` is set), else `DOCKER_HOST`, else
/// the local socket. The API version is negotiated on use.
pub fn connect(config: &crate::config::Config) -> Result<Docker, DockerError> {
    let host = config
        .docker_host
        .as_deref()
        .filter(|host| !host.is_empty());
    let certificates = config
        .docker_cert_path
        .as_deref()
        .filter(|path| !path.as_os_str().is_empty());
    let version = bollard::API_DEFAULT_VERSION;
    let docker = match (host, certificates) {
        (Some(host), _) if host.starts_with("unix://") => {
            Docker::connect_with_unix(&host["unix://".len()..], 120, version)?
        }
        (Some(host), Some(folder)) => Docker::connect_with_ssl(
            host,
            &folder.join("key.pem"),
            &folder.join("cert.pem"),
            &folder.join("ca.pem"),
            120,
            version,
        )?,
        (Some(host), None) => Docker::connect_with_http(host, 120, version)?,
        (None, _) => Docker::connect_with_local_defaults()?,
    };
    Ok(docker)
}

/// Failure to reach Docker.
#[derive(Debug, thiserror::Error)]
#[error("docker: {0}")]
pub struct DockerError(#[from] bollard::errors::Error);

impl DockerClient {
    /// Connects lazily to the local Docker socket (`DOCKER_HOST` is honoured) when `needed`.
    pub fn new(config: &crate::config::Config, needed: bool) -> Result<Self, DockerError> {
        if !needed {
            return Ok(Self(None));
        }
        Ok(Self(Some(
            connect(config)?.with_timeout(Duration::from_secs(30)),
        )))
    }

    /// The client with the API version agreed with the daemon, when checks run here.
    pub async fn negotiated(&self) -> Option<Result<Docker, DockerError>> {
        let docker = self.0.clone()?;
        Some(docker.negotiate_version().await.map_err(DockerError))
    }

    /// Whether the daemon answers; `None` when this process runs no checks.
    pub async fn ping(&self) -> Option<Result<(), DockerError>> {
        let docker = self.0.as_ref()?;
        let answer = tokio::time::timeout(Duration::from_secs(3), docker.ping()).await;
        Some(match answer {
            Ok(result) => result.map(drop).map_err(DockerError),
            Err(_) => Err(DockerError(bollard::errors::Error::RequestTimeoutError)),
        })
    }
}
