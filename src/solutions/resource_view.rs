//! The "Resources" section of a result page: what the check used against its limits, as meters
//! with their numbers in words, and the peaks of the student's earlier checks of the task.

use serde::Serialize;

use super::resources::{Earlier, Profile};
use super::state::SolutionStatus;
use super::view::status;

/// One measured quantity against its limit, for a `<meter>` and its text.
#[derive(Debug, Serialize)]
pub struct Meter {
    /// For element ids, e.g. `memory`.
    pub id: &'static str,
    /// E.g. `Peak memory`.
    pub label: &'static str,
    /// The amount used, in the unit of `max`; `None`: not measured.
    pub value: Option<i64>,
    /// The limit; `None` without one (no meter is drawn then, only the text).
    pub max: Option<i64>,
    /// Where the meter turns to a warning: four fifths of the limit.
    pub high: Option<i64>,
    /// E.g. `41.0 MiB of 64.0 MiB (64 %)`, `3 (no limit)` or `not measured`.
    pub text: String,
    /// The share of the limit, in percent, when there is one.
    pub percent: Option<i64>,
}

impl Meter {
    fn new(
        (id, label): (&'static str, &'static str),
        value: Option<i64>,
        max: Option<i64>,
        show: impl Fn(i64) -> String,
    ) -> Self {
        let max = max.filter(|max| *max > 0);
        let percent = value.zip(max).map(|(value, max)| percent(value, max));
        let text = match (value, max, percent) {
            (None, ..) => NOT_MEASURED.to_owned(),
            (Some(value), Some(max), Some(percent)) => {
                format!("{} of {} ({percent} %)", show(value), show(max))
            }
            (Some(value), ..) => format!("{} (no limit)", show(value)),
        };
        Self {
            id,
            label,
            value,
            max: max.filter(|_| value.is_some()),
            high: max.map(|max| max / 5 * 4),
            text,
            percent,
        }
    }
}

impl Meter {
    /// A quantity without a limit of its own (CPU time: the limit is a share, not an amount).
    fn text_only(
        names: (&'static str, &'static str),
        value: Option<i64>,
        show: impl Fn(i64) -> String,
    ) -> Self {
        let mut meter = Self::new(names, value, None, &show);
        if let Some(value) = value {
            meter.text = show(value);
        }
        meter
    }
}

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    reason = "a rounded percentage of memory sizes and times"
)]
fn percent(value: i64, max: i64) -> i64 {
    (value as f64 * 100.0 / max as f64).round() as i64
}

/// `41.0 MiB`, `512 KiB`: bytes for people.
#[must_use]
#[allow(clippy::cast_precision_loss, reason = "shown with one decimal")]
pub fn bytes(value: i64) -> String {
    const MIB: i64 = 1 << 20;
    if value >= MIB {
        format!("{:.1} MiB", value as f64 / MIB as f64)
    } else {
        format!("{} KiB", (value + 1023) / 1024)
    }
}

/// `2.4 s`, `120 ms`.
#[must_use]
#[allow(clippy::cast_precision_loss, reason = "shown with one decimal")]
pub fn millis(value: i64) -> String {
    if value >= 1000 {
        format!("{:.1} s", value as f64 / 1000.0)
    } else {
        format!("{value} ms")
    }
}

/// The section's data: wall time, CPU time, peak memory and peak processes, each "not
/// measured" where no reading succeeded.
#[derive(Debug, Serialize)]
pub struct Resources {
    pub measured: bool,
    pub meters: Vec<Meter>,
    pub earlier: Vec<EarlierRow>,
}

/// One earlier check in the comparison table.
#[derive(Debug, Serialize)]
pub struct EarlierRow {
    pub number: i64,
    pub verdict: &'static str,
    pub wall: String,
    pub cpu: String,
    pub memory: String,
    pub processes: String,
}

const NOT_MEASURED: &str = "not measured";

fn or_not_measured(value: Option<i64>, show: impl Fn(i64) -> String) -> String {
    value.map_or_else(|| NOT_MEASURED.to_owned(), show)
}

fn count(value: i64) -> String {
    value.to_string()
}

impl Resources {
    /// The section for a finished check's `profile`, with `earlier` checks to compare.
    #[must_use]
    pub fn of(profile: &Profile, earlier: &[Earlier]) -> Self {
        let p = profile;
        Self {
            measured: p.measured(),
            meters: vec![
                Meter::new(
                    ("wall", "Wall time"),
                    p.duration_ms,
                    p.time_limit_ms,
                    millis,
                ),
                Meter::text_only(("cpu", "CPU time"), p.cpu_ms, millis),
                Meter::new(
                    ("memory", "Peak memory"),
                    p.peak_memory_bytes,
                    p.memory_limit_bytes,
                    bytes,
                ),
                Meter::new(
                    ("processes", "Peak processes"),
                    p.peak_pids,
                    p.pids_limit,
                    count,
                ),
            ],
            earlier: earlier.iter().map(EarlierRow::of).collect(),
        }
    }
}

impl EarlierRow {
    fn of(earlier: &Earlier) -> Self {
        let p = &earlier.profile;
        let memory = match (p.peak_memory_bytes, p.memory_limit_bytes) {
            (Some(peak), Some(limit)) if limit > 0 => {
                format!("{} ({} %)", bytes(peak), percent(peak, limit))
            }
            (peak, _) => or_not_measured(peak, bytes),
        };
        Self {
            number: earlier.number,
            verdict: status(SolutionStatus::Finished, earlier.verdict).label,
            wall: or_not_measured(p.duration_ms, millis),
            cpu: or_not_measured(p.cpu_ms, millis),
            memory,
            processes: or_not_measured(p.peak_pids, count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meters_say_their_numbers_against_the_limit() {
        let memory = Meter::new(("m", "M"), Some(48 << 20), Some(64 << 20), bytes);
        assert_eq!(memory.text, "48.0 MiB of 64.0 MiB (75 %)");
        assert_eq!(memory.high, Some((64 << 20) / 5 * 4));
        let processes = Meter::new(("p", "P"), Some(3), None, count);
        assert_eq!(
            (processes.text.as_str(), processes.max),
            ("3 (no limit)", None)
        );
        assert_eq!(millis(2400), "2.4 s");
        assert_eq!(bytes(1000), "1 KiB");
    }

    #[test]
    fn an_unmeasured_check_says_so() {
        let profile = Profile {
            duration_ms: Some(1200),
            time_limit_ms: Some(120_000),
            memory_limit_bytes: Some(256 << 20),
            ..Profile::default()
        };
        let resources = Resources::of(&profile, &[]);
        assert!(!resources.measured);
        let texts: Vec<_> = resources.meters.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "1.2 s of 120.0 s (1 %)",
                "not measured",
                "not measured",
                "not measured"
            ]
        );
        assert_eq!(resources.meters[2].max, None, "no meter without a value");
    }
}
