//! An image registry for checker images (`INLOOP_REGISTRY`, e.g. `registry.example.org:5000/inloop`):
//! the import pushes the image it built, and a check host that lacks it pulls it instead of
//! building it from the stored build context. Optional: without a registry, or when it fails,
//! every host builds the image itself.

use bollard::Docker;
use bollard::models::ErrorDetail;
use bollard::query_parameters::{CreateImageOptions, PushImageOptions, TagImageOptions};
use futures_util::{Stream, StreamExt};

/// `tag` (`inloop-checker:<owner>-<hash>`) in the registry: `<registry>/inloop-checker`, and the
/// same tag.
#[must_use]
pub fn remote(registry: &str, tag: &str) -> (String, String) {
    let (name, version) = split(tag);
    (
        format!("{}/{name}", registry.trim_end_matches('/')),
        version.to_owned(),
    )
}

/// Pushes the local image `tag` to `registry`; the registry's name for it is a local tag only
/// while it is pushed.
pub async fn push(docker: &Docker, registry: &str, tag: &str) -> Result<(), String> {
    let (name, version) = remote(registry, tag);
    let options = TagImageOptions {
        repo: Some(name.clone()),
        tag: Some(version.clone()),
    };
    docker
        .tag_image(tag, Some(options))
        .await
        .map_err(|error| format!("docker: tagging {tag} for the registry: {error}"))?;
    let options = PushImageOptions {
        tag: Some(version.clone()),
        ..PushImageOptions::default()
    };
    let pushed = follow(
        docker
            .push_image(&name, Some(options), None)
            .map(|item| item.map(|info| info.error_detail)),
    )
    .await;
    untag(docker, &format!("{name}:{version}")).await;
    pushed.map_err(|reason| format!("pushing {name}:{version} failed: {reason}"))
}

/// Pulls `tag` from `registry` and tags it locally as `tag`.
pub async fn pull(docker: &Docker, registry: &str, tag: &str) -> Result<(), String> {
    let (name, version) = remote(registry, tag);
    let options = CreateImageOptions {
        from_image: Some(name.clone()),
        tag: Some(version.clone()),
        ..CreateImageOptions::default()
    };
    follow(
        docker
            .create_image(Some(options), None, None)
            .map(|item| item.map(|info| info.error_detail)),
    )
    .await
    .map_err(|reason| format!("pulling {name}:{version} failed: {reason}"))?;
    let pulled = format!("{name}:{version}");
    let (local, local_version) = split(tag);
    let options = TagImageOptions {
        repo: Some(local.to_owned()),
        tag: Some(local_version.to_owned()),
    };
    let tagged = docker.tag_image(&pulled, Some(options)).await;
    untag(docker, &pulled).await;
    tagged.map_err(|error| format!("docker: tagging the pulled {pulled}: {error}"))
}

/// An image reference's name and tag (`latest` when it names none).
fn split(tag: &str) -> (&str, &str) {
    tag.split_once(':').unwrap_or((tag, "latest"))
}

/// Reads a push's or pull's progress (the error each step reports, if any) to its end; `Err` with
/// the first error.
async fn follow(
    progress: impl Stream<Item = Result<Option<ErrorDetail>, bollard::errors::Error>>,
) -> Result<(), String> {
    let mut progress = std::pin::pin!(progress);
    while let Some(item) = progress.next().await {
        match item {
            Ok(None) => {}
            Ok(Some(detail)) => return Err(detail.message.unwrap_or_else(|| "an error".into())),
            Err(error) => return Err(format!("docker: {error}")),
        }
    }
    Ok(())
}

/// Removes the name `name` (the image stays under its other tag).
async fn untag(docker: &Docker, name: &str) {
    if let Err(error) = docker
        .remove_image(
            name,
            None::<bollard::query_parameters::RemoveImageOptions>,
            None,
        )
        .await
    {
        tracing::warn!(image = name, %error, "could not remove the registry's tag");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_name_keeps_the_repository_and_tag() {
        assert_eq!(
            remote(
                "registry.example.org:5000/inloop/",
                "inloop-checker:1a2b-3c4d"
            ),
            (
                "registry.example.org:5000/inloop/inloop-checker".to_owned(),
                "1a2b-3c4d".to_owned()
            )
        );
    }
}
