//! The deadline-burst task the burst and chaos benches share: its checker image, its seeding, and
//! handing in one submission.

#![allow(dead_code, reason = "shared by several benches; each uses a part")]

use std::process::Command;
use std::time::Instant;

use inloop::db::{DbPool, Timestamp};

/// A checker that runs the submitted `solution.sh` as nobody (the tests' shell checker).
pub const IMAGE: &str = "inloop-test/shell-checker:1";
/// Where a submission is uploaded to, and where an accepted one is sent to.
pub const UPLOAD: &str = "/solutions/editor/burst/upload";
const RESULT_PAGES: &[u8] = b"/solutions/detail/burst/";

/// A fresh SQLite course in `dir` for the burst task: the checker image built, the database
/// migrated, `students` students and the task seeded; its database.
pub async fn sqlite_course(dir: &std::path::Path, students: usize) -> DbPool {
    ensure_image();
    let migrated = crate::bench::inloop(dir)
        .arg("migrate")
        .status()
        .expect("inloop migrate");
    assert!(migrated.success(), "inloop migrate failed");
    let db = DbPool::connect(&crate::bench::database_url(dir), 2)
        .await
        .expect("bench database");
    crate::bench::students(&db, students).await;
    seed(&db).await;
    db
}

/// Builds [`IMAGE`] from the local busybox base unless it is there.
pub fn ensure_image() {
    let present = Command::new("docker")
        .args(["image", "inspect", IMAGE])
        .output()
        .expect("docker")
        .status
        .success();
    if present {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let dockerfile = "FROM inloop-test/busybox:1\nUSER nobody\n\
                      ENTRYPOINT [\"/bin/sh\", \"/checker/input/solution.sh\"]\n";
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).expect("Dockerfile");
    let built = Command::new("docker")
        .args(["build", "-q", "-t", IMAGE])
        .arg(dir.path())
        .status()
        .expect("docker build");
    assert!(
        built.success(),
        "building {IMAGE} (run `just images` first)"
    );
}

/// A published task `burst` checked by [`IMAGE`], and `.sh` files allowed (before the server
/// starts, which reads the settings then).
pub async fn seed(db: &DbPool) {
    let now = Timestamp::now();
    inloop::on_pool!(db, |pool| {
        sqlx::query("INSERT INTO categories (name, slug) VALUES ('Burst', 'burst')")
            .execute(pool)
            .await
            .expect("category");
        sqlx::query(
            "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, text_html, imported_at)
             VALUES ('Burst', 'Burst', 'burst', (SELECT id FROM categories), $1, '<p>Burst</p>', $2)",
        )
        .bind(now.plus(-time::Duration::hours(1)))
        .bind(now)
        .execute(pool)
        .await
        .expect("task");
        sqlx::query(
            "INSERT INTO import_runs (trigger, requested_at, status, image_tag, image_status)
             VALUES ('command', $1, 'succeeded', $2, 'built')",
        )
        .bind(now)
        .bind(IMAGE)
        .execute(pool)
        .await
        .expect("import run");
    });
    inloop::settings::Settings::default()
        .set(
            db,
            &inloop::events::Bus::local(),
            "allowed_extensions",
            ".sh",
        )
        .await
        .expect("allowed_extensions");
}

/// What became of an upload.
pub enum HandIn {
    /// Stored: the milliseconds until the server answered.
    Accepted(f64),
    /// Answered, but not stored: the status and the flash message.
    Refused(reqwest::StatusCode, String),
    /// No answer (connection refused or reset, time-out).
    Unanswered(String),
}

/// Uploads submission `number` (a script echoing its number) to `url`.
pub async fn hand_in(client: &reqwest::Client, token: &str, url: &str, number: usize) -> HandIn {
    let script = format!("echo submission {number}; exit 0\n");
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token.to_owned())
        .part(
            "files",
            reqwest::multipart::Part::bytes(script.into_bytes()).file_name("solution.sh"),
        );
    let sent = Instant::now();
    match client.post(url).multipart(form).send().await {
        // Accepted: to the result page; refused: back to the task with a flash message (or
        // anywhere else, such as the login page).
        Ok(answer)
            if answer.status() == reqwest::StatusCode::SEE_OTHER
                && answer
                    .headers()
                    .get("location")
                    .is_some_and(|to| to.as_bytes().starts_with(RESULT_PAGES)) =>
        {
            HandIn::Accepted(sent.elapsed().as_secs_f64() * 1000.0)
        }
        Ok(answer) => {
            let (location, flash) = (
                answer.headers().get("location"),
                answer.headers().get("set-cookie"),
            );
            HandIn::Refused(answer.status(), format!("to {location:?}, {flash:?}"))
        }
        Err(error) => HandIn::Unanswered(error.to_string()),
    }
}

/// Checks neither done nor cancelled.
pub async fn unfinished(db: &DbPool) -> i64 {
    let sql = "SELECT COUNT(*) FROM checks WHERE status NOT IN ('done', 'cancelled')";
    inloop::on_pool!(db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await).expect("checks")
}

/// Check containers still present on the local daemon or the one at `host` (a socket path),
/// of `instance` or of any.
pub fn containers(host: Option<&str>, instance: Option<&str>) -> usize {
    let mut docker = Command::new("docker");
    if let Some(host) = host {
        docker.env("DOCKER_HOST", format!("unix://{host}"));
    }
    docker.args(["ps", "-aq", "--filter", "label=inloop.check=1"]);
    if let Some(instance) = instance {
        docker.args(["--filter", &format!("label=inloop.instance={instance}")]);
    }
    let out = docker.output().expect("docker ps");
    String::from_utf8_lossy(&out.stdout).lines().count()
}
