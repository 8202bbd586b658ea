//! The request log: what the app sent, with secrets redacted, so tests can count
//! round trips and assert request contents.

use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    Token,
    Graph,
    BatchItem,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedRequest {
    pub seq: u64,
    pub kind: RequestKind,
    pub method: String,
    /// The path as received (`/v1.0/users/...`); batch items are logged as `/v1.0` + their url path.
    pub path: String,
    /// The raw (still percent-encoded) query string, if any.
    pub query: Option<String>,
    /// The request body with secrets replaced by "[REDACTED]": JSON bodies as JSON,
    /// form bodies (token requests) as an object of their fields.
    pub body: Option<Value>,
    pub status: u16,
    pub batch_parent_seq: Option<u64>,
    pub timestamp: String,
    pub client_request_id: Option<String>,
    pub request_id: String,
}

/// Field names whose values must never be logged.
const SECRET_KEYS: &[&str] = &[
    "password",
    "newpassword",
    "temporaryaccesspass",
    "client_secret",
    "clientsecret",
    "client_assertion",
    "authorization",
];

pub(crate) const REDACTED: &str = "[REDACTED]";

fn is_secret(key: &str) -> bool {
    SECRET_KEYS.iter().any(|s| s.eq_ignore_ascii_case(key))
}

/// Replaces secret values anywhere in a JSON document (batch bodies nest requests).
pub(crate) fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret(key) && !v.is_null() {
                    *v = Value::String(REDACTED.into());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// The loggable form of a request body.
pub(crate) fn loggable_body(body: &[u8], form_encoded: bool) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    if form_encoded {
        let mut fields = Map::new();
        for (k, v) in form_urlencoded::parse(body) {
            let value = if is_secret(&k) {
                REDACTED.to_string()
            } else {
                v.into_owned()
            };
            fields.insert(k.into_owned(), Value::String(value));
        }
        return Some(Value::Object(fields));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut json) => {
            redact_json(&mut json);
            Some(json)
        }
        // Not JSON: keep only the size, the raw bytes could hold anything.
        Err(_) => Some(Value::String(format!("<{} bytes, not JSON>", body.len()))),
    }
}

#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: Vec<LoggedRequest>,
    next_seq: u64,
}

impl RequestLog {
    /// Sequence numbers are handed out when a request starts, so a batch precedes its items.
    pub fn reserve_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn push(&mut self, entry: LoggedRequest) {
        self.entries.push(entry);
    }

    pub fn entries(&self) -> Vec<LoggedRequest> {
        let mut entries = self.entries.clone();
        entries.sort_by_key(|e| e.seq);
        entries
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
