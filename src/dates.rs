//! The one reader of date inputs. Every date a caller gives (`leaveDateTime`,
//! `employeeHireDate`, from any entry point) goes through [`normalize`]
//! before any plan is made, and Graph only ever receives its result: an
//! RFC 3339 date-time in UTC to the second, `2026-12-31T16:00:00Z`
//! (`Edm.DateTimeOffset`).
//!
//! Accepted, after trimming:
//! - RFC 3339 with `Z` or an offset: `2026-12-31T17:00:00Z`,
//!   `2026-12-31T17:00:00+01:00`;
//! - ISO 8601 basic offsets, as Jira automation prints them:
//!   `2027-01-04T09:00:00.000+0100`, `+01`;
//! - fractional seconds (dropped: Entra keeps whole seconds);
//! - a date alone, `2026-12-31`: midnight UTC of that day;
//! - a date-time without a zone, as HR systems send it,
//!   `2026-12-31T17:00:00`: read in the site time zone ([`SiteZone`], UTC
//!   unless the admin sets one), with [`NormalizedDate::note`] saying so.
//!
//! Anything else is a [`DateError`]. Parsing is `jiff`'s (Temporal's ISO 8601
//! grammar); the IANA time zone database is the one `jiff` bundles, shipped
//! deflated and inflated the first time a zone is looked up (`zones`), so
//! the wasm build and native tests read the same zones and nothing is read
//! from the file system. Imports only `tables` (where the deflated bytes
//! come from).

mod zones;

/// The deflated time zone database; on wasm its bytes come from the JS
/// side (`wasm::tables`).
#[cfg(target_arch = "wasm32")]
pub use zones::DEFLATED as TZDB;

use jiff::civil::{DateTime, Time};
use jiff::fmt::temporal::Pieces;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::fmt;

/// The time zone a date-time without one is read in: an IANA name such as
/// `Europe/Berlin`, or `UTC` (the default).
#[derive(Clone)]
pub struct SiteZone {
    name: String,
    zone: TimeZone,
}

impl SiteZone {
    /// UTC, the default until an admin sets a site time zone.
    pub fn utc() -> Self {
        SiteZone {
            name: "UTC".to_string(),
            zone: TimeZone::UTC,
        }
    }

    /// An IANA time zone name from the bundled database (`Europe/Berlin`,
    /// `America/New_York`, `UTC`); a blank name is UTC. An unknown name is a
    /// [`DateError`].
    pub fn parse(name: &str) -> Result<Self, DateError> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(SiteZone::utc());
        }
        let zone = zones::get(name).ok_or_else(|| DateError {
            message: "must be an IANA time zone name such as Europe/Berlin or UTC".to_string(),
        })?;
        Ok(SiteZone {
            name: zone.iana_name().unwrap_or(name).to_string(),
            zone,
        })
    }

    /// The zone's IANA name as configured, e.g. `Europe/Berlin`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Default for SiteZone {
    fn default() -> Self {
        SiteZone::utc()
    }
}

impl fmt::Debug for SiteZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SiteZone({})", self.name)
    }
}

impl PartialEq for SiteZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// A date input read and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedDate {
    /// RFC 3339 in UTC to the second, e.g. `2026-12-31T16:00:00Z`: the value
    /// Graph receives.
    pub utc: String,
    /// The same instant (to the second, as `utc`) in milliseconds since
    /// the Unix epoch.
    pub epoch_ms: i64,
    /// How the input was read when that is not plain from it: set for a
    /// date-time without a zone ("2026-12-31T17:00:00 has no time zone:
    /// read in the site time zone Europe/Berlin (+01:00) as
    /// 2026-12-31T16:00:00Z"), `None` otherwise.
    pub note: Option<String>,
}

/// A date input that is not one of the accepted forms (see the module
/// comment). The message reads after the field's name: "must be ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    /// What is wrong, e.g. "must be an ISO 8601 date or date-time ...".
    pub message: String,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DateError {}

fn not_a_date() -> DateError {
    DateError {
        message: "must be an ISO 8601 date or date-time, such as 2026-12-31, 2026-12-31T17:00:00Z, 2027-01-04T09:00:00.000+0100 or 2026-12-31T17:00:00 (read in the site time zone)".to_string(),
    }
}

