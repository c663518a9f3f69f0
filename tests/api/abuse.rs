//! Abuse of the web side: integers from URLs, live-stream caps, session lifetimes.

use crate::common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::TestApp;
use inloop::db::Timestamp;
use reqwest::StatusCode;

const PASSWORD: &str = "Tulpen-Fahrrad-Ostsee-81";

/// A published task with the slug `shell-task`.
async fn task(app: &TestApp) {
    let db = app.db().await;
    let now = Timestamp::now();
    inloop::on_pool!(&db, |pool| {
        sqlx::query("INSERT INTO categories (name, slug) VALUES ('Basics', 'basics')")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, text_html, imported_at)
             VALUES ('ShellTask', 'Shell Task', 'shell-task', (SELECT id FROM categories), $1, '<p>x</p>', $1)",
        )
        .bind(now.plus(-time::Duration::hours(1)))
        .execute(pool)
        .await
        .unwrap();
    });
}

#[tokio::test]
async fn page_number_overflow_is_a_400_not_a_500() {
    let app = common::spawn().await;
    task(&app).await;
    app.create_user("ada", PASSWORD, false).await;
    app.login("ada", PASSWORD).await;
    for page in [
        "9223372036854775807",
        "-1",
        "0",
        "abc",
        "99999999999999999999",
        "1e3",
    ] {
        for path in [
            "/solutions/list/shell-task/",
            "/solutions/list/shell-task/events",
        ] {
            let response = app.get(&format!("{path}?page={page}")).await;
            assert_eq!(
                response.status(),
                StatusCode::BAD_REQUEST,
                "{path}?page={page}"
            );
            let body = response.text().await.unwrap();
            assert!(body.contains("Page numbers"), "{page}: {body}");
        }
    }
    assert_eq!(
        app.get("/solutions/list/shell-task/?page=2").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn solution_numbers_and_admin_ids_out_of_range_are_a_404() {
    let app = common::spawn().await;
    task(&app).await;
    app.create_user("ada", PASSWORD, true).await;
    app.login("ada", PASSWORD).await;
    for number in [
        "9223372036854775807",
        "9223372036854775808",
        "-1",
        "0",
        "abc",
    ] {
        for suffix in ["", "events", "download", "files/x.sh"] {
            let path = format!("/solutions/detail/shell-task/{number}/{suffix}");
            let response = app.get(&path).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        }
        let path = format!("/admin/imports/{number}/");
        assert_eq!(
            app.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
        for kind in ["categories", "tasks"] {
            let path = format!("/admin/{kind}/{number}/");
            let fields = [
                ("ordering", "1"),
                ("description", ""),
                ("submission_limit", ""),
                ("group", ""),
            ];
            let response = app.post_form(&path, &fields).await;
            assert!(
                [StatusCode::NOT_FOUND, StatusCode::SEE_OTHER].contains(&response.status()),
                "{path}: {}",
                response.status()
            );
        }
    }
}

/// Moves this app's sessions' times back by `seen` and `created` minutes.
async fn age_sessions(app: &TestApp, seen: i64, created: i64) {
    let db = app.db().await;
    let minute = 60_000_i64;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE sessions SET last_seen_at = last_seen_at - $1, created_at = created_at - $2",
    )
    .bind(seen * minute)
    .bind(created * minute)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
}

async fn last_seen(app: &TestApp) -> i64 {
    let db = app.db().await;
    inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT MAX(last_seen_at) FROM sessions"
    )
    .fetch_one(pool)
    .await)
    .unwrap()
}

