//! Checks end to end: a worker runs the solution in Docker and the pages show the result.

use std::time::Duration;

use reqwest::StatusCode;

use super::support::{self, PASSWORD, report_script, upload, wait_for};
use crate::common::location;

const CHECK_TIMEOUT: Duration = Duration::from_mins(1);

#[tokio::test]
async fn a_solution_is_checked_and_its_result_shown() {
    let app = support::app(1, &[]).await;
    let script = format!(
        "echo 'compiling…'\necho 'warning: x' >&2\n{}exit 1\n",
        report_script(2, 3)
    );
    let response = upload(&app, &[("solution.sh", script.as_bytes())]).await;
    assert_eq!(location(&response), "/solutions/detail/shell-task/1/");
    let page = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(
        page.contains("Solution #1 received at"),
        "the receipt is shown"
    );

    let html = wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "badge-failed",
        CHECK_TIMEOUT,
    )
    .await;
    assert!(html.contains("2 of 3 tests passed"));
    assert!(
        html.contains("expected 1 but was 2"),
        "the failing test's message"
    );
    assert!(
        html.contains("compiling…") && html.contains("warning: x"),
        "console output"
    );
    let list = app.get_text("/solutions/list/shell-task/").await;
    assert!(list.contains("#1") && list.contains("2/3"));

    let zip = app.get("/solutions/detail/shell-task/1/download").await;
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let bytes = zip.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut content = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("solution.sh").unwrap(), &mut content)
        .unwrap();
    assert_eq!(content, script);
    let source = app
        .get_text("/solutions/detail/shell-task/1/files/solution.sh")
        .await;
    assert!(source.contains("compiling…"));

    upload(
        &app,
        &[(
            "solution.sh",
            format!("{}exit 0\n", report_script(3, 3)).as_bytes(),
        )],
    )
    .await;
    let html = wait_for(
        &app,
        "/solutions/detail/shell-task/2/",
        "badge-passed",
        CHECK_TIMEOUT,
    )
    .await;
    assert!(html.contains("3 of 3 tests passed"));
    support::until_no_check_container(&app).await;
}

#[tokio::test]
async fn limits_give_precise_verdicts() {
    let app = support::app(2, &[]).await;
    let db = app.db().await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE tasks SET limits = '{\"time_limit\": 3}'"
    )
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    upload(&app, &[("solution.sh", b"while true; do :; done")]).await;
    upload(&app, &[("solution.sh", b"yes 'flood flood flood'")]).await;
    let html = wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "Time limit exceeded",
        CHECK_TIMEOUT,
    )
    .await;
    assert!(html.contains("badge-time_limit"));
    let html = wait_for(
        &app,
        "/solutions/detail/shell-task/2/",
        "Output limit exceeded",
        CHECK_TIMEOUT,
    )
    .await;
    assert!(
        html.contains("[output truncated"),
        "the visible truncation marker"
    );
}

#[tokio::test]
async fn without_immediate_feedback_solutions_are_saved_unchecked() {
    let app = support::app(1, &[("immediate_feedback", "false")]).await;
    upload(&app, &[("solution.sh", b"exit 0")]).await;
    let html = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(html.contains("badge-saved") && html.contains("not checked now"));
}

#[tokio::test]
async fn students_see_only_their_own_solutions_and_staff_see_all() {
    let app = support::app(1, &[]).await;
    upload(&app, &[("solution.sh", b"echo mine; exit 0")]).await;
    wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "badge-passed",
        CHECK_TIMEOUT,
    )
    .await;

    let other =
        crate::common::spawn_with(|config| config.database_url = app.config.database_url.clone())
            .await;
    other.create_user("other", PASSWORD, false).await;
    other.login("other", PASSWORD).await;
    assert_eq!(
        other.get("/solutions/detail/shell-task/1/").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .get("/solutions/detail/shell-task/1/?author=student")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let staff =
        crate::common::spawn_with(|config| config.database_url = app.config.database_url.clone())
            .await;
    staff.create_user("tutor", PASSWORD, true).await;
    staff.login("tutor", PASSWORD).await;
    let html = staff
        .get_text("/solutions/detail/shell-task/1/?author=student")
        .await;
    assert!(html.contains("You are looking at the solution of <strong>student</strong>"));
    assert!(html.contains("mine"));

    let rerun = staff
        .post_form("/solutions/detail/shell-task/1/rerun?author=student", &[])
        .await;
    assert_eq!(rerun.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.post_form("/solutions/detail/shell-task/1/rerun", &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    wait_for(
        &staff,
        "/solutions/detail/shell-task/1/?author=student",
        "badge-passed",
        CHECK_TIMEOUT,
    )
    .await;
}

#[tokio::test]
async fn staff_cancel_a_running_check() {
    let app = support::app(1, &[]).await;
    upload(&app, &[("solution.sh", b"sleep 60")]).await;
    wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "badge-running",
        CHECK_TIMEOUT,
    )
    .await;
    let staff =
        crate::common::spawn_with(|config| config.database_url = app.config.database_url.clone())
            .await;
    staff.create_user("tutor", PASSWORD, true).await;
    staff.login("tutor", PASSWORD).await;
    let cancel = staff
        .post_form("/solutions/detail/shell-task/1/cancel?author=student", &[])
        .await;
    assert_eq!(cancel.status(), StatusCode::SEE_OTHER);
    wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "badge-cancelled",
        CHECK_TIMEOUT,
    )
    .await;
    support::until_no_check_container(&app).await;
}

