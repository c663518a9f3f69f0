//! `just bench-pages`: the three pages students open most (the result page, a category page, the
//! overview) under load, on the same seeded course on SQLite and on PostgreSQL with Redis (issue
//! 17), and the platform's overhead on a check over a bare `docker run`.
//!
//! For each backend: a fresh database filled by [`seed::course`], a release server without check
//! workers timed from its start to its first answer, the viewer (`s0`) logged in, the idle
//! memory of the app, the database and Redis, then each page under `wrk` (64 connections, a
//! short warm-up, then the measured run) with the CPU time the app and the PostgreSQL cluster
//! used for it, read from `/proc`. Then [`overhead::measure`] on SQLite. Writes the measured part
//! of `docs/benchmarks.md`.
//!
//! Arguments: the seconds of each measured run (10) and the overhead's rounds (20).

use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;
use std::time::Duration;

use inloop::db::DbPool;
use sqlx::Connection as _;

#[path = "../common/bench.rs"]
mod bench;
#[path = "../common/burst.rs"]
mod burst;
mod load;
mod original;
mod overhead;
mod report;
mod seed;

/// Clock ticks per second of `/proc`'s CPU times.
pub static CLOCK_TICKS: LazyLock<u64> = LazyLock::new(bench::clock_ticks_per_second);

/// The pages measured: a name, the path, and a text the page must contain.
fn pages() -> [(&'static str, String, &'static str); 3] {
    [
        ("Result page", seed::result_page(), seed::FAILING_TEST),
        (
            "Category page",
            format!("/tasks/category/{}/", seed::CATEGORIES[0].1),
            "Basics 10",
        ),
        ("Overview", "/tasks/".to_owned(), seed::CATEGORIES[2].0),
    ]
}

/// Memory of the processes (KiB), before the load unless said otherwise.
#[derive(Default)]
pub struct Memory {
    pub app: u64,
    pub app_after_load: u64,
    /// The PostgreSQL cluster's processes that serve the database, summed.
    pub database: Option<u64>,
    pub redis: Option<u64>,
}

/// One backend's figures.
pub struct Run {
    pub backend: &'static str,
    pub start_to_first_answer: Duration,
    pub memory: Memory,
    /// In the order of [`pages`].
    pub pages: Vec<load::Measured>,
}

#[tokio::main]
async fn main() {
    let load_before = report::load_average();
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);

    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = bench::database_url(dir.path());
    let mut runs = vec![measure("SQLite", dir.path(), &sqlite, None, seconds).await];

    let admin = std::env::var("INLOOP_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://inloop:inloop@127.0.0.1:5432/inloop".to_owned());
    let name = format!("inloop_pagebench_{}", std::process::id());
    let postgres = database(&admin, &name, true).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cluster = load::Cluster::connect(&admin, &name).await;
    runs.push(
        measure(
            "PostgreSQL + Redis",
            dir.path(),
            &postgres,
            Some(&mut cluster),
            seconds,
        )
        .await,
    );
    drop(cluster);
    database(&admin, &name, false).await;
    if let Some(src) = original::checkout() {
        runs.push(original::measure(&src, &admin, seconds).await);
    }

    eprintln!("measuring the overhead over a bare docker run ({rounds} rounds)");
    let overhead = overhead::measure(rounds).await;
    bench::write_section(
        "bench-pages",
        &report::section(&runs, &overhead, seconds, &load_before),
    );
}

/// Drops database `name` beside the one `admin` names and, if `create`, creates it empty; its
/// URL.
async fn database(admin: &str, name: &str, create: bool) -> String {
    let mut connection = sqlx::PgConnection::connect(admin)
        .await
        .expect("PostgreSQL (`bash .ci/services postgres`)");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut connection)
        .await
        .expect("DROP DATABASE");
    if create {
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut connection)
            .await
            .expect("CREATE DATABASE");
    }
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    format!("{base}/{name}")
}

/// Seeds `database`, starts a server on it (with Redis when `cluster` is given: PostgreSQL) and
/// measures every page.
async fn measure(
    backend: &'static str,
    dir: &Path,
    database: &str,
    mut cluster: Option<&mut load::Cluster>,
    seconds: u64,
) -> Run {
    eprintln!("{backend}: seeding");
    let migrated = bench::inloop(dir)
        .env("DATABASE_URL", database)
        .arg("migrate")
        .status()
        .expect("inloop migrate");
    assert!(migrated.success(), "inloop migrate failed");
    let db = DbPool::connect(database, 2).await.expect("bench database");
    seed::course(&db).await;
    db.close().await;

    let redis = cluster.is_some().then_some("redis://127.0.0.1:6379/");
    // wrk closes its connections at the end of each run, which Rocket logs as a warning each.
    let mut env = vec![
        ("DATABASE_URL", database),
        ("RUST_LOG", "warn,rocket::server=error"),
    ];
    env.extend(redis.map(|url| ("REDIS_URL", url)));
    let (server, start_to_first_answer) = bench::Server::start_timed(dir, &env).await;
    let (_, _, cookie) = bench::login_with_cookies(&server.base, 0).await;
    verify(&server.base, &cookie).await;
    // Idle: whatever the start and the checks above set going has settled.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut memory = Memory {
        app: bench::rss_kib(server.pid()),
        redis: redis.map(|_| redis_rss_kib()),
        ..Memory::default()
    };
    if let Some(cluster) = cluster.as_mut() {
        memory.database = Some(cluster.rss_kib().await);
    }

    let mut pages = Vec::new();
    for (name, path, _) in self::pages() {
        eprintln!("{backend}: {name} ({path})");
        let url = format!("{}{path}", server.base);
        let measured = load::measure(
            &url,
            &cookie,
            seconds,
            &|| vec![server.pid()],
            cluster.as_deref_mut(),
        )
        .await;
        if measured.wrk.errors > 0 {
            eprintln!("{backend}: {path}: {} errors", measured.wrk.errors);
        }
        pages.push(measured);
    }
    memory.app_after_load = bench::rss_kib(server.pid());
    server.stop();
    Run {
        backend,
        start_to_first_answer,
        memory,
        pages,
    }
}

/// Every page answers the session `cookie` (as `wrk` sends it) with 200 and shows what it must:
/// the result page names the failing test.
async fn verify(base: &str, cookie: &str) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for (name, path, shows) in pages() {
        let answer = client
            .get(format!("{base}{path}"))
            .header("Cookie", cookie)
            .send()
            .await
            .expect("page");
        assert_eq!(answer.status(), reqwest::StatusCode::OK, "{name} {path}");
        let html = answer.text().await.expect("page");
        assert!(
            html.contains(shows),
            "{name} {path} does not show {shows:?}"
        );
    }
}

/// Resident memory of the Redis server on 127.0.0.1:6379 (its `process_id`).
fn redis_rss_kib() -> u64 {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", "6379", "info", "server"])
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|line| line.trim().strip_prefix("process_id:")?.parse().ok())
        .map_or(0, bench::rss_kib)
}
