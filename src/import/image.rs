//! Building the checker image from the repository's `Dockerfile`, tagged by a hash of its context.
//!
//! The tag is `inloop-checker:<owner>-<12 hex>`: `owner` names this installation (derived from its
//! secret key, so every instance of one installation agrees) and the hex is a hash of the build
//! context (after `.dockerignore`). An unchanged context reuses the image, and a running check
//! keeps the image it started with. Images carry the owner as a label, so pruning old ones never
//! touches images another installation on the same Docker daemon built.

use std::collections::HashMap;
use std::path::Path;

use bollard::Docker;
use bollard::query_parameters::{
    BuildImageOptionsBuilder, ListImagesOptionsBuilder, RemoveImageOptions,
};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::capped::CappedLog;
use super::dockerignore::DockerIgnore;
use super::runs::ImageStatus;

use crate::config::Config;

/// The repository of every checker image.
pub const IMAGE_NAME: &str = "inloop-checker";
/// The label naming the installation that built an image.
pub const OWNER_LABEL: &str = "org.inloop.installation";
/// Largest build context, packed: the database stores it for every Docker host that runs checks
/// (issue 16), and SQLite takes values below 1 GB only.
pub const CONTEXT_LIMIT: u64 = 200 * 1024 * 1024;

fn too_large() -> std::io::Error {
    std::io::Error::other(format!(
        "the build context exceeds {} MiB, the most the database stores for other check hosts: \
         list large files that the Dockerfile does not need in .dockerignore",
        CONTEXT_LIMIT / 1024 / 1024
    ))
}

/// How a build ended.
pub struct Built {
    pub tag: String,
    /// `built` or `reused`.
    pub status: ImageStatus,
    pub log: String,
}

/// A build that failed, with its log.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct BuildError {
    pub tag: String,
    pub reason: String,
    pub log: String,
}

/// The name of this installation on a shared Docker daemon: 8 hex digits derived from its secret.
#[must_use]
pub fn owner(config: &Config) -> String {
    hex::encode(&config.secret().derive("checker-images")[..4])
}

/// The build context: a tar of the repository without `.git` and what `.dockerignore` names.
pub struct Context {
    pub tar: Vec<u8>,
    /// `inloop-checker:<owner>-<12 hex of the context's hash>`.
    pub tag: String,
    pub owner: String,
}

/// Files Docker's client sends even when `.dockerignore` names them (only COPY and ADD skip them).
const ALWAYS_SENT: &[&str] = &["Dockerfile", ".dockerignore"];

/// Packs `repository` as a build context for the installation `owner`.
pub fn context(repository: &Path, owner: &str) -> std::io::Result<Context> {
    let ignore = match std::fs::read_to_string(repository.join(".dockerignore")) {
        Ok(text) => DockerIgnore::parse(&text)
            .map_err(|error| std::io::Error::other(format!(".dockerignore: {error}")))?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => DockerIgnore::default(),
        Err(error) => return Err(error),
    };
    let descend = ignore.has_exceptions();
    let mut files = Vec::new();
    let mut walk = walkdir::WalkDir::new(repository).min_depth(1).into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(std::io::Error::other)?;
        let relative = entry
            .path()
            .strip_prefix(repository)
            .map_err(std::io::Error::other)?
            .to_owned();
        let name = relative.to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_dir();
        if entry.file_name() == ".git" && is_dir {
            walk.skip_current_dir();
            continue;
        }
        if ignore.excludes(&name) && !ALWAYS_SENT.contains(&name.as_str()) {
            // An exception may bring back something below an excluded folder.
            if is_dir && !descend {
                walk.skip_current_dir();
            }
            continue;
        }
        files.push((relative, entry.path().to_owned()));
    }
    files.sort();
    let mut hash = Sha256::new();
    let mut tar = tar::Builder::new(Vec::new());
    tar.follow_symlinks(false);
    let mut size = 0u64;
    for (relative, path) in &files {
        let metadata = std::fs::symlink_metadata(path)?;
        size += metadata.len();
        if size > CONTEXT_LIMIT {
            return Err(too_large());
        }
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        if metadata.is_file() {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                hash.update(metadata.permissions().mode().to_le_bytes());
            }
            hash.update(std::fs::read(path)?);
        } else if metadata.is_symlink() {
            hash.update(std::fs::read_link(path)?.to_string_lossy().as_bytes());
        }
        hash.update([0]);
        tar.append_path_with_name(path, relative)?;
    }
    let digest = hex::encode(hash.finalize());
    let tar = tar.into_inner()?;
    // The tar's headers and padding come on top of the files.
    if u64::try_from(tar.len()).unwrap_or(u64::MAX) > CONTEXT_LIMIT {
        return Err(too_large());
    }
    Ok(Context {
        tar,
        tag: format!("{IMAGE_NAME}:{owner}-{}", &digest[..12]),
        owner: owner.to_owned(),
    })
}

