//! Fixtures for solution tests: a shell checker image, a published task, users, waiting.

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use inloop::db::{DbPool, Timestamp};

use crate::common::TestApp;

/// A checker image that runs the submitted `solution.sh` (built once, from the local busybox image).
pub const IMAGE: &str = "inloop-test/shell-checker:1";

pub fn ensure_image() {
    let present = Command::new("docker")
        .args(["image", "inspect", IMAGE])
        .output()
        .unwrap()
        .status
        .success();
    if present {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM inloop-test/busybox:1\nUSER nobody\nENTRYPOINT [\"/bin/sh\", \"/checker/input/solution.sh\"]\n",
    )
    .unwrap();
    let built = Command::new("docker")
        .args(["build", "-q", "-t", IMAGE])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
}

pub const PASSWORD: &str = "Tulpen-Fahrrad-Ostsee-81";

/// A published task `shell-task` (slug) in a category, checked by [`IMAGE`]; returns its id.
pub async fn task(db: &DbPool, deadline: Option<Timestamp>) -> i64 {
    let now = Timestamp::now();
    let id = inloop::on_pool!(db, |pool| {
        sqlx::query("INSERT INTO categories (name, slug) VALUES ('Basics', 'basics')")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query_scalar(
            "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, deadline, text_html, imported_at)
             VALUES ('ShellTask', 'Shell Task', 'shell-task', (SELECT id FROM categories), $1, $2, '<p>Write solution.sh.</p>', $1)
             RETURNING id",
        )
        .bind(now.plus(-time::Duration::hours(1)))
        .bind(deadline)
        .fetch_one(pool)
        .await
        .unwrap()
    });
    publish_image(db, IMAGE).await;
    id
}

/// Records an import run that built `tag`: the checker image checks use from now on.
pub async fn publish_image(db: &DbPool, tag: &str) {
    inloop::on_pool!(db, |pool| sqlx::query(
        "INSERT INTO import_runs (trigger, requested_at, status, image_tag, image_status) VALUES ('command', $1, 'succeeded', $2, 'built')",
    )
    .bind(Timestamp::now())
    .bind(tag)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
}

/// A server with workers, a task, `.sh` solutions allowed, and a logged-in student.
pub async fn app(workers: u32, extra_settings: &[(&str, &str)]) -> TestApp {
    app_with(|config| config.workers = workers, extra_settings).await
}

/// [`app`] with the configuration adjusted further (Redis, workers).
pub async fn app_with(
    adjust: impl FnOnce(&mut inloop::config::Config),
    extra_settings: &[(&str, &str)],
) -> TestApp {
    ensure_image();
    let app = crate::common::spawn_with(adjust).await;
    let db = app.db().await;
    task(&db, None).await;
    let mut pairs = vec![("allowed_extensions", ".sh")];
    pairs.extend_from_slice(extra_settings);
    for (key, value) in pairs {
        app.set_setting(key, value).await;
    }
    app.create_user("student", PASSWORD, false).await;
    app.login("student", PASSWORD).await;
    app
}

/// Uploads files as a multipart form (CSRF token first) to the task's upload endpoint.
pub async fn upload(app: &TestApp, files: &[(&str, &[u8])]) -> reqwest::Response {
    upload_as(app, &app.http, files).await
}

/// [`upload`] from another browser.
pub async fn upload_as(
    app: &TestApp,
    browser: &reqwest::Client,
    files: &[(&str, &[u8])],
) -> reqwest::Response {
    try_upload_at(&app.url, browser, files).await.unwrap()
}

/// [`upload_as`] to the server at `base` (`http://host:port`), which may refuse connections.
pub async fn try_upload_at(
    base: &str,
    browser: &reqwest::Client,
    files: &[(&str, &[u8])],
) -> reqwest::Result<reqwest::Response> {
    let page = browser
        .get(format!("{base}/privacy/"))
        .send()
        .await?
        .text()
        .await?;
    let mut form =
        reqwest::multipart::Form::new().text("csrf_token", crate::common::csrf_token_in(&page));
    for (name, content) in files {
        form = form.part(
            "files",
            reqwest::multipart::Part::bytes(content.to_vec()).file_name(name.to_string()),
        );
    }
    browser
        .post(format!("{base}/solutions/editor/shell-task/upload"))
        .multipart(form)
        .send()
        .await
}

/// A new student logged in with a browser of their own.
pub async fn student(app: &TestApp, username: &str) -> reqwest::Client {
    logged_in(app, username, false).await
}

/// A new member of staff logged in with a browser of their own.
pub async fn staff(app: &TestApp, username: &str) -> reqwest::Client {
    logged_in(app, username, true).await
}

/// A new superuser logged in with a browser of their own.
pub async fn superuser(app: &TestApp, username: &str) -> reqwest::Client {
    let browser = staff(app, username).await;
    let db = app.db().await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE users SET is_superuser = TRUE WHERE username = $1"
    )
    .bind(username)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    browser
}

async fn logged_in(app: &TestApp, username: &str, staff: bool) -> reqwest::Client {
    app.create_user(username, PASSWORD, staff).await;
    logged_in_at(&app.url, username).await
}

/// A browser logged in as the existing `username` at the server at `base`.
pub async fn logged_in_at(base: &str, username: &str) -> reqwest::Client {
    let browser = crate::common::browser();
    let page = browser
        .get(format!("{base}/privacy/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = crate::common::csrf_token_in(&page);
    let form = [
        ("csrf_token", token.as_str()),
        ("login", username),
        ("password", PASSWORD),
    ];
    let response = browser
        .post(format!("{base}/login/"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        reqwest::StatusCode::SEE_OTHER,
        "login as {username}"
    );
    browser
}

/// The checks' states, for assertions: (status, count).
pub async fn check_states(db: &DbPool) -> Vec<(String, i64)> {
    let sql = "SELECT status, COUNT(*) FROM checks GROUP BY status ORDER BY status";
    inloop::on_pool!(db, |pool| sqlx::query_as(sql).fetch_all(pool).await).unwrap()
}

/// Waits until the page at `path` contains `text`.
pub async fn wait_for(app: &TestApp, path: &str, text: &str, timeout: Duration) -> String {
    let deadline = Instant::now() + timeout;
    loop {
        let html = app.get_text(path).await;
        if html.contains(text) {
            return html;
        }
        assert!(
            Instant::now() < deadline,
            "{path} never showed {text:?}; last page:\n{html}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// How many solutions are stored.
pub async fn solution_count(db: &DbPool) -> i64 {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM solutions"
    )
    .fetch_one(pool)
    .await)
    .unwrap()
}

/// Containers of this app's checks still around (none may be left after a test).
pub fn check_containers(app: &TestApp) -> usize {
    let port: u16 = app.url.rsplit(':').next().unwrap().parse().unwrap();
    let instance = format!(
        "label=inloop.instance={}",
        app.config.instance_name(&port.to_string())
    );
    let out = Command::new("docker")
        .args([
            "ps",
            "-aq",
            "--filter",
            "label=inloop.check=1",
            "--filter",
            &instance,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Waits until none of the instance's check containers is left: the worker removes them right
/// after the verdict is out, a cancelled check's at once. Fails after 20 s.
pub async fn until_no_check_container(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while check_containers(app) > 0 {
        assert!(Instant::now() < deadline, "check containers were left");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A JUnit report the shell solution writes for `passed` of `total` tests.
pub fn report_script(passed: u32, total: u32) -> String {
    let mut cases = String::new();
    for i in 0..total {
        if i < passed {
            let _ = write!(
                cases,
                "<testcase name=\"t{i}\" classname=\"T\" time=\"0.01\"/>"
            );
        } else {
            let _ = write!(
                cases,
                "<testcase name=\"t{i}\" classname=\"T\" time=\"0.01\"><failure message=\"expected 1 but was 2\" type=\"AssertionError\">at T.t{i}</failure></testcase>"
            );
        }
    }
    let failures = total - passed;
    format!(
        "cat > /checker/output/storage/TEST-T.xml <<'XML'\n<testsuite name=\"T\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"0.1\">{cases}</testsuite>\nXML\n"
    )
}
