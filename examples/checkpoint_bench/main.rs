//! `just bench-checkpoints`: editor checkpoint saves per second with many students saving at once.
//!
//! Starts `target/release/inloop` (SQLite, no workers) on 127.0.0.1, stores a task and N students,
//! logs each in with a client of its own, and lets every student save their files (about 2 KiB of
//! Java) again as soon as the last save was answered, for a fixed time. Reports saves per second
//! and the latency of a save in the measured part of `docs/benchmarks.md`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use inloop::db::{DbPool, Timestamp};

const PASSWORD: &str = "Bench-Tulpen-Fahrrad-81";
const PAGE: &str = "docs/benchmarks.md";
const BEGIN: &str = "<!-- written by just bench-checkpoints: begin -->";
const END: &str = "<!-- written by just bench-checkpoints: end -->";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let students: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, base, db) = start(dir.path()).await;
    seed(&db, students).await;
    let mut clients = Vec::new();
    for n in 0..students {
        clients.push(login(&base, n).await);
    }
    let until = Instant::now() + Duration::from_secs(seconds);
    // Every student starts now (collected, not a lazy iterator that would start each in turn).
    let runs: Vec<_> = clients
        .into_iter()
        .map(|(client, token)| {
            let base = base.clone();
            tokio::spawn(async move { save_until(&client, &token, &base, until).await })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failed = 0;
    for run in runs {
        let (done, errors) = run.await.expect("student");
        latencies.extend(done);
        failed += errors;
    }
    assert!(
        !latencies.is_empty(),
        "no save was stored ({failed} failed)"
    );
    latencies.sort_by(f64::total_cmp);
    // Index arithmetic on a few thousand latencies: no precision or sign to lose.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "counts and indexes are small"
    )]
    let (at, per_second) = (
        |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize],
        latencies.len() as f64 / seconds as f64,
    );
    let measured = format!(
        "{BEGIN}\n## Editor checkpoints: {students} students saving at once\n\n\
         One release server (`target/release/inloop`, SQLite, no check workers) on this 2-core machine; \
         {students} clients (one tokio process, 127.0.0.1) each save a student's file set (one Java file \
         of about 2 KiB) with `PUT …/checkpoint` again as soon as the previous save was answered, \
         for {seconds} s. Every save is checked, stored as the next version and trims the history to 20.\n\n\
         | Measure | Result |\n|---|---|\n\
         | Saves stored | {} ({} refused or failed) |\n\
         | Saves per second | {:.0} |\n\
         | Latency p50 | {:.1} ms |\n\
         | Latency p99 | {:.1} ms |\n\
         | Latency max | {:.1} ms |\n{END}",
        latencies.len(),
        failed,
        per_second,
        at(0.5),
        at(0.99),
        at(1.0),
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
    let _ = child.kill();
    let _ = child.wait();
}

/// Starts the release server in `dir`; logins are told apart by `X-Forwarded-For` (the login
/// limit counts per client address).
async fn start(dir: &std::path::Path) -> (Child, String, DbPool) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let database = format!("sqlite://{}", dir.join("bench.sqlite3").display());
    let child = Command::new(
        std::env::current_dir()
            .expect("cwd")
            .join("target/release/inloop"),
    )
    .current_dir(dir)
    .env("ROCKET_PORT", port.to_string())
    .env("ROCKET_ADDRESS", "127.0.0.1")
    .env("ROCKET_LOG_LEVEL", "critical")
    .env("DATABASE_URL", &database)
    .env("INLOOP_WORKERS", "0")
    .env("INLOOP_TRUSTED_PROXIES", "127.0.0.1")
    .env("INLOOP_DATA_DIR", dir.join("data"))
    .env(
        "SECRET_KEY",
        "bench secret key, long enough for the release profile",
    )
    .stdout(Stdio::null())
    .spawn()
    .expect("target/release/inloop (cargo build --release)");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_mins(1);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let db = DbPool::connect(&database, 2).await.expect("bench database");
    (child, base, db)
}

/// A published task `bench` and students `s0`, `s1`, …
async fn seed(db: &DbPool, students: usize) {
    let hash = inloop::accounts::password::hash(PASSWORD);
    for n in 0..students {
        let (username, email) = (format!("s{n}"), format!("s{n}@example.org"));
        let user = inloop::accounts::users::NewUser {
            username: &username,
            email: &email,
            password_hash: &hash,
            is_active: true,
            is_staff: false,
            is_superuser: false,
        };
        inloop::accounts::users::create(db, &user)
            .await
            .expect("user");
    }
    let now = Timestamp::now().plus(-time::Duration::hours(1));
    inloop::on_pool!(db, |pool| {
        sqlx::query("INSERT INTO categories (name, slug) VALUES ('Bench', 'bench')")
            .execute(pool)
            .await
            .expect("category");
        sqlx::query(
            "INSERT INTO tasks (system_name, title, slug, category_id, pubdate, text_html, imported_at)
             VALUES ('Bench', 'Bench', 'bench', (SELECT id FROM categories), $1, '<p>Bench</p>', $1)",
        )
        .bind(now)
        .execute(pool)
        .await
        .expect("task");
    });
}

/// Logs student `n` in; its client and CSRF token.
async fn login(base: &str, n: usize) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let html = client
        .get(format!("{base}/privacy/"))
        .send()
        .await
        .expect("page");
    let html = html.text().await.expect("page");
    let token = html
        .split("\"X-CSRF-Token\": \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token")
        .to_owned();
    let username = format!("s{n}");
    let form = [
        ("csrf_token", token.as_str()),
        ("login", &username),
        ("password", PASSWORD),
    ];
    let answer = client
        .post(format!("{base}/login/"))
        .header(
            "X-Forwarded-For",
            format!("10.0.{}.{}", n / 200, n % 200 + 1),
        )
        .form(&form)
        .send()
        .await
        .expect("login");
    assert_eq!(
        answer.status(),
        reqwest::StatusCode::SEE_OTHER,
        "login of {username}"
    );
    (client, token)
}

/// Saves again and again until `until`; the latencies (ms) of stored saves and the failures.
async fn save_until(
    client: &reqwest::Client,
    token: &str,
    base: &str,
    until: Instant,
) -> (Vec<f64>, usize) {
    let url = format!("{base}/solutions/editor/bench/checkpoint");
    let (mut version, mut latencies, mut failed) = (0, Vec::new(), 0);
    let line = "        total = total + values[index] * weights[index]; // a line of Java\n";
    while Instant::now() < until {
        let content = format!("public class Main {{\n{}}} // {version}\n", line.repeat(28));
        let body = serde_json::json!({ "base": version, "files": [{ "name": "Main.java", "content": content }] });
        let started = Instant::now();
        let answer = client
            .put(&url)
            .header("X-CSRF-Token", token)
            .json(&body)
            .send()
            .await;
        match answer {
            Ok(answer) if answer.status().is_success() => {
                let stored: serde_json::Value = answer.json().await.expect("JSON");
                version = stored["version"].as_i64().expect("version");
                latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            _ => failed += 1,
        }
    }
    (latencies, failed)
}
