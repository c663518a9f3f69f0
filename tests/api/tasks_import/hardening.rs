//! Whoever can push to the task repository must not own the server: `make` in a throwaway
//! container, capped output, links kept inside the copy, no trusted `.git`, Docker's ignore rules.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::StatusCode;

use super::repo::TestRepo;
use super::{import, log_in, remove_image, results, set_repository};
use crate::common;
use inloop::import::runs::ImportRun;
use inloop::import::runs::{ImageStatus, RunStatus};

/// A server importing the standard repository with `makefile` as its Makefile.
async fn with_makefile(makefile: &str) -> (common::TestApp, TestRepo) {
    let app = common::spawn().await;
    let repo = TestRepo::standard();
    repo.write("Makefile", makefile);
    repo.commit("a Makefile of the test's");
    set_repository(&app, &repo.url()).await;
    (app, repo)
}

/// The import, failing the test if it takes longer than a minute.
async fn import_within_a_minute(app: &common::TestApp) -> ImportRun {
    tokio::time::timeout(Duration::from_mins(1), import(app))
        .await
        .expect("the import ends within a minute")
}

/// This installation's `make` containers still on the Docker host.
async fn make_containers(app: &common::TestApp) -> usize {
    let docker = bollard::Docker::connect_with_local_defaults().unwrap();
    let owner = inloop::import::image::owner(&app.config);
    let filters = HashMap::from([(
        "label".to_owned(),
        vec![
            inloop::import::make::LABEL.to_owned(),
            format!("{}={owner}", inloop::import::image::OWNER_LABEL),
        ],
    )]);
    let options = bollard::query_parameters::ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    docker.list_containers(Some(options)).await.unwrap().len()
}

#[tokio::test]
async fn makefile_cannot_read_server_secrets() {
    let secret = format!("server secret {}", hex::encode(rand::random::<[u8; 8]>()));
    let app = common::spawn().await;
    let secret_file = app.dir.path().join("secret.txt");
    std::fs::write(&secret_file, &secret).unwrap();
    let repo = TestRepo::standard();
    repo.write(
        "Makefile",
        &format!(
            "all:\n\t@echo uid=$$(id -u)\n\t@env\n\t-@cat {}\n\t-@ls -a /sys/class/net\n\
             \t-@ls /var/run/docker.sock\n\t-@ls .git/HEAD\n\t@echo made > made.txt\n",
            secret_file.display()
        ),
    );
    repo.commit("a curious Makefile");
    set_repository(&app, &repo.url()).await;
    let run = import_within_a_minute(&app).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    let output = &run.make_output;
    assert!(!output.contains(&secret), "{output}");
    assert!(!output.contains("uid=0\n"), "make runs as root: {output}");
    assert!(output.contains("HOME=/tmp"), "{output}");
    for variable in ["CARGO_", "SECRET_KEY", "DATABASE_URL", "INLOOP_", "RUST"] {
        assert!(!output.contains(variable), "{variable} leaked: {output}");
    }
    assert!(
        !output.contains("eth0") && !output.contains("docker0"),
        "{output}"
    );
    assert!(
        output.contains("'/var/run/docker.sock': No such file"),
        "no Docker socket: {output}"
    );
    assert!(
        output.contains("'.git/HEAD': No such file"),
        "nor the copy's Git folder: {output}"
    );
    assert!(
        repo_copy(&app).join("made.txt").is_file(),
        "the copy is writable, and what make wrote comes back"
    );
    assert_eq!(make_containers(&app).await, 0, "the container is removed");
    remove_image(&run.image_tag).await;
}

fn repo_copy(app: &common::TestApp) -> std::path::PathBuf {
    app.config.repository_dir()
}

#[tokio::test]
async fn makefile_background_jobs_neither_delay_nor_survive_the_import() {
    let (app, _repo) =
        with_makefile("all:\n\t(sleep 600 &)\n\tsleep 600 &\n\t@echo left running\n").await;
    let started = std::time::Instant::now();
    let run = import_within_a_minute(&app).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert!(run.make_output.contains("left running"));
    assert!(started.elapsed() < Duration::from_secs(45));
    assert_eq!(make_containers(&app).await, 0, "nothing of make is left");
    remove_image(&run.image_tag).await;
}

