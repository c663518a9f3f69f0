//! `just bench`: holds many live-result streams open against one release server and measures delivery.
//!
//! Starts `target/release/inloop` (SQLite, Redis bus, no workers) on 127.0.0.1, stores one student
//! with N queued solutions, opens one event stream per solution, publishes status events for some
//! of them through Redis, and reports RSS, CPU and publish→receipt latency in the measured part of
//! `docs/benchmarks.md`.

mod client;
mod report;
mod server;

use std::time::{Duration, Instant};

use inloop::events::Bus;

/// What the command line may change: `sse_bench [streams] [events]`.
struct Plan {
    streams: usize,
    events: usize,
    /// Events published per second.
    rate: u64,
}

const REDIS: &str = "redis://127.0.0.1:6379/0";

/// The results page; the bench replaces only its measured part.
const PAGE: &str = "docs/benchmarks.md";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let plan = Plan {
        streams: args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000),
        events: args.next().and_then(|a| a.parse().ok()).unwrap_or(500),
        rate: 50,
    };
    let server = server::Server::start(REDIS).await;
    let ids = server.seed(plan.streams).await;
    let cookie = server.login().await;
    let idle = server.usage();

    let started = Instant::now();
    let streams = client::open_all(server.port, &cookie, plan.streams).await;
    let open_secs = started.elapsed().as_secs_f64();
    println!(
        "{} of {} streams open in {open_secs:.1} s",
        streams.held(),
        plan.streams
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held_before = server.usage();

    let bus = Bus::redis(REDIS).expect("Redis URL");
    bus.ready().await;
    let cpu_before = server.cpu_ticks();
    let publish_started = Instant::now();
    let step = (plan.streams / plan.events.max(1)).max(1);
    let mut published = Vec::new();
    for i in 0..plan.events.min(plan.streams) {
        let index = i * step;
        server.mark_changed(ids[index]).await;
        published.push((index, Instant::now()));
        bus.publish(&format!("solution:{}", ids[index]), "queued")
            .await;
        tokio::time::sleep(Duration::from_millis(1000 / plan.rate)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let busy_secs = publish_started.elapsed().as_secs_f64();
    let cpu_percent = server.cpu_percent_since(cpu_before, busy_secs);
    let latencies = streams.latencies(&published);
    let after = server.usage();
    let result = report::Result {
        streams: plan.streams,
        held: streams.held(),
        open_secs,
        events: published.len(),
        delivered: latencies.len(),
        rate: plan.rate,
        latencies_ms: latencies,
        idle,
        held_before,
        after,
        cpu_percent,
    };
    let measured = report::markdown(&result);
    println!("{measured}");
    let page = std::fs::read_to_string(PAGE).unwrap_or_default();
    std::fs::write(PAGE, report::splice(&page, &measured)).expect("writing docs/benchmarks.md");
    drop(streams);
    server.stop();
}
