//! `kill -9` of the server during a check: after a restart the check runs again and completes.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use inloop::db::DbPool;

use super::lifecycle::wait_until_async;
use super::support;

/// A server process, killed when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(database_url: &str, data_dir: &std::path::Path, instance: &str) -> Server {
    serve_with(database_url, data_dir, instance, &[])
}

/// The secret of the servers a test starts on one database: one installation, as in production
/// (a debug build without it makes up a key, and with it an installation, per process). Each
/// database is an installation of its own: one sweeping another's containers would be a bug.
fn secret(database_url: &str) -> String {
    format!("a test installation's secret key, long enough to be accepted: {database_url}")
}

/// Starts `inloop serve` with one worker as `instance` on `database_url`, with `env` on top;
/// its output goes to `<data_dir>/<instance>.log`.
pub fn serve_with(
    database_url: &str,
    data_dir: &std::path::Path,
    instance: &str,
    env: &[(&str, &str)],
) -> Server {
    inloop_with(&["serve"], database_url, data_dir, instance, env)
}

/// Starts `inloop <args>` as [`serve_with`] does (`serve` or `worker`); its output is appended
/// to `<data_dir>/<instance>.log`, so a restart's follows the first run's.
pub fn inloop_with(
    args: &[&str],
    database_url: &str,
    data_dir: &std::path::Path,
    instance: &str,
    env: &[(&str, &str)],
) -> Server {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join(format!("{instance}.log")))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_inloop"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("INLOOP_DATA_DIR", data_dir)
        .env("INLOOP_INSTANCE", instance)
        .env("INLOOP_WORKERS", "1")
        .env("SECRET_KEY", secret(database_url))
        .env("ROCKET_PORT", crate::common::free_port().to_string())
        .envs(env.iter().copied())
        .current_dir(data_dir)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    Server(child)
}

pub async fn check_row(db: &DbPool) -> (String, i64) {
    let sql = "SELECT status, attempts FROM checks";
    inloop::on_pool!(db, |pool| sqlx::query_as(sql).fetch_one(pool).await).unwrap()
}

pub async fn wait_for_state(db: &DbPool, wanted: &str, timeout: Duration) -> (String, i64) {
    let deadline = Instant::now() + timeout;
    loop {
        let row = check_row(db).await;
        if row.0 == wanted {
            return row;
        }
        assert!(
            Instant::now() < deadline,
            "the check never became {wanted}: {row:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn containers_of(instance: &str) -> usize {
    let filter = format!("label=inloop.instance={instance}");
    let out = Command::new("docker")
        .args(["ps", "-aq", "--filter", &filter])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[tokio::test]
async fn a_check_interrupted_by_kill_9_runs_again_after_restart() {
    support::ensure_image();
    let app = support::app(0, &[]).await;
    support::upload(&app, &[("solution.sh", b"sleep 4; echo survived; exit 0")]).await;
    let db = app.db().await;
    let data_dir = app.dir.path().join("restart");
    std::fs::create_dir_all(&data_dir).unwrap();
    let instance = format!("restart-test-{}", std::process::id());

    let mut first = serve(app.config.database_url(), &data_dir, &instance);
    wait_for_state(&db, "running", Duration::from_mins(1)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while containers_of(&instance) == 0 {
        assert!(
            Instant::now() < deadline,
            "the check's container never started"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.0.kill().unwrap(); // SIGKILL: no clean-up of any kind
    first.0.wait().unwrap();
    assert_eq!(
        check_row(&db).await.0,
        "running",
        "the database still says running"
    );

    let _second = serve(app.config.database_url(), &data_dir, &instance);
    let (_, attempts) = wait_for_state(&db, "done", Duration::from_secs(90)).await;
    assert_eq!(attempts, 2, "run once more, from the start");
    let html = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(html.contains("badge-passed") && html.contains("survived"));
    let solutions: i64 = inloop::on_pool!(&db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM solutions"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(
        solutions, 1,
        "the solution keeps its number, nothing is duplicated"
    );
    // Removed right after the verdict is out.
    wait_until_async("no container is left", Duration::from_secs(20), || async {
        containers_of(&instance) == 0
    })
    .await;
}

#[tokio::test]
async fn inloop_worker_runs_checks_for_a_web_only_instance() {
    let app = support::app(0, &[]).await;
    support::upload(&app, &[("solution.sh", b"echo from the worker; exit 0")]).await;
    let db = app.db().await;
    let instance = format!("worker-test-{}", std::process::id());
    let worker = Command::new(env!("CARGO_BIN_EXE_inloop"))
        .args(["worker", "--count", "1"])
        .env("DATABASE_URL", app.config.database_url())
        .env("INLOOP_DATA_DIR", app.dir.path().join("worker"))
        .env("INLOOP_INSTANCE", &instance)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _worker = Server(worker);
    wait_for_state(&db, "done", Duration::from_mins(1)).await;
    let html = app.get_text("/solutions/detail/shell-task/1/").await;
    assert!(html.contains("badge-passed") && html.contains("from the worker"));
    wait_until_async("no container is left", Duration::from_secs(20), || async {
        containers_of(&instance) == 0
    })
    .await;
}

fn volumes_of(instance: &str) -> usize {
    let filter = format!("label=inloop.instance={instance}");
    let out = Command::new("docker")
        .args(["volume", "ls", "-q", "--filter", &filter])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[tokio::test]
async fn a_restarted_instance_removes_the_run_folders_and_volumes_of_a_crash() {
    use std::os::unix::fs::PermissionsExt;

    support::ensure_image();
    let app = support::app(0, &[]).await;
    support::upload(&app, &[("solution.sh", b"sleep 600")]).await;
    let db = app.db().await;
    let data_dir = app.dir.path().join("crash");
    std::fs::create_dir_all(&data_dir).unwrap();
    let instance = format!("crash-test-{}", std::process::id());
    let work_dir = inloop::runner::sandbox::work_dir(&data_dir, &instance);

    let mut first = serve(app.config.database_url(), &data_dir, &instance);
    wait_for_state(&db, "running", Duration::from_mins(1)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while containers_of(&instance) < 2 {
        assert!(Instant::now() < deadline, "the check never started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    first.0.kill().unwrap(); // SIGKILL: no clean-up of any kind
    first.0.wait().unwrap();
    assert!(
        volumes_of(&instance) > 0,
        "the crash left the storage volume"
    );
    assert!(
        std::fs::read_dir(&work_dir).unwrap().count() > 0,
        "and run folders"
    );
    let private = work_dir.join("inloop-check-private/input");
    std::fs::create_dir_all(&private).unwrap();
    for folder in [private.as_path(), private.parent().unwrap()] {
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    // The check must not run again meanwhile: it would make a new folder and volume.
    let sql = "UPDATE checks SET status = 'cancelled'";
    inloop::on_pool!(&db, |pool| sqlx::query(sql).execute(pool).await.map(drop)).unwrap();

    let _second = serve(app.config.database_url(), &data_dir, &instance);
    let deadline = Instant::now() + Duration::from_secs(30);
    while volumes_of(&instance) > 0 || std::fs::read_dir(&work_dir).unwrap().count() > 0 {
        assert!(
            Instant::now() < deadline,
            "leftovers stayed: {} volumes, {:?}",
            volumes_of(&instance),
            std::fs::read_dir(&work_dir).unwrap().collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(containers_of(&instance), 0, "no container is left");
}
