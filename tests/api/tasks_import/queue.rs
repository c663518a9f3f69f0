//! The import queue across instances: the server's own loop, the schedule, dead runs, the CLI.

use std::process::Command;
use std::time::Duration;

use inloop::db::{DbPool, Timestamp};
use inloop::events::Bus;
use inloop::import::Trigger;
use inloop::import::runs::{self, ImportRun};
use inloop::settings::Settings;

use super::repo::TestRepo;
use super::{remove_image, set_repository};
use crate::common;
use inloop::import::runs::RunStatus;

/// Waits until the newest run has finished (the server's loop runs it).
async fn newest_finished(db: &DbPool) -> ImportRun {
    for _ in 0..120 {
        if let Some(run) = runs::recent(db, 1).await.unwrap().pop()
            && run.status.is_final()
        {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("no import finished within 30 s");
}

#[tokio::test]
async fn the_server_runs_webhook_requests_itself() {
    let secret = "loop secret";
    let app = common::spawn_with(|config| config.github_secret = Some(secret.into())).await;
    let repo = TestRepo::standard();
    set_repository(&app, &repo.url()).await;
    let body = r#"{"ref": "refs/heads/main"}"#;
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(secret.as_bytes()).unwrap();
    hmac::Mac::update(&mut mac, body.as_bytes());
    let signature = format!(
        "sha256={}",
        hex::encode(hmac::Mac::finalize(mac).into_bytes())
    );
    let response = app
        .http
        .post(app.at("/gitload/webhook_handler/"))
        .header("X-GitHub-Event", "push")
        .header("X-Hub-Signature-256", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let run = newest_finished(&app.db().await).await;
    assert_eq!(
        (run.trigger.as_str(), run.status.as_str()),
        ("webhook", "succeeded"),
        "{run:?}"
    );
    remove_image(&run.image_tag).await;
}

#[tokio::test]
async fn the_schedule_requests_imports_when_due() {
    let app = common::spawn().await;
    let db = app.db().await;
    Settings::default()
        .set(&db, &Bus::local(), "pull_interval_minutes", "5")
        .await
        .unwrap();
    let run = newest_finished(&db).await;
    assert_eq!(run.trigger, "schedule");
    assert!(run.error.contains("git_url"), "no URL configured: {run:?}");
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        runs::recent(&db, 10).await.unwrap().len(),
        1,
        "not due again yet"
    );
}

#[tokio::test]
async fn a_run_whose_instance_died_is_failed_and_the_queue_moves_on() {
    let app = common::spawn().await;
    let db = app.db().await;
    // A run some other instance started and stopped beating for.
    let old = Timestamp::now().plus(-runs::DEAD_AFTER - time::Duration::minutes(1));
    let stale: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "INSERT INTO import_runs (trigger, requested_at, started_at, heartbeat_at, status)
         VALUES ('admin', $1, $1, $1, 'running') RETURNING id"
    )
    .bind(old)
    .fetch_one(pool)
    .await)
    .unwrap();
    let next = runs::request(&db, Trigger::Admin).await.unwrap();
    assert_ne!(next, stale);
    // A dead run does not block the queue (this test and the server's loop race for `next`).
    let claimed = runs::claim(&db).await.unwrap();
    let next = runs::get(&db, next).await.unwrap().unwrap();
    assert!(
        claimed == Some(next.id) || next.status != RunStatus::Pending,
        "{next:?}"
    );
    let stale = runs::get(&db, stale).await.unwrap().unwrap();
    assert_eq!(stale.status, RunStatus::Failed);
    assert!(stale.error.contains("abandoned"));
}

#[test]
fn load_tasks_wait_imports_in_the_foreground() {
    let repo = TestRepo::standard();
    let dir = tempfile::tempdir().unwrap();
    let inloop = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_inloop"))
            .args(args)
            .current_dir(dir.path())
            .env("INLOOP_DATA_DIR", dir.path().join("data"))
            .env("GITHUB_SECRET", "cli secret")
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    };
    let url = repo.url();
    let output = inloop(&["load-tasks", "--url", &url, "--branch", "main", "--wait"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("added      task-a"), "{stdout}");
    assert!(
        stdout.contains("invalid    no-meta: meta.json is missing"),
        "{stdout}"
    );
    let tag = regex::Regex::new(r"inloop-checker:[0-9a-f]{8}-[0-9a-f]{12}").unwrap();
    let tag = tag.find(&stdout).expect("image tag").as_str().to_owned();

    let output = inloop(&["load-tasks", "--branch", "no-such-branch", "--wait"]);
    assert!(!output.status.success(), "a failed import exits non-zero");
    assert!(String::from_utf8_lossy(&output.stderr).contains("failed"));

    let output = inloop(&["print-webhook-settings"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("/gitload/webhook_handler/") && stdout.contains("cli secret"),
        "{stdout}"
    );
    assert!(stdout.contains("\"no-such-branch\""), "{stdout}");
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(remove_image(&tag));
}
