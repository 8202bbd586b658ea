//! Every route's input parsing: the first byte picks the route, the second
//! the site time zone, the rest is the JSON `data`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [route, zone, rest @ ..] = data else {
        return;
    };
    let Ok(value) = serde_json::from_slice(rest) else {
        return;
    };
    entra_connect_fuzz::checks::route_input(*route, *zone, value);
});
