//! SIGTERM to an instance with 20 queued and 2 running checks, then a restart (issue 16): every
//! check completes exactly once and no container is left, whether the running checks finish
//! within `INLOOP_SHUTDOWN_GRACE_SECS` or are handed back and run again after the restart.

use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use inloop::db::DbPool;
use reqwest::StatusCode;

use super::restart::{Server, containers_of, inloop_with};
use super::sse::Sse;
use super::support::{self, upload_as};
use crate::common::TestApp;

/// Hands in, for each of two students, a slow solution and then ten quick ones: 22 checks. The
/// slow ones run first (everyone's first check goes before anyone's second), one per student.
async fn queue_22(app: &TestApp, slow: &[u8]) {
    let second = support::student(app, "second").await;
    for browser in [&app.http, &second] {
        let answer = upload_as(app, browser, &[("solution.sh", slow)]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        for _ in 0..10 {
            let answer = upload_as(app, browser, &[("solution.sh", b"echo quick; exit 0")]).await;
            assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        }
    }
}

/// One line per check: solution, status, attempts, hand-backs, verdict, console output.
type CheckLine = (i64, String, i64, i64, Option<String>, String);

async fn check_lines(db: &DbPool) -> Vec<CheckLine> {
    let sql = "SELECT solution_id, status, attempts, handbacks, verdict, stdout
               FROM checks ORDER BY solution_id";
    inloop::on_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await).unwrap()
}

/// How many checks have `status`.
async fn count(db: &DbPool, status: &str) -> usize {
    check_lines(db)
        .await
        .iter()
        .filter(|line| line.1 == status)
        .count()
}

pub async fn wait_until_async<F: Future<Output = bool>>(
    what: &str,
    timeout: Duration,
    mut done: impl FnMut() -> F,
) {
    let deadline = Instant::now() + timeout;
    while !done().await {
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until the server at `base` answers `/healthz`.
pub async fn ready(base: &str) {
    let url = format!("{base}/healthz");
    wait_until_async("the instance answers", Duration::from_mins(1), || async {
        reqwest::get(&url)
            .await
            .is_ok_and(|answer| answer.status() == StatusCode::OK)
    })
    .await;
}

/// Sends SIGTERM, as `docker stop` and systemd do.
pub fn terminate(server: &Server) {
    let pid = server.0.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
}

/// Waits for the process to end; panics after `timeout`.
pub async fn exited(server: &mut Server, timeout: Duration) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "still running {timeout:?} after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Starts `args` with two workers and waits until both slow checks run in their containers.
async fn start_with_two_running(
    app: &TestApp,
    args: &[&str],
    instance: &str,
    env: &[(&str, &str)],
) -> Server {
    let db = app.db().await;
    let data_dir = app.dir.path().join("instances");
    std::fs::create_dir_all(&data_dir).unwrap();
    let server = inloop_with(args, app.config.database_url(), &data_dir, instance, env);
    wait_until_async("two checks run", Duration::from_mins(1), || async {
        count(&db, "running").await == 2 && containers_of(instance) >= 2
    })
    .await;
    server
}

/// After the restart: every solution has its one check, done and passed, and no container is
/// left; returns the lines.
async fn all_done_once(app: &TestApp, instance: &str) -> Vec<CheckLine> {
    let db = app.db().await;
    wait_until_async("all 22 checks are done", Duration::from_mins(1), || async {
        count(&db, "done").await == 22
    })
    .await;
    let lines = check_lines(&db).await;
    assert_eq!(support::solution_count(&db).await, 22);
    let mut solutions: Vec<i64> = lines.iter().map(|line| line.0).collect();
    solutions.dedup();
    assert_eq!(solutions.len(), 22, "one check per solution: {lines:?}");
    for line in &lines {
        assert_eq!(line.4.as_deref(), Some("passed"), "{line:?}");
        assert_eq!(
            line.5.matches("quick").count() + line.5.matches("slow").count(),
            1,
            "{line:?}"
        );
    }
    wait_until_async("no container is left", Duration::from_secs(30), || async {
        containers_of(instance) == 0
    })
    .await;
    lines
}

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

#[tokio::test]
async fn sigterm_to_serve_lets_running_checks_finish_and_the_restart_runs_the_queue() {
    let app = support::app(0, &[]).await;
    queue_22(&app, b"sleep 5; echo slow; exit 0").await;
    let db = app.db().await;
    let instance = unique("grace");
    let port = crate::common::free_port().to_string();
    let env = [
        ("INLOOP_WORKERS", "2"),
        ("INLOOP_SHUTDOWN_GRACE_SECS", "30"),
        ("ROCKET_PORT", port.as_str()),
    ];
    let mut server = start_with_two_running(&app, &["serve"], &instance, &env).await;
    let base = format!("http://127.0.0.1:{port}");
    let browser = support::logged_in_at(&base, "student").await;
    let queued = format!("{base}/solutions/detail/shell-task/11/events");
    let mut stream = Sse::open(&browser, &queued, None).await;
    assert!(stream.next(Duration::from_secs(5)).await.is_some());
    let started = Instant::now();
    terminate(&server);
    while stream.next(Duration::from_secs(5)).await.is_some() {}
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "the event stream ended at once, not with the instance"
    );

    let address = format!("127.0.0.1:{port}");
    wait_until_async(
        "no connection is accepted",
        Duration::from_secs(3),
        || async { std::net::TcpStream::connect(&address).is_err() },
    )
    .await;
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "the instance refuses connections while its checks still run"
    );
    let status = exited(&mut server, Duration::from_secs(45)).await;
    assert!(status.success(), "exit code 0, not {status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it ended when its checks did, not after the whole grace"
    );
    assert_eq!(
        containers_of(&instance),
        0,
        "no container outlives the instance"
    );
    let lines = check_lines(&db).await;
    let finished: Vec<_> = lines.iter().filter(|line| line.1 == "done").collect();
    assert_eq!(finished.len(), 2, "the running checks finished: {lines:?}");
    assert!(finished.iter().all(|line| line.5.contains("slow")));
    assert!(
        lines
            .iter()
            .filter(|line| line.1 != "done")
            .all(|line| line.1 == "queued" && line.2 == 0),
        "no new check was claimed after SIGTERM: {lines:?}"
    );

    let mut restarted = inloop_with(
        &["serve"],
        app.config.database_url(),
        &app.dir.path().join("instances"),
        &instance,
        &env,
    );
    let lines = all_done_once(&app, &instance).await;
    assert!(
        lines.iter().all(|line| line.2 == 1 && line.3 == 0),
        "each ran once: {lines:?}"
    );
    terminate(&restarted);
    assert!(
        exited(&mut restarted, Duration::from_secs(45))
            .await
            .success()
    );
}

