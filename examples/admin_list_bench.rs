//! `just bench-admin-lists`: the admin solution list with 100,000 solutions, on SQLite and on
//! PostgreSQL.
//!
//! For each backend: a fresh database filled by `inloop generate-submissions` (5,000 students,
//! 20 tasks, 100,000 solutions with checks), a release server without workers, and a superuser
//! who asks for `/admin/solutions/` pages one after another: the first page, filters by task,
//! category, verdict, semester and author, and an older page. The baseline is `/privacy/` (a page
//! without database work) asked for in the same run, so the ratio says what the list costs on a
//! noisy machine. Then the statistics pages on the same data. Writes the measured part of
//! `docs/benchmarks.md`.

use std::fmt::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

const PASSWORD: &str = "Bench-Tulpen-Fahrrad-81";
const PAGE: &str = "docs/benchmarks.md";
const BEGIN: &str = "<!-- written by just bench-admin-lists: begin -->";
const END: &str = "<!-- written by just bench-admin-lists: end -->";
const SOLUTIONS: &str = "100000";
const ROUNDS: usize = 40;
const SECRET_KEY: &str = "bench secret key, long enough for the release profile";

/// The statistics pages timed once each per round (their slowest answer is reported).
const STATISTICS: [&str; 5] = [
    "/statistics/",
    "/statistics/submissions/?granularity=day",
    "/statistics/submissions/?granularity=hour&verdict=passed",
    "/statistics/attempts/",
    "/statistics/tasks/bench-t7/",
];
const STATISTICS_ROUNDS: usize = 5;

struct Run {
    backend: &'static str,
    generated_secs: f64,
    list: Vec<f64>,
    baseline: Vec<f64>,
    /// Per page of [`STATISTICS`], the slowest answer (ms).
    statistics: Vec<f64>,
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.sqlite3").display());
    let mut runs = vec![measure("SQLite", &sqlite, dir.path()).await];
    let postgres = std::env::var("INLOOP_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://inloop:inloop@127.0.0.1:5432/inloop".to_owned());
    match fresh_postgres(&postgres).await {
        Ok(url) => runs.push(measure("PostgreSQL", &url, dir.path()).await),
        Err(error) => eprintln!("PostgreSQL skipped ({error}); `just services` starts it"),
    }
    let (mut rows, mut statistics) = (String::new(), String::new());
    for run in &runs {
        let slowest: Vec<String> = run
            .statistics
            .iter()
            .map(|ms| format!("{ms:.0} ms"))
            .collect();
        let _ = writeln!(statistics, "| {} | {} |", run.backend, slowest.join(" | "));
        let (list, baseline) = (quantiles(&run.list), quantiles(&run.baseline));
        let _ = writeln!(
            rows,
            "| {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} | {:.0} s |",
            run.backend,
            list.0,
            list.1,
            baseline.0,
            baseline.1,
            list.1 / baseline.1,
            run.generated_secs,
        );
    }
    let measured = format!(
        "{BEGIN}\n## Admin solution list: 100,000 solutions\n\n\
         One release server (`target/release/inloop`, no check workers) on this 2-core machine per \
         backend, its database filled by `inloop generate-submissions --students 5000 --tasks 20 \
         --solutions {SOLUTIONS}` (a solution file and a finished check each). A superuser asks for \
         `/admin/solutions/` pages one after another, {ROUNDS} rounds of seven: the first page, \
         filtered by task, by category and verdict, by verdict, by semester, by author, and the \
         next older page (keyset). The baseline is `/privacy/`, a page without database work, \
         asked for as often in the same run. Goal: list p99 under 50 ms.\n\n\
         | Backend | List p50 | List p99 | Baseline p50 | Baseline p99 | p99 ratio | Generating |\n\
         |---|---|---|---|---|---|---|\n{rows}\n\
         The same databases answer the statistics pages (staff, `?` parameters as shown; goal: \
         under a second each); the slowest of {STATISTICS_ROUNDS} answers:\n\n\
         | Backend | {} |\n|---|{}\n{statistics}{END}",
        STATISTICS.map(|path| format!("`{path}`")).join(" | "),
        "---|".repeat(STATISTICS.len()),
    );
    println!("{measured}");
    let page = std::fs::read_to_string(PAGE).unwrap_or_default();
    let page = match (page.find(BEGIN), page.find(END)) {
        (Some(begin), Some(end)) => {
            format!("{}{measured}{}", &page[..begin], &page[end + END.len()..])
        }
        _ => format!("{page}\n{measured}\n"),
    };
    std::fs::write(PAGE, page).expect("writing docs/benchmarks.md");
}

/// p50 and p99 of `latencies` (ms).
fn quantiles(latencies: &[f64]) -> (f64, f64) {
    let mut sorted = latencies.to_vec();
    sorted.sort_by(f64::total_cmp);
    // Index arithmetic on a few hundred latencies: no precision or sign to lose.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "counts and indexes are small"
    )]
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

