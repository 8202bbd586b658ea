//! The emulator's virtual clock: wall-clock time plus an offset that tests can
//! advance, so token expiry and replication delay can be exercised without sleeping.

use std::time::{SystemTime, UNIX_EPOCH};
use time::OffsetDateTime;

#[derive(Debug, Default, Clone)]
pub(crate) struct Clock {
    offset_ms: u64,
}

impl Clock {
    pub fn now_ms(&self) -> u64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        wall.saturating_add(self.offset_ms)
    }

    pub fn now_secs(&self) -> u64 {
        self.now_ms() / 1000
    }

    pub fn advance(&mut self, ms: u64) {
        self.offset_ms = self.offset_ms.saturating_add(ms);
    }

    pub fn offset_ms(&self) -> u64 {
        self.offset_ms
    }
}

fn parts(ms: u64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp((ms / 1000) as i64).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2026-11-26T04:19:19Z`: the shape Graph uses for DateTimeOffset properties.
pub(crate) fn iso(ms: u64) -> String {
    let t = parts(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `2026-11-26T04:19:19`: the shape of `innerError.date` in Graph error bodies.
pub(crate) fn inner_error_date(ms: u64) -> String {
    let mut s = iso(ms);
    s.pop();
    s
}

/// `2026-11-26 04:19:19Z`: the shape of `timestamp` in Entra token errors.
pub(crate) fn token_timestamp(ms: u64) -> String {
    iso(ms).replacen('T', " ", 1)
}

/// Milliseconds since the epoch of an RFC 3339 timestamp, if it is one.
pub(crate) fn parse_rfc3339_ms(s: &str) -> Option<u64> {
    let t = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    u64::try_from(ms).ok()
}
