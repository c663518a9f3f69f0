//! Live results through Redis: two servers sharing a database, and a Redis that goes away.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::live::{WAIT, detail_events, logged_in, queue_two, statuses_until_closed};
use super::sse::{Sse, badge};
use super::support;
use crate::common::free_port;

const SHARED_REDIS: &str = "redis://127.0.0.1:6379/0";

#[tokio::test]
async fn a_check_run_by_one_server_updates_a_stream_served_by_another() {
    let worker = support::app_with(
        |c| {
            c.workers = 1;
            c.redis_url = Some(SHARED_REDIS.into());
        },
        &[],
    )
    .await;
    let database_url = worker.config.database_url().to_owned();
    let web = crate::common::spawn_with(|c| {
        c.database_url = Some(database_url);
        c.redis_url = Some(SHARED_REDIS.into());
        c.workers = 0;
    })
    .await;
    web.bus.ready().await;
    let student = logged_in(&web, "student").await;
    queue_two(&worker, 3).await;
    let mut stream = Sse::open(&student, &detail_events(&web, 2), None).await;
    let first = stream.next(WAIT).await.unwrap();
    assert_eq!(badge(&first.data), "queued");
    let mut statuses = vec!["queued".to_owned()];
    statuses.extend(statuses_until_closed(&mut stream).await);
    statuses.dedup();
    assert_eq!(statuses, ["queued", "running", "passed"]);
}

/// A private Redis on a port of its own, restartable.
struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "no", "--daemonize", "no"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            port,
            child: Some(child),
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test]
async fn streams_recover_when_redis_restarts() {
    let port = free_port();
    let mut redis = PrivateRedis::start(port);
    let url = format!("redis://127.0.0.1:{port}/0");
    let app = support::app_with(
        |c| {
            c.workers = 1;
            c.redis_url = Some(url);
        },
        &[],
    )
    .await;
    app.bus.ready().await;
    queue_two(&app, 2).await;
    let mut stream = Sse::open(&app.http, &detail_events(&app, 2), None).await;
    loop {
        let event = stream.next(WAIT).await.unwrap();
        if badge(&event.data) == "running" {
            break;
        }
    }
    redis.kill();
    // The check ends while Redis is down: its event cannot be delivered now.
    let db = app.db().await;
    let deadline = Instant::now() + WAIT;
    loop {
        let status: String = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
            "SELECT status FROM solutions WHERE number = 2"
        )
        .fetch_one(pool)
        .await)
        .unwrap();
        if status == "finished" {
            break;
        }
        assert!(Instant::now() < deadline, "the check never finished");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _restarted = PrivateRedis::start(redis.port);
    let events = stream.until("done", WAIT).await;
    let status = events
        .iter()
        .rev()
        .find(|e| e.name == "status")
        .expect("a final status");
    assert_eq!(badge(&status.data), "passed", "{events:?}");
    assert_eq!(events.last().map(|e| e.name.as_str()), Some("done"));
}
