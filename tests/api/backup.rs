//! `inloop backup` and `inloop restore`: a backup restored into an empty database and data folder
//! gives the same users, solutions, checks and files, on the backend it came from.

use std::path::{Path, PathBuf};
use std::time::Duration;

use inloop::db::DbPool;
use tempfile::TempDir;

use crate::common::{self, TestDatabase, run_inloop};
use crate::solutions::support::{self, PASSWORD, upload, wait_for};

/// An empty database and data folder to restore into.
struct Target {
    dir: TempDir,
    database: TestDatabase,
}

impl Target {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::create(&dir).await;
        Self { dir, database }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `inloop <args>` against this target; its exit status and what it said on stderr.
    fn inloop(&self, args: &[&str]) -> (bool, String) {
        let out = run_inloop(self.database.url(), &self.data(), args, "");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    async fn db(&self) -> DbPool {
        DbPool::connect(self.database.url(), 1).await.unwrap()
    }
}

type Users = Vec<(i64, String, String, String, bool)>;
type Solutions = Vec<(i64, i64, i64, i64, i64, String, String, Option<String>, i64)>;
type Files = Vec<(i64, String, Vec<u8>)>;
type Checks = Vec<(
    i64,
    i64,
    String,
    Option<String>,
    Option<i64>,
    String,
    Option<i64>,
)>;

/// What must survive a backup: users, solutions with their files, checks, and the number of
/// rows of every table.
#[derive(Debug, PartialEq)]
struct Snapshot {
    users: Users,
    solutions: Solutions,
    files: Files,
    checks: Checks,
    rows: Vec<(String, i64)>,
}

async fn snapshot(db: &DbPool) -> Snapshot {
    let users = "SELECT id, username, email, password_hash, is_staff FROM users ORDER BY id";
    let solutions = "SELECT id, task_id, author_id, number, submitted_at, files_hash, status,
                            verdict, tests_total FROM solutions ORDER BY id";
    let files = "SELECT solution_id, name, content FROM solution_files ORDER BY solution_id, name";
    let checks = "SELECT id, solution_id, status, verdict, exit_code, stdout, finished_at
                  FROM checks ORDER BY id";
    // Each backend lists its tables in its own catalogue.
    let tables = match db {
        DbPool::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        DbPool::Postgres(_) => {
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        }
    };
    let tables: Vec<String> =
        inloop::on_pool!(db, |pool| sqlx::query_scalar(tables).fetch_all(pool).await).unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let count = format!("SELECT COUNT(*) FROM {table}");
        let count: i64 =
            inloop::on_pool!(db, |pool| sqlx::query_scalar(&count).fetch_one(pool).await).unwrap();
        rows.push((table, count));
    }
    inloop::on_pool!(db, |pool| Snapshot {
        users: sqlx::query_as(users).fetch_all(pool).await.unwrap(),
        solutions: sqlx::query_as(solutions).fetch_all(pool).await.unwrap(),
        files: sqlx::query_as(files).fetch_all(pool).await.unwrap(),
        checks: sqlx::query_as(checks).fetch_all(pool).await.unwrap(),
        rows,
    })
}

const SCRIPT: &[u8] = b"#!/bin/sh\necho restored-output; exit 0\n";
const HELPER: &[u8] = b"# \xc3\xa4 bytes \x01\x02\nexit 1\n";
const HINT: &[u8] = b"a task file from the repository copy\n";
const ATTACHMENT: &[u8] = b"a task file stored by an import \x00\xff\n";

/// A file of the data folder's repository copy (the import's working tree, backed up with the
/// data folder).
fn hint(data: &Path) -> PathBuf {
    data.join("repository/ShellTask/attachments/hint.txt")
}

