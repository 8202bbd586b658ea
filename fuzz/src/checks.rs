//! Invariants over the core's input parsers, one function per fuzz target.
//! Each takes what the fuzzer (or a proptest strategy) made up and panics
//! when an invariant breaks:
//! - nothing panics inside the core;
//! - every refusal names its field (a JSON path) and echoes no control
//!   character;
//! - whatever reaches an OData literal or a Graph path is escaped: it
//!   decodes back to the input and its text holds only RFC 3986 unreserved
//!   characters and `%XX` escapes.
//!
//! Used by `fuzz/fuzz_targets/*.rs` (cargo-fuzz) and by
//! `tests/it/fuzz_props.rs` (bounded, in `cargo test`), which includes this
//! file by path: it may only use what both crates depend on.

use entra_connect::config::AppConfig;
use entra_connect::dates::{self, SiteZone};
use entra_connect::graph::odata;
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::lifecycle::naming::{NameParts, NamingTemplate, MAX_LOCAL_PART};
use entra_connect::lifecycle::rules::{GroupRules, RuleSubject};
use entra_connect::pipeline::call::OperationCall;
use entra_connect::pipeline::error::ApiError;
use entra_connect::pipeline::parse::parse_in;
use entra_connect::route::Route;
use entra_connect::service_api::envelope::{self, ServiceCall};
use entra_connect::service_api::signature::{self, SignatureProblem, Verified};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use std::future::Future;
use std::task::{Context, Poll, Waker};

/// The site time zones dates are read in: UTC, one with daylight saving
/// time each side of the equator, one with a 45-minute offset.
pub const ZONES: &[&str] = &["UTC", "Europe/Berlin", "Australia/Sydney", "Asia/Kathmandu"];

/// The HMAC secret the signature target verifies against.
pub const HMAC_SECRET: &str = "eidchr_fuzz-secret-not-a-real-one";

/// An `ApiError` from input parsing: a 400 whose field is `data` or under
/// it (or, when `body_level`, the body as a whole), with a message that
/// echoes no control character.
fn assert_input_error(error: &ApiError, prefix: &str, body_level: bool) {
    let ApiError::InvalidInput { field, message } = error else {
        panic!("parsing answered {error:?}, not a 400 naming a field");
    };
    match field {
        Some(f) => assert!(
            f == prefix
                || f.starts_with(&format!("{prefix}."))
                || prefix.is_empty() && !f.is_empty(),
            "error names {f:?}, not a field under {prefix:?}: {message}"
        ),
        None => assert!(
            body_level && message.starts_with("The body"),
            "error names no field: {message}"
        ),
    }
    assert!(!message.is_empty(), "empty message for {field:?}");
    assert!(
        !message.chars().any(char::is_control),
        "message echoes a control character: {message:?}"
    );
    // The answer's JSON form is built without panicking.
    let body = error.body();
    assert_eq!(body["ok"], json!(false));
}

/// The Service API envelope (`service_api::envelope::parse_service`) of a
/// raw body; an operation call's `data` then goes through its route's
/// parser, a bulk job's calls through `jobs::item::parse_calls`.
pub fn envelope(body: &str) {
    match envelope::parse_service(body) {
        Ok(ServiceCall::Operation(call)) => route_call(&call),
        Ok(ServiceCall::SubmitJob(data)) => {
            if let Err(error) = entra_connect::jobs::item::parse_calls(&data) {
                assert_input_error(&error, "data", false);
            }
        }
        Ok(ServiceCall::JobStatus(_)) => {}
        Err(error) => assert_input_error(&error, "", true),
    }
}

/// A route's input parsing (`pipeline::parse::parse_in`), for the route
/// `Route::ALL[route_index % len]`, `data` as given (a non-object is
/// wrapped as `{"user": data}`), in the site zone `ZONES[zone_index % len]`.
pub fn route_input(route_index: u8, zone_index: u8, data: Value) {
    let route = Route::ALL[route_index as usize % Route::ALL.len()];
    let data = match data {
        Value::Object(map) => map,
        other => [("user".to_string(), other)].into_iter().collect(),
    };
    let call = OperationCall {
        route,
        data,
        idempotency_key: None,
        issue_key: None,
        dry_run: true,
    };
    route_call_in(&call, zone(zone_index));
}

fn zone(index: u8) -> &'static SiteZone {
    static PARSED: std::sync::OnceLock<Vec<SiteZone>> = std::sync::OnceLock::new();
    let zones = PARSED.get_or_init(|| {
        ZONES
            .iter()
            .map(|name| SiteZone::parse(name).expect("a tz database name"))
            .collect()
    });
    &zones[index as usize % zones.len()]
}

fn route_call(call: &OperationCall) {
    route_call_in(call, zone(0));
}

fn route_call_in(call: &OperationCall, zone: &SiteZone) {
    match parse_in(call, zone) {
        Ok((_request, notes)) => {
            for note in notes {
                assert!(
                    note.text.starts_with("data."),
                    "note names no field: {}",
                    note.text
                );
            }
        }
        Err(error) => assert_input_error(&error, "data", false),
    }
}