#[tokio::test]
async fn staff_links_keep_an_author_whose_name_needs_encoding() {
    let app = support::app(0, &[]).await;
    let name = "a+b&c";
    app.create_user(name, PASSWORD, false).await;
    let student =
        crate::common::spawn_with(|config| config.database_url = app.config.database_url.clone())
            .await;
    student.login(name, PASSWORD).await;
    support::upload(&student, &[("My File.sh", b"exit 0")]).await;

    let staff =
        crate::common::spawn_with(|config| config.database_url = app.config.database_url.clone())
            .await;
    staff.create_user("tutor", PASSWORD, true).await;
    staff.login("tutor", PASSWORD).await;
    let html = staff
        .get_text("/solutions/detail/shell-task/1/?author=a%2Bb%26c")
        .await;
    assert!(
        html.contains("You are looking at the solution of <strong>a+b&amp;c</strong>"),
        "{html}"
    );
    let base = "/solutions/detail/shell-task/1";
    for link in [
        format!("action=\"{base}/rerun?author=a%2Bb%26c\""),
        format!("action=\"{base}/cancel?author=a%2Bb%26c\""),
        format!("href=\"{base}/download?author=a%2Bb%26c\""),
        format!("href=\"{base}/files/My%20File.sh/?author=a%2Bb%26c\""),
    ] {
        assert!(html.contains(&link), "{link} missing from {html}");
    }
    // Every link the page gives works as given.
    let download = staff
        .get(&format!("{base}/download?author=a%2Bb%26c"))
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    let file = staff
        .get_text(&format!("{base}/files/My%20File.sh/?author=a%2Bb%26c"))
        .await;
    assert!(file.contains("exit 0"), "{file}");
    let rerun = staff
        .post_form(&format!("{base}/rerun?author=a%2Bb%26c"), &[])
        .await;
    assert_eq!(rerun.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        rerun.headers()["location"],
        format!("{base}/?author=a%2Bb%26c").as_str()
    );
}

/// A result page read while the check finished: the solution's row from before the commit, the
/// check from after. The page shows the finished state, never new results under "Checking".
#[tokio::test]
async fn a_solution_read_before_its_check_finished_shows_the_finished_state() {
    let app = support::app(1, &[]).await;
    let script = format!("{}exit 1\n", report_script(2, 3));
    upload(&app, &[("solution.sh", script.as_bytes())]).await;
    let db = app.db().await;
    crate::solutions::lifecycle::wait_until_async("the check is done", CHECK_TIMEOUT, || async {
        let status: String = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
            "SELECT status FROM solutions"
        )
        .fetch_one(pool)
        .await)
        .unwrap();
        status == "finished"
    })
    .await;
    let id: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar("SELECT id FROM solutions")
        .fetch_one(pool)
        .await)
    .unwrap();
    let mut stale = inloop::solutions::store::by_id(&db, id)
        .await
        .unwrap()
        .unwrap();
    stale.status = inloop::solutions::state::SolutionStatus::Running;
    stale.verdict = None;

    let queue = inloop::solutions::queue_places::QueueCache::new(1);
    let snapshot = inloop::solutions::live::snapshot(&db, stale, &queue, None, &app.config.zone())
        .await
        .unwrap();
    assert_eq!(snapshot.progress.status.class, "failed");
    assert!(snapshot.progress.status.is_final);
    assert_eq!(
        (
            snapshot.progress.tests_passed,
            snapshot.progress.tests_total
        ),
        (2, 3)
    );
}
