//! Live results over real HTTP: the event streams of a result page and of the solution list.

use std::time::Duration;

use reqwest::StatusCode;

use super::sse::{Sse, badge};
use super::support::{self, PASSWORD, report_script, upload};
use crate::common::{TestApp, browser, csrf_token_in};

/// Long enough for a check in Docker, short enough to fail fast.
pub const WAIT: Duration = Duration::from_mins(1);

/// The stream of solution `number` of the student.
pub fn detail_events(app: &TestApp, number: i64) -> String {
    app.at(&format!("/solutions/detail/shell-task/{number}/events"))
}

/// Hands in a slow first solution (`sleep`) and a passing second one, which then waits in the
/// queue while the first runs (a student's checks run one at a time).
pub async fn queue_two(app: &TestApp, sleep_secs: u32) {
    let slow = format!("sleep {sleep_secs}\nexit 0\n");
    upload(app, &[("solution.sh", slow.as_bytes())]).await;
    let pass = format!("sleep 1\n{}exit 0\n", report_script(2, 2));
    upload(app, &[("solution.sh", pass.as_bytes())]).await;
}

/// Reads the statuses of a stream until it ends, checking the events' order and ids.
pub async fn statuses_until_closed(stream: &mut Sse) -> Vec<String> {
    let mut statuses = Vec::new();
    let mut names = Vec::new();
    let mut last_id = 0;
    while let Some(event) = stream.next(WAIT).await {
        let id = event.id.expect("every event has an id");
        assert!(id >= last_id, "ids never decrease");
        last_id = id;
        if event.name == "status" {
            statuses.push(badge(&event.data));
        }
        names.push(event.name);
    }
    assert_eq!(names[names.len() - 2..], ["results", "done"], "{names:?}");
    statuses.dedup();
    statuses
}

#[tokio::test]
async fn a_queued_solution_streams_queued_running_and_its_result() {
    let app = support::app(1, &[]).await;
    queue_two(&app, 3).await;
    let mut stream = Sse::open(&app.http, &detail_events(&app, 2), None).await;
    let first = stream.next(WAIT).await.unwrap();
    assert_eq!(first.name, "status");
    assert_eq!(badge(&first.data), "queued", "{}", first.data);
    assert!(first.data.contains("Place in the queue"), "{}", first.data);
    assert!(first.data.contains("expected to start"), "{}", first.data);
    let mut statuses = vec!["queued".to_owned()];
    statuses.extend(statuses_until_closed(&mut stream).await);
    statuses.dedup();
    assert_eq!(statuses, ["queued", "running", "passed"]);
    assert!(stream.next(WAIT).await.is_none(), "the stream is closed");

    // A finished solution's stream sends its state and ends at once.
    let mut again = Sse::open(&app.http, &detail_events(&app, 2), None).await;
    let events = again.until("done", WAIT).await;
    let names: Vec<_> = events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["status", "results", "done"]);
    assert!(events[1].data.contains("Tests"), "the results fragment");
    assert!(again.next(WAIT).await.is_none());
}

#[tokio::test]
async fn a_reconnect_gets_the_current_state_first_and_never_misses_the_end() {
    let app = support::app(1, &[]).await;
    queue_two(&app, 2).await;
    let mut stream = Sse::open(&app.http, &detail_events(&app, 1), None).await;
    let last_id = loop {
        let event = stream.next(WAIT).await.unwrap();
        if badge(&event.data) == "running" {
            break event.id.unwrap();
        }
    };
    drop(stream);
    let mut again = Sse::open(&app.http, &detail_events(&app, 1), Some(last_id)).await;
    let first = again.next(WAIT).await.unwrap();
    assert_eq!(first.name, "status");
    assert!(
        first.id.unwrap() > last_id,
        "ids continue after Last-Event-ID"
    );
    assert!(
        ["running", "failed", "passed"].contains(&badge(&first.data).as_str()),
        "the current state: {}",
        first.data
    );
    let rest = again.until("done", WAIT).await;
    assert_eq!(rest.last().map(|e| e.name.as_str()), Some("done"));
    assert!(again.next(WAIT).await.is_none());
}

#[tokio::test]
async fn the_list_stream_updates_every_row_of_the_first_page() {
    let app = support::app(1, &[]).await;
    queue_two(&app, 1).await;
    let list = app.get_text("/solutions/list/shell-task/").await;
    assert!(
        list.contains("sse-connect=\"/solutions/list/shell-task/events\""),
        "{list}"
    );
    assert!(list.contains("sse-swap=\"row-2\""), "{list}");
    let url = app.at("/solutions/list/shell-task/events");
    let mut stream = Sse::open(&app.http, &url, None).await;
    let mut finals = Vec::new();
    let mut last_row_2 = String::new();
    while finals.len() < 2 {
        let event = stream
            .next(WAIT)
            .await
            .expect("the first page's stream stays open");
        assert_ne!(event.name, "done", "the first page waits for new solutions");
        if event.name == "row-2" {
            last_row_2.clone_from(&event.data);
        }
        if ["passed", "failed"].contains(&badge(&event.data).as_str()) {
            finals.push(event.name);
        }
    }
    finals.sort();
    assert_eq!(finals, ["row-1", "row-2"]);
    assert!(
        last_row_2.starts_with("<tr id=\"solution-2\""),
        "{last_row_2}"
    );
}

#[tokio::test]
async fn streams_are_only_for_the_author_and_staff() {
    let app = support::app(0, &[]).await;
    upload(&app, &[("solution.sh", b"exit 0\n")]).await;
    let page = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(
        page.contains("sse-connect=\"/solutions/detail/shell-task/1/events\""),
        "{page}"
    );
    assert!(page.contains("role=\"status\" aria-live=\"polite\""));

    app.create_user("other", PASSWORD, false).await;
    let other = logged_in(&app, "other").await;
    for path in ["", "?author=student"] {
        let url = format!("{}{path}", detail_events(&app, 1));
        let refused = other.get(url).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    }
    let anonymous = browser().get(detail_events(&app, 1)).send().await.unwrap();
    assert_ne!(anonymous.status(), StatusCode::OK);

    app.create_user("tutor", PASSWORD, true).await;
    let staff = logged_in(&app, "tutor").await;
    let url = app.at("/solutions/detail/shell-task/1/events?author=student");
    let mut stream = Sse::open(&staff, &url, None).await;
    let first = stream.next(WAIT).await.unwrap();
    assert_eq!(badge(&first.data), "queued");
}

/// A second browser, logged in as `login`.
pub async fn logged_in(app: &TestApp, login: &str) -> reqwest::Client {
    let client = browser();
    let privacy = client.get(app.at("/privacy/")).send().await.unwrap();
    let token = csrf_token_in(&privacy.text().await.unwrap());
    let form = [
        ("csrf_token", token.as_str()),
        ("login", login),
        ("password", PASSWORD),
    ];
    let response = client
        .post(app.at("/login/"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "login as {login}");
    client
}