/// Reads `raw` (see the module comment for the accepted forms) into UTC.
/// Errors: [`DateError`] for anything else, including out-of-range values
/// (month 13, 25 o'clock), bracketed zone annotations and years before 1.
pub fn normalize(raw: &str, site: &SiteZone) -> Result<NormalizedDate, DateError> {
    let text = raw.trim();
    // Bounded, plain ISO 8601: digits, separators, T/Z, sign, fraction.
    let plain = |c: char| c.is_ascii_digit() || "-:+.,TtZz ".contains(c);
    if text.len() < 10 || text.len() > 40 || !text.chars().all(plain) {
        return Err(not_a_date());
    }
    let pieces = Pieces::parse(text).map_err(|_| not_a_date())?;
    if pieces.time_zone_annotation().is_some() {
        return Err(not_a_date());
    }
    let date = pieces.date();
    let (instant, note) = match (pieces.time(), pieces.to_numeric_offset()) {
        // A date alone is midnight UTC of that day, whatever the site zone.
        (None, None) => (at(date.to_datetime(Time::midnight()), TimeZone::UTC)?, None),
        (None, Some(_)) => return Err(not_a_date()),
        (Some(time), Some(offset)) => {
            // Real offsets run from -12:00 to +14:00 (jiff allows +-25:59).
            if offset.seconds().abs() > 14 * 3600 {
                return Err(not_a_date());
            }
            (at(date.to_datetime(time), TimeZone::fixed(offset))?, None)
        }
        (Some(time), None) => {
            let zoned = date
                .to_datetime(time)
                .to_zoned_datetime(site.zone.clone())
                .map_err(|_| not_a_date())?;
            let instant = zoned.timestamp();
            let note = format!(
                "{text} has no time zone: read in the site time zone {} ({}) as {}",
                site.name,
                zoned.offset(),
                utc_text(instant)
            );
            (instant, Some(note))
        }
    };
    if instant.to_zoned_datetime(TimeZone::UTC).year() < 1 {
        return Err(not_a_date());
    }
    Ok(NormalizedDate {
        utc: utc_text(instant),
        // Whole seconds, as `utc` says it (floored, as strftime shows an
        // instant before 1970).
        epoch_ms: instant.as_millisecond().div_euclid(1000) * 1000,
        note,
    })
}

fn at(local: DateTime, zone: TimeZone) -> Result<Timestamp, DateError> {
    local
        .to_zoned_datetime(zone)
        .map(|z| z.timestamp())
        .map_err(|_| not_a_date())
}

fn utc_text(instant: Timestamp) -> String {
    instant.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The calendar date (`YYYY-MM-DD`, UTC) `days` days after the RFC 3339
/// instant `utc`; `None` when `utc` is not one.
pub fn date_after_days(utc: &str, days: u32) -> Option<String> {
    let at: Timestamp = utc.parse().ok()?;
    let later = at
        .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(days)))
        .ok()?;
    Some(later.strftime("%Y-%m-%d").to_string())
}

/// `ms` (milliseconds since the Unix epoch) as RFC 3339 UTC to the second,
/// e.g. `2026-12-31T16:00:00Z`; the epoch itself when out of range.
pub fn iso_ms(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    utc_text(Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH))
}

