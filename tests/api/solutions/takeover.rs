//! The queue across instances: a dead instance's check taken over by another, claims fencing
//! late writes, orphaned containers swept (only this installation's), a clean shutdown.

use std::process::Command;
use std::time::{Duration, Instant};

use inloop::db::DbPool;
use inloop::runner::verdict::Verdict;
use inloop::solutions::queue::{self, Failed, Finished, Job};
use inloop::solutions::{orphans, recovery};

use super::lifecycle::terminate;
use super::restart::{check_row, containers_of, serve_with, wait_for_state};
use super::support;

/// A name no other test (or run) uses, for instances and installations.
fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Removes the containers of the instances a test started, also when it fails.
struct Containers(Vec<String>);

impl Drop for Containers {
    fn drop(&mut self) {
        for instance in &self.0 {
            let filter = format!("label=inloop.instance={instance}");
            let out = Command::new("docker")
                .args(["ps", "-aq", "--filter", &filter])
                .output();
            for id in out
                .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
                .unwrap_or_default()
                .lines()
            {
                let _ = Command::new("docker").args(["rm", "-f", id]).output();
            }
        }
    }
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// (worker, verdict, number of check rows, result files) of the only solution.
async fn checks(db: &DbPool) -> (String, Option<String>, i64, i64) {
    let sql = "SELECT worker, verdict, (SELECT COUNT(*) FROM checks),
                      (SELECT COUNT(*) FROM check_files) FROM checks";
    inloop::on_pool!(db, |pool| sqlx::query_as(sql).fetch_one(pool).await).unwrap()
}

#[tokio::test]
async fn a_dead_instances_check_is_taken_over_by_any_live_instance() {
    support::ensure_image();
    let app = support::app(0, &[]).await;
    support::upload(
        &app,
        &[("solution.sh", b"sleep 5; echo taken over; exit 0")],
    )
    .await;
    let db = app.db().await;
    let data_dir = app.dir.path().join("instances");
    std::fs::create_dir_all(&data_dir).unwrap();
    let (alpha, beta) = (unique("alpha"), unique("beta"));
    let _containers = Containers(vec![alpha.clone(), beta.clone()]);
    let fast = [("INLOOP_CHECK_STALE_SECS", "6")];

    let mut first = serve_with(app.config.database_url(), &data_dir, &alpha, &fast);
    wait_for_state(&db, "running", Duration::from_mins(1)).await;
    wait_until("alpha's container starts", Duration::from_secs(30), || {
        containers_of(&alpha) > 0
    })
    .await;
    first.0.kill().unwrap(); // SIGKILL: alpha never comes back
    first.0.wait().unwrap();

    let _second = serve_with(app.config.database_url(), &data_dir, &beta, &fast);
    let (_, attempts) = wait_for_state(&db, "done", Duration::from_mins(2)).await;
    assert_eq!(attempts, 2, "beta ran it once more, from the start");
    let (worker, verdict, rows, _) = checks(&db).await;
    assert_eq!(worker, format!("{beta}/0"));
    assert_eq!(verdict.as_deref(), Some("passed"));
    assert_eq!(rows, 1, "one result, nothing duplicated");
    let html = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(html.contains("taken over"));
    wait_until(
        "beta removes alpha's container",
        Duration::from_mins(1),
        || containers_of(&alpha) == 0,
    )
    .await;
    wait_until(
        "beta removes its own container",
        Duration::from_secs(30),
        || containers_of(&beta) == 0,
    )
    .await;
}

#[tokio::test]
async fn a_server_shut_down_mid_check_leaves_no_container_and_gives_the_check_back() {
    support::ensure_image();
    let app = support::app(0, &[]).await;
    support::upload(&app, &[("solution.sh", b"sleep 120; exit 0")]).await;
    let db = app.db().await;
    let data_dir = app.dir.path().join("instances");
    std::fs::create_dir_all(&data_dir).unwrap();
    let gamma = unique("gamma");
    let _containers = Containers(vec![gamma.clone()]);
    // Past its grace at once: the running check is cancelled and handed back.
    let grace = [("INLOOP_SHUTDOWN_GRACE_SECS", "1")];
    let mut server = serve_with(app.config.database_url(), &data_dir, &gamma, &grace);
    wait_for_state(&db, "running", Duration::from_mins(1)).await;
    wait_until("the container starts", Duration::from_secs(30), || {
        containers_of(&gamma) > 0
    })
    .await;
    terminate(&server);
    wait_until("the server stops", Duration::from_mins(1), || {
        server.0.try_wait().unwrap().is_some()
    })
    .await;
    let log = std::fs::read_to_string(data_dir.join(format!("{gamma}.log"))).unwrap_or_default();
    assert!(
        server
            .0
            .try_wait()
            .unwrap()
            .is_some_and(|status| status.success()),
        "exit code 0; the server said:\n{log}"
    );
    assert_eq!(
        containers_of(&gamma),
        0,
        "no container is left behind; the server said:\n{log}"
    );
    assert_eq!(
        check_row(&db).await.0,
        "queued",
        "the check waits for another worker"
    );
}

/// Claims the only queued check as `worker`.
async fn claim(db: &DbPool, worker: &str) -> Job {
    queue::claim(db, worker)
        .await
        .unwrap()
        .expect("a check to claim")
}

fn result() -> Finished<'static> {
    Finished {
        verdict: Verdict::Passed,
        exit_code: 0,
        duration_ms: 10,
        stdout: "late",
        stderr: "",
        reports_json: "[]",
        notes_json: "[]",
        tests_total: 0,
        tests_passed: 0,
        image: support::IMAGE,
        files: &[],
    }
}

