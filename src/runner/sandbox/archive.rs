//! Reading files out of a container through Docker's archive API, within a size limit.

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::query_parameters::DownloadFromContainerOptions;
use futures_util::StreamExt;

/// The tar archive of `path` in the container `id` (created, running or stopped), or `None`
/// when the path does not exist. Stops reading past `max_bytes` and returns what it has, flagged
/// as cut: the caller decides whether a cut archive is of use.
pub(super) async fn download(
    docker: &Docker,
    id: &str,
    path: &str,
    max_bytes: usize,
) -> Result<Option<(Vec<u8>, bool)>, DockerError> {
    let options = DownloadFromContainerOptions {
        path: path.to_owned(),
    };
    let mut stream = docker.download_from_container(id, Some(options));
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(DockerError::DockerResponseServerError {
                status_code: 404, ..
            }) => return Ok(None),
            Err(error) => return Err(error),
        };
        if bytes.len() + chunk.len() > max_bytes {
            let room = max_bytes - bytes.len();
            bytes.extend_from_slice(&chunk[..room]);
            return Ok(Some((bytes, true)));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some((bytes, false)))
}