/// The instant, in milliseconds since the Unix epoch, of `hour` o'clock
/// (0 to 23) in the site time zone on the calendar day of the RFC 3339
/// instant `utc`. The day is read in the site time zone, except for
/// midnight UTC, which is how a date alone is stored ([`normalize`]), so
/// `2026-12-31` stays the 31st in every zone. `None` when `utc` is not an
/// RFC 3339 instant or `hour` is past 23. A scheduled step on a hire date
/// runs at this instant.
pub fn day_at_hour(utc: &str, hour: u8, site: &SiteZone) -> Option<u64> {
    let at: Timestamp = utc.parse().ok()?;
    let midnight_utc = at.as_second().rem_euclid(86_400) == 0 && at.subsec_nanosecond() == 0;
    let day = if midnight_utc {
        at.to_zoned_datetime(TimeZone::UTC).date()
    } else {
        at.to_zoned_datetime(site.zone.clone()).date()
    };
    let time = Time::new(i8::try_from(hour).ok()?, 0, 0, 0).ok()?;
    let zoned = day
        .to_datetime(time)
        .to_zoned_datetime(site.zone.clone())
        .ok()?;
    u64::try_from(zoned.timestamp().as_millisecond()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hire_date_runs_at_the_admins_hour_in_the_site_zone() {
        let berlin = SiteZone::parse("Europe/Berlin").unwrap();
        // A date alone (midnight UTC) is that calendar day in every zone.
        let due = day_at_hour("2026-12-03T00:00:00Z", 8, &berlin).unwrap();
        assert_eq!(iso_ms(due), "2026-12-03T07:00:00Z");
        let due = day_at_hour("2026-12-03T00:00:00Z", 8, &SiteZone::utc()).unwrap();
        assert_eq!(iso_ms(due), "2026-12-03T08:00:00Z");
        // A date-time is read on its day in the site zone.
        let due = day_at_hour("2026-12-02T23:30:00Z", 9, &berlin).unwrap();
        assert_eq!(iso_ms(due), "2026-12-03T08:00:00Z");
        assert_eq!(day_at_hour("2026-12-03T00:00:00Z", 24, &berlin), None);
        assert_eq!(day_at_hour("not a date", 8, &berlin), None);
    }

    fn utc(raw: &str) -> String {
        normalize(raw, &SiteZone::utc()).unwrap().utc
    }

    #[test]
    fn rfc3339_with_z_and_offsets() {
        assert_eq!(utc("2026-12-31T17:00:00Z"), "2026-12-31T17:00:00Z");
        assert_eq!(utc("2026-12-31t17:00:00z"), "2026-12-31T17:00:00Z");
        assert_eq!(utc("2026-12-31T17:00:00+01:00"), "2026-12-31T16:00:00Z");
        assert_eq!(utc("2026-12-31T17:00:00-05:30"), "2026-12-31T22:30:00Z");
        assert_eq!(utc(" 2026-12-31T17:00:00Z "), "2026-12-31T17:00:00Z");
    }

    #[test]
    fn basic_offsets_and_fractions_as_jira_prints_them() {
        assert_eq!(utc("2027-01-04T09:00:00.000+0100"), "2027-01-04T08:00:00Z");
        assert_eq!(utc("2027-01-04T09:00:00+01"), "2027-01-04T08:00:00Z");
        assert_eq!(utc("2027-01-04T09:00:00.999Z"), "2027-01-04T09:00:00Z");
        assert_eq!(
            utc("2027-01-04T09:00:00.123456789-0000"),
            "2027-01-04T09:00:00Z"
        );
        let jira = normalize("2027-01-04T09:00:00.000+0100", &SiteZone::utc()).unwrap();
        assert_eq!(jira.note, None);
        let same = normalize("2027-01-04T08:00:00Z", &SiteZone::utc()).unwrap();
        assert_eq!(jira.epoch_ms, same.epoch_ms);
        // Graph receives whole seconds; the milliseconds are that instant
        // too, so a value read back is the value read (found by fuzzing).
        let fraction = normalize("2027-01-04T09:00:00.999+0100", &SiteZone::utc()).unwrap();
        assert_eq!(fraction.epoch_ms, same.epoch_ms);
        let before_1970 = normalize("1969-12-31T23:59:59.5Z", &SiteZone::utc()).unwrap();
        assert_eq!(before_1970.utc, "1969-12-31T23:59:59Z");
        assert_eq!(before_1970.epoch_ms, -1000);
    }

    #[test]
    fn date_only_is_midnight_utc_in_any_site_zone() {
        assert_eq!(utc("2026-12-31"), "2026-12-31T00:00:00Z");
        let berlin = SiteZone::parse("Europe/Berlin").unwrap();
        let d = normalize("2026-12-31", &berlin).unwrap();
        assert_eq!(d.utc, "2026-12-31T00:00:00Z");
        assert_eq!(d.note, None);
    }

    #[test]
    fn zone_less_is_read_in_the_site_zone_and_said_so() {
        let d = normalize("2026-12-31T17:00:00", &SiteZone::utc()).unwrap();
        assert_eq!(d.utc, "2026-12-31T17:00:00Z");
        assert!(d.note.unwrap().contains("site time zone UTC"));
        let berlin = SiteZone::parse("Europe/Berlin").unwrap();
        // Winter: UTC+1; summer (DST): UTC+2.
        let winter = normalize("2026-12-31T17:00:00", &berlin).unwrap();
        assert_eq!(winter.utc, "2026-12-31T16:00:00Z");
        let note = winter.note.unwrap();
        assert!(
            note.contains("Europe/Berlin") && note.contains("+01"),
            "{note}"
        );
        let summer = normalize("2026-07-01T17:00:00.000", &berlin).unwrap();
        assert_eq!(summer.utc, "2026-07-01T15:00:00Z");
        let ny = SiteZone::parse("America/New_York").unwrap();
        assert_eq!(
            normalize("2026-12-31T17:00", &ny).unwrap().utc,
            "2026-12-31T22:00:00Z"
        );
        // In the spring-forward gap 02:30 does not exist; it is read as the
        // same distance after the gap (03:30 CEST), as Temporal does.
        assert_eq!(
            normalize("2026-03-29T02:30:00", &berlin).unwrap().utc,
            "2026-03-29T01:30:00Z"
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "   ",
            "tomorrow",
            "31/12/2026",
            "2026-13-01",
            "2026-02-30",
            "2026-12-31T25:00:00Z",
            "2026-12-31T17:00:00+25:00",
            "2026-12-31T17:00:00[Europe/Berlin]",
            "2026-12-31T17:00:00 CET",
            "20261231",
            "2026-12",
            "0000-01-01",
            "2026-12-31T17:00:00Z and more text to be long enough",
        ] {
            let e = normalize(bad, &SiteZone::utc()).unwrap_err();
            assert!(e.to_string().starts_with("must be"), "{bad}: {e}");
        }
    }

    #[test]
    fn site_zones_are_iana_names() {
        assert_eq!(SiteZone::parse("").unwrap(), SiteZone::utc());
        assert_eq!(
            SiteZone::parse("Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
        assert!(SiteZone::parse("Mars/Olympus").is_err());
        assert!(SiteZone::parse("+01:00").is_err());
    }
}
