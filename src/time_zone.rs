//! The configured time zone (`TIME_ZONE`), from the time zone database bundled into the binary.

use jiff::tz::TimeZone;
use time::{OffsetDateTime, UtcOffset};

/// Looks up an IANA time zone name such as `Europe/Berlin`.
pub fn parse(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|_| {
        format!("unknown time zone {name:?} (expected an IANA name like Europe/Berlin)")
    })
}

/// `moment` as local time in `zone`, for display.
#[must_use]
pub fn to_local(moment: OffsetDateTime, zone: &TimeZone) -> OffsetDateTime {
    let timestamp = jiff::Timestamp::from_second(moment.unix_timestamp())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let seconds = zone.to_offset(timestamp).seconds();
    UtcOffset::from_whole_seconds(seconds).map_or(moment, |offset| moment.to_offset(offset))
}

/// `YYYY-MM-DD HH:MM` of `moment` in `zone`, as pages show dates.
#[must_use]
pub fn format_local(moment: OffsetDateTime, zone: &TimeZone) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    to_local(moment, zone).format(&format).unwrap_or_default()
}

/// The first moment (Unix milliseconds) of `date`, written `YYYY-MM-DD`, in `zone`.
#[must_use]
pub fn day_start(date: &str, zone: &TimeZone) -> Option<i64> {
    date_start(date.trim().parse().ok()?, zone)
}

/// The first moment (Unix milliseconds) of `date` in `zone`.
#[must_use]
pub fn date_start(date: jiff::civil::Date, zone: &TimeZone) -> Option<i64> {
    let start = date.to_zoned_datetime(zone.clone()).ok()?;
    Some(start.timestamp().as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_is_one_hour_ahead_in_winter_and_two_in_summer() {
        let berlin = parse("Europe/Berlin").unwrap();
        let winter = time::macros::datetime!(2026-01-15 12:00 UTC);
        let summer = time::macros::datetime!(2026-07-15 12:00 UTC);
        assert_eq!(to_local(winter, &berlin).hour(), 13);
        assert_eq!(to_local(summer, &berlin).hour(), 14);
        assert!(parse("Mars/Olympus").is_err());
        assert_eq!(day_start("2026-01-15", &berlin), Some(1_768_431_600_000));
        assert_eq!(day_start("2026-02-30", &berlin), None);
    }
}
