//! The queue moving under open pages, over real HTTP: places of queued solutions follow every
//! start and cancellation (in this server or another), and the start estimate counts the
//! workers of every live instance.

use std::time::{Duration, Instant};

use inloop::db::Timestamp;
use reqwest::StatusCode;

use super::live::{WAIT, detail_events, logged_in};
use super::sse::Sse;
use super::support::{self, PASSWORD, upload};
use crate::common::{TestApp, csrf_token_in};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379/0";

/// Hands in `count` solutions that stay queued (the app runs no workers).
pub async fn queue_many(app: &TestApp, count: usize) {
    for _ in 0..count {
        let answer = upload(app, &[("solution.sh", b"exit 0\n")]).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    }
}

/// A staff member's browser on `app`.
pub async fn staff(app: &TestApp) -> reqwest::Client {
    app.create_user("tutor", PASSWORD, true).await;
    logged_in(app, "tutor").await
}

/// Cancels the student's solution `number` as staff.
pub async fn cancel(app: &TestApp, staff: &reqwest::Client, number: i64) {
    let page = staff.get(app.at("/privacy/")).send().await.unwrap();
    let token = csrf_token_in(&page.text().await.unwrap());
    let path = format!("/solutions/detail/shell-task/{number}/cancel?author=student");
    let answer = staff
        .post(app.at(&path))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER, "cancel #{number}");
}

/// The place a status fragment or a list row shows.
pub fn place(fragment: &str) -> Option<i64> {
    let after = fragment
        .split("Place in the queue: <strong>")
        .nth(1)
        .or_else(|| fragment.split("<span class=\"place\">place ").nth(1))?;
    after
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()
}

/// The next event named `name` of the stream.
pub async fn next_named(stream: &mut Sse, name: &str) -> super::sse::SseEvent {
    loop {
        let event = stream.next(WAIT).await.expect("the stream stays open");
        if event.name == name {
            return event;
        }
    }
}

#[tokio::test]
async fn a_queued_page_learns_its_new_place_when_other_checks_leave_the_queue() {
    let app = support::app(0, &[]).await;
    queue_many(&app, 3).await;
    let staff = staff(&app).await;
    let mut detail = Sse::open(&app.http, &detail_events(&app, 3), None).await;
    let first = next_named(&mut detail, "status").await;
    assert_eq!(place(&first.data), Some(3), "{}", first.data);
    let list_url = app.at("/solutions/list/shell-task/events");
    let mut list = Sse::open(&app.http, &list_url, None).await;
    let row = next_named(&mut list, "row-3").await;
    assert_eq!(place(&row.data), Some(3), "{}", row.data);

    // No event about solution 3 itself: only the queue moved. The throttle's second starts
    // after this moment (when the stream reads the first move), never before it.
    let first_move = Instant::now();
    cancel(&app, &staff, 1).await;
    let moved = next_named(&mut detail, "status").await;
    assert_eq!(place(&moved.data), Some(2), "{}", moved.data);
    let row = loop {
        let row = next_named(&mut list, "row-3").await;
        if place(&row.data) == Some(2) {
            break row;
        }
    };
    assert!(row.data.contains("badge-queued"), "{}", row.data);

    // A second move within the second is coalesced: it arrives, but not before a second passed.
    cancel(&app, &staff, 2).await;
    let moved = next_named(&mut detail, "status").await;
    assert_eq!(place(&moved.data), Some(1), "{}", moved.data);
    assert!(
        first_move.elapsed() >= Duration::from_millis(900),
        "queue moves re-read at most once a second per stream"
    );
}

#[tokio::test]
async fn places_move_when_another_server_changes_the_queue() {
    let web = support::app_with(|c| c.redis_url = Some(SHARED_REDIS.into()), &[]).await;
    let database_url = web.config.database_url().to_owned();
    let other = crate::common::spawn_with(|c| {
        c.database_url = Some(database_url);
        c.redis_url = Some(SHARED_REDIS.into());
    })
    .await;
    web.bus.ready().await;
    other.bus.ready().await;
    queue_many(&web, 2).await;
    let mut stream = Sse::open(&web.http, &detail_events(&web, 2), None).await;
    let first = next_named(&mut stream, "status").await;
    assert_eq!(place(&first.data), Some(2), "{}", first.data);

    let staff = staff(&other).await;
    cancel(&other, &staff, 1).await;
    let moved = next_named(&mut stream, "status").await;
    assert_eq!(place(&moved.data), Some(1), "{}", moved.data);
}

#[tokio::test]
async fn the_start_estimate_counts_the_workers_of_every_live_instance() {
    let app = support::app(0, &[]).await;
    queue_many(&app, 3).await;
    // No instance runs workers: this process's count (none, taken as one) and 10 s a check.
    let page = app.get_text("/solutions/detail/shell-task/3/").await;
    assert!(page.contains("expected to start in about 20 s"), "{page}");

    let db = app.db().await;
    let now = Timestamp::now();
    let rows = [
        ("elsewhere:8000", 2, now),
        ("gone:8000", 100, now.plus(-time::Duration::minutes(2))),
    ];
    for (instance, workers, beat) in rows {
        inloop::on_pool!(&db, |pool| sqlx::query(
            "INSERT INTO worker_instances (instance, workers, heartbeat_at) VALUES ($1, $2, $3)",
        )
        .bind(instance)
        .bind(workers)
        .bind(beat)
        .execute(pool)
        .await
        .map(drop))
        .unwrap();
    }
    // Two workers elsewhere share the two checks ahead; the silent instance counts for nothing.
    let page = app.get_text("/solutions/detail/shell-task/3/").await;
    assert!(page.contains("expected to start in about 10 s"), "{page}");
}

#[tokio::test]
async fn a_worker_pool_records_its_instance_and_size() {
    let app = support::app(2, &[]).await;
    let port = app.url.rsplit(':').next().unwrap().to_owned();
    let instance = app.config.instance_name(&port);
    let db = app.db().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sql = "SELECT workers, heartbeat_at FROM worker_instances WHERE instance = $1";
        let row: Option<(i64, Timestamp)> = inloop::on_pool!(&db, |pool| sqlx::query_as(sql)
            .bind(&instance)
            .fetch_optional(pool)
            .await)
        .unwrap();
        if let Some((workers, beat)) = row {
            assert_eq!(workers, 2);
            assert!(beat.millis() > Timestamp::now().millis() - 30_000);
            break;
        }
        assert!(Instant::now() < deadline, "no row for {instance}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