/// An empty database `inloop_bench` beside the one `url` names; its URL.
async fn fresh_postgres(url: &str) -> Result<String, sqlx::Error> {
    let mut admin = sqlx::PgConnection::connect(url).await?;
    sqlx::query("DROP DATABASE IF EXISTS inloop_bench WITH (FORCE)")
        .execute(&mut admin)
        .await?;
    sqlx::query("CREATE DATABASE inloop_bench")
        .execute(&mut admin)
        .await?;
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    Ok(format!("{base}/inloop_bench"))
}

fn inloop(database: &str, dir: &std::path::Path, args: &[&str], stdin: &str) {
    use std::io::Write as _;
    let binary = std::env::current_dir()
        .expect("cwd")
        .join("target/release/inloop");
    let mut child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", database)
        .env("INLOOP_DATA_DIR", dir.join("data"))
        .env("SECRET_KEY", SECRET_KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("target/release/inloop (cargo build --release)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    assert!(child.wait().expect("inloop").success(), "inloop {args:?}");
}

async fn measure(backend: &'static str, database: &str, dir: &std::path::Path) -> Run {
    let started = Instant::now();
    let generate = [
        "generate-submissions",
        "--force",
        "--prefix",
        "bench",
        "--students",
        "5000",
        "--tasks",
        "20",
        "--solutions",
        SOLUTIONS,
    ];
    inloop(database, dir, &generate, "");
    let generated_secs = started.elapsed().as_secs_f64();
    let superuser = [
        "createsuperuser",
        "--username",
        "boss",
        "--email",
        "boss@example.org",
    ];
    inloop(
        database,
        dir,
        &[&superuser[..], &["--password-stdin"]].concat(),
        &format!("{PASSWORD}\n"),
    );
    let (mut server, base) = start(database, dir).await;
    let client = login(&base).await;
    let first = get(&client, &format!("{base}/admin/solutions/")).await.1;
    let older = first
        .split("<a href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.contains("before="))
        .expect("an older page")
        .replace("&amp;", "&");
    let lists = [
        "/admin/solutions/".to_owned(),
        "/admin/solutions/?task=bench-t7".to_owned(),
        "/admin/solutions/?category=bench&verdict=passed".to_owned(),
        "/admin/solutions/?verdict=compile_error".to_owned(),
        semester(),
        "/admin/solutions/?author=bench-s4242".to_owned(),
        older,
    ];
    let (mut list, mut baseline) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for path in &lists {
            list.push(get(&client, &format!("{base}{path}")).await.0);
            baseline.push(get(&client, &format!("{base}/privacy/")).await.0);
        }
    }
    let mut statistics = vec![0.0_f64; STATISTICS.len()];
    for _ in 0..STATISTICS_ROUNDS {
        for (slowest, path) in statistics.iter_mut().zip(STATISTICS) {
            *slowest = slowest.max(get(&client, &format!("{base}{path}")).await.0);
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    Run {
        backend,
        generated_secs,
        list,
        baseline,
        statistics,
    }
}

/// The filter for this winter semester: the generated solutions span the last 70 days.
fn semester() -> String {
    let now = time::OffsetDateTime::now_utc();
    let year = if u8::from(now.month()) >= 4 {
        now.year()
    } else {
        now.year() - 1
    };
    format!("/admin/solutions/?semester=winter-{year}")
}

/// The latency (ms) and body of a GET that must answer 200.
async fn get(client: &reqwest::Client, url: &str) -> (f64, String) {
    let started = Instant::now();
    let answer = client.get(url).send().await.expect("request");
    assert_eq!(answer.status(), reqwest::StatusCode::OK, "{url}");
    let body = answer.text().await.expect("body");
    (started.elapsed().as_secs_f64() * 1000.0, body)
}

async fn start(database: &str, dir: &std::path::Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(
        std::env::current_dir()
            .expect("cwd")
            .join("target/release/inloop"),
    )
    .current_dir(dir)
    .env("ROCKET_PORT", port.to_string())
    .env("ROCKET_ADDRESS", "127.0.0.1")
    .env("DATABASE_URL", database)
    .env("INLOOP_WORKERS", "0")
    .env("INLOOP_DATA_DIR", dir.join("data"))
    .env("SECRET_KEY", SECRET_KEY)
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .expect("target/release/inloop (cargo build --release)");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_mins(1);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (child, base)
}

async fn login(base: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let html = get(&client, &format!("{base}/privacy/")).await.1;
    let token = html
        .split("\"X-CSRF-Token\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token")
        .to_owned();
    let form = [
        ("csrf_token", token.as_str()),
        ("login", "boss"),
        ("password", PASSWORD),
    ];
    let answer = client
        .post(format!("{base}/login/"))
        .form(&form)
        .send()
        .await
        .expect("login");
    assert_eq!(answer.status(), reqwest::StatusCode::SEE_OTHER, "login");
    client
}
