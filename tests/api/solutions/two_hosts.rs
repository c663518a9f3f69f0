//! Two instances that share nothing but PostgreSQL and Redis (issue 16): separate data folders and
//! separate Docker daemons. Instance A imports the tasks and builds the checker image on its
//! daemon; a student at instance B gets a verdict from a check that ran on B's daemon, which built
//! the image from the build context in the database. The test starts B's daemon itself (as root),
//! and B reaches it over TLS with client certificates, as a check machine elsewhere.

use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::ListContainersOptions;
use inloop::import::image;
use inloop::import::runs::{ImageStatus, ImportRun, RunStatus};
use reqwest::StatusCode;

use super::lifecycle::{exited, ready, terminate, unique, wait_until_async};
use super::restart::{Server, serve_with};
use super::second_daemon::SecondDaemon;
use super::support::{self, logged_in_at, try_upload_at};
use crate::common::{self, TestApp};
use crate::tasks_import::repo::TestRepo;
use crate::tasks_import::{import, remove_image, set_repository};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379/0";
/// What the task's Dockerfile builds FROM: it must be on every Docker host (no registry).
const BASE_IMAGE: &str = "inloop-test/busybox:1";
const HINT: &str = "a hint from the repository\n";

/// A task repository with one task, `shell-task`, with an attachment, and a checker image that
/// runs the submitted `solution.sh`.
pub(super) fn task_repository() -> TestRepo {
    let repo = TestRepo::empty();
    repo.write("nonce.txt", &hex::encode(rand::random::<[u8; 8]>()));
    repo.write(
        "Dockerfile",
        &format!(
            "FROM {BASE_IMAGE}\nCOPY nonce.txt /checker/nonce.txt\nUSER nobody\n\
             ENTRYPOINT [\"/bin/sh\", \"/checker/input/solution.sh\"]\n"
        ),
    );
    repo.write("Makefile", "all:\n\t@echo made\n");
    repo.write(
        "shell-task/meta.json",
        r#"{"title": "Shell Task", "category": "Basics", "pubdate": "2020-01-01 10:00"}"#,
    );
    repo.write(
        "shell-task/task.md",
        "# Shell Task\n\nWrite solution.sh; see [the hint](attachments/hint.txt).\n",
    );
    repo.write("shell-task/attachments/hint.txt", HINT);
    repo.commit("one task");
    repo
}

/// Instance A: the test's own server on the default Docker daemon, without workers, after it
/// imported [`task_repository`]; the student `student` exists.
async fn instance_a() -> (TestApp, TestRepo, ImportRun) {
    let app = common::spawn_with(|config| config.redis_url = Some(SHARED_REDIS.into())).await;
    app.set_setting("allowed_extensions", ".sh").await;
    app.create_user("student", support::PASSWORD, false).await;
    let repo = task_repository();
    set_repository(&app, &repo.url()).await;
    let run = import(&app).await;
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(run.image_status, ImageStatus::Built, "{}", run.image_log);
    (app, repo, run)
}

/// Starts instance B as `inloop serve` with a data folder of its own and `env` on top; returns
/// it with its name and address once it answers.
async fn instance_b(app: &TestApp, env: &[(&str, &str)]) -> (Server, String, String) {
    let name = unique("instance-b");
    let data_dir = app.dir.path().join("instance-b");
    std::fs::create_dir_all(&data_dir).unwrap();
    let port = common::free_port().to_string();
    let secret = app.config.app_secret_key.as_ref().unwrap().expose();
    let mut all = vec![
        ("REDIS_URL", SHARED_REDIS),
        ("ROCKET_PORT", port.as_str()),
        // One installation: the same secret on every instance, as in production.
        ("SECRET_KEY", secret),
        ("INLOOP_WORKERS", "0"),
    ];
    all.extend_from_slice(env);
    let server = serve_with(app.config.database_url(), &data_dir, &name, &all);
    let base = format!("http://127.0.0.1:{port}");
    ready(&base).await;
    (server, name, base)
}

