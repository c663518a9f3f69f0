//! The bench's figures, and `docs/benchmarks.md` written from them.

use std::fmt::Write as _;

use crate::server::Usage;

/// Everything one run measured.
pub struct Result {
    pub streams: usize,
    pub held: usize,
    pub open_secs: f64,
    pub events: usize,
    pub delivered: usize,
    pub rate: u64,
    pub latencies_ms: Vec<f64>,
    pub idle: Usage,
    pub held_before: Usage,
    pub after: Usage,
    pub cpu_percent: f64,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

/// The results page.
pub fn markdown(result: &Result) -> String {
    let mut sorted = result.latencies_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let (p50, p99, max) = (
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
        sorted.last().copied().unwrap_or(f64::NAN),
    );
    let verdict = |ok: bool| if ok { "met" } else { "missed" };
    let mut out = String::from(
        "# Benchmarks\n\nWritten by `just bench` (`examples/sse_bench`); numbers from one run.\n\n",
    );
    let _ = writeln!(
        out,
        "## Live results: {} concurrent event streams\n",
        result.streams
    );
    let _ = writeln!(
        out,
        "One release server (`target/release/inloop`, SQLite, Redis bus, no check workers) on this 2-core machine; the client (one tokio process, raw HTTP/1.1, 127.0.0.1 only) opens one stream per queued solution of one student, 200 connects at a time, then publishes {} status events through Redis at {} per second, each after a visible change of its solution in the database (the stream re-reads the database and sends the rendered fragment). Latency is from the publish call to the first byte of the new event at the client.\n",
        result.events, result.rate
    );
    let _ = writeln!(out, "| Measure | Result | Goal |\n|---|---|---|");
    let _ = writeln!(
        out,
        "| Streams held | {} of {} (opened in {:.1} s) | all ({}) |",
        result.held,
        result.streams,
        result.open_secs,
        verdict(result.held == result.streams)
    );
    let _ = writeln!(
        out,
        "| Events delivered | {} of {} | all |",
        result.delivered, result.events
    );
    let _ = writeln!(out, "| Latency p50 | {p50:.1} ms | |");
    let _ = writeln!(
        out,
        "| Latency p99 | {p99:.1} ms | < 250 ms ({}) |",
        verdict(p99 < 250.0)
    );
    let _ = writeln!(out, "| Latency max | {max:.1} ms | |");
    let _ = writeln!(
        out,
        "| Server RSS idle | {:.1} MiB | |",
        result.idle.rss_mib
    );
    let _ = writeln!(
        out,
        "| Server RSS with all streams open | {:.1} MiB | < 300 MB ({}) |",
        result.held_before.rss_mib,
        verdict(result.held_before.rss_mib * 1.048_576 < 300.0)
    );
    let _ = writeln!(
        out,
        "| Server RSS after publishing | {:.1} MiB | |",
        result.after.rss_mib
    );
    let _ = writeln!(
        out,
        "| Server CPU while publishing | {:.0} % of one core | |",
        result.cpu_percent
    );
    out.push_str("\n## Pushing versus the original's polling\n\n");
    out.push_str("The original reloaded an open result page every 5 seconds. For 1,000 open result pages:\n\n");
    out.push_str(
        "| Design | HTTP requests per minute | Database reads per minute |\n|---|---|---|\n",
    );
    out.push_str("| Polling every 5 s | 1,000 × 60 / 5 = **12,000** | 12,000 page renders |\n");
    out.push_str("| Event streams | **0** while nothing changes (one heartbeat comment per stream every 15 s, no request); 1,000 requests once, when the pages open | one read per stream per change of its own solution |\n\n");
    out.push_str("A check changes state about three times (queued, running, finished), so a page costs about three small database reads and three events over its whole life instead of 12 requests a minute. Reconnects (htmx's SSE extension retries with backoff) cost one request and one read each.\n");
    out
}
