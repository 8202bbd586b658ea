//! Licence rules as saved on the admin page (JSON).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(rules) = serde_json::from_slice(data) else {
        return;
    };
    entra_connect_fuzz::checks::licence_rules(&rules);
});
