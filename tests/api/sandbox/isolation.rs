//! The walls of the sandbox: user, privileges, limits, network, read-only input, orphans.

use std::collections::HashMap;
use std::fs;
use std::time::Duration;

use bollard::models::ContainerCreateBody;
use inloop::runner::sandbox::{self, LABEL, Limits, SandboxError};

use super::support::{Sandbox, input, no_input, shell_image, values};

#[tokio::test]
async fn the_checker_runs_as_nobody_without_privileges_and_within_limits() {
    let sandbox = Sandbox::new().await;
    let script = r#"
        echo "user=$(id -u):$(id -g)"
        echo "args=$#"
        echo "hostname=$(hostname)"
        grep -E '^(CapEff|NoNewPrivs):' /proc/self/status | tr -d '\t ' | tr ':' '='
        echo "nofile=$(ulimit -n)"
        echo "pids=$(cat /sys/fs/cgroup/pids/pids.max)"
        echo "memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
        echo "swap=$(cat /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes)"
        echo "cpu=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)/$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
        touch /root-file 2>/dev/null; echo "root_fs=$?"
        echo "storage=$(stat -c %a /checker/output/storage)"
    "#;
    let outcome = sandbox
        .run_script(script, &no_input(), Limits::default())
        .await;
    let values = values(&outcome.stdout);

    let expected = [
        ("user", "65534:65534"),
        ("args", "0"), // `sh -c <task name>`: the one argument is the script, no more
        ("hostname", "localhost"),
        ("CapEff", "0000000000000000"),
        ("NoNewPrivs", "1"),
        ("nofile", "1024"),
        ("pids", "128"),
        ("memory", "268435456"),
        ("swap", "268435456"),
        ("cpu", "100000/100000"),
        ("root_fs", "1"),
        ("storage", "1777"),
    ];
    assert_eq!(values, HashMap::from(expected), "{}", outcome.stderr);
    assert_eq!(outcome.exit_code, 0);
}

#[tokio::test]
async fn the_network_is_unreachable() {
    let sandbox = Sandbox::new().await;
    // Busybox's nc: its static wget crashes in this image even with a network.
    let script = "echo | nc -w 5 1.1.1.1 80; echo \"nc=$?\"; ls /sys/class/net";
    let outcome = sandbox
        .run_script(script, &no_input(), Limits::default())
        .await;

    assert!(
        outcome.stderr.contains("Network is unreachable"),
        "{}",
        outcome.stderr
    );
    assert_eq!(
        outcome.stdout, "nc=1\nlo\n",
        "fails, and only loopback exists"
    );
}

#[tokio::test]
async fn private_input_is_readable_but_not_writable() {
    let sandbox = Sandbox::new().await;
    let input = input(&[("Solution.java", b"class Solution {}")]);
    let script = r#"
        echo "read=$(cat /checker/input/Solution.java)"
        echo changed > /checker/input/Solution.java; echo "overwrite=$?"
        touch /checker/input/new; echo "create=$?"
        rm /checker/input/Solution.java; echo "delete=$?"
    "#;
    let outcome = sandbox.run_script(script, &input, Limits::default()).await;
    let values = values(&outcome.stdout);

    assert_eq!(values["read"], "class Solution {}", "{}", outcome.stderr);
    assert_eq!(
        (values["overwrite"], values["create"], values["delete"]),
        ("1", "1", "1")
    );
    assert!(
        outcome.stderr.contains("Read-only file system"),
        "{}",
        outcome.stderr
    );
    let names: Vec<_> = fs::read_dir(input.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, ["Solution.java"]);
    assert_eq!(
        fs::read(input.path().join("Solution.java")).unwrap(),
        b"class Solution {}"
    );
}

