//! `INLOOP_REGISTRY`: the import pushes the checker image, and a Docker host that lacks it pulls
//! it instead of building it (issue 16). The test runs Debian's `docker-registry` on a free port
//! of the loopback, where Docker allows a registry without TLS.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use inloop::import::registry;
use inloop::import::runs::{ImageStatus, RunStatus};
use reqwest::StatusCode;
use tempfile::TempDir;

use super::lifecycle::wait_until_async;
use super::support::{self, PASSWORD};
use super::two_hosts::task_repository;
use crate::common;
use crate::tasks_import::{import, remove_image, set_repository};

/// A registry of the test's own, its storage in a temp folder; stopped when dropped.
struct Registry {
    _dir: TempDir,
    process: Child,
    address: String,
}

impl Registry {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let address = format!("127.0.0.1:{}", common::free_port());
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n",
                dir.path().join("storage").display()
            ),
        )
        .unwrap();
        let process = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry (Debian's package, installed by .ci/services) starts");
        let registry = Self {
            _dir: dir,
            process,
            address,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("http://{}/v2/", registry.address);
        while !reqwest::get(&url)
            .await
            .is_ok_and(|answer| answer.status().is_success())
        {
            assert!(Instant::now() < deadline, "the registry does not answer");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        registry
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[tokio::test]
async fn the_import_pushes_the_image_and_a_host_without_it_pulls_it() {
    let registry = Registry::start().await;
    let prefix = format!("{}/inloop-test", registry.address);
    let app = common::spawn_with(|config| {
        config.workers = 1;
        config.registry = Some(prefix.clone());
    })
    .await;
    app.set_setting("allowed_extensions", ".sh").await;
    app.create_user("student", PASSWORD, false).await;
    let repo = task_repository();
    set_repository(&app, &repo.url()).await;
    let run = import(&app).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(run.image_status, ImageStatus::Built, "{}", run.image_log);
    assert!(
        run.image_log.contains(&format!("Pushed to {prefix}.")),
        "{}",
        run.image_log
    );

    // This host loses the image, and the database its build context: only a pull brings it back.
    let tag = run.image_tag.clone();
    remove_image(&tag).await;
    let db = app.db().await;
    inloop::on_pool!(&db, |pool| sqlx::query("DELETE FROM checker_contexts")
        .execute(pool)
        .await
        .map(drop))
    .unwrap();
    app.login("student", PASSWORD).await;
    let nonce = std::fs::read_to_string(repo.path().join("nonce.txt")).unwrap();
    let script = format!("test \"$(cat /checker/nonce.txt)\" = {nonce}");
    let answer = support::upload(&app, &[("solution.sh", script.as_bytes())]).await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let check = async || -> (String, Option<String>, String) {
        let sql = "SELECT status, verdict, staff_message FROM checks";
        inloop::on_pool!(&db, |pool| sqlx::query_as(sql).fetch_one(pool).await).unwrap()
    };
    wait_until_async("the check is done", Duration::from_mins(2), || async {
        check().await.0 == "done"
    })
    .await;
    let (_, verdict, staff) = check().await;
    assert_eq!(verdict.as_deref(), Some("passed"), "{staff}");

    let docker = bollard::Docker::connect_with_local_defaults().unwrap();
    assert!(docker.inspect_image(&tag).await.is_ok(), "pulled");
    let (name, version) = registry::remote(&prefix, &tag);
    assert!(
        docker
            .inspect_image(&format!("{name}:{version}"))
            .await
            .is_err(),
        "the registry's name is no local tag"
    );
    remove_image(&tag).await;
}

#[tokio::test]
async fn a_registry_out_of_reach_leaves_the_import_published_with_a_note() {
    // Port 1 of the loopback: nothing listens there.
    let app =
        common::spawn_with(|config| config.registry = Some("127.0.0.1:1/inloop".into())).await;
    let repo = task_repository();
    set_repository(&app, &repo.url()).await;
    let run = import(&app).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(run.image_status, ImageStatus::Built);
    assert!(
        run.image_log
            .contains("pushing 127.0.0.1:1/inloop/inloop-checker:")
            && run
                .image_log
                .contains("Check hosts build the image from its stored context."),
        "{}",
        run.image_log
    );
    remove_image(&run.image_tag).await;
}
