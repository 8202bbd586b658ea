//! The Service API envelope and, for an operation call, its route's input
//! parsing, from a raw body (invalid UTF-8 is read as Forge would pass it:
//! lossily).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    entra_connect_fuzz::checks::envelope(&String::from_utf8_lossy(data));
});
