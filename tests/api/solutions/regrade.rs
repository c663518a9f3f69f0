//! Regrades with a preview (issue 14), with real checks: the shadow lane changes nothing students
//! see until staff publish; the preview lists exactly the verdicts that change.

use std::time::{Duration, Instant};

use inloop::db::DbPool;
use reqwest::StatusCode;

use super::support::{self, upload, upload_as, wait_for};
use crate::common::{self, TestApp};

const CHECK_TIMEOUT: Duration = Duration::from_mins(1);

/// Sleeps longer than the time limit staff set later, then passes.
const SLOW: &[u8] = b"sleep 5; echo slow";
const QUICK: &[u8] = b"echo quick";
const FAILING: &[u8] = b"exit 1";

/// POSTs an empty form (with CSRF token) from `browser`; the answer's redirect target and flash.
async fn post(
    app: &TestApp,
    browser: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> String {
    let page = browser.get(app.at("/privacy/")).send().await.unwrap();
    let token = common::csrf_token_in(&page.text().await.unwrap());
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend_from_slice(fields);
    let response = browser.post(app.at(path)).form(&form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "POST {path}");
    common::location(&response)
}

async fn get_text(app: &TestApp, browser: &reqwest::Client, path: &str) -> String {
    browser
        .get(app.at(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits until `count` checks are done (or cancelled).
async fn checks_ended(db: &DbPool, count: i64) {
    let deadline = Instant::now() + CHECK_TIMEOUT;
    loop {
        let ended: i64 = inloop::on_pool!(db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM checks WHERE status IN ('done', 'cancelled')"
        )
        .fetch_one(pool)
        .await)
        .unwrap();
        if ended >= count {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {ended} of {count} checks ended"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Each solution's author with its status and verdict, by author.
async fn visible(db: &DbPool) -> Vec<(String, String, Option<String>)> {
    inloop::on_pool!(db, |pool| sqlx::query_as(
        "SELECT u.username, s.status, s.verdict FROM solutions s JOIN users u ON u.id = s.author_id
         ORDER BY u.username"
    )
    .fetch_all(pool)
    .await)
    .unwrap()
}

fn row(name: &str, verdict: &str) -> (String, String, Option<String>) {
    (
        name.to_owned(),
        "finished".to_owned(),
        Some(verdict.to_owned()),
    )
}

/// Waits until the preview at `path` shows its final table (every shadow check ended).
async fn preview(app: &TestApp, staff: &reqwest::Client, path: &str) -> String {
    let deadline = Instant::now() + CHECK_TIMEOUT;
    loop {
        let html = get_text(app, staff, path).await;
        if html.contains("id=\"regrade-changes\"") {
            return html;
        }
        assert!(
            Instant::now() < deadline,
            "the preview never ended:\n{html}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_preview_lists_only_the_changed_verdict_and_publishing_shows_it_to_the_student() {
    let app = support::app(2, &[]).await;
    let db = app.db().await;
    let bob = support::student(&app, "bob").await;
    let carol = support::student(&app, "carol").await;
    upload(&app, &[("solution.sh", SLOW)]).await;
    upload_as(&app, &bob, &[("solution.sh", QUICK)]).await;
    upload_as(&app, &carol, &[("solution.sh", FAILING)]).await;
    checks_ended(&db, 3).await;
    let before = vec![
        row("bob", "passed"),
        row("carol", "compile_error"),
        row("student", "passed"),
    ];
    assert_eq!(visible(&db).await, before);

    // The tests change: a time limit the slow solution exceeds.
    let staff = support::staff(&app, "tutor").await;
    let task: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar("SELECT id FROM tasks")
        .fetch_one(pool)
        .await)
    .unwrap();
    let limits = [("submission_limit", ""), ("group", ""), ("time_limit", "2")];
    post(&app, &staff, &format!("/admin/tasks/{task}/"), &limits).await;
    let to = post(&app, &staff, &format!("/admin/tasks/{task}/regrade/"), &[]).await;
    assert!(to.starts_with("/admin/regrades/"), "{to}");
    // A second start while the preview is open leads to it.
    let again = post(&app, &staff, &format!("/admin/tasks/{task}/regrade/"), &[]).await;
    assert_eq!(again, to);

    let html = preview(&app, &staff, &to).await;
    assert!(
        html.contains("1 students whose verdict would change"),
        "{html}"
    );
    assert!(html.contains(">student</th>"), "{html}");
    assert!(
        html.contains("Passed") && html.contains("Time limit exceeded"),
        "{html}"
    );
    assert!(
        !html.contains(">bob</th>") && !html.contains(">carol</th>"),
        "{html}"
    );
    assert!(
        html.contains("2 stay the same; 0 failed in the infrastructure"),
        "{html}"
    );
    assert!(
        html.contains(support::IMAGE),
        "the image the shadow run used: {html}"
    );

    // Nothing visible changed yet: the solutions, the result page, the list.
    assert_eq!(visible(&db).await, before);
    let page = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(
        page.contains("Passed") && !page.contains("Time limit exceeded"),
        "{page}"
    );
    let list = app.get_text("/solutions/list/shell-task/").await;
    assert!(!list.contains("Time limit exceeded"), "{list}");

    post(&app, &staff, &format!("{to}publish/"), &[]).await;
    let after = vec![
        row("bob", "passed"),
        row("carol", "compile_error"),
        row("student", "time_limit"),
    ];
    assert_eq!(visible(&db).await, after);
    wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "Time limit exceeded",
        CHECK_TIMEOUT,
    )
    .await;
    let list = app.get_text("/solutions/list/shell-task/").await;
    assert!(list.contains("Time limit exceeded"), "{list}");
    let html = get_text(&app, &staff, &to).await;
    assert!(
        html.contains("published") && html.contains("whose verdict changed"),
        "{html}"
    );
    assert!(!html.contains("/publish/"), "decided once: {html}");
    let audited = get_text(&app, &staff, "/admin/regrades/").await;
    assert!(
        audited.contains("Shell Task") && audited.contains("by tutor"),
        "{audited}"
    );
}

#[tokio::test]
async fn a_discarded_preview_changes_nothing() {
    let app = support::app(1, &[]).await;
    let db = app.db().await;
    upload(&app, &[("solution.sh", QUICK)]).await;
    checks_ended(&db, 1).await;
    let staff = support::staff(&app, "tutor").await;
    let to = post(&app, &staff, "/admin/tasks/1/regrade/", &[]).await;
    let html = preview(&app, &staff, &to).await;
    assert!(html.contains("No verdict changes."), "{html}");
    assert!(html.contains("1 stay the same"), "{html}");
    post(&app, &staff, &format!("{to}discard/"), &[]).await;
    assert_eq!(visible(&db).await, vec![row("student", "passed")]);
    let html = get_text(&app, &staff, &to).await;
    assert!(
        html.contains("discarded") && !html.contains("/discard/"),
        "{html}"
    );
    // The shadow check stays hidden: the result page still shows the student's own check.
    let lanes: Vec<i64> = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT lane FROM checks ORDER BY id"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    assert_eq!(lanes, [0, 2]);
    let solution = inloop::solutions::store::by_id(&db, 1)
        .await
        .unwrap()
        .unwrap();
    let (latest, _) = inloop::solutions::check_view::latest_and_earlier(&db, &solution)
        .await
        .unwrap();
    let latest = latest.unwrap();
    assert_eq!(latest.lane, 0);
    // A new preview may start now; a task without students' solutions has nothing to regrade.
    let next = post(&app, &staff, "/admin/tasks/1/regrade/", &[]).await;
    assert_ne!(next, to);
    let audit = inloop::on_pool!(&db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT new_value FROM audit_log WHERE object_kind = 'regrade' ORDER BY id"
    )
    .fetch_all(pool)
    .await)
    .unwrap();
    assert_eq!(audit, ["preview", "discarded", "preview"]);
}

#[tokio::test]
async fn a_task_without_students_solutions_has_nothing_to_regrade() {
    let app = support::app(0, &[]).await;
    let staff = support::staff(&app, "tutor").await;
    let to = post(&app, &staff, "/admin/tasks/1/regrade/", &[]).await;
    assert_eq!(to, "/admin/tasks/1/");
    let html = get_text(&app, &staff, &to).await;
    assert!(html.contains("nothing to regrade"), "{html}");
}
