//! The resource profile of a check (issue 15): measured while it runs, stored with its limits,
//! shown on the result page (and in its live update), "not measured" when stats fail.

use std::time::Duration;

use inloop::db::DbPool;

use super::no_stats::NoStats;
use super::sse::Sse;
use super::support::{self, upload, wait_for};

const CHECK_TIMEOUT: Duration = Duration::from_mins(1);
const MIB: i64 = 1 << 20;

/// Grows a string by 1 MiB at a time until the memory limit stops it (see the sandbox's test).
const MEMORY_HOG: &[u8] =
    br#"x=; while true; do x="$x$(head -c 1048576 /dev/zero | tr '\0' a)"; sleep 0.05; done"#;

/// CPU time, peak memory, peak processes, and the memory, process and time limits of the
/// check of solution `number`.
type Row = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

async fn profile(db: &DbPool, number: i64) -> Row {
    inloop::on_pool!(db, |pool| sqlx::query_as(
        "SELECT c.cpu_ms, c.peak_memory_bytes, c.peak_pids, c.memory_limit_bytes, c.pids_limit,
                c.time_limit_ms
         FROM checks c JOIN solutions s ON s.id = c.solution_id WHERE s.number = $1"
    )
    .bind(number)
    .fetch_one(pool)
    .await)
    .unwrap()
}

async fn limit_memory(db: &DbPool, mib: i64) {
    let limits = format!("{{\"memory_limit\": {mib}, \"time_limit\": 60}}");
    inloop::on_pool!(db, |pool| sqlx::query("UPDATE tasks SET limits = $1")
        .bind(&limits)
        .execute(pool)
        .await
        .map(drop))
    .unwrap();
}

#[tokio::test]
async fn a_memory_hog_peaks_near_the_limit_and_a_later_trivial_check_far_below() {
    let app = support::app(1, &[]).await;
    let db = app.db().await;
    limit_memory(&db, 64).await;

    upload(&app, &[("solution.sh", MEMORY_HOG)]).await;
    let html = wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "Memory limit exceeded",
        CHECK_TIMEOUT,
    )
    .await;
    let (cpu, peak, _, limit, pids_limit, time_limit) = profile(&db, 1).await;
    let (peak, limit) = (peak.expect("measured"), limit.unwrap());
    eprintln!("memory hog: peak {peak} of {limit} bytes, cpu {cpu:?} ms");
    assert_eq!(limit, 64 * MIB);
    assert!(peak * 10 >= limit * 7, "peak {peak} of {limit}");
    assert_eq!((pids_limit, time_limit), (Some(128), Some(60_000)));
    assert!(
        html.contains("Resources") && html.contains("Peak memory"),
        "{html}"
    );
    assert!(
        html.contains("of 64.0 MiB ("),
        "the peak against the limit: {html}"
    );
    assert!(html.contains("<meter"), "{html}");

    // The live update of the next check's page carries the section, with the hog to compare.
    upload(&app, &[("solution.sh", b"echo hello; sleep 1")]).await;
    let events = app.at("/solutions/detail/shell-task/2/events");
    let mut stream = Sse::open(&app.http, &events, None).await;
    let sent = stream.until("done", CHECK_TIMEOUT).await;
    let results = sent.iter().find(|e| e.name == "results").expect("results");
    assert!(results.data.contains("Resources"), "{}", results.data);
    assert!(
        results.data.contains("Your earlier solutions"),
        "{}",
        results.data
    );
    assert!(
        results.data.contains("Memory limit exceeded"),
        "{}",
        results.data
    );
    let (_, peak, pids, _, _, _) = profile(&db, 2).await;
    let peak = peak.expect("measured");
    eprintln!("trivial: peak {peak} of {limit} bytes, {pids:?} processes");
    assert!(peak * 10 < limit * 3, "peak {peak} of {limit}");
    support::until_no_check_container(&app).await;
}

#[tokio::test]
async fn staff_limits_win_over_the_repositorys_in_the_check_that_runs() {
    let app = support::app(1, &[]).await;
    let db = app.db().await;
    limit_memory(&db, 256).await;
    inloop::on_pool!(&db, |pool| sqlx::query(
        r#"UPDATE tasks SET staff_limits = '{"memory_limit": 96, "process_limit": 32}'"#
    )
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    upload(&app, &[("solution.sh", b"echo hello")]).await;
    wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "Resources",
        CHECK_TIMEOUT,
    )
    .await;
    let (_, _, _, memory_limit, pids_limit, time_limit) = profile(&db, 1).await;
    assert_eq!(
        (memory_limit, pids_limit, time_limit),
        (Some(96 * MIB), Some(32), Some(60_000)),
        "staff's memory and process limits, the repository's time limit"
    );
}

#[tokio::test]
async fn a_fork_heavy_check_shows_its_peak_processes() {
    let app = support::app(1, &[]).await;
    let db = app.db().await;
    let script = b"for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait";
    upload(&app, &[("solution.sh", script)]).await;
    let html = wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "Peak processes",
        CHECK_TIMEOUT,
    )
    .await;
    let (_, _, pids, _, limit, _) = profile(&db, 1).await;
    let pids = pids.expect("measured");
    assert!(pids > 1, "peak processes {pids}");
    assert!(
        html.contains(&format!("{pids} of {} (", limit.unwrap())),
        "{html}"
    );
}

#[tokio::test]
async fn unreadable_stats_leave_the_check_unmeasured_but_judged() {
    let proxy = NoStats::start();
    let url = proxy.url();
    let app = support::app_with(
        |config| {
            config.workers = 1;
            config.docker_host = Some(url);
        },
        &[],
    )
    .await;
    let db = app.db().await;
    upload(&app, &[("solution.sh", b"echo hello; sleep 1")]).await;
    let html = wait_for(
        &app,
        "/solutions/detail/shell-task/1/",
        "badge-passed",
        CHECK_TIMEOUT,
    )
    .await;
    let (cpu, peak, pids, memory_limit, _, _) = profile(&db, 1).await;
    assert_eq!((cpu, peak, pids), (None, None, None));
    assert_eq!(
        memory_limit,
        Some(256 * MIB),
        "the limits are known all the same"
    );
    assert!(
        html.contains("Resources") && html.contains("not measured"),
        "{html}"
    );
    assert!(
        !html.contains("<meter aria-labelledby=\"resource-memory\""),
        "{html}"
    );
}