#[tokio::test]
async fn sessions_expire_when_idle_and_after_their_maximum_age() {
    // The sessions are aged in the database behind the server's back: no cache may hide that.
    let app = common::spawn_with(|config| config.session_cache_secs = 0).await;
    app.create_user("ada", PASSWORD, false).await;
    let token = app.csrf_token("/privacy/").await;
    let login = app
        .post_form_with_token(
            "/login/",
            &token,
            &[("login", "ada"), ("password", PASSWORD)],
        )
        .await;
    let cookie: Vec<_> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    let cookie = cookie.join("\n");
    assert!(cookie.contains("Max-Age=1209600"), "{cookie}");
    assert_eq!(app.get("/account/profile/").await.status(), StatusCode::OK);

    // Seen 30 s ago: not written again; 5 minutes ago: written.
    let before = last_seen(&app).await;
    let db = app.db().await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE sessions SET last_seen_at = last_seen_at - 30000"
    )
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    app.get("/account/profile/").await;
    assert_eq!(
        last_seen(&app).await,
        before - 30_000,
        "not on every request"
    );
    age_sessions(&app, 5, 0).await;
    app.get("/account/profile/").await;
    assert!(last_seen(&app).await >= before, "seen again after a minute");

    age_sessions(&app, 24 * 60 + 1, 0).await;
    assert_eq!(
        app.get("/account/profile/").await.status(),
        StatusCode::SEE_OTHER,
        "idle for a day"
    );

    app.login("ada", PASSWORD).await;
    age_sessions(&app, 0, 14 * 24 * 60 + 1).await;
    assert_eq!(
        app.get("/account/profile/").await.status(),
        StatusCode::SEE_OTHER,
        "older than 14 days, however active"
    );
}

#[tokio::test]
async fn the_request_log_never_records_activation_or_reset_tokens() {
    const TOKEN: &str = "TOKEN-that-must-not-be-logged-4711";
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_inloop"))
        .arg("serve")
        .current_dir(dir.path())
        .env("INLOOP_DATA_DIR", dir.path().join("data"))
        .env("ROCKET_PORT", port.to_string())
        .env("INLOOP_WORKERS", "0")
        .env_remove("RUST_LOG")
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let http = common::browser();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..300 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for path in [
        format!("/account/activate/{TOKEN}/"),
        format!("/account/reset/{TOKEN}/"),
        format!("/account/reset/{TOKEN}/?next={TOKEN}"),
        format!("/nothing/{TOKEN}/"),
    ] {
        if up {
            http.get(format!("{base}{path}")).send().await.unwrap();
        }
    }
    server.kill().unwrap();
    let log = String::from_utf8(server.wait_with_output().unwrap().stderr).unwrap();
    assert!(up, "the server did not start: {log}");
    assert!(!log.contains(TOKEN), "{log}");
    assert!(log.contains("/account/activate/<key>"), "{log}");
}

/// Opens the first page's list stream, which stays open while the page is.
async fn open_stream(app: &TestApp) -> reqwest::Response {
    app.get("/solutions/list/shell-task/events").await
}

/// Whether the stream's body ends within `seconds`.
async fn ends_within(mut stream: reqwest::Response, seconds: u64) -> bool {
    let read_to_end = async { while let Ok(Some(_)) = stream.chunk().await {} };
    tokio::time::timeout(Duration::from_secs(seconds), read_to_end)
        .await
        .is_ok()
}

#[tokio::test]
async fn too_many_open_streams_per_user_get_a_429() {
    let app = common::spawn_with(|config| {
        config.sse_max_streams_per_user = 2;
        config.sse_heartbeat_secs = 1;
    })
    .await;
    task(&app).await;
    app.create_user("ada", PASSWORD, false).await;
    app.login("ada", PASSWORD).await;
    let first = open_stream(&app).await;
    let second = open_stream(&app).await;
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    let third = open_stream(&app).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        third
            .text()
            .await
            .unwrap()
            .contains("live INLOOP pages open already")
    );
    drop(first);
    // The server notices the closed stream at its next heartbeat at the latest.
    let mut reopened = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..50 {
        reopened = open_stream(&app).await.status();
        if reopened == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(reopened, StatusCode::OK, "a closed stream frees its slot");
    drop(second);
}

#[tokio::test]
async fn streams_end_after_logout_and_deactivation() {
    let app = common::spawn_with(|config| config.sse_heartbeat_secs = 1).await;
    task(&app).await;
    let id = app.create_user("ada", PASSWORD, false).await;
    app.login("ada", PASSWORD).await;
    let stream = open_stream(&app).await;
    assert_eq!(stream.status(), StatusCode::OK);
    let token = app.csrf_token("/privacy/").await;
    app.post_form_with_token("/logout/", &token, &[]).await;
    assert!(
        ends_within(stream, 10).await,
        "the stream outlived the logout"
    );

    app.login("ada", PASSWORD).await;
    let stream = open_stream(&app).await;
    assert_eq!(stream.status(), StatusCode::OK);
    let db = app.db().await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE users SET is_active = FALSE WHERE id = $1"
    )
    .bind(id)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    assert!(
        ends_within(stream, 10).await,
        "the stream outlived the account"
    );
}