#[tokio::test]
async fn sigterm_to_a_worker_past_its_grace_hands_running_checks_back_for_the_restart() {
    let app = support::app(0, &[]).await;
    queue_22(&app, b"sleep 6; echo slow; exit 0").await;
    let db = app.db().await;
    let instance = unique("handback");
    let args = ["worker", "--count", "2"];
    let env = [("INLOOP_SHUTDOWN_GRACE_SECS", "1")];
    let mut worker = start_with_two_running(&app, &args, &instance, &env).await;
    terminate(&worker);
    let status = exited(&mut worker, Duration::from_secs(20)).await;
    assert!(status.success(), "exit code 0, not {status:?}");
    assert_eq!(
        containers_of(&instance),
        0,
        "the cancelled checks' containers are removed before the exit"
    );
    let lines = check_lines(&db).await;
    assert!(
        lines.iter().all(|line| line.1 == "queued"),
        "all 22 wait in the queue: {lines:?}"
    );
    let handed_back: Vec<_> = lines.iter().filter(|line| line.3 == 1).collect();
    assert_eq!(handed_back.len(), 2, "{lines:?}");
    assert!(handed_back.iter().all(|line| line.2 == 1));

    let mut restarted = inloop_with(
        &args,
        app.config.database_url(),
        &app.dir.path().join("instances"),
        &instance,
        &env,
    );
    let lines = all_done_once(&app, &instance).await;
    for line in &lines {
        let (attempts, handbacks) = if line.5.contains("slow") {
            (2, 1)
        } else {
            (1, 0)
        };
        assert_eq!((line.2, line.3), (attempts, handbacks), "{line:?}");
    }
    terminate(&restarted);
    assert!(
        exited(&mut restarted, Duration::from_secs(20))
            .await
            .success()
    );
}

#[tokio::test]
async fn an_upload_in_flight_at_sigterm_is_still_taken() {
    let app = support::app(0, &[]).await;
    let data_dir = app.dir.path().join("instances");
    std::fs::create_dir_all(&data_dir).unwrap();
    let port = crate::common::free_port().to_string();
    let env = [("INLOOP_WORKERS", "0"), ("ROCKET_PORT", port.as_str())];
    let url = app.config.database_url();
    let mut server = inloop_with(&["serve"], url, &data_dir, &unique("inflight"), &env);
    let base = format!("http://127.0.0.1:{port}");
    ready(&base).await;
    let browser = support::logged_in_at(&base, "student").await;
    let page = browser
        .get(format!("{base}/privacy/"))
        .send()
        .await
        .unwrap();
    let token = crate::common::csrf_token_in(&page.text().await.unwrap());
    // The file arrives in two pieces, the second after the signal.
    let (signalled, rest) = tokio::sync::oneshot::channel::<()>();
    let pieces = futures_util::stream::iter([Ok::<_, std::io::Error>(b"echo ".to_vec())]).chain(
        futures_util::stream::once(async move {
            rest.await.unwrap();
            Ok(b"late; exit 0".to_vec())
        }),
    );
    let file = reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(pieces))
        .file_name("solution.sh");
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part("files", file);
    let sent = browser
        .post(format!("{base}/solutions/editor/shell-task/upload"))
        .multipart(form)
        .send();
    let upload = tokio::spawn(sent);
    tokio::time::sleep(Duration::from_millis(500)).await;
    terminate(&server);
    tokio::time::sleep(Duration::from_secs(1)).await;
    signalled.send(()).unwrap();

    let answer = upload.await.unwrap().expect("the upload is answered");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER, "taken, not a 500");
    assert_eq!(support::solution_count(&app.db().await).await, 1);
    assert!(exited(&mut server, Duration::from_secs(20)).await.success());
}
