//! The queue under stress: Docker going away, many students at once, a killed server.

use std::time::{Duration, Instant};

use super::docker_proxy::DockerProxy;
use super::support::{self, check_states, upload, upload_as, wait_for};

async fn wait_until_done(db: &inloop::db::DbPool, count: i64, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    loop {
        let states = check_states(db).await;
        if states == [("done".to_owned(), count)] {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "checks not done in time: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Hands in three solutions while checks cannot run, and asserts that after four seconds all
/// three still wait in the queue without an attempt spent (`waiting` and `unspent` say why).
async fn three_waiting_checks(
    app: &crate::common::TestApp,
    waiting: &str,
    unspent: &str,
) -> inloop::db::DbPool {
    for _ in 0..3 {
        upload(app, &[("solution.sh", b"echo ok; exit 0")]).await;
    }
    tokio::time::sleep(Duration::from_secs(4)).await;
    let db = app.db().await;
    assert_eq!(
        check_states(&db).await,
        [("queued".to_owned(), 3)],
        "{waiting}"
    );
    let attempts: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT MAX(attempts) FROM checks"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(attempts, 0, "{unspent}");
    db
}

#[tokio::test]
async fn checks_wait_while_docker_is_down_and_complete_when_it_returns() {
    let proxy = DockerProxy::start();
    proxy.set(false);
    let url = proxy.url();
    let app = support::app_with(
        |config| {
            config.workers = 2;
            config.docker_host = Some(url);
        },
        &[],
    )
    .await;
    let db = three_waiting_checks(
        &app,
        "nothing runs, nothing fails",
        "no attempt was spent on a missing daemon",
    )
    .await;
    let page = app.get_text("/solutions/detail/shell-task/3/").await;
    assert!(
        page.contains("badge-queued"),
        "the student sees it waiting, not failed"
    );

    proxy.set(true);
    wait_until_done(&db, 3, Duration::from_secs(90)).await;
    for number in 1..=3 {
        wait_for(
            &app,
            &format!("/solutions/detail/shell-task/{number}/"),
            "badge-passed",
            Duration::from_secs(5),
        )
        .await;
    }
}

/// A small tmpfs mounted over a folder for the length of a test (root only, as CI runs).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(at: &std::path::Path) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=24m", "tmpfs"])
            .arg(at)
            .status()
            .unwrap();
        assert!(mounted.success(), "mounting a tmpfs needs root");
        Self(at.to_owned())
    }

    /// Writes until nothing fits any more.
    fn fill(&self) {
        use std::io::Write as _;
        let mut file = std::fs::File::create(self.0.join("filler")).unwrap();
        let block = vec![0; 1 << 16];
        while file.write_all(&block).is_ok() {}
    }

    fn free(&self) {
        std::fs::remove_file(self.0.join("filler")).unwrap();
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test]
async fn checks_wait_while_the_data_disk_is_full_and_complete_when_there_is_room() {
    let app = support::app(2, &[]).await;
    // The checks' work folders live under data/checks: that disk is the one that fills up.
    let disk = SmallDisk::mount(&app.config.data_dir.join("checks"));
    disk.fill();
    let db = three_waiting_checks(
        &app,
        "nothing is claimed while the disk is full, so nothing fails",
        "no attempt was spent on a full disk",
    )
    .await;

    disk.free();
    wait_until_done(&db, 3, Duration::from_secs(90)).await;
    let page = app.get_text("/solutions/detail/shell-task/3/").await;
    assert!(page.contains("badge-passed"), "checked once there was room");
}

#[tokio::test]
async fn a_session_the_database_cannot_look_up_is_503_not_a_logout_and_stores_nothing() {
    // Every request reads the session: a cached one would not need the database at all.
    let app = support::app_with(|config| config.session_cache_secs = 0, &[]).await;
    let db = app.db().await;
    let token = app.csrf_token("/privacy/").await;
    let rename = async |from: &str, to: &str| {
        let sql = format!("ALTER TABLE {from} RENAME TO {to}");
        inloop::on_pool!(&db, |pool| sqlx::query(&sql).execute(pool).await.map(drop)).unwrap();
    };
    // As while PostgreSQL restarts: the lookup of who is logged in fails.
    rename("sessions", "sessions_away").await;
    let home = app.get("/").await;
    assert_eq!(home.status(), 503, "not sent to the login page");
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .part(
            "files",
            reqwest::multipart::Part::bytes(b"echo ok".to_vec()).file_name("solution.sh"),
        );
    let upload = app
        .http
        .post(app.at("/solutions/editor/shell-task/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        upload.status(),
        503,
        "a proxy or the student may send it again"
    );
    assert_eq!(support::solution_count(&db).await, 0, "nothing stored");

    rename("sessions_away", "sessions").await;
    let home = app.get_text("/").await;
    assert!(home.contains("student"), "still logged in afterwards");
}

#[tokio::test]
async fn two_hundred_submissions_from_twenty_students_complete_fairly() {
    let proxy = DockerProxy::start();
    proxy.set(false);
    let url = proxy.url();
    let app = support::app_with(
        |config| {
            config.workers = 4;
            config.docker_host = Some(url);
        },
        &[],
    )
    .await;
    let mut students = Vec::new();
    for index in 0..20 {
        students.push(support::student(&app, &format!("student{index:02}")).await);
    }
    // Every student hands in ten solutions, all students at the same time.
    let rounds = students.iter().map(|browser| async {
        for _ in 0..10 {
            let response = upload_as(&app, browser, &[("solution.sh", b"exit 0")]).await;
            assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
        }
    });
    futures_util::future::join_all(rounds).await;
    let db = app.db().await;
    let numbers: Vec<(i64, i64, i64)> = inloop::on_pool!(&db, |pool| sqlx::query_as(
        "SELECT author_id, COUNT(*), MAX(number) FROM solutions GROUP BY author_id"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    assert_eq!(numbers.len(), 20);
    assert!(
        numbers
            .iter()
            .all(|(_, count, max)| *count == 10 && *max == 10),
        "numbering is gapless: {numbers:?}"
    );

    proxy.set(true);
    wait_until_done(&db, 200, Duration::from_mins(5)).await;
    // Nobody's second check started before everybody's first.
    let sql = "WITH ranked AS (SELECT started_at, ROW_NUMBER() OVER (PARTITION BY author_id ORDER BY id) AS rank FROM checks)
               SELECT (SELECT MAX(started_at) FROM ranked WHERE rank = 1), (SELECT MIN(started_at) FROM ranked WHERE rank = 2)";
    let (last_first, first_second): (i64, i64) =
        inloop::on_pool!(&db, |pool| sqlx::query_as(sql).fetch_one(pool).await).unwrap();
    assert!(
        last_first <= first_second,
        "a second check started before someone's first"
    );
    let verdicts: Vec<(Option<String>, i64)> = inloop::on_pool!(&db, |pool| sqlx::query_as(
        "SELECT verdict, COUNT(*) FROM solutions GROUP BY verdict"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    assert_eq!(verdicts, [(Some("passed".to_owned()), 200)]);
    support::until_no_check_container(&app).await;
}

#[tokio::test]
async fn infrastructure_failures_are_retried_then_reported_to_staff_only() {
    let app = support::app(1, &[]).await;
    let db = app.db().await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE import_runs SET image_tag = 'inloop-test/no-such-image:1'"
    )
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    upload(&app, &[("solution.sh", b"exit 0")]).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let (attempts, message): (i64, String) = loop {
        let row: (i64, String, String) = inloop::on_pool!(&db, |pool| sqlx::query_as(
            "SELECT attempts, status, staff_message FROM checks"
        )
        .fetch_one(pool)
        .await)
        .unwrap();
        if row.0 >= 1 && row.1 == "queued" {
            break (row.0, row.2);
        }
        assert!(
            Instant::now() < deadline,
            "the failed attempt was not queued again: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(attempts, 1);
    assert!(message.contains("no-such-image"), "{message}");
    let page = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(
        page.contains("badge-queued") && !page.contains("no-such-image"),
        "students see it waiting"
    );

    // Jump to the last attempt: it ends as an infrastructure error, explained to the student.
    let now = inloop::db::Timestamp::now();
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE checks SET attempts = 4, not_before = $1"
    )
    .bind(now)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    let html = wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "badge-infrastructure_error",
        Duration::from_secs(30),
    )
    .await;
    assert!(
        !html.contains("no-such-image"),
        "the cause is for staff only"
    );
}

#[tokio::test]
async fn two_instances_share_one_queue_and_run_each_check_once() {
    let app = support::app(2, &[]).await;
    let url = app.config.database_url.clone();
    let _second = crate::common::spawn_with(|config| {
        config.database_url = url;
        config.workers = 2;
        config.instance = Some("second-instance".into());
    })
    .await;
    let mut students = Vec::new();
    for index in 0..6 {
        students.push(support::student(&app, &format!("pupil{index}")).await);
    }
    let rounds = students.iter().map(|browser| async {
        for _ in 0..3 {
            upload_as(&app, browser, &[("solution.sh", b"exit 0")]).await;
        }
    });
    futures_util::future::join_all(rounds).await;
    let db = app.db().await;
    wait_until_done(&db, 18, Duration::from_mins(3)).await;
    let sql = "SELECT COUNT(*), MAX(attempts), COUNT(DISTINCT CASE WHEN worker LIKE 'second-instance/%' THEN 1 ELSE 0 END)
               FROM checks";
    let (count, attempts, instances): (i64, i64, i64) =
        inloop::on_pool!(&db, |pool| sqlx::query_as(sql).fetch_one(pool).await).unwrap();
    assert_eq!((count, attempts), (18, 1), "every check ran exactly once");
    assert_eq!(instances, 2, "both instances took checks from the queue");
}
