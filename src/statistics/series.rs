//! Counts over time in the configured time zone: the database's slices summed into local
//! minutes, hours, days or months, the empty ones included.

use jiff::tz::TimeZone;
use jiff::{RoundMode, ToSpan, Unit, ZonedDateTime, ZonedDateTimeRound};
use serde::Serialize;

use super::filters::Granularity;
use crate::db::Timestamp;

/// The most bars one chart gets; a longer range must take a coarser granularity.
pub const MAX_BUCKETS: usize = 1500;

/// One bar: a local minute, hour, day or month, and what fell into it.
#[derive(Clone, Debug, Serialize)]
pub struct Bucket {
    pub label: String,
    pub count: i64,
    #[serde(skip)]
    start: i64,
}

/// The width of the slices the database counts in. Every time zone's offset from UTC is a
/// whole number of quarter hours, so a quarter-hour slice lies in exactly one local hour, day
/// and month; minutes need minute slices.
#[must_use]
pub const fn slice_ms(granularity: Granularity) -> i64 {
    match granularity {
        Granularity::Minute => 60_000,
        _ => 900_000,
    }
}

/// The start of the local bucket that `moment` falls into.
fn bucket_start(moment: &ZonedDateTime, granularity: Granularity) -> ZonedDateTime {
    let truncated = |unit| {
        moment
            .round(
                ZonedDateTimeRound::new()
                    .smallest(unit)
                    .mode(RoundMode::Trunc),
            )
            .unwrap_or_else(|_| moment.clone())
    };
    match granularity {
        Granularity::Minute => truncated(Unit::Minute),
        Granularity::Hour => truncated(Unit::Hour),
        Granularity::Day => moment.start_of_day().unwrap_or_else(|_| moment.clone()),
        Granularity::Month => moment
            .first_of_month()
            .and_then(|first| first.start_of_day())
            .unwrap_or_else(|_| moment.clone()),
    }
}

/// The start of the bucket after the one starting at `start`.
fn next_start(start: &ZonedDateTime, granularity: Granularity) -> Option<ZonedDateTime> {
    let step = match granularity {
        Granularity::Minute => 1.minute(),
        Granularity::Hour => 1.hour(),
        Granularity::Day => 1.day(),
        Granularity::Month => 1.month(),
    };
    let next = start.checked_add(step).ok()?;
    // A day or month that began late (a gap at midnight) still starts the next at its start.
    Some(bucket_start(&next, granularity))
}

fn zoned(at: Timestamp, zone: &TimeZone) -> ZonedDateTime {
    jiff::Timestamp::from_millisecond(at.millis())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(zone.clone())
}

fn label(start: &ZonedDateTime, granularity: Granularity) -> String {
    let format = match granularity {
        Granularity::Minute | Granularity::Hour => "%Y-%m-%d %H:%M",
        Granularity::Day => "%Y-%m-%d",
        Granularity::Month => "%Y-%m",
    };
    start.strftime(format).to_string()
}

/// The buckets from the one holding `from` up to `to` (exclusive), with the `slices` (start,
/// count) summed into them; the reason when there would be more than [`MAX_BUCKETS`].
pub fn buckets(
    from: Timestamp,
    to: Timestamp,
    granularity: Granularity,
    zone: &TimeZone,
    slices: &[(i64, i64)],
) -> Result<Vec<Bucket>, String> {
    let mut buckets = Vec::new();
    let mut start = Some(bucket_start(&zoned(from, zone), granularity));
    while let Some(at) = start {
        let millis = at.timestamp().as_millisecond();
        if millis >= to.millis() {
            break;
        }
        if buckets.len() == MAX_BUCKETS {
            return Err(format!(
                "this range has more than {MAX_BUCKETS} {}s: choose a coarser granularity or a \
                 shorter range",
                granularity.as_str()
            ));
        }
        buckets.push(Bucket {
            label: label(&at, granularity),
            count: 0,
            start: millis,
        });
        start = next_start(&at, granularity);
    }
    for &(slice, count) in slices {
        let index = buckets.partition_point(|bucket| bucket.start <= slice);
        if let Some(bucket) = index
            .checked_sub(1)
            .and_then(|index| buckets.get_mut(index))
        {
            bucket.count += count;
        }
    }
    Ok(buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        let moment: jiff::Timestamp = text.parse().unwrap();
        Timestamp::from_millis(moment.as_millisecond())
    }

    #[test]
    fn days_follow_the_local_calendar_across_a_clock_change() {
        let berlin = crate::time_zone::parse("Europe/Berlin").unwrap();
        // 2026-10-25 has 25 hours in Berlin; 22:00 UTC on the 24th is already the 25th there.
        let slices = [
            (at("2026-10-24T21:45:00Z").millis(), 2),
            (at("2026-10-24T22:00:00Z").millis(), 3),
            (at("2026-10-25T22:45:00Z").millis(), 5),
            (at("2026-10-25T23:00:00Z").millis(), 7),
        ];
        let buckets = buckets(
            at("2026-10-23T22:00:00Z"),
            at("2026-10-26T23:00:00Z"),
            Granularity::Day,
            &berlin,
            &slices,
        )
        .unwrap();
        let shown: Vec<_> = buckets
            .iter()
            .map(|bucket| (bucket.label.as_str(), bucket.count))
            .collect();
        assert_eq!(
            shown,
            [("2026-10-24", 2), ("2026-10-25", 8), ("2026-10-26", 7)]
        );
    }

    #[test]
    fn months_and_minutes_and_too_many_bars() {
        let utc = TimeZone::UTC;
        let months = buckets(
            at("2026-01-15T00:00:00Z"),
            at("2026-04-01T00:00:00Z"),
            Granularity::Month,
            &utc,
            &[(at("2026-02-28T23:45:00Z").millis(), 4)],
        )
        .unwrap();
        let labels: Vec<_> = months.iter().map(|bucket| bucket.label.as_str()).collect();
        assert_eq!(labels, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(months[1].count, 4);
        let error = buckets(
            at("2026-01-01T00:00:00Z"),
            at("2026-02-01T00:00:00Z"),
            Granularity::Minute,
            &utc,
            &[],
        )
        .unwrap_err();
        assert!(error.contains("more than 1500 minutes"), "{error}");
    }
}
