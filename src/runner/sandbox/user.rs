//! Who runs the checker: the image's `USER` as numeric ids, never root by any name.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{LazyLock, Mutex};

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::models::{ContainerCreateBody, HostConfig};

use super::archive;
use super::container::{Container, LABEL};
use super::{CheckRequest, SandboxError};

/// `nobody:nogroup`: who runs the checker when the image names root, or no user at all.
pub(super) const NOBODY: &str = "65534:65534";
const NOGROUP: u32 = 65534;

/// The largest `/etc/passwd` or `/etc/group` read from an image.
const MAX_ACCOUNTS_FILE: usize = 1 << 20;

/// Resolved users by image id: an image never changes under its id.
static RESOLVED: LazyLock<Mutex<HashMap<String, String>>> = LazyLock::new(Mutex::default);

/// The user to run the checker as, `uid:gid`: the image's `USER` resolved against the image's
/// own `/etc/passwd` and `/etc/group`, so that root under any name (`root`, `0`, an alias with
/// uid 0) runs as nobody instead. A group of root becomes nogroup: files writable by group 0
/// are common in images. Numeric ids also keep Docker from adding root's supplementary groups.
pub(super) async fn checker_user(
    docker: &Docker,
    request: &CheckRequest,
) -> Result<String, SandboxError> {
    let inspected = match docker.inspect_image(&request.image).await {
        Ok(inspected) => inspected,
        Err(DockerError::DockerResponseServerError {
            status_code: 404, ..
        }) => {
            return Err(SandboxError::ImageMissing {
                image: request.image.clone(),
            });
        }
        Err(source) => {
            return Err(SandboxError::Docker {
                action: "inspecting the checker image",
                source,
            });
        }
    };
    let configured = inspected.config.and_then(|config| config.user);
    let configured = configured.as_deref().unwrap_or_default().trim().to_owned();
    let key = inspected.id.unwrap_or_else(|| request.image.clone());
    if let Some(user) = cached(&key) {
        return Ok(user);
    }
    let (user, group) = split(&configured);
    let numeric = |name: &str| name.parse::<u32>().is_ok();
    let user = if user.is_empty() {
        NOBODY.to_owned()
    } else if numeric(user) && group.is_some_and(numeric) {
        resolve(&configured, &Accounts::default())
    } else {
        resolve(&configured, &Accounts::read(docker, request).await?)
    };
    if let Ok(mut resolved) = RESOLVED.lock() {
        resolved.insert(key, user.clone());
    }
    Ok(user)
}

fn cached(key: &str) -> Option<String> {
    RESOLVED.lock().ok()?.get(key).cloned()
}

fn split(configured: &str) -> (&str, Option<&str>) {
    match configured.split_once(':') {
        Some((user, group)) => (user, Some(group)),
        None => (configured, None),
    }
}

/// An image's `/etc/passwd` and `/etc/group`, empty when it has none.
#[derive(Default)]
struct Accounts {
    passwd: String,
    group: String,
}

impl Accounts {
    /// Reads both files from a container that is created for it and never started.
    async fn read(docker: &Docker, request: &CheckRequest) -> Result<Self, SandboxError> {
        let mut labels = request.labels.clone();
        labels.insert(LABEL.to_owned(), "1".to_owned());
        let config = ContainerCreateBody {
            image: Some(request.image.clone()),
            entrypoint: Some(vec!["/inloop-never-started".to_owned()]),
            labels: Some(labels),
            host_config: Some(HostConfig {
                network_mode: Some("none".to_owned()),
                ..HostConfig::default()
            }),
            ..ContainerCreateBody::default()
        };
        let container = Container::create(docker, config).await?;
        let passwd = file(docker, container.id(), "/etc/passwd").await;
        let group = file(docker, container.id(), "/etc/group").await;
        container.remove().await;
        Ok(Self {
            passwd: passwd?,
            group: group?,
        })
    }

