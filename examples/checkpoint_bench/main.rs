//! `just bench-checkpoints`: editor checkpoint saves per second with many students saving at once.
//!
//! Starts `target/release/inloop` (SQLite, no workers) on 127.0.0.1, stores a task and N students,
//! logs each in with a client of its own, and lets every student save their files (about 2 KiB of
//! Java) again as soon as the last save was answered, for a fixed time. Reports saves per second
//! and the latency of a save in the measured part of `docs/benchmarks.md`.

use std::time::{Duration, Instant};

use inloop::db::{DbPool, Timestamp};

#[path = "../common/bench.rs"]
mod bench;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let students: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let dir = tempfile::tempdir().expect("temp dir");
    let server = bench::Server::start(dir.path(), &[]).await;
    let db = DbPool::connect(&bench::database_url(dir.path()), 2)
        .await
        .expect("bench database");
    bench::students(&db, students).await;
    seed(&db).await;
    let base = server.base.clone();
    let mut clients = Vec::new();
    for n in 0..students {
        clients.push(bench::login(&base, n).await);
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
    #[allow(clippy::cast_precision_loss, reason = "a few thousand saves")]
    let per_second = latencies.len() as f64 / seconds as f64;
    let at = |q| bench::quantile(&latencies, q);
    let section = format!(
        "## Editor checkpoints: {students} students saving at once\n\n\
         One release server (`target/release/inloop`, SQLite, no check workers) on this 2-core machine; \
         {students} clients (one tokio process, 127.0.0.1) each save a student's file set (one Java file \
         of about 2 KiB) with `PUT …/checkpoint` again as soon as the previous save was answered, \
         for {seconds} s. Every save is checked, stored as the next version and trims the history to 20.\n\n\
         | Measure | Result |\n|---|---|\n\
         | Saves stored | {} ({} refused or failed) |\n\
         | Saves per second | {:.0} |\n\
         | Latency p50 | {:.1} ms |\n\
         | Latency p99 | {:.1} ms |\n\
         | Latency max | {:.1} ms |\n",
        latencies.len(),
        failed,
        per_second,
        at(0.5),
        at(0.99),
        at(1.0),
    );
    bench::write_section("bench-checkpoints", &section);
    server.stop();
}

/// A published task `bench`.
async fn seed(db: &DbPool) {
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