/// The date reader (`dates::normalize`) in the site zone
/// `ZONES[zone_index % len]`: a value read is RFC 3339 UTC to the second
/// (`YYYY-MM-DDTHH:MM:SSZ`), reads back as itself, and carries a note only
/// when it had no zone; a refusal says what is expected.
pub fn date(raw: &str, zone_index: u8) {
    let site = zone(zone_index);
    match dates::normalize(raw, site) {
        Ok(read) => {
            // `YYYY-MM-DDTHH:MM:SSZ`: `9` stands for a digit.
            let shape = read
                .utc
                .bytes()
                .map(|b| if b.is_ascii_digit() { b'9' } else { b });
            assert!(
                shape.eq(*b"9999-99-99T99:99:99Z"),
                "not RFC 3339 UTC: {}",
                read.utc
            );
            let again = dates::normalize(&read.utc, site).expect("its own output reads back");
            assert_eq!(again.utc, read.utc);
            assert_eq!(again.epoch_ms, read.epoch_ms);
            assert!(again.note.is_none(), "a UTC value has its zone");
        }
        Err(error) => assert!(error.message.starts_with("must be"), "{}", error.message),
    }
}

/// Group rules as an admin saves them: directly
/// (`GroupRules::from_json`, errors under `groupRules`) and inside the
/// configuration (`AppConfig::from_json`, errors under `provisioning`).
/// Rules that validate match any subject without panicking.
pub fn group_rules(value: &Value, subject: [Option<&str>; 4]) {
    match GroupRules::from_json(value) {
        Ok(rules) => {
            let [department, job_title, company_name, employee_type] = subject;
            let _ = rules.groups_for(&RuleSubject {
                department,
                job_title,
                company_name,
                employee_type,
            });
        }
        Err(error) => {
            let field = error.field().expect("a rule error names its field");
            assert!(field.starts_with("groupRules"), "{field}: {error}");
        }
    }
    config_section("groupRules", value);
}

/// Licence rules inside the configuration (`AppConfig::from_json`): a
/// refusal names a field under `provisioning`.
pub fn licence_rules(value: &Value) {
    config_section("licenceRules", value);
}

fn config_section(name: &str, value: &Value) {
    let config = json!({ "provisioning": { name: value } });
    if let Err(error) = AppConfig::from_json(&config) {
        assert!(
            error.field.starts_with("provisioning"),
            "config error names {:?}: {}",
            error.field,
            error.message
        );
        assert!(!error.message.is_empty());
    }
}

/// The naming template (`NamingTemplate::parse`) and the names it makes:
/// refusals name `namingTemplate`, `givenName` or `employeeId`; a local
/// part (the mailNickname too) is 1 to 64 of `a-z 0-9 . - _`, never
/// starting or ending with `.`; every candidate stays within 64.
pub fn naming_template(
    pattern: &str,
    default_domain: Option<&str>,
    given: &str,
    surname: &str,
    employee_id: Option<&str>,
) {
    let template = match NamingTemplate::parse(pattern, default_domain) {
        Ok(template) => template,
        Err(error) => {
            assert_eq!(error.field(), Some("namingTemplate"), "{error}");
            return;
        }
    };
    let domain = template.domain();
    assert!(
        !domain.is_empty()
            && domain.len() <= 48
            && domain
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'),
        "domain {domain:?}"
    );
    let parts = NameParts {
        given,
        surname,
        employee_id,
    };
    match template.local_part(parts) {
        Ok(local) => {
            for n in [1, 2, 10, 4_000_000_000] {
                let candidate = NamingTemplate::candidate(&local, n);
                assert!(
                    !candidate.is_empty() && candidate.len() <= MAX_LOCAL_PART,
                    "candidate {candidate:?}"
                );
                assert!(
                    candidate.bytes().all(|b| b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b"._-".contains(&b)),
                    "candidate {candidate:?}"
                );
                assert!(
                    !candidate.starts_with('.') && !candidate.ends_with('.'),
                    "candidate {candidate:?}"
                );
                let upn = template.upn(&candidate);
                assert_eq!(upn.matches('@').count(), 1, "{upn}");
                odata(&upn);
            }
        }
        Err(error) => {
            let field = error.field().unwrap_or_default();
            assert!(
                ["givenName", "employeeId"].contains(&field),
                "{field}: {error}"
            );
        }
    }
}