#[tokio::test]
async fn makefile_output_flood_keeps_only_head_and_tail() {
    let (app, _repo) = with_makefile(
        "all:\n\t@echo THE-START\n\t@head -c 50000000 /dev/zero | tr '\\0' x\n\t@echo\n\t@echo THE-END\n",
    )
    .await;
    let run = import_within_a_minute(&app).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    let output = &run.make_output;
    assert!(output.len() < 70 * 1024, "{} bytes kept", output.len());
    assert!(output.starts_with("THE-START\n"), "{}", &output[..100]);
    assert!(output.contains(" bytes cut …]"));
    let tail = &output[output.len().saturating_sub(300)..];
    assert!(
        output.trim_end().ends_with("THE-END"),
        "the tail is lost: {tail:?}"
    );
    remove_image(&run.image_tag).await;
}

#[tokio::test]
async fn makefile_hooks_and_git_config_do_not_run_at_the_next_import() {
    let app = common::spawn().await;
    let marker = app.dir.path().join("hook-ran");
    let hook = format!("#!/bin/sh\\ntouch {}\\n", marker.display());
    let makefile = format!(
        "all:\n\t-mkdir -p .git/hooks\n\
         \t-for h in post-checkout reference-transaction post-index-change; do \
         printf '{hook}' > .git/hooks/$$h; chmod +x .git/hooks/$$h; done\n\
         \t-printf '[core]\\n\\tfsmonitor = \"touch {}\"\\n' >> .git/config\n",
        marker.display()
    );
    let repo = TestRepo::standard();
    repo.write("Makefile", &makefile);
    repo.commit("plants hooks");
    set_repository(&app, &repo.url()).await;
    let first = import_within_a_minute(&app).await;
    assert_eq!(first.status, RunStatus::Succeeded, "{first:?}");
    repo.write("task-b/task.md", "# Task B, again\n");
    repo.commit("next version");
    let second = import_within_a_minute(&app).await;
    assert_eq!(second.status, RunStatus::Succeeded, "{second:?}");
    assert_eq!(second.commit_message, "next version");
    assert!(
        !marker.exists(),
        "a planted hook or fsmonitor ran on the host"
    );
    remove_image(&first.image_tag).await;
    remove_image(&second.image_tag).await;
}

