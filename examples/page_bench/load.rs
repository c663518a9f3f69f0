//! One page under load: `wrk` with 64 connections, and the CPU time the app and its database used
//! for it, read from `/proc`.

use std::collections::HashMap;
use std::process::Command;

use sqlx::Connection as _;

use crate::bench;

pub const CONNECTIONS: u32 = 64;
pub const WARM_UP_SECS: u64 = 2;

/// What `wrk` reported for one run.
#[derive(Clone, Copy, Default)]
pub struct Wrk {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    /// Answers other than 2xx/3xx, and socket errors (connect, read, write, time-out).
    pub errors: u64,
}

/// A measured run: what `wrk` saw and the CPU milliseconds per request.
#[derive(Clone, Copy, Default)]
pub struct Measured {
    pub wrk: Wrk,
    pub app_cpu_ms: f64,
    /// The PostgreSQL cluster's share (none on SQLite, whose database is inside the app).
    pub database_cpu_ms: Option<f64>,
}

impl Measured {
    /// App and database together.
    pub fn cpu_ms(&self) -> f64 {
        self.app_cpu_ms + self.database_cpu_ms.unwrap_or(0.0)
    }
}

/// The processes of the PostgreSQL cluster that serve one database: the postmaster, its
/// background processes, and the backends connected to that database (another database's
/// backends, such as a test suite running beside the bench, are left out).
pub struct Cluster {
    admin: sqlx::PgConnection,
    database: String,
}

impl Cluster {
    pub async fn connect(url: &str, database: &str) -> Self {
        let admin = sqlx::PgConnection::connect(url)
            .await
            .expect("PostgreSQL (`just services`)");
        Self {
            admin,
            database: database.to_owned(),
        }
    }

    /// The cluster's processes serving the database now.
    pub async fn pids(&mut self) -> Vec<u32> {
        let own: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut self.admin)
            .await
            .expect("own backend");
        let others: Vec<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity
             WHERE (datname = $1 OR backend_type <> 'client backend') AND pid <> pg_backend_pid()",
        )
        .bind(&self.database)
        .fetch_all(&mut self.admin)
        .await
        .expect("pg_stat_activity");
        let mut pids: Vec<u32> = others
            .into_iter()
            .filter_map(|pid| u32::try_from(pid).ok())
            .collect();
        pids.extend(u32::try_from(own).ok().and_then(bench::parent));
        pids.sort_unstable();
        pids.dedup();
        pids
    }

    /// CPU ticks of each of the cluster's processes now.
    async fn ticks(&mut self) -> HashMap<u32, u64> {
        let pids = self.pids().await;
        pids.into_iter()
            .map(|pid| (pid, bench::cpu_ticks(pid)))
            .collect()
    }

    /// Resident memory of the cluster's processes, summed (shared memory counts in each).
    pub async fn rss_kib(&mut self) -> u64 {
        self.pids().await.into_iter().map(bench::rss_kib).sum()
    }
}

/// Loads `url` with `wrk` (2 threads, [`CONNECTIONS`] connections, the session `cookie`) for a
/// short warm-up and then `seconds`, reading the CPU time of the app's processes (`app` lists
/// them each time: workers may be replaced meanwhile) and the cluster's around the measured run.
pub async fn measure(
    url: &str,
    cookie: &str,
    seconds: u64,
    app: &dyn Fn() -> Vec<u32>,
    mut cluster: Option<&mut Cluster>,
) -> Measured {
    let app_ticks = || app().into_iter().map(bench::cpu_ticks).sum::<u64>();
    wrk(url, cookie, WARM_UP_SECS);
    let database_before = match cluster.as_mut() {
        Some(cluster) => cluster.ticks().await,
        None => HashMap::new(),
    };
    let app_before = app_ticks();
    let measured = wrk(url, cookie, seconds);
    let app_ticks = app_ticks() - app_before;
    let database_ticks = match cluster {
        // A backend that started during the run counts whole; one that ended counts in the
        // postmaster's children's time (a connection per request, as the original makes).
        Some(cluster) => Some(
            cluster
                .ticks()
                .await
                .into_iter()
                .map(|(pid, now)| {
                    now.saturating_sub(database_before.get(&pid).copied().unwrap_or(0))
                })
                .sum(),
        ),
        None => None,
    };
    let per_request = |ticks: u64| {
        // Ticks and requests of one run: far below f64's exact range.
        #[allow(clippy::cast_precision_loss, reason = "small counts")]
        let ms = ticks as f64 * 1000.0 / *crate::CLOCK_TICKS as f64;
        #[allow(clippy::cast_precision_loss, reason = "small counts")]
        let requests = measured.requests.max(1) as f64;
        ms / requests
    };
    Measured {
        wrk: measured,
        app_cpu_ms: per_request(app_ticks),
        database_cpu_ms: database_ticks.map(per_request),
    }
}

/// Runs `wrk` against `url` for `seconds`; its figures.
fn wrk(url: &str, cookie: &str, seconds: u64) -> Wrk {
    let out = Command::new("wrk")
        .args(["-t2", &format!("-c{CONNECTIONS}"), &format!("-d{seconds}s")])
        // The original answers 64 connections with 5 workers: seconds in the queue are latency,
        // not errors.
        .args(["--latency", "--timeout", "30s"])
        .args(["-H", &format!("Cookie: {cookie}")])
        .arg(url)
        .output()
        .expect("wrk (`bash .ci/services bench`)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk {url}: {text}");
    parse(&text).unwrap_or_else(|| panic!("unreadable wrk output:\n{text}"))
}

/// `wrk --latency`'s figures: requests per second, the 50 % and 99 % lines of the latency
/// distribution, requests done, and errors.
fn parse(text: &str) -> Option<Wrk> {
    let mut wrk = Wrk::default();
    let number = |word: Option<&str>| word?.parse::<u64>().ok();
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("Requests/sec:") => wrk.requests_per_sec = words.next()?.parse().ok()?,
            Some("50%") => wrk.p50_ms = duration_ms(words.next()?)?,
            Some("99%") => wrk.p99_ms = duration_ms(words.next()?)?,
            Some(count) if line.contains(" requests in ") => wrk.requests = count.parse().ok()?,
            Some("Non-2xx") => wrk.errors += number(line.rsplit(' ').next())?,
            Some("Socket") => {
                // "Socket errors: connect 0, read 0, write 0, timeout 0"
                wrk.errors += line
                    .split(", ")
                    .filter_map(|part| number(part.rsplit(' ').next()))
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    (wrk.requests > 0 && wrk.requests_per_sec > 0.0).then_some(wrk)
}

/// Milliseconds of a `wrk` duration such as `812.00us`, `4.21ms` or `1.02s`.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (value, unit) = text.split_at(split);
    let value: f64 = value.parse().ok()?;
    match unit {
        "us" => Some(value / 1000.0),
        "ms" => Some(value),
        "s" => Some(value * 1000.0),
        "m" => Some(value * 60_000.0),
        _ => None,
    }
}
