//! The browser editor's server side: checkpoints (save, load, history, restore) for their owner
//! only, stale saves, refusals that leave the stored files alone, CSRF, and the submission terms.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::solutions::support;

/// Files of a save, the status and a part of the message it is refused with.
type Refused<'a> = (&'a [(&'a str, &'a str)], StatusCode, &'a str);

const CHECKPOINT: &str = "/solutions/editor/shell-task/checkpoint";

/// PUTs a save from `browser` with its CSRF token; returns the status and the JSON answer.
async fn save_as(
    app: &TestApp,
    browser: &reqwest::Client,
    base: i64,
    files: &[(&str, &str)],
) -> (StatusCode, Value) {
    let files: Vec<_> = files
        .iter()
        .map(|(name, content)| json!({ "name": name, "content": content }))
        .collect();
    send(
        app,
        browser,
        &json!({ "base": base, "files": files }).to_string(),
    )
    .await
}

/// PUTs a raw body as a save.
async fn send(app: &TestApp, browser: &reqwest::Client, body: &str) -> (StatusCode, Value) {
    let response = browser
        .put(app.at(CHECKPOINT))
        .header("X-CSRF-Token", token(app, browser).await)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    answer(response).await
}

async fn save(app: &TestApp, base: i64, files: &[(&str, &str)]) -> (StatusCode, Value) {
    save_as(app, &app.http, base, files).await
}

async fn token(app: &TestApp, browser: &reqwest::Client) -> String {
    let page = browser.get(app.at("/privacy/")).send().await.unwrap();
    crate::common::csrf_token_in(&page.text().await.unwrap())
}

async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn get_as(app: &TestApp, browser: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    answer(browser.get(app.at(path)).send().await.unwrap()).await
}

