//! The naming template and the names it makes: lines of pattern, default
//! domain, given name, surname and employee id (an empty line: not given).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let mut next = || lines.next().unwrap_or("");
    let (pattern, domain, given, surname, employee_id) = (next(), next(), next(), next(), next());
    entra_connect_fuzz::checks::naming_template(
        pattern,
        Some(domain).filter(|d| !d.is_empty()),
        given,
        surname,
        Some(employee_id).filter(|e| !e.is_empty()),
    );
});