/// Input and storage are tmpfs volumes filled and read through Docker's API: nothing of the
/// server's file system is mounted, so the Docker host may be another machine.
#[tokio::test]
async fn nothing_of_the_host_is_mounted() {
    let sandbox = Sandbox::new().await;
    let input = input(&[
        ("Solution.java", b"class Solution {}"),
        ("lib/A.java", b"a"),
    ]);
    // Field 5 of mountinfo is the mount point; after " - " come the type and the source.
    let script = r#"
        awk '$5 ~ /^\/checker/ { split($0, end, " - "); print $5, $6, end[2] }' /proc/self/mountinfo | sort
        echo "nested=$(cat /checker/input/lib/A.java)"
    "#;
    let outcome = sandbox.run_script(script, &input, Limits::default()).await;

    let lines: Vec<_> = outcome.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{outcome:?}");
    for (line, mount, read_only) in [
        (lines[0], "/checker/input", true),
        (lines[1], "/checker/output/storage", false),
        (lines[2], "/checker/scratch", false),
    ] {
        let words: Vec<_> = line.split_whitespace().collect();
        assert_eq!(words[0], mount, "{line}");
        assert_eq!(words[1].starts_with("ro,"), read_only, "{line}");
        assert_eq!(
            words[2], "tmpfs",
            "a tmpfs, not a folder of the host: {line}"
        );
    }
    assert_eq!(lines[3], "nested=a");
}

#[tokio::test]
async fn a_missing_image_is_an_infrastructure_error() {
    let sandbox = Sandbox::new().await;
    let input = no_input();
    let request = sandbox.request("inloop-test/no-such-image:1", "task", &input);

    let error = sandbox.try_run(&request).await.unwrap_err();

    assert!(
        matches!(error, SandboxError::ImageMissing { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_cancelled_check_still_removes_its_containers_and_volume() {
    let sandbox = Sandbox::new().await;
    let input = no_input();
    let request = sandbox.request(&shell_image().await, "sleep 600", &input);

    let cancelled = tokio::time::timeout(
        Duration::from_secs(3),
        sandbox::run(&sandbox.docker, &request),
    )
    .await
    .map(|ran| ran.map(|(outcome, _)| outcome));
    assert!(
        cancelled.is_err(),
        "the check ended by itself: {cancelled:?}"
    );

    // Removal goes on in the background after the cancellation.
    sandbox.until_nothing_left().await;
}

#[tokio::test]
async fn the_outcome_comes_before_the_removals_and_a_dropped_cleanup_still_removes() {
    let sandbox = Sandbox::new().await;
    let input = no_input();
    let request = sandbox.request(&shell_image().await, "echo done", &input);

    let (outcome, cleanup) = sandbox::run(&sandbox.docker, &request).await.unwrap();
    assert_eq!(outcome.stdout, "done\n");
    // The stopped checker and the holder, with the input and storage volumes: the caller
    // stores the verdict first.
    assert_eq!(sandbox.containers_left().await.len(), 2);
    assert_eq!(sandbox.volumes_left().await.len(), 2);
    cleanup.finish().await;
    assert!(sandbox.containers_left().await.is_empty());
    assert!(sandbox.volumes_left().await.is_empty());

    let (_, cleanup) = sandbox::run(&sandbox.docker, &request).await.unwrap();
    drop(cleanup);
    sandbox.until_nothing_left().await;
}

/// Through the labelled variant, so that checks of tests running meanwhile stay untouched.
#[tokio::test]
async fn orphaned_check_containers_are_removed() {
    let sandbox = Sandbox::new().await;
    let docker = &sandbox.docker;
    let mut labels = sandbox.labels();
    labels.insert(LABEL.to_owned(), "1".to_owned());
    let config = ContainerCreateBody {
        image: Some(shell_image().await),
        cmd: Some(vec!["sleep 600".to_owned()]),
        labels: Some(labels),
        ..ContainerCreateBody::default()
    };
    let running = docker
        .create_container(None, config.clone())
        .await
        .unwrap()
        .id;
    docker.start_container(&running, None).await.unwrap();
    docker.create_container(None, config).await.unwrap();

    let removed = sandbox::remove_orphans_labelled(docker, &sandbox.labels())
        .await
        .unwrap();

    assert_eq!(removed, 2);
    assert!(sandbox.containers_left().await.is_empty());
}
