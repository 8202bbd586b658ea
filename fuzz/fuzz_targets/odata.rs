//! OData literals, filters and user paths of any text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    entra_connect_fuzz::checks::odata(&String::from_utf8_lossy(data));
});
