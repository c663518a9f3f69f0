//! `just bench-burst`: a deadline burst. Many students hand in within one minute against one
//! release server with two check workers; a busybox checker keeps each check cheap, so the figures
//! are the platform's: how fast a submission is accepted, when the last verdict arrives, whether
//! any submission is lost or checked twice, and how evenly the first checks' waits spread across
//! students (the queue serves students in turn, not in arrival order).

use std::time::{Duration, Instant};

use inloop::db::{DbPool, Timestamp};

#[path = "common/bench.rs"]
mod bench;
#[path = "common/burst.rs"]
mod burst;

/// What the burst asks for.
#[derive(Clone, Copy)]
struct Burst {
    submissions: usize,
    students: usize,
    seconds: u64,
    workers: u32,
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut next = |default: u64| args.next().and_then(|a| a.parse().ok()).unwrap_or(default);
    let burst = Burst {
        submissions: usize::try_from(next(1000)).expect("submissions"),
        students: usize::try_from(next(300)).expect("students"),
        seconds: next(60),
        workers: u32::try_from(next(2)).expect("workers"),
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = burst::sqlite_course(dir.path(), burst.students).await;
    let instance = format!("burst-bench-{}", std::process::id());
    let workers = burst.workers.to_string();
    let server = bench::Server::start(
        dir.path(),
        &[
            ("INLOOP_WORKERS", workers.as_str()),
            ("INLOOP_INSTANCE", instance.as_str()),
        ],
    )
    .await;
    let mut clients = Vec::new();
    for n in 0..burst.students {
        clients.push(bench::login(&server.base, n).await);
    }

    let began = Timestamp::now();
    let started = Instant::now();
    let (accepted, refused) = hand_in_all(&burst, &clients, &server.base).await;
    let handed_in = started.elapsed();
    eprintln!(
        "{} accepted, {refused} refused in {handed_in:.1?}; waiting for the verdicts",
        accepted.len()
    );
    let deadline = Instant::now() + Duration::from_mins(30);
    while burst::unfinished(&db).await > 0 {
        assert!(
            Instant::now() < deadline,
            "checks still unfinished after 30 minutes"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // A check is done before its container is removed: give the removals a moment.
    let removals = Instant::now() + Duration::from_secs(30);
    while burst::containers(None, Some(&instance)) > 0 && Instant::now() < removals {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let left = burst::containers(None, Some(&instance));
    let outcome = Outcome::read(&db, began).await;
    server.stop();

    bench::write_section(
        "bench-burst",
        &section(&burst, &accepted, refused, &outcome, left),
    );
}

/// The bench's section of `docs/benchmarks.md`.
fn section(
    burst: &Burst,
    accepted: &[f64],
    refused: usize,
    outcome: &Outcome,
    left: usize,
) -> String {
    let at = |q| bench::quantile(accepted, q);
    let waits = |values: &[f64]| {
        format!(
            "{:.1} s / {:.1} s / {:.1} s",
            bench::quantile(values, 0.5) / 1000.0,
            bench::quantile(values, 0.9) / 1000.0,
            bench::quantile(values, 1.0) / 1000.0
        )
    };
    let Burst {
        submissions,
        students,
        seconds,
        workers,
    } = *burst;
    format!(
        "## Deadline burst: {submissions} submissions from {students} students in {seconds} s\n\n\
         One release server (`target/release/inloop`, SQLite, in-process events, {workers} check workers) \
         on this 2-core machine with the local Docker Engine; the checker is busybox running the \
         submitted `solution.sh` (`echo`, exit 0) in the usual locked-down container. The client \
         (one tokio process, 127.0.0.1) hands in submission *i* at *i* × {seconds} s / {submissions} as student \
         *i* mod {students}, each a multipart upload with its CSRF token, and measures the upload \
         until the server's answer (303 to the result page). Then it waits for every check and \
         reads the queue's timestamps from the database.\n\n\
         | Measure | Result | Goal |\n|---|---|---|\n\
         | Submissions accepted | {} of {submissions} ({refused} refused) | all |\n\
         | Acceptance latency p50 | {:.1} ms | |\n\
         | Acceptance latency p99 | {:.1} ms | < 100 ms ({}) |\n\
         | Acceptance latency max | {:.1} ms | |\n\
         | Solutions stored / checks run / checks done | {} / {} / {} | one check each, all done |\n\
         | Lost or checked twice | {} | none ({}) |\n\
         | Containers left | {left} | none |\n\
         | Last verdict after the burst began | {:.1} s | |\n\
         | Checks per second (first start to last verdict) | {:.2} | |\n\
         | Wait for a student's first check, p50 / p90 / max | {} | |\n\
         | Wait for any check, p50 / p90 / max | {} | |\n\n\
         Fairness: a check ranks by how many checks its student had queued, running or \
         finished in the last half hour before it, so everyone's first check runs before \
         anyone's second; a first check waits only for the first checks queued before it, \
         later ones wait behind everyone's earlier ones.\n",
        accepted.len(),
        at(0.5),
        at(0.99),
        if at(0.99) < 100.0 { "met" } else { "missed" },
        at(1.0),
        outcome.solutions,
        outcome.checks,
        outcome.done,
        outcome.lost_or_twice(submissions),
        if outcome.lost_or_twice(submissions) == 0 {
            "met"
        } else {
            "missed"
        },
        outcome.last_verdict_ms / 1000.0,
        outcome.throughput(),
        waits(&outcome.first_waits),
        waits(&outcome.all_waits),
    )
}

/// Hands in `burst.submissions` evenly over `burst.seconds`, in turn from each student's client;
/// the acceptance latencies (ms, sorted) and how many were refused.
async fn hand_in_all(
    burst: &Burst,
    clients: &[(reqwest::Client, String)],
    base: &str,
) -> (Vec<f64>, usize) {
    let started = Instant::now();
    let spacing = Duration::from_secs(burst.seconds) / u32::try_from(burst.submissions).unwrap();
    let sends: Vec<_> = (0..burst.submissions)
        .map(|number| {
            let (client, token) = clients[number % burst.students].clone();
            let url = format!("{base}{}", burst::UPLOAD);
            let at = started + spacing * u32::try_from(number).unwrap();
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                match burst::hand_in(&client, &token, &url, number).await {
                    burst::HandIn::Accepted(latency) => Some(latency),
                    burst::HandIn::Refused(status, why) => {
                        eprintln!("submission {number}: {status} {why}");
                        None
                    }
                    burst::HandIn::Unanswered(why) => {
                        eprintln!("submission {number}: {why}");
                        None
                    }
                }
            })
        })
        .collect();
    let (mut accepted, mut refused) = (Vec::new(), 0);
    for send in sends {
        match send.await.expect("submission") {
            Some(latency) => accepted.push(latency),
            None => refused += 1,
        }
    }
    accepted.sort_by(f64::total_cmp);
    (accepted, refused)
}

/// What the database says after the burst.
struct Outcome {
    solutions: i64,
    checks: i64,
    /// Checks done whose output names their own submission, once each.
    done: i64,
    last_verdict_ms: f64,
    first_started_ms: f64,
    /// Milliseconds from queueing to start: of each student's first check, and of every check.
    first_waits: Vec<f64>,
    all_waits: Vec<f64>,
}

impl Outcome {
    async fn read(db: &DbPool, began: Timestamp) -> Self {
        let counts = "SELECT (SELECT COUNT(*) FROM solutions), (SELECT COUNT(*) FROM checks),
                             (SELECT COUNT(DISTINCT stdout) FROM checks
                              WHERE status = 'done' AND verdict = 'passed'),
                             (SELECT MAX(finished_at) FROM checks), (SELECT MIN(started_at) FROM checks)";
        let waits = "SELECT s.number, c.started_at - c.queued_at
                     FROM checks c JOIN solutions s ON s.id = c.solution_id
                     WHERE c.status = 'done' ORDER BY 2";
        let ((solutions, checks, done, last, first), rows) = inloop::on_pool!(db, |pool| {
            let counts: (i64, i64, i64, i64, i64) = sqlx::query_as(counts)
                .fetch_one(pool)
                .await
                .expect("counts");
            let rows: Vec<(i64, i64)> = sqlx::query_as(waits).fetch_all(pool).await.expect("waits");
            (counts, rows)
        });
        let began = began.millis();
        #[allow(clippy::cast_precision_loss, reason = "milliseconds of one run")]
        let ms = |value: i64| value as f64;
        Self {
            solutions,
            checks,
            done,
            last_verdict_ms: ms(last - began),
            first_started_ms: ms(first - began),
            first_waits: rows
                .iter()
                .filter(|row| row.0 == 1)
                .map(|row| ms(row.1))
                .collect(),
            all_waits: rows.iter().map(|row| ms(row.1)).collect(),
        }
    }

    /// Submissions without exactly one passed check of their own.
    fn lost_or_twice(&self, submissions: usize) -> i64 {
        let expected = i64::try_from(submissions).expect("count");
        (expected - self.solutions).abs()
            + (self.solutions - self.checks).abs()
            + (self.solutions - self.done).abs()
    }

    /// Checks finished per second between the first start and the last verdict.
    fn throughput(&self) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "a few thousand checks")]
        let done = self.done as f64;
        done / ((self.last_verdict_ms - self.first_started_ms) / 1000.0)
    }
}
