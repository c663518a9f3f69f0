//! Abuse of the web side: integers from URLs, live-stream caps, session lifetimes.

mod common;

use common::TestApp;
use inloop::db::Timestamp;
use reqwest::StatusCode;

const PASSWORD: &str = "Tulpen-Fahrrad-Ostsee-81";

/// A published task with the slug `shell-task`.
async fn task(app: &TestApp) {
    let db = app.db().await;
    let now = Timestamp::now();
    inloop::on_pool!(&db, pool => {
        sqlx::query("INSERT INTO categories (name, slug) VALUES ('Basics', 'basics')").execute(pool).await.unwrap();
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
