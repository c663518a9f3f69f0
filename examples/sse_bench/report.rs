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

/// Bytes in a MiB.
const MIB: f64 = 1_048_576.0;

impl Result {
    /// Memory each open stream added, in MiB.
    fn per_stream_mib(&self) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "stream counts are small")]
        let held = self.held.max(1) as f64;
        (self.held_before.rss_mib - self.idle.rss_mib) / held
    }
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

/// Where `just bench` writes its part of `docs/benchmarks.md`; the text around it is written by
/// hand and kept.
const BEGIN: &str = "<!-- written by just bench: begin -->\n";
const END: &str = "<!-- written by just bench: end -->\n";

/// `page` with its measured part replaced by `measured` (appended when the page has none yet).
pub fn splice(page: &str, measured: &str) -> String {
    let block = format!("{BEGIN}{measured}{END}");
    match (page.find(BEGIN), page.find(END)) {
        (Some(begin), Some(end)) if begin < end => {
            format!("{}{block}{}", &page[..begin], &page[end + END.len()..])
        }
        _ if page.is_empty() => format!("# Benchmarks\n\n{block}"),
        _ => format!("{page}\n{block}"),
    }
}

/// The measured part of the results page.
pub fn markdown(result: &Result) -> String {
    let mut sorted = result.latencies_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let (p50, p99, max) = (
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
        sorted.last().copied().unwrap_or(f64::NAN),
    );
    let verdict = |ok: bool| if ok { "met" } else { "missed" };
    let mut out = String::new();
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
        verdict(result.held_before.rss_mib * MIB < 300e6)
    );
    let per_stream_mib = result.per_stream_mib();
    let _ = writeln!(
        out,
        "| Memory per open stream | {:.1} KiB | |",
        per_stream_mib * 1024.0
    );
    let _ = writeln!(
        out,
        "| Streams one server holds in 300 MB, at that rate | {:.0} | |",
        ((300e6 / MIB - result.idle.rss_mib) / per_stream_mib).floor()
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
    out
}
