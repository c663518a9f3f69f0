//! Start-up waits for a database that appears late, saying which one (password redacted) and
//! why, and a signal during the wait ends the process cleanly (issue 16).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestDatabase;

/// Runs `inloop migrate` on `database_url` in the background; its log goes to `log`.
fn migrate(database_url: &str, log: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_inloop"))
        .arg("migrate")
        .env("DATABASE_URL", database_url)
        .env("INLOOP_DB_WAIT_SECS", "60")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

/// Waits for the process to end; panics after `timeout`.
async fn exit_status(
    child: &mut std::process::Child,
    timeout: Duration,
) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running after {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `log` says the process is waiting for the database.
async fn until_waiting(log: &std::path::Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains("waiting for the database") {
            return text;
        }
        assert!(Instant::now() < deadline, "no word of waiting:\n{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn start_up_waits_for_a_postgresql_database_created_later() {
    // A database created afterwards: only when the suite runs on PostgreSQL.
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let admin = sqlx::PgPool::connect(&std::env::var("INLOOP_TEST_DATABASE_URL").unwrap())
        .await
        .unwrap();
    let name = format!("{}_late", database.url().rsplit('/').next().unwrap());
    let mut url = url::Url::parse(database.url()).unwrap();
    url.set_path(&name);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("migrate.log");

    let mut waiting = migrate(url.as_str(), &log);
    let said = until_waiting(&log).await;
    assert!(said.contains(&name), "it names the database:\n{said}");
    assert!(said.contains("does not exist"), "and why it waits:\n{said}");
    if let Some(password) = url.password() {
        assert!(
            !said.contains(&format!(":{password}@")),
            "never the password:\n{said}"
        );
    }
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    let status = exit_status(&mut waiting, Duration::from_secs(30)).await;
    let said = std::fs::read_to_string(&log).unwrap();
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&admin)
        .await
        .unwrap();
    assert!(
        status.success(),
        "migrated once the database appeared:\n{said}"
    );
    assert!(said.contains("the database is reachable"), "{said}");
}

#[tokio::test]
async fn start_up_waits_for_the_folder_of_a_sqlite_database_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the database's folder belongs, as a volume not mounted yet would leave it.
    let folder = dir.path().join("volume");
    std::fs::write(&folder, "not a folder").unwrap();
    let url = format!("sqlite://{}", folder.join("inloop.sqlite3").display());

    let log = dir.path().join("first.log");
    let mut waiting = migrate(&url, &log);
    until_waiting(&log).await;
    std::fs::remove_file(&folder).unwrap();
    let status = exit_status(&mut waiting, Duration::from_secs(30)).await;
    assert!(
        status.success(),
        "{}",
        std::fs::read_to_string(&log).unwrap()
    );
    assert!(folder.join("inloop.sqlite3").exists());

    std::fs::remove_dir_all(&folder).unwrap();
    std::fs::write(&folder, "not a folder").unwrap();
    let log = dir.path().join("serve.log");
    let mut serve = Command::new(env!("CARGO_BIN_EXE_inloop"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("INLOOP_DATA_DIR", dir.path().join("data"))
        .env("ROCKET_PORT", crate::common::free_port().to_string())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    until_waiting(&log).await;
    let pid = serve.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = exit_status(&mut serve, Duration::from_secs(10)).await;
    assert!(
        status.success(),
        "SIGTERM while waiting is a clean stop: {status:?}\n{}",
        std::fs::read_to_string(&log).unwrap()
    );
}