    /// The uid and primary gid of a user name or number.
    fn user(&self, user: &str) -> Option<(u32, Option<u32>)> {
        let by_number = user.parse::<u32>().ok();
        self.passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            let uid = fields.get(2)?.parse::<u32>().ok()?;
            let gid = fields.get(3).and_then(|gid| gid.parse().ok());
            let matches = fields[0] == user || by_number == Some(uid);
            matches.then_some((uid, gid))
        })
    }

    /// The gid of a group name or number.
    fn group(&self, group: &str) -> Option<u32> {
        if let Ok(gid) = group.parse() {
            return Some(gid);
        }
        self.group.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields[0] == group).then(|| fields.get(2)?.parse().ok())?
        })
    }
}

/// A file's text (invalid UTF-8 replaced), empty when the image lacks it.
async fn file(docker: &Docker, id: &str, path: &str) -> Result<String, SandboxError> {
    let downloaded = archive::download(docker, id, path, MAX_ACCOUNTS_FILE + 4096)
        .await
        .map_err(SandboxError::docker("reading the checker image's accounts"))?;
    let Some((tar, _)) = downloaded else {
        return Ok(String::new());
    };
    let mut archive = tar::Archive::new(tar.as_slice());
    let Ok(mut entries) = archive.entries() else {
        return Ok(String::new());
    };
    let Some(Ok(entry)) = entries.next() else {
        return Ok(String::new());
    };
    if !entry.header().entry_type().is_file() {
        return Ok(String::new());
    }
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_ACCOUNTS_FILE).unwrap_or(u64::MAX);
    if entry.take(limit).read_to_end(&mut bytes).is_err() {
        return Ok(String::new());
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `uid:gid` for `configured` (`user`, `user:group`, names or numbers). An unknown name runs as
/// nobody rather than failing every check; a number unknown to the image is kept, as Docker does.
fn resolve(configured: &str, accounts: &Accounts) -> String {
    let (user, group) = split(configured);
    let (uid, primary_gid) = match (user.parse::<u32>(), accounts.user(user)) {
        (_, Some(found)) => found,
        (Ok(uid), None) => (uid, None),
        (Err(_), None) => {
            tracing::warn!(
                user,
                "the checker image's USER is unknown in its /etc/passwd"
            );
            return NOBODY.to_owned();
        }
    };
    if uid == 0 {
        return NOBODY.to_owned();
    }
    let gid = match group {
        Some(group) => accounts.group(group),
        None => primary_gid,
    };
    // Docker gives a user without a group gid 0; an unknown group would fail the start.
    let gid = gid.filter(|&gid| gid != 0).unwrap_or(NOGROUP);
    format!("{uid}:{gid}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts {
            passwd: "root:x:0:0:root:/root:/bin/sh\n\
                     toor:x:0:0::/root:/bin/sh\n\
                     nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n\
                     checker:x:1000:1000::/home/checker:/bin/sh\n\
                     wheel:x:1001:0::/home/wheel:/bin/sh\n"
                .to_owned(),
            group: "root:x:0:\nchecker:x:1000:\nnogroup:x:65534:\n".to_owned(),
        }
    }

    #[test]
    fn root_by_any_name_becomes_nobody() {
        for configured in [
            "root",
            "0",
            "0:0",
            "root:root",
            "toor",
            "toor:checker",
            "0:1000",
            "ghost",
        ] {
            assert_eq!(resolve(configured, &accounts()), NOBODY, "{configured:?}");
        }
    }

    #[test]
    fn other_users_are_kept_as_numbers() {
        let cases = [
            ("nobody", "65534:65534"),
            ("65534", "65534:65534"),
            ("checker", "1000:1000"),
            ("1000:1000", "1000:1000"),
            ("checker:checker", "1000:1000"),
            ("2000", "2000:65534"),
        ];
        for (configured, expected) in cases {
            assert_eq!(resolve(configured, &accounts()), expected, "{configured:?}");
        }
    }

    #[test]
    fn a_group_of_root_becomes_nogroup() {
        for configured in ["wheel", "nobody:0", "1000:root", "checker:root"] {
            let resolved = resolve(configured, &accounts());
            assert!(resolved.ends_with(":65534"), "{configured:?}: {resolved}");
            assert!(!resolved.starts_with("0:"));
        }
    }
}
