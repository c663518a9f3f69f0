//! The host's disk: storage is bounded while the check runs, and nothing of a run stays behind.

use std::fs;
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig, VolumeCreateRequest};
use inloop::runner::sandbox::{self, LABEL, Limits};
use inloop::runner::verdict::{Verdict, verdict};

use super::support::{Sandbox, no_input, shell_image, values};

fn small_storage() -> Limits {
    Limits {
        storage_bytes: 4 << 20,
        wall_time: Duration::from_mins(1),
        ..Limits::default()
    }
}

#[tokio::test]
async fn private_subfolder_in_storage_counts_against_the_limit() {
    let sandbox = Sandbox::new().await;
    let input = no_input();
    let mut request = sandbox.request(
        &shell_image().await,
        r#"cd /checker/output/storage
        echo kept > visible.txt
        mkdir d && chmod 700 d
        dd if=/dev/zero of=d/fill bs=1M count=64 2>/dev/null; echo "dd=$?"
        chmod 000 d"#,
        &input,
    );
    request.limits = small_storage();

    let outcome = sandbox.run(&request).await;

    // The write failed inside the container: at no time did more than the limit exist.
    assert_eq!(values(&outcome.stdout)["dd"], "1", "{outcome:?}");
    assert!(outcome.output_limit_hit);
    assert_eq!(verdict(&outcome, &[]), Verdict::OutputLimit);
    assert_eq!(outcome.files.len(), 1, "only the regular file at the top");
    assert_eq!(outcome.files[0].bytes, b"kept\n");
}

#[tokio::test]
async fn storage_beyond_the_limit_is_never_allocated() {
    let sandbox = Sandbox::new().await;
    // `fallocate` takes the blocks at once, faster than any watcher could measure them.
    let script = r#"fallocate -l 10G /checker/output/storage/big; echo "fallocate=$?"
        truncate -s 10G /checker/output/storage/sparse; echo "truncate=$?"
        dd if=/dev/zero of=/checker/scratch/f bs=1M count=40 2>/dev/null; echo "scratch=$?""#;
    let outcome = sandbox
        .run_script(script, &no_input(), small_storage())
        .await;
    let values = values(&outcome.stdout);

    // Refused, or killed by SIGXFSZ (153): the file size limit is the larger tmpfs's size.
    assert_ne!(values["fallocate"], "0", "{outcome:?}");
    assert_ne!(
        values["truncate"], "0",
        "beyond the size limit, even a sparse file"
    );
    assert_ne!(values["scratch"], "0", "scratch is capped too");
    assert!(!outcome.timed_out && !outcome.oom_killed);
}

#[tokio::test]
async fn core_dumps_are_off_and_file_sizes_capped() {
    let sandbox = Sandbox::new().await;
    let script = r#"echo "core=$(ulimit -c)"
        grep 'Max file size' /proc/self/limits | tr -s ' ' | cut -d ' ' -f 4 | sed 's/^/fsize=/'"#;
    let outcome = sandbox
        .run_script(script, &no_input(), small_storage())
        .await;
    let values = values(&outcome.stdout);

    assert_eq!(values["core"], "0", "{outcome:?}");
    // The larger of scratch (32 MiB) and storage (4 MiB and a little).
    assert_eq!(values["fsize"], (32 << 20).to_string());
}

#[tokio::test]
async fn leftovers_of_a_crash_are_removed_whatever_their_modes() {
    let sandbox = Sandbox::new().await;
    let work = tempfile::tempdir().unwrap();
    let crashed = work.path().join("inloop-check-crashed/input/private");
    fs::create_dir_all(&crashed).unwrap();
    fs::write(crashed.join("Solution.java"), "class Solution {}").unwrap();
    for folder in [crashed.as_path(), crashed.parent().unwrap()] {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(folder, fs::Permissions::from_mode(0o000)).unwrap();
    }
    // What a killed server leaves: a storage volume, and a container still using it.
    let mut labels = sandbox.labels();
    labels.insert(LABEL.to_owned(), "1".to_owned());
    let volume = sandbox
        .docker
        .create_volume(VolumeCreateRequest {
            labels: Some(labels.clone()),
            ..VolumeCreateRequest::default()
        })
        .await
        .unwrap()
        .name;
    let config = ContainerCreateBody {
        image: Some(shell_image().await),
        cmd: Some(vec!["sleep 600".to_owned()]),
        labels: Some(labels),
        host_config: Some(HostConfig {
            binds: Some(vec![format!("{volume}:/checker/output/storage")]),
            ..HostConfig::default()
        }),
        ..ContainerCreateBody::default()
    };
    let id = sandbox
        .docker
        .create_container(None, config)
        .await
        .unwrap()
        .id;
    sandbox.docker.start_container(&id, None).await.unwrap();

    sandbox::remove_orphans_labelled(&sandbox.docker, &sandbox.labels())
        .await
        .unwrap();
    sandbox::remove_leftovers(&sandbox.docker, work.path(), &sandbox.labels())
        .await
        .unwrap();

    assert_eq!(fs::read_dir(work.path()).unwrap().count(), 0);
    assert!(sandbox.containers_left().await.is_empty());
    assert!(sandbox.volumes_left().await.is_empty());
}
