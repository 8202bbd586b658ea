//! The date reader: the first byte picks the site time zone, the rest is
//! the date text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [zone, rest @ ..] = data else { return };
    entra_connect_fuzz::checks::date(&String::from_utf8_lossy(rest), *zone);
});
