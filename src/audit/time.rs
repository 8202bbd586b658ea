//! Calendar dates from `Host::now_ms` milliseconds (UTC): day keys for the
//! audit indexes and readable times. Dates people type are read by
//! [`crate::dates`].

use time::macros::format_description;
use time::OffsetDateTime;

const MS_PER_DAY: u64 = 86_400_000;

fn instant(ms: u64) -> OffsetDateTime {
    // Any u64 of milliseconds fits i128 nanoseconds; beyond year 9999 the
    // conversion fails and the epoch stands in rather than a panic.
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Days since the epoch of the instant.
pub fn day_number(ms: u64) -> u64 {
    ms / MS_PER_DAY
}

/// `YYYY-MM-DD` of the instant.
pub fn date_of(ms: u64) -> String {
    instant(ms)
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// `YYYY-MM-DD` of a day number.
pub fn date_of_day(day: u64) -> String {
    date_of(day * MS_PER_DAY)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of the instant.
pub fn iso8601(ms: u64) -> String {
    instant(ms)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
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
    }
}