async fn latest(app: &TestApp) -> Value {
    let (status, body) = get_as(app, &app.http, CHECKPOINT).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn restore_as(app: &TestApp, browser: &reqwest::Client, version: i64) -> (StatusCode, Value) {
    let path = format!("{CHECKPOINT}/history/{version}/restore");
    let response = browser
        .post(app.at(&path))
        .header("X-CSRF-Token", token(app, browser).await)
        .send()
        .await
        .unwrap();
    answer(response).await
}

async fn with_templates(app: &TestApp) {
    let templates = r##"[{"name":"solution.sh","content":"# start here\n"}]"##;
    inloop::on_pool!(&app.db().await, |pool| sqlx::query(
        "UPDATE tasks SET templates = $1"
    )
    .bind(templates)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
}

#[tokio::test]
async fn the_editor_starts_from_the_templates_then_from_the_latest_checkpoint() {
    let app = support::app(0, &[]).await;
    with_templates(&app).await;
    let start = latest(&app).await;
    assert_eq!(start["version"], 0);
    assert_eq!(start["source"], "templates");
    assert_eq!(start["files"][0]["name"], "solution.sh");
    assert_eq!(start["files"][0]["content"], "# start here\n");

    let (status, first) = save(&app, 0, &[("solution.sh", "echo one\n")]).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["version"], 1);
    let (status, second) = save(
        &app,
        1,
        &[("solution.sh", "echo one\necho two\n"), ("b.sh", "")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["version"], 2);

    let now = latest(&app).await;
    assert_eq!(now["source"], "checkpoint");
    assert_eq!(now["version"], 2);
    assert_eq!(now["files"][1], json!({ "name": "b.sh", "content": "" }));

    let (_, history) = get_as(&app, &app.http, &format!("{CHECKPOINT}/history")).await;
    let entries = history["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["version"], 2);
    assert_eq!(
        entries[0]["summary"],
        "edited solution.sh (1 → 2 lines), added b.sh"
    );
    assert_eq!(entries[1]["summary"], "added solution.sh");
    assert!(entries[0]["saved_at"].as_i64().unwrap() > 0);

    let (status, old) = get_as(&app, &app.http, &format!("{CHECKPOINT}/history/1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        old["files"],
        json!([{ "name": "solution.sh", "content": "echo one\n" }])
    );

    let (status, restored) = restore_as(&app, &app.http, 1).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["version"], 3);
    assert_eq!(restored["summary"], "restored version 1");
    assert_eq!(latest(&app).await["files"], old["files"]);
}

#[tokio::test]
async fn the_history_keeps_the_newest_twenty_versions() {
    let app = support::app(0, &[]).await;
    for base in 0..22 {
        let content = format!("echo {base}\n");
        let (status, body) = save(&app, base, &[("solution.sh", &content)]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (_, history) = get_as(&app, &app.http, &format!("{CHECKPOINT}/history")).await;
    let versions: Vec<_> = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, (3..=22).rev().collect::<Vec<_>>());
    let (status, _) = get_as(&app, &app.http, &format!("{CHECKPOINT}/history/2")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_save_from_an_older_version_is_refused_with_the_current_one() {
    let app = support::app(0, &[]).await;
    save(&app, 0, &[("solution.sh", "echo tab one\n")]).await;
    save(&app, 1, &[("solution.sh", "echo tab one again\n")]).await;
    let (status, body) = save(&app, 1, &[("solution.sh", "echo stale tab\n")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["version"], 2);
    assert!(
        body["error"].as_str().unwrap().contains("saved elsewhere"),
        "{body}"
    );
    assert_eq!(
        latest(&app).await["files"][0]["content"],
        "echo tab one again\n"
    );
    // Overwriting: the tab saves again from the version it was told.
    let (status, body) = save(&app, 2, &[("solution.sh", "echo stale tab\n")]).await;
    assert_eq!(
        (status, body["version"].as_i64()),
        (StatusCode::OK, Some(3))
    );
}

#[tokio::test]
async fn checkpoints_belong_to_their_owner_alone() {
    let app = support::app(0, &[]).await;
    save(&app, 0, &[("solution.sh", "echo mine\n")]).await;
    let other = support::student(&app, "other").await;
    let (status, theirs) = get_as(&app, &other, CHECKPOINT).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (theirs["version"].as_i64(), theirs["source"].as_str()),
        (Some(0), Some("templates"))
    );
    let (_, history) = get_as(&app, &other, &format!("{CHECKPOINT}/history")).await;
    assert_eq!(history["entries"], json!([]));
    let (status, _) = get_as(&app, &other, &format!("{CHECKPOINT}/history/1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = restore_as(&app, &other, 1).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Saving starts the other student's own versions and leaves the owner's alone.
    let (status, body) = save_as(&app, &other, 0, &[("solution.sh", "echo theirs\n")]).await;
    assert_eq!(
        (status, body["version"].as_i64()),
        (StatusCode::OK, Some(1))
    );
    assert_eq!(latest(&app).await["files"][0]["content"], "echo mine\n");
    // Visitors are sent to log in; a task the student cannot see does not exist.
    let visitor = crate::common::browser();
    let response = visitor.get(app.at(CHECKPOINT)).send().await.unwrap();
    assert_ne!(response.status(), StatusCode::OK);
    let (status, _) = get_as(&app, &app.http, "/solutions/editor/no-such-task/checkpoint").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn malformed_json_is_a_400_with_a_message() {
    let app = support::app(0, &[]).await;
    save(&app, 0, &[("solution.sh", "echo kept\n")]).await;
    for body in [
        "{\"base\": 1, \"files\": [",
        "[]",
        "{\"base\": \"one\", \"files\": []}",
        "",
    ] {
        let (status, answer) = send(&app, &app.http, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("not valid JSON"),
            "{answer}"
        );
    }
    assert_eq!(latest(&app).await["version"], 1);
}

#[tokio::test]
async fn refused_files_leave_the_stored_checkpoint_untouched() {
    let app = support::app(0, &[("max_upload_files", "2"), ("max_upload_kib", "1")]).await;
    save(&app, 0, &[("solution.sh", "echo kept\n")]).await;
    let big = "x".repeat(2048);
    let huge = "y".repeat(100 * 1024);
    let cases: [Refused; 7] = [
        (
            &[("a.sh", ""), ("b.sh", ""), ("c.sh", "")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "You sent 3 files; at most 2 are allowed.",
        ),
        (
            &[("big.sh", &big)],
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than the 1 KiB allowed",
        ),
        (
            &[("huge.sh", &huge)],
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than the 1 KiB allowed",
        ),
        (
            &[("Main.java", "class Main {}")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "has the wrong file type: allowed are .sh",
        ),
        (
            &[("../escape.sh", "x")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "is not a plain file name",
        ),
        (
            &[("a.sh", "x"), ("A.SH", "y")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "A.SH was sent twice.",
        ),
        (
            &[(".hidden.sh", "x")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "is not a plain file name",
        ),
    ];
    for (files, expected, message) in cases {
        let (status, body) = save(&app, 1, files).await;
        assert_eq!(status, expected, "{message}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(message),
            "{message}: {body}"
        );
    }
    let stored = latest(&app).await;
    assert_eq!(stored["version"], 1);
    assert_eq!(
        stored["files"],
        json!([{ "name": "solution.sh", "content": "echo kept\n" }])
    );
}

#[tokio::test]
async fn java_files_need_a_class_name() {
    let app = support::app(0, &[("allowed_extensions", ".java")]).await;
    let (status, body) = save(&app, 0, &[("My-Class.java", "class X {}")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("cannot hold a Java class"),
        "{body}"
    );
    let (status, body) = save(&app, 0, &[("MyClass.java", "class MyClass {}")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn saving_and_restoring_need_the_csrf_token() {
    let app = support::app(0, &[]).await;
    save(&app, 0, &[("solution.sh", "echo kept\n")]).await;
    let body = json!({ "base": 1, "files": [{ "name": "solution.sh", "content": "forged" }] });
    for token in [None, Some("wrong")] {
        let mut request = app.http.put(app.at(CHECKPOINT)).json(&body);
        if let Some(token) = token {
            request = request.header("X-CSRF-Token", token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let path = format!("{CHECKPOINT}/history/1/restore");
        let response = app.http.post(app.at(&path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let stored = latest(&app).await;
    assert_eq!(
        (
            stored["version"].as_i64(),
            stored["files"][0]["content"].as_str()
        ),
        (Some(1), Some("echo kept\n"))
    );
}

#[tokio::test]
async fn the_terms_tell_the_editor_its_rules_and_the_submissions_left() {
    let app = support::app(
        0,
        &[("submission_limit", "1"), ("editor_autocompletion", "on")],
    )
    .await;
    let terms = "/solutions/editor/shell-task/terms";
    let (status, before) = get_as(&app, &app.http, terms).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(before["autocompletion"], true);
    assert_eq!(before["extensions"], json!([".sh"]));
    assert_eq!(
        (before["handed_in"].as_i64(), before["limit"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(before["closed"], Value::Null);
    support::upload(&app, &[("solution.sh", b"exit 0")]).await;
    let (_, after) = get_as(&app, &app.http, terms).await;
    assert_eq!(after["handed_in"], 1);
    assert_eq!(
        after["closed"],
        "You have handed in 1 solutions, as many as this task allows."
    );
}

/// Sets the task's deadline `from_now` away.
async fn deadline_in(app: &TestApp, from_now: time::Duration) {
    let deadline = inloop::db::Timestamp::now().plus(from_now);
    inloop::on_pool!(&app.db().await, |pool| sqlx::query(
        "UPDATE tasks SET deadline = $1"
    )
    .bind(deadline)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
}

#[tokio::test]
async fn the_terms_say_when_the_deadline_and_its_grace_close_submitting() {
    let app = support::app(0, &[("deadline_grace_seconds", "60")]).await;
    let terms = "/solutions/editor/shell-task/terms";
    let (_, open) = get_as(&app, &app.http, terms).await;
    assert_eq!(open["closes_in_ms"], Value::Null, "no deadline");

    deadline_in(&app, time::Duration::seconds(30)).await;
    let (_, soon) = get_as(&app, &app.http, terms).await;
    let left = soon["closes_in_ms"].as_i64().unwrap();
    assert!(
        (80_000..=90_000).contains(&left),
        "30 s and 60 s of grace: {left}"
    );
    assert_eq!(soon["closed"], Value::Null);

    // Past the deadline, within the grace: still open.
    deadline_in(&app, -time::Duration::seconds(30)).await;
    let (_, grace) = get_as(&app, &app.http, terms).await;
    assert!(grace["closes_in_ms"].as_i64().unwrap() <= 30_000);

    deadline_in(&app, -time::Duration::seconds(61)).await;
    let (_, closed) = get_as(&app, &app.http, terms).await;
    assert_eq!(closed["closed"], "The deadline of this task has passed.");
    assert_eq!(closed["closes_in_ms"], Value::Null);
}

#[tokio::test]
async fn simultaneous_saves_from_one_version_store_one() {
    let app = support::app(0, &[]).await;
    let saves = (0..8).map(|n| {
        let app = &app;
        async move {
            let content = format!("echo {n}\n");
            save(app, 0, &[("solution.sh", &content)]).await.0
        }
    });
    let statuses = futures_util::future::join_all(saves).await;
    let stored = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let stale = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((stored, stale), (1, 7), "{statuses:?}");
    assert_eq!(latest(&app).await["version"], 1);
}
