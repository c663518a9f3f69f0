//! Handing in: every rule has its own message, and a refused submission stores nothing.

use reqwest::StatusCode;

use super::support::{self, solution_count, upload};
use crate::common::location;

async fn refused(app: &crate::common::TestApp, files: &[(&str, &[u8])], message: &str) {
    let before = solution_count(&app.db().await).await;
    let response = upload(app, files).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{message}");
    assert_eq!(location(&response), "/solutions/editor/shell-task/");
    let page = app.get_text("/solutions/editor/shell-task/").await;
    assert!(
        page.contains(message),
        "expected {message:?} on the task page"
    );
    assert_eq!(
        solution_count(&app.db().await).await,
        before,
        "nothing stored for {message:?}"
    );
}

#[tokio::test]
async fn bad_uploads_get_their_own_message_and_store_nothing() {
    let app = support::app(0, &[("max_upload_files", "2"), ("max_upload_kib", "1")]).await;
    refused(&app, &[], "Please choose at least one file.").await;
    refused(
        &app,
        &[("a.sh", b"x"), ("b.sh", b"x"), ("c.sh", b"x")],
        "You sent 3 files; at most 2 are allowed.",
    )
    .await;
    refused(
        &app,
        &[("big.sh", &[b'x'; 2048])],
        "larger than the 1 KiB allowed",
    )
    .await;
    refused(&app, &[("../escape.sh", b"x")], "is not a plain file name").await;
    refused(&app, &[(".hidden.sh", b"x")], "is not a plain file name").await;
    refused(
        &app,
        &[("Main.java", b"class Main {}")],
        "has the wrong file type: allowed are .sh",
    )
    .await;
    refused(&app, &[("empty.sh", b"")], "empty.sh is empty.").await;
}

#[tokio::test]
async fn deadlines_and_submission_limits_are_enforced() {
    let app = support::app(0, &[("submission_limit", "2")]).await;
    for number in 1..=2 {
        let response = upload(&app, &[("solution.sh", b"exit 0")]).await;
        assert_eq!(
            location(&response),
            format!("/solutions/detail/shell-task/{number}/")
        );
    }
    refused(
        &app,
        &[("solution.sh", b"exit 0")],
        "You have handed in 2 solutions, as many as this task allows.",
    )
    .await;

    let db = app.db().await;
    let past = inloop::db::Timestamp::now().plus(-time::Duration::minutes(1));
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE tasks SET deadline = $1, submission_limit = 10"
    )
    .bind(past)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    refused(
        &app,
        &[("solution.sh", b"exit 0")],
        "The deadline of this task has passed.",
    )
    .await;
}

#[tokio::test]
async fn simultaneous_submissions_get_consecutive_numbers() {
    let app = support::app(0, &[]).await;
    let uploads = (0..6).map(|_| upload(&app, &[("solution.sh", b"exit 0")]));
    let responses = futures_util::future::join_all(uploads).await;
    let mut numbers: Vec<String> = responses.iter().map(location).collect();
    numbers.sort();
    let expected: Vec<String> = (1..=6)
        .map(|n| format!("/solutions/detail/shell-task/{n}/"))
        .collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn a_submission_limit_holds_under_simultaneous_submissions() {
    let app = support::app(0, &[("submission_limit", "3")]).await;
    let uploads = (0..10).map(|_| upload(&app, &[("solution.sh", b"exit 0")]));
    let responses = futures_util::future::join_all(uploads).await;
    let mut stored = Vec::new();
    for response in &responses {
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "no error page");
        let place = location(response);
        if place != "/solutions/editor/shell-task/" {
            stored.push(place);
        }
    }
    stored.sort();
    let expected: Vec<String> = (1..=3)
        .map(|n| format!("/solutions/detail/shell-task/{n}/"))
        .collect();
    assert_eq!(stored, expected, "exactly three taken, the others refused");
    assert_eq!(solution_count(&app.db().await).await, 3);
    let page = app.get_text("/solutions/editor/shell-task/").await;
    assert!(page.contains("as many as this task allows"));
}

#[tokio::test]
async fn the_editor_submits_json_and_gets_a_receipt() {
    let app = support::app(0, &[]).await;
    let token = app.csrf_token("/privacy/").await;
    let body = serde_json::json!({ "files": [{ "name": "solution.sh", "content": "exit 0" }] });
    let response = app
        .http
        .post(app.at("/solutions/editor/shell-task/submit"))
        .header("X-CSRF-Token", &token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["number"], 1);
    assert!(
        answer["receipt"]
            .as_str()
            .unwrap()
            .starts_with("Solution #1 received at")
    );
    let bad = serde_json::json!({ "files": [{ "name": "x/../y.sh", "content": "exit 0" }] });
    let response = app
        .http
        .post(app.at("/solutions/editor/shell-task/submit"))
        .header("X-CSRF-Token", &token)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert!(
        answer["error"]
            .as_str()
            .unwrap()
            .contains("not a plain file name")
    );
    let forged = app
        .http
        .post(app.at("/solutions/editor/shell-task/submit"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF token");
}
