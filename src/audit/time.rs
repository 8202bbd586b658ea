//! Calendar dates from `Host::now_ms` milliseconds (UTC): day keys for the
//! audit indexes and readable times. Dates people type are read by
//! [`crate::dates`].

use jiff::tz::TimeZone;
use jiff::Timestamp;

const MS_PER_DAY: u64 = 86_400_000;

/// The UTC civil date-time of the instant. Beyond jiff's range (the end of
/// year 9999) the epoch stands in rather than a panic.
fn instant(ms: u64) -> jiff::civil::DateTime {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(TimeZone::UTC)
        .datetime()
}

/// Days since the epoch of the instant.
pub fn day_number(ms: u64) -> u64 {
    ms / MS_PER_DAY
}

/// `YYYY-MM-DD` of the instant.
pub fn date_of(ms: u64) -> String {
    instant(ms).strftime("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DD` of a day number.
pub fn date_of_day(day: u64) -> String {
    date_of(day * MS_PER_DAY)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of the instant.
pub fn iso8601(ms: u64) -> String {
    instant(ms).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(iso8601(1_767_225_600_000), "2026-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400_000 + 3_723_000), "2000-02-29T01:02:03Z");
        assert_eq!(date_of_day(day_number(1_767_225_600_000) - 1), "2025-12-31");
        // Past year 9999: the epoch, as before.
        assert_eq!(iso8601(u64::MAX), "1970-01-01T00:00:00Z");
    }
}
