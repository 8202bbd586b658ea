//! Group rules as saved on the admin page: a JSON line of rules, then up to
//! four lines of department, job title, company name and employee type.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let Ok(rules) = serde_json::from_str(lines.next().unwrap_or("")) else {
        return;
    };
    let subject = [lines.next(), lines.next(), lines.next(), lines.next()];
    entra_connect_fuzz::checks::group_rules(&rules, subject);
});
