//! The HMAC signature headers: the first two bytes are the clock skew of a
//! properly signed request, then lines of timestamp header, signature
//! header and body.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else { return };
    let skew = i32::from(i16::from_le_bytes([*a, *b]));
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(3, '\n');
    let mut next = || parts.next().unwrap_or("");
    let (timestamp, signature, body) = (next(), next(), next());
    entra_connect_fuzz::checks::hmac_headers(timestamp, signature, body, skew);
});
