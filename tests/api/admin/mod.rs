//! The admin area: who may open it, the audit log, runtime settings, users.

mod audit;
mod categories;
mod checks;
mod courses;
mod dashboard;
mod extensions;
mod groups;
mod pages;
mod permissions;
mod plagiarism;
pub mod plagiarism_seed;
mod settings;
mod solutions;
mod users;

use inloop::db::{DbPool, Timestamp};
use reqwest::{Client, Response, StatusCode};

use crate::common::{self, TestApp};

pub const PASSWORD: &str = "Tulpen-Fahrrad-Ostsee-81";

/// A server with a student, a staff member and a superuser, each with a browser of their own.
pub struct Area {
    pub app: TestApp,
    pub student: Client,
    pub staff: Client,
    pub superuser: Client,
    pub student_id: i64,
    pub superuser_id: i64,
}

impl Area {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// An area whose server configuration `adjust` changed first.
    pub async fn with(adjust: impl FnOnce(&mut inloop::config::Config)) -> Self {
        let app = common::spawn_with(adjust).await;
        let student_id = app.create_user("student", PASSWORD, false).await;
        app.create_user("teacher", PASSWORD, true).await;
        let superuser_id = app.create_user("boss", PASSWORD, true).await;
        let db = app.db().await;
        inloop::on_pool!(&db, |pool| sqlx::query(
            "UPDATE users SET is_superuser = TRUE WHERE id = $1"
        )
        .bind(superuser_id)
        .execute(pool)
        .await
        .map(drop))
        .unwrap();
        Self {
            student: log_in(&app, "student").await,
            staff: log_in(&app, "teacher").await,
            superuser: log_in(&app, "boss").await,
            app,
            student_id,
            superuser_id,
        }
    }

    /// GETs `path` with `browser`.
    pub async fn get(&self, browser: &Client, path: &str) -> Response {
        browser.get(self.app.at(path)).send().await.unwrap()
    }

    /// GETs `path` with `browser`; panics unless it answers 200; returns the body.
    pub async fn page(&self, browser: &Client, path: &str) -> String {
        let response = self.get(browser, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.text().await.unwrap()
    }

    /// POSTs a form with `browser`'s CSRF token as first field.
    pub async fn post(&self, browser: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_from(browser, path, fields, false).await
    }

    /// POSTs a form as `post` does; `htmx` says whether htmx sends it (`HX-Request: true`).
    pub async fn post_from(
        &self,
        browser: &Client,
        path: &str,
        fields: &[(&str, &str)],
        htmx: bool,
    ) -> Response {
        let page = self.get(browser, "/privacy/").await.text().await.unwrap();
        let token = common::csrf_token_in(&page);
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        let request = browser.post(self.app.at(path)).form(&form);
        let request = if htmx {
            request.header("HX-Request", "true")
        } else {
            request
        };
        request.send().await.unwrap()
    }

    /// POSTs a form and follows its redirect (panics unless it is one); returns the page.
    pub async fn submit(&self, browser: &Client, path: &str, fields: &[(&str, &str)]) -> String {
        let response = self.post(browser, path, fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        let target = common::location(&response);
        self.page(browser, &target).await
    }
}

/// A new browser logged in as `username`.
pub async fn log_in(app: &TestApp, username: &str) -> Client {
    let browser = common::browser();
    let page = browser
        .get(app.at("/privacy/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = common::csrf_token_in(&page);
    let form = [
        ("csrf_token", token.as_str()),
        ("login", username),
        ("password", PASSWORD),
    ];
    let response = browser
        .post(app.at("/login/"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "login as {username}"
    );
    browser
}

/// A category `Basics` with a task `Shell Task`, and a finished import run: their ids.
pub async fn catalog(db: &DbPool) -> (i64, i64, i64) {
    let now = Timestamp::now();
    inloop::on_pool!(db, |pool| {
        let category: i64 = sqlx::query_scalar(
            "INSERT INTO categories (name, slug) VALUES ('Basics', 'basics') RETURNING id",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        let task: i64 = sqlx::query_scalar(
            "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, text_html, imported_at)
             VALUES ('ShellTask', 'Shell Task', 'shell-task', $1, $2, '<p>Task.</p>', $2)
             RETURNING id",
        )
        .bind(category)
        .bind(now)
        .fetch_one(pool)
        .await
        .unwrap();
        let run: i64 = sqlx::query_scalar(
            "INSERT INTO import_runs (trigger, requested_at, status) VALUES ('command', $1, 'succeeded')
             RETURNING id",
        )
        .bind(now)
        .fetch_one(pool)
        .await
        .unwrap();
        (category, task, run)
    })
}
