//! Calendar dates from `Host::now_ms` milliseconds (UTC), without a date
//! library: day keys for the audit indexes and readable expiry times.

const MS_PER_DAY: u64 = 86_400_000;

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since the epoch of the instant.
pub fn day_number(ms: u64) -> u64 {
    ms / MS_PER_DAY
}

/// `YYYY-MM-DD` of the instant.
pub fn date_of(ms: u64) -> String {
    let (y, m, d) = civil_from_days(day_number(ms) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD` of a day number.
pub fn date_of_day(day: u64) -> String {
    date_of(day * MS_PER_DAY)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of the instant.
pub fn iso8601(ms: u64) -> String {
    let secs = (ms % MS_PER_DAY) / 1000;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date_of(ms),
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
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
