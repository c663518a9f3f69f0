//! `/admin/`: the dashboard shows the queue by lane, running checks, the time to a verdict over
//! the last hour, worker instances, health, the last import and infrastructure errors, and its
//! event stream brings it up to date without a reload.

use std::time::Duration;

use inloop::db::{DbPool, Timestamp};
use reqwest::StatusCode;

use super::{Area, catalog};

/// A solution of `author` with one check in `status` on `lane`; queued at `queued`, finished
/// `took` ms later when done.
async fn check(
    db: &DbPool,
    task: i64,
    author: i64,
    number: i64,
    status: &str,
    lane: i64,
    took: i64,
) {
    let queued = Timestamp::now().millis() - 60_000;
    inloop::on_pool!(db, |pool| {
        let solution: i64 = sqlx::query_scalar(
            "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status)
             VALUES ($1, $2, $3, $4, 'hash', 'queued') RETURNING id",
        )
        .bind(task)
        .bind(author)
        .bind(number)
        .bind(queued)
        .fetch_one(pool)
        .await
        .unwrap();
        let done = status == "done";
        sqlx::query(
            "INSERT INTO checks (solution_id, author_id, lane, status, not_before, queued_at,
                                 started_at, finished_at, worker, verdict, staff_message)
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, 'host-1/0', $8, $9)",
        )
        .bind(solution)
        .bind(author)
        .bind(lane)
        .bind(status)
        .bind(queued)
        .bind((status != "queued").then_some(queued))
        .bind(done.then_some(queued + took))
        .bind(done.then_some(if took == 0 {
            "infrastructure_error"
        } else {
            "passed"
        }))
        .bind(if took == 0 { "docker went away" } else { "" })
        .execute(pool)
        .await
        .unwrap();
    });
}

#[tokio::test]
async fn the_dashboard_shows_the_course_now_and_follows_it_live() {
    let area = Area::new().await;
    let db = area.app.db().await;
    let (_, task, run) = catalog(&db).await;
    let mut number = 0;
    let mut next = || {
        number += 1;
        number
    };
    // Twenty checks of the last hour took 1 … 20 seconds from queueing to the verdict.
    for seconds in 1..=20 {
        check(
            &db,
            task,
            area.student_id,
            next(),
            "done",
            0,
            seconds * 1000,
        )
        .await;
    }
    check(&db, task, area.student_id, next(), "done", 0, 0).await;
    check(&db, task, area.student_id, next(), "queued", 0, 0).await;
    check(&db, task, area.student_id, next(), "queued", 1, 0).await;
    check(&db, task, area.student_id, next(), "running", 0, 0).await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "INSERT INTO worker_instances (instance, workers, heartbeat_at) VALUES ('host-1', 2, $1)"
    )
    .bind(Timestamp::now())
    .execute(pool)
    .await
    .map(drop))
    .unwrap();

    let page = area.page(&area.staff, "/admin/").await;
    for shown in [
        r#"<strong id="dash-queued">1</strong> checks waiting"#,
        r#"<strong id="dash-queued-staff">1</strong> staff re-runs waiting"#,
        r#"<strong id="dash-running">1</strong> running"#,
        r#"<strong id="dash-finished">21</strong> finished in the last hour"#,
        "median 10.0 s, 95 % within 19.0 s",
        "on host-1/0, for 1 min",
        "host-1: 2 workers, running",
        "Database: ok",
        &format!(r#"<a href="/admin/imports/{run}/">Import {run}</a> (command"#),
        ": docker went away</li>",
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(page.contains(r#"sse-connect="/admin/dashboard/events""#));

    // The stream redraws the dashboard: a new queued check shows without a reload.
    let mut stream = area.get(&area.staff, "/admin/dashboard/events").await;
    assert_eq!(stream.status(), StatusCode::OK);
    let mut received = String::new();
    let mut added = false;
    while !received.contains(r#"<strong id="dash-queued">2</strong>"#) {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .expect("a redraw within 10 s")
            .unwrap()
            .expect("the stream stays open");
        received.push_str(&String::from_utf8_lossy(&chunk));
        if !added && received.contains("event:dashboard") {
            check(&db, task, area.student_id, next(), "queued", 0, 0).await;
            added = true;
        }
    }
}