#[tokio::test]
async fn symlinks_out_of_the_repository_are_not_served_and_are_reported() {
    let app = common::spawn().await;
    let repo = TestRepo::standard();
    repo.write("escape/task.md", "# Escape\n");
    repo.write(
        "escape/meta.json",
        r#"{"title": "Escape", "category": "Basics", "pubdate": "2020-01-01"}"#,
    );
    repo.write("shared/ok.txt", "shared and fine\n");
    let link = |target: &str, path: &str| {
        std::os::unix::fs::symlink(target, repo.path().join(path)).unwrap();
    };
    link("/", "escape/attachments");
    link("/etc", "escape/templates");
    link("../shared", "escape/images");
    link("/etc/passwd", "shared/passwd");
    repo.commit("links out");
    set_repository(&app, &repo.url()).await;
    let run = import_within_a_minute(&app).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    let results = results(&app, &run).await;
    let (_, outcome, reason) = results
        .iter()
        .find(|(directory, _, _)| directory == "escape")
        .expect("the task is imported");
    assert_eq!(outcome, "added");
    for named in [
        "attachments -> /",
        "templates -> /etc",
        "images/passwd -> /etc/passwd",
    ] {
        assert!(reason.contains(named), "{reason}");
    }

    log_in(&app, "student", false).await;
    let page = app.get_text("/solutions/editor/escape/").await;
    assert!(page.contains("Escape"), "{page}");
    assert!(
        !page.contains("passwd") && !page.contains("hostname"),
        "{page}"
    );
    assert_eq!(
        app.get("/solutions/editor/escape/images/ok.txt")
            .await
            .status(),
        StatusCode::OK
    );
    for path in [
        "/solutions/editor/escape/attachments/etc/passwd",
        "/solutions/editor/escape/attachments/etc/hostname",
        "/solutions/editor/escape/images/passwd",
    ] {
        assert_eq!(
            app.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    remove_image(&run.image_tag).await;
}

#[tokio::test]
async fn dockerignore_naming_the_dockerfile_still_builds() {
    let app = common::spawn().await;
    let repo = TestRepo::standard();
    // As INLOOP's public example repository has it, plus Docker's own pattern syntax.
    repo.write(
        ".dockerignore",
        "Dockerfile\nMakefile\n/ignored.txt\n**/*.tmp\ntask-*/solution\n!task-a/solution/Keep.java\n",
    );
    repo.write("task-a/solution/Keep.java", "class Keep {}\n");
    repo.write(
        "Dockerfile",
        "FROM inloop-test/busybox:1\nCOPY nonce.txt /checker/nonce.txt\n\
         COPY task-a/solution/Keep.java /checker/Keep.java\n",
    );
    repo.commit("ignores its Dockerfile");
    set_repository(&app, &repo.url()).await;
    let first = import_within_a_minute(&app).await;
    assert_eq!(first.status, RunStatus::Succeeded, "{first:?}");
    assert_eq!(
        first.image_status,
        ImageStatus::Built,
        "{}",
        first.image_log
    );

    repo.write("task-b/scratch.tmp", "left out by **");
    repo.write(
        "task-a/solution/Secret.java",
        "class Secret { int changed; }\n",
    );
    repo.commit("only ignored files change");
    let second = import_within_a_minute(&app).await;
    assert_eq!(
        second.image_status,
        ImageStatus::Reused,
        "{}",
        second.image_log
    );
    assert_eq!(second.image_tag, first.image_tag);
    remove_image(&first.image_tag).await;
}

#[tokio::test]
async fn a_missing_make_image_fails_the_import_naming_the_setting() {
    let app =
        common::spawn_with(|config| config.make_image = "inloop-test/no-such-make:1".into()).await;
    let repo = TestRepo::standard();
    set_repository(&app, &repo.url()).await;
    let run = import_within_a_minute(&app).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert!(run.error.contains("make_image"), "{}", run.error);
    assert!(
        run.error.contains("inloop-test/no-such-make:1"),
        "{}",
        run.error
    );
}

#[tokio::test]
async fn makefile_past_the_time_limit_is_removed_with_everything_it_started() {
    let app = common::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Makefile"),
        "all:\n\t@echo started\n\tsleep 600 &\n\tsleep 600\n",
    )
    .unwrap();
    let docker = bollard::Docker::connect_with_local_defaults().unwrap();
    let owner = inloop::import::image::owner(&app.config);
    let make = inloop::import::make::Make {
        image: &app.config.make_image,
        network: false,
        run: 0,
        owner: &owner,
        time_limit: Duration::from_secs(3),
    };
    let started = std::time::Instant::now();
    let error = make.run(&docker, dir.path()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        error.reason.contains("did not finish within 3 s"),
        "{error}"
    );
    assert!(error.output.contains("started"), "{error:?}");
    assert_eq!(make_containers(&app).await, 0, "the container is gone");
}

#[tokio::test]
async fn makefile_gets_a_network_only_when_the_setting_allows_it() {
    let (app, _repo) = with_makefile("all:\n\t@ls /sys/class/net\n").await;
    let run = import_within_a_minute(&app).await;
    assert_eq!(run.make_output.trim(), "lo", "{run:?}");
    app.set_setting("import_make_network", "true").await;
    let run = import_within_a_minute(&app).await;
    assert!(run.make_output.contains("eth0"), "{run:?}");
    remove_image(&run.image_tag).await;
}