fn path(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[tokio::test]
async fn a_restored_installation_has_the_same_users_solutions_and_results() {
    let app = support::app(1, &[]).await;
    app.create_user("teacher", PASSWORD, true).await;
    upload(&app, &[("solution.sh", SCRIPT), ("helper.sh", HELPER)]).await;
    let detail = "/solutions/detail/shell-task/1/";
    wait_for(&app, detail, "badge-passed", Duration::from_mins(1)).await;
    let hint_file = hint(&app.config.data_dir);
    std::fs::create_dir_all(hint_file.parent().unwrap()).unwrap();
    std::fs::write(&hint_file, HINT).unwrap();
    store_attachment(&app.db().await).await;
    let run_folders = app.config.data_dir.join("checks");
    assert!(run_folders.is_dir(), "the worker made its run folders");

    let backups = tempfile::tempdir().unwrap();
    let backup = backups.path().join("nightly");
    let before = snapshot(&app.db().await).await;
    let made = app.command(&["backup", path(&backup)], "");
    let said = String::from_utf8_lossy(&made.stdout);
    assert!(
        made.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(
        said.contains("at migration") && said.contains("1 file(s)"),
        "{said}"
    );
    assert!(backup.join("manifest.json").is_file());
    assert!(
        !backup.join("data/checks").exists(),
        "run folders are left out"
    );
    assert!(!backup.join("data/test.sqlite3").exists());

    let target = Target::new().await;
    let (restored, said) = target.inloop(&["restore", path(&backup)]);
    assert!(restored, "{said}");
    let after = snapshot(&target.db().await).await;
    assert_eq!(after, before);
    assert!(
        after
            .solutions
            .iter()
            .any(|s| s.7.as_deref() == Some("passed"))
    );
    assert!(after.files.iter().any(|f| f.2 == HELPER));
    assert_eq!(std::fs::read(hint(&target.data())).unwrap(), HINT);

    // A server on the restored installation serves the solution's files and the task's.
    let data = target.data();
    let url = target.database.url().to_owned();
    let restored = common::spawn_with(|config| {
        config.database_url = Some(url);
        config.data_dir = data;
    })
    .await;
    restored.login("student", PASSWORD).await;
    let page = restored.get_text(detail).await;
    assert!(page.contains("badge-passed") && page.contains("restored-output"));
    let file = restored.get(&format!("{detail}files/helper.sh")).await;
    assert_eq!(file.status(), 200);
    let shown = file.text().await.unwrap();
    assert!(
        shown.contains("# ä bytes") && shown.contains("exit 1"),
        "{shown}"
    );
    let task_file = restored
        .get("/solutions/editor/shell-task/attachments/hint.bin")
        .await;
    assert_eq!(task_file.status(), 200);
    assert_eq!(task_file.bytes().await.unwrap().as_ref(), ATTACHMENT);
}

/// Stores a task file of the task `shell-task` as an import would (`attachments/hint.bin`).
async fn store_attachment(db: &DbPool) {
    use sha2::Digest;
    let sql = "INSERT INTO task_files (task_id, folder, path, size, sha256, content)
               VALUES ((SELECT id FROM tasks WHERE slug = 'shell-task'), 'attachments',
                       'hint.bin', $1, $2, $3)";
    let sha256 = hex::encode(sha2::Sha256::digest(ATTACHMENT));
    inloop::on_pool!(db, |pool| sqlx::query(sql)
        .bind(i64::try_from(ATTACHMENT.len()).unwrap())
        .bind(&sha256)
        .bind(ATTACHMENT)
        .execute(pool)
        .await
        .map(drop))
    .unwrap();
}

#[tokio::test]
async fn restore_refuses_a_backup_it_cannot_trust_and_a_database_in_use() {
    let app = common::spawn().await;
    app.create_user("kept", PASSWORD, false).await;
    let repository_file = app.config.data_dir.join("repository/README.md");
    std::fs::create_dir_all(repository_file.parent().unwrap()).unwrap();
    std::fs::write(&repository_file, "tasks").unwrap();
    let backups = tempfile::tempdir().unwrap();

    let occupied = backups.path().join("occupied");
    std::fs::create_dir(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "mine").unwrap();
    let refused = app.command(&["backup", path(&occupied)], "");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("is not empty"), "{said}");
    assert_eq!(std::fs::read_dir(&occupied).unwrap().count(), 1);
    let inside = app.config.data_dir.join("backups/today");
    let refused = app.command(&["backup", path(&inside)], "");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("inside the data folder"), "{said}");

    let backup = backups.path().join("backup");
    let made = app.command(&["backup", path(&backup)], "");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    // The backed-up installation itself is in use: not empty.
    let refused = app.command(&["restore", path(&backup)], "");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        said.contains("the database is not empty") && said.contains("already holds repository"),
        "{said}"
    );

    let target = Target::new().await;
    let manifest = backup.join("manifest.json");
    let original = std::fs::read_to_string(&manifest).unwrap();
    std::fs::rename(&manifest, backups.path().join("aside")).unwrap();
    let (done, said) = target.inloop(&["restore", path(&backup)]);
    assert!(!done && said.contains("has no manifest.json"), "{said}");
    let newer = regex::Regex::new(r#""migration": \d+"#)
        .unwrap()
        .replace(&original, r#""migration": 99999"#);
    std::fs::write(&manifest, newer.as_ref()).unwrap();
    let (done, said) = target.inloop(&["restore", path(&backup)]);
    assert!(!done && said.contains("newer than this INLOOP"), "{said}");
    std::fs::write(&manifest, &original).unwrap();
    let moved = backup.join("data/repository/README.md");
    std::fs::rename(&moved, backups.path().join("readme")).unwrap();
    let (done, said) = target.inloop(&["restore", path(&backup)]);
    assert!(!done && said.contains("the backup is incomplete"), "{said}");
    std::fs::rename(backups.path().join("readme"), &moved).unwrap();
    assert!(
        target.db().await.is_empty().await.unwrap(),
        "nothing restored yet"
    );

    let (done, said) = target.inloop(&["restore", path(&backup)]);
    assert!(done, "{said}");
    let db = target.db().await;
    let named = "SELECT username FROM users ORDER BY id";
    let users: Vec<String> =
        inloop::on_pool!(&db, |pool| sqlx::query_scalar(named).fetch_all(pool).await).unwrap();
    assert_eq!(users, ["kept"]);
    let (done, said) = target.inloop(&["restore", path(&backup)]);
    assert!(!done && said.contains("--force"), "{said}");
    let later = "INSERT INTO users (username, email, password_hash, date_joined)
                 VALUES ('later', 'later@example.org', '', 0)";
    inloop::on_pool!(&db, |pool| sqlx::query(later).execute(pool).await.map(drop)).unwrap();
    db.close().await;
    let (done, said) = target.inloop(&["restore", "--force", path(&backup)]);
    assert!(done, "{said}");
    let db = target.db().await;
    let users: Vec<String> =
        inloop::on_pool!(&db, |pool| sqlx::query_scalar(named).fetch_all(pool).await).unwrap();
    assert_eq!(users, ["kept"], "--force replaced the database");
}