/// Builds the image for `context`, or reuses it when an image with its tag exists already.
pub async fn build(docker: &Docker, context: Context) -> Result<Built, BuildError> {
    let tag = context.tag;
    if docker.inspect_image(&tag).await.is_ok() {
        return Ok(Built {
            log: format!("{tag} exists already: the build context did not change"),
            tag,
            status: ImageStatus::Reused,
        });
    }
    // No `pull`: base images come from the local daemon (no registry may be reachable).
    let options = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(&tag)
        .rm(true)
        .forcerm(true)
        .labels(&HashMap::from([(OWNER_LABEL, context.owner.as_str())]))
        .build();
    let mut stream =
        docker.build_image(options, None, Some(bollard::body_full(context.tar.into())));
    // Head and tail: the start says what was built, the end what went wrong.
    let mut log = CappedLog::default();
    let mut failure = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(text) = info.stream.or(info.status) {
                    log.push(text.as_bytes());
                }
                if let Some(detail) = info.error_detail {
                    let message = detail.message.unwrap_or_default();
                    log.push(message.as_bytes());
                    failure = Some(message);
                }
            }
            Err(error) => {
                failure = Some(error.to_string());
                break;
            }
        }
    }
    let log = log.into_text();
    match failure {
        Some(reason) => Err(BuildError {
            tag,
            reason: format!("the checker image did not build: {reason}"),
            log,
        }),
        None => Ok(Built {
            tag,
            status: ImageStatus::Built,
            log,
        }),
    }
}

/// Removes the checker images `owner` built except those tagged `keep`; returns the removed tags.
///
/// An image a container still uses (a check running on it) is left for a later prune: Docker
/// refuses to remove it without force, and force is never used. Only tags are named, so an
/// image that also carries a kept tag stays.
pub async fn prune(docker: &Docker, owner: &str, keep: &[&str]) -> Vec<String> {
    let filters = HashMap::from([("label", vec![format!("{OWNER_LABEL}={owner}")])]);
    let options = ListImagesOptionsBuilder::default()
        .filters(&filters)
        .build();
    let images = match docker.list_images(Some(options)).await {
        Ok(images) => images,
        Err(error) => {
            tracing::warn!(%error, "cannot list old checker images");
            return Vec::new();
        }
    };
    // One image may carry several tags (contexts that built the same layers): untag each old
    // one; Docker deletes the image with its last tag.
    let old = images.into_iter().flat_map(|image| {
        let tags = image.repo_tags;
        let names = if tags.is_empty() {
            vec![image.id]
        } else {
            tags
        };
        names
            .into_iter()
            .filter(|name| !keep.contains(&name.as_str()))
    });
    let mut removed = Vec::new();
    for name in old {
        match docker
            .remove_image(&name, None::<RemoveImageOptions>, None)
            .await
        {
            Ok(_) => removed.push(name),
            Err(error) => tracing::info!(%error, image = name, "old checker image kept"),
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_over_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        // Sparse: no disk used, and the size is checked before the file is read.
        let big = std::fs::File::create(dir.path().join("big.bin")).unwrap();
        big.set_len(CONTEXT_LIMIT + 1).unwrap();
        let error = context(dir.path(), "owner").err().unwrap();
        assert!(error.to_string().contains("exceeds 200 MiB"), "{error}");

        std::fs::write(dir.path().join(".dockerignore"), "big.bin\n").unwrap();
        let packed = context(dir.path(), "owner").unwrap();
        assert!(
            packed.tag.starts_with("inloop-checker:owner-"),
            "{}",
            packed.tag
        );
        assert!(packed.tar.len() < 10_000);
    }
}
