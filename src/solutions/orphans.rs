//! Check containers whose check no longer runs under their claim anywhere: found by label on the
//! Docker host and removed by whichever instance of this installation sees them first.
//!
//! Only this installation's containers are touched (its label, as on its checker images): other
//! installations may share the Docker host, with checks our database knows nothing about.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bollard::Docker;
use bollard::models::ContainerSummary;
use bollard::query_parameters::{ListContainersOptions, RemoveContainerOptions};

use super::queue::Job;
use super::state::CheckStatus;
use crate::db::DbPool;
use crate::import::image::OWNER_LABEL;
use crate::on_pool;
use crate::runner::sandbox::{self, LABEL, SandboxError};

/// The instance that ran the container's check.
pub const INSTANCE_LABEL: &str = "inloop.instance";
/// The check's id.
pub const CHECK_ID_LABEL: &str = "inloop.check_id";
/// The claim's attempt number: a later claim of the same check makes this container an orphan.
pub const ATTEMPT_LABEL: &str = "inloop.attempt";

/// The labels of the container that runs `job` for `instance` of `installation`.
#[must_use]
pub fn labels(installation: &str, instance: &str, job: &Job) -> HashMap<String, String> {
    HashMap::from([
        (OWNER_LABEL.to_owned(), installation.to_owned()),
        (INSTANCE_LABEL.to_owned(), instance.to_owned()),
        (CHECK_ID_LABEL.to_owned(), job.check_id.to_string()),
        (ATTEMPT_LABEL.to_owned(), job.attempts.to_string()),
    ])
}

/// Sweep failures: Docker's or the database's.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Docker(#[from] SandboxError),
    #[error("listing check containers failed")]
    List(#[source] bollard::errors::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Removes `installation`'s check containers older than `grace` whose check does not run under
/// their claim (finished, cancelled, unknown, or claimed again since); returns how many.
///
/// The containers are listed before the running checks are read, and a container is made only
/// after its claim is stored, so a live check's container is always recognised; `grace` covers
/// containers of older versions without the claim labels, and clocks.
pub async fn sweep(
    docker: &Docker,
    db: &DbPool,
    installation: &str,
    grace: Duration,
) -> Result<usize, SweepError> {
    let owner = HashMap::from([(OWNER_LABEL.to_owned(), installation.to_owned())]);
    let containers = list(docker, &owner).await?;
    if containers.is_empty() {
        return Ok(0);
    }
    let sql = "SELECT id, attempts FROM checks WHERE status = $1";
    let running: HashSet<(i64, i64)> = on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(CheckStatus::Running)
        .fetch_all(pool)
        .await)?
    .into_iter()
    .collect();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let grace = i64::try_from(grace.as_secs()).unwrap_or(i64::MAX);
    let mut removed = 0;
    for container in containers {
        let (Some(id), Some(labels)) = (container.id, container.labels) else {
            continue;
        };
        if container
            .created
            .is_some_and(|created| now - created < grace)
        {
            continue;
        }
        let claim = |label: &str| {
            labels
                .get(label)
                .and_then(|value| value.parse::<i64>().ok())
        };
        if let (Some(check), Some(attempt)) = (claim(CHECK_ID_LABEL), claim(ATTEMPT_LABEL))
            && running.contains(&(check, attempt))
        {
            continue;
        }
        if remove(docker, &id).await? {
            tracing::info!(container = id, check = ?claim(CHECK_ID_LABEL), "removed an orphaned check container");
            removed += 1;
        }
    }
    Ok(removed)
}

/// Check containers (running or not) carrying all of `labels`.
async fn list(
    docker: &Docker,
    labels: &HashMap<String, String>,
) -> Result<Vec<ContainerSummary>, SweepError> {
    let mut wanted = vec![format!("{LABEL}=1")];
    wanted.extend(labels.iter().map(|(key, value)| format!("{key}={value}")));
    let filters = HashMap::from([("label".to_owned(), wanted)]);
    docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..ListContainersOptions::default()
        }))
        .await
        .map_err(SweepError::List)
}

/// Force-removes a container; `false` when it was gone or being removed already.
async fn remove(docker: &Docker, id: &str) -> Result<bool, SweepError> {
    let options = RemoveContainerOptions {
        force: true,
        ..RemoveContainerOptions::default()
    };
    match docker.remove_container(id, Some(options)).await {
        Ok(()) => Ok(true),
        Err(error) if sandbox::is_gone(&error) => Ok(false),
        Err(source) => Err(SandboxError::Docker {
            action: "removing an orphaned check container",
            source,
        }
        .into()),
    }
}

/// Removes the containers of `job` (this instance stopped running it), and waits until Docker
/// lists none (one being removed by its own run is still listed): the process may be about to
/// exit.
pub async fn remove_of(docker: &Docker, installation: &str, instance: &str, job: &Job) {
    let labels = labels(installation, instance, job);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let removed = match list(docker, &labels).await {
            Ok(containers) if containers.is_empty() => return,
            Ok(containers) => {
                for id in containers.into_iter().filter_map(|container| container.id) {
                    if let Err(error) = remove(docker, &id).await {
                        tracing::warn!(%error, check = job.check_id, "removing a check's container failed");
                    }
                }
                Ok(())
            }
            Err(error) => Err(error),
        };
        if let Err(error) = removed {
            tracing::warn!(%error, check = job.check_id, "listing a check's containers failed");
        }
        if tokio::time::Instant::now() >= deadline {
            tracing::error!(
                check = job.check_id,
                "a check's container outlived its removal"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