#[tokio::test]
async fn a_worker_that_lost_its_claim_can_neither_finish_beat_nor_requeue() {
    let app = support::app(0, &[]).await;
    support::upload(&app, &[("solution.sh", b"exit 0")]).await;
    let db = app.db().await;
    let a = claim(&db, "a/0").await;
    assert!(queue::heartbeat(&db, &a).await.unwrap(), "A holds it");
    let sql = "SELECT heartbeat_at FROM checks";
    let beat: i64 =
        inloop::on_pool!(&db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    assert!(
        (beat - now).abs() < 60_000,
        "the database's clock is stored in Unix milliseconds like every timestamp: {beat} vs {now}"
    );
    assert!(
        recovery::requeue_stale(&db, worker_stale())
            .await
            .unwrap()
            .is_empty(),
        "a fresh heartbeat (by the database's clock) is not stale"
    );
    // A pauses for a minute (by the database's clock): taken for dead, claimed by B.
    let sql = "UPDATE checks SET heartbeat_at = heartbeat_at - 60000";
    inloop::on_pool!(&db, |pool| sqlx::query(sql).execute(pool).await.map(drop)).unwrap();
    assert_eq!(
        recovery::requeue_stale(&db, worker_stale())
            .await
            .unwrap()
            .len(),
        1
    );
    let b = claim(&db, "b/0").await;
    assert_eq!(b.attempts, 2);

    assert!(!queue::heartbeat(&db, &a).await.unwrap());
    assert!(!queue::finish(&db, &a, &result()).await.unwrap());
    assert_eq!(queue::fail(&db, &a, "late").await.unwrap(), Failed::NotHeld);
    assert!(!queue::release(&db, &a).await.unwrap());
    let same_name_again = Job {
        attempts: 1,
        ..b.clone()
    };
    assert!(
        !queue::finish(&db, &same_name_again, &result())
            .await
            .unwrap(),
        "an earlier claim under the same worker name is not this one"
    );
    assert_eq!(check_row(&db).await, ("running".to_owned(), 2));
    assert_eq!(checks(&db).await, ("b/0".to_owned(), None, 1, 0));

    assert!(queue::heartbeat(&db, &b).await.unwrap());
    assert!(queue::finish(&db, &b, &result()).await.unwrap());
    assert_eq!(check_row(&db).await.0, "done");
}

fn worker_stale() -> Duration {
    inloop::solutions::worker::STALE
}

/// Creates a stopped check container with `labels`; returns its id.
fn container(labels: &[(&str, String)]) -> String {
    let mut command = Command::new("docker");
    command.args(["create", "--label", "inloop.check=1"]);
    for (key, value) in labels {
        command.args(["--label", &format!("{key}={value}")]);
    }
    let out = command
        .args(["inloop-test/busybox:1", "true"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn exists(id: &str) -> bool {
    let out = Command::new("docker")
        .args(["ps", "-aq", "--no-trunc", "--filter", &format!("id={id}")])
        .output()
        .unwrap();
    !String::from_utf8_lossy(&out.stdout).trim().is_empty()
}

#[tokio::test]
async fn orphaned_check_containers_of_this_installation_are_swept_and_no_others() {
    let app = support::app(0, &[]).await;
    support::upload(&app, &[("solution.sh", b"exit 0")]).await;
    let db = app.db().await;
    let running = claim(&db, "elsewhere/0").await;
    let (ours, theirs) = (unique("ours"), unique("theirs"));
    let owner = inloop::import::image::OWNER_LABEL;
    let claim_of = |installation: &str, check: i64, attempt: i64| {
        vec![
            (owner, installation.to_owned()),
            (orphans::CHECK_ID_LABEL, check.to_string()),
            (orphans::ATTEMPT_LABEL, attempt.to_string()),
        ]
    };
    let live = container(&claim_of(&ours, running.check_id, running.attempts));
    let earlier_claim = container(&claim_of(&ours, running.check_id, 0));
    let unknown_check = container(&claim_of(&ours, 999_999, 1));
    let other_installation = container(&claim_of(&theirs, 999_999, 1));
    let docker = bollard::Docker::connect_with_local_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();

    let young = orphans::sweep(&docker, &db, &ours, Duration::from_mins(1))
        .await
        .unwrap();
    assert_eq!(
        young, 0,
        "containers within the grace period stay (a claim may be starting)"
    );
    assert!(exists(&earlier_claim) && exists(&unknown_check));

    let swept = orphans::sweep(&docker, &db, &ours, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(swept, 2);
    assert!(
        !exists(&earlier_claim),
        "a container of an earlier claim is an orphan"
    );
    assert!(
        !exists(&unknown_check),
        "a container of no running check is an orphan"
    );
    assert!(exists(&live), "the running check's container stays");
    assert!(
        exists(&other_installation),
        "another installation's container is not ours"
    );
    for id in [live, other_installation] {
        Command::new("docker")
            .args(["rm", "-f", &id])
            .output()
            .unwrap();
    }
}
