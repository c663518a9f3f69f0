//! The checker image on this process's Docker host: pulled from `INLOOP_REGISTRY` or built from
//! the build context the import stored when the host lacks it, as a host other than the
//! importing one does (issue 16).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::Docker;

use crate::db::DbPool;
use crate::import::{contexts, image, registry};
use crate::runner::sandbox::{self, CheckOutcome, CheckRequest, Cleanup, SandboxError};

/// How long a build on demand may take: as long as the import's.
const BUILD_TIMEOUT: Duration = Duration::from_mins(30);

/// The builds of one process's workers, one at a time: workers that find the image missing while
/// another one builds it wait for that build and then find the image. Other processes build on
/// their own Docker hosts at the same time, or find the image if they share this one.
#[derive(Clone, Default)]
pub struct OnDemand {
    only_one: Arc<tokio::sync::Mutex<()>>,
    /// Where to pull images from before building them (`INLOOP_REGISTRY`).
    registry: Option<String>,
}

impl OnDemand {
    /// Pulls from `registry`, when given, before it builds.
    #[must_use]
    pub fn new(registry: Option<&str>) -> Self {
        Self {
            only_one: Arc::default(),
            registry: registry.map(str::to_owned),
        }
    }

    /// Runs `request` in the sandbox; if its image is missing on this Docker host (the sandbox's
    /// first step inspects it), builds it from its stored build context and runs it then.
    /// `installation` labels the image ([`image::owner`]). `Err` is an infrastructure failure
    /// for staff, never the solution's. The [`Cleanup`] is the sandbox's.
    pub async fn run(
        &self,
        docker: &Docker,
        db: &DbPool,
        installation: &str,
        request: &CheckRequest,
    ) -> Result<(CheckOutcome, Cleanup), String> {
        match sandbox::run(docker, request).await {
            Err(SandboxError::ImageMissing { image }) => {
                self.build(docker, db, installation, &image).await?;
                sandbox::run(docker, request).await
            }
            outcome => outcome,
        }
        .map_err(|error| error.to_string())
    }

    async fn build(
        &self,
        docker: &Docker,
        db: &DbPool,
        installation: &str,
        tag: &str,
    ) -> Result<(), String> {
        let _only_build = self.only_one.lock().await;
        if docker.inspect_image(tag).await.is_ok() {
            return Ok(());
        }
        if let Some(registry) = &self.registry {
            match registry::pull(docker, registry, tag).await {
                Ok(()) => {
                    tracing::info!(image = tag, registry, "pulled the missing checker image");
                    prune(docker, db, installation, tag).await;
                    return Ok(());
                }
                Err(reason) => tracing::warn!(
                    image = tag,
                    %reason,
                    "could not pull the missing checker image: building it instead"
                ),
            }
        }
        let tar = contexts::load(db, tag)
            .await
            .map_err(|error| format!("loading the build context of {tag}: database: {error}"))?
            .ok_or_else(|| {
                format!(
                    "the checker image {tag} does not exist on this Docker host, and the \
                     database holds no build context for it (it was imported before build \
                     contexts were stored): import the task repository again"
                )
            })?;
        tracing::info!(
            image = tag,
            bytes = tar.len(),
            "the checker image is missing on this Docker host: building it from its stored \
             build context"
        );
        let began = Instant::now();
        let context = image::Context {
            tar,
            tag: tag.to_owned(),
            owner: installation.to_owned(),
        };
        let docker = docker.clone().with_timeout(BUILD_TIMEOUT);
        if let Err(error) = image::build(&docker, context).await {
            tracing::warn!(image = tag, log = %error.log, "building the checker image failed");
            return Err(format!(
                "building {tag} on this Docker host from its stored build context failed: {}",
                error.reason
            ));
        }
        tracing::info!(
            image = tag,
            seconds = began.elapsed().as_secs_f64(),
            "built the checker image"
        );
        prune(&docker, db, installation, tag).await;
        Ok(())
    }
}

/// Removes this installation's checker images but `current` whose build context the database no
/// longer keeps (the import keeps the current image's and the one before), as the import does on
/// its host.
async fn prune(docker: &Docker, db: &DbPool, installation: &str, current: &str) {
    let mut keep = match contexts::tags(db).await {
        Ok(keep) => keep,
        Err(error) => {
            tracing::warn!(%error, "cannot tell which checker images to keep");
            return;
        }
    };
    keep.push(current.to_owned());
    let keep: Vec<&str> = keep.iter().map(String::as_str).collect();
    let removed = image::prune(docker, installation, &keep).await;
    if !removed.is_empty() {
        tracing::info!(?removed, "removed old checker images");
    }
}