/// Containers on the default daemon of the installation `app` belongs to.
async fn containers_of_installation(app: &TestApp) -> usize {
    let label = format!("{}={}", image::OWNER_LABEL, image::owner(&app.config));
    let options = ListContainersOptions {
        all: true,
        filters: Some(std::collections::HashMap::from([(
            "label".to_owned(),
            vec![label],
        )])),
        ..ListContainersOptions::default()
    };
    let docker = Docker::connect_with_local_defaults().unwrap();
    docker.list_containers(Some(options)).await.unwrap().len()
}

fn on_postgres() -> bool {
    let set = std::env::var("INLOOP_TEST_DATABASE_URL").is_ok();
    if !set {
        eprintln!("skipped: instances share a database only on PostgreSQL");
    }
    set
}

#[tokio::test]
async fn a_check_at_instance_b_runs_on_its_own_docker_host_with_the_image_built_there() {
    if !on_postgres() {
        return;
    }
    // Declared first, dropped last: instance B stops before its daemon.
    let daemon = SecondDaemon::start().await;
    daemon.copy_image(BASE_IMAGE);
    let (app, repo, run) = instance_a().await;
    let tag = run.image_tag.clone();
    let on_b = daemon.docker();
    assert!(on_b.inspect_image(&tag).await.is_err(), "built on A only");
    let without_certificate =
        Docker::connect_with_http(&daemon.tls_host(), 10, bollard::API_DEFAULT_VERSION);
    assert!(
        without_certificate.unwrap().ping().await.is_err(),
        "the TLS port refuses a client without a certificate"
    );

    // Over TLS with client certificates, as a check machine elsewhere is reached.
    let host = daemon.tls_host();
    let certificates = daemon.client_certificates();
    let env = [
        ("INLOOP_WORKERS", "2"),
        ("INLOOP_DOCKER_HOST", host.as_str()),
        ("INLOOP_DOCKER_CERT_PATH", certificates.to_str().unwrap()),
    ];
    let (mut server, name, base) = instance_b(&app, &env).await;
    let browser = logged_in_at(&base, "student").await;
    // Passes only in the image built from this repository's context (judged by the exit code).
    let nonce = std::fs::read_to_string(repo.path().join("nonce.txt")).unwrap();
    let script = format!("test \"$(cat /checker/nonce.txt)\" = {nonce}");
    let answer = try_upload_at(&base, &browser, &[("solution.sh", script.as_bytes())])
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);

    let db = app.db().await;
    let check = async || -> (String, Option<String>, String, String, String) {
        let sql = "SELECT status, verdict, worker, image, stderr FROM checks";
        inloop::on_pool!(&db, |pool| sqlx::query_as(sql).fetch_one(pool).await).unwrap()
    };
    let deadline = Instant::now() + Duration::from_mins(2);
    while check().await.0 != "done" {
        let log = app.dir.path().join(format!("instance-b/{name}.log"));
        assert!(
            Instant::now() < deadline,
            "the check is not done: {:?}\n{name} said:\n{}",
            check().await,
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, verdict, worker, image, stderr) = check().await;
    assert_eq!(verdict.as_deref(), Some("passed"), "{stderr}");
    assert!(worker.starts_with(&format!("{name}/")), "{worker}");
    assert_eq!(image, tag);
    let page = browser.get(format!("{base}/solutions/detail/shell-task/1/"));
    let page = page.send().await.unwrap().text().await.unwrap();
    assert!(page.contains("badge-passed"), "{page}");
    assert!(
        on_b.inspect_image(&tag).await.is_ok(),
        "B's daemon built the image"
    );

    wait_until_async("no container is left", Duration::from_secs(30), || async {
        daemon.containers().await + containers_of_installation(&app).await == 0
    })
    .await;
    terminate(&server);
    assert!(exited(&mut server, Duration::from_mins(1)).await.success());
    remove_image(&tag).await;
}

// The attachment half of "B shares nothing but the database": B's data folder has no copy of the
// repository, so it serves the task files stored in the database.
#[tokio::test]
async fn instance_b_serves_the_task_attachments() {
    if !on_postgres() {
        return;
    }
    let (app, _repo, run) = instance_a().await;
    let (_server, _, base) = instance_b(&app, &[]).await;
    let browser = logged_in_at(&base, "student").await;
    let answer = browser
        .get(format!(
            "{base}/solutions/editor/shell-task/attachments/hint.txt"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.text().await.unwrap(), HINT);
    remove_image(&run.image_tag).await;
}