/// The OData builders (`graph::odata`): a string literal is `'...'` around
/// only unreserved characters and `%XX`, and decodes back to the value;
/// `eq`, `startswith` and `in` filters are those literals in a fixed
/// frame; a user path is one escaped segment (or the key-as-literal form
/// for a key starting with `$`) that decodes back to the key.
pub fn odata(value: &str) {
    let literal = odata::string_literal(value);
    assert_eq!(decode_literal(&literal), value);
    assert_eq!(
        odata::eq_filter("mail", value),
        format!("$filter=mail%20eq%20{literal}")
    );
    assert_eq!(
        odata::startswith_filter("displayName", value),
        format!("$filter=startswith(displayName,{literal})")
    );
    assert_eq!(
        odata::in_filter("id", &[value.to_string(), value.to_string()]),
        format!("$filter=id%20in%20({literal},{literal})")
    );
    let path = odata::user_path(value);
    if let Some(inner) = path
        .strip_prefix("/users(")
        .and_then(|p| p.strip_suffix(')'))
    {
        assert!(value.starts_with('$'), "{path}");
        assert_eq!(decode_literal(inner), value);
    } else {
        let segment = path.strip_prefix("/users/").expect("a /users/ path");
        assert!(!value.starts_with('$'), "{path}");
        assert_escaped(segment);
        assert_eq!(percent_decode_str(segment).decode_utf8().unwrap(), value);
    }
}

/// `'` + escaped text + `'`, the text free of raw quotes: decoded, with
/// OData's doubled quotes undone.
fn decode_literal(literal: &str) -> String {
    let inner = literal
        .strip_prefix('\'')
        .and_then(|l| l.strip_suffix('\''))
        .unwrap_or_else(|| panic!("not a quoted literal: {literal}"));
    assert_escaped(inner);
    let decoded = percent_decode_str(inner).decode_utf8().unwrap();
    // A lone quote inside the decoded text would end the literal.
    let undoubled = decoded.replace("''", "");
    assert!(!undoubled.contains('\''), "undoubled quote in {literal}");
    decoded.replace("''", "'")
}

/// Only RFC 3986 unreserved characters and `%` followed by two hex digits.
fn assert_escaped(text: &str) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            assert!(
                bytes.len() > i + 2
                    && bytes[i + 1].is_ascii_hexdigit()
                    && bytes[i + 2].is_ascii_hexdigit(),
                "bad escape in {text}"
            );
            i += 3;
        } else {
            assert!(
                b.is_ascii_alphanumeric() || b"-._~".contains(&b),
                "raw {:?} in {text}",
                b as char
            );
            i += 1;
        }
    }
}

/// The HMAC headers (`service_api::signature::verify`) as a caller sends
/// them, against a configured secret: whatever the headers, the verdict is
/// `Valid` only for `v1=` + the right HMAC of `"{timestamp}.{body}"` with a
/// timestamp within the window, and a valid signature is refused the second
/// time (`Replayed`). Then the same body signed properly at `skew` seconds
/// from now: valid exactly when `|skew| <= 300`.
pub fn hmac_headers(timestamp: &str, signature_header: &str, body: &str, skew: i32) {
    let host = MemoryHost::new();
    host.secrets_insert(signature::HMAC_SECRET_KEY, HMAC_SECRET);
    let now = host.now_ms() / 1000;
    let verdict = block_on(signature::verify(&host, timestamp, signature_header, body))
        .expect("the memory host does not fail");
    if let Verified::Valid = verdict {
        let sent_at: u64 = timestamp
            .trim()
            .parse()
            .expect("a valid timestamp is a number");
        assert!(now.abs_diff(sent_at) <= signature::WINDOW_SECONDS);
        let expected = format!(
            "v1={}",
            signature::sign(HMAC_SECRET, timestamp.trim(), body)
        );
        assert_eq!(signature_header.trim().to_ascii_lowercase(), expected);
        assert_replayed(&host, timestamp, signature_header, body);
    }

    let sent_at = (now as i64 + i64::from(skew)).max(0) as u64;
    let stamp = sent_at.to_string();
    let signed = format!("v1={}", signature::sign(HMAC_SECRET, &stamp, body));
    let verdict = block_on(signature::verify(&host, &stamp, &signed, body)).unwrap();
    match verdict {
        Verified::Valid => {
            assert!(
                now.abs_diff(sent_at) <= signature::WINDOW_SECONDS,
                "skew {skew} accepted"
            );
            assert_replayed(&host, &stamp, &signed, body);
        }
        Verified::Refused(SignatureProblem::StaleTimestamp) => {
            assert!(
                now.abs_diff(sent_at) > signature::WINDOW_SECONDS,
                "skew {skew} refused"
            );
        }
        Verified::Refused(SignatureProblem::Replayed) => {
            // The fuzzed headers were this very signature, already used.
            assert_eq!(signature_header.trim().to_ascii_lowercase(), signed);
        }
        Verified::Refused(other) => panic!("a proper signature refused: {other:?}"),
    }
}

fn assert_replayed(host: &MemoryHost, timestamp: &str, signature_header: &str, body: &str) {
    let again = block_on(signature::verify(host, timestamp, signature_header, body)).unwrap();
    assert!(
        matches!(again, Verified::Refused(SignatureProblem::Replayed)),
        "a signature was accepted twice"
    );
}

/// Runs a future that never waits on anything outside the memory host.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}
