//! A string that must never be shown (service keys, client secrets, tokens,
//! generated passwords, TAPs), and redaction of secret fields in JSON.
//!
//! It has no `Display` and no `Serialize`, and its `Debug` prints a
//! placeholder, so it cannot reach a log line, an error or a JSON response by
//! accident. Reading it takes an explicit [`Secret::expose`].

use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// A secret string: no `Display`, no `Serialize`, and a `Debug` that prints
/// `Secret(<redacted>)`. Equality compares the values (not in constant time;
/// use [`digests_equal`] on [`Secret::sha256`] for anything an attacker
/// controls).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value. The caller's copy, if any, is not wiped.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself. Call only where it leaves for its one destination
    /// (Graph, secret storage, a one-time reveal).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// SHA-256 of the value, for storing a verifier instead of the value.
    pub fn sha256(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Compares two digests in constant time. Comparing digests rather than the
/// raw values also hides the length of the stored value.
pub fn digests_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.ct_eq(b).into()
}

/// JSON keys whose values are secrets wherever they appear in a Graph body.
const SECRET_KEYS: [&str; 6] = [
    "password",
    "newPassword",
    "temporaryAccessPass",
    "client_secret",
    "access_token",
    "clientSecret",
];

/// Placeholder that replaces secret values in plans and logs.
pub const REDACTED: &str = "[redacted]";

/// A copy of `value` with every secret-bearing field replaced by [`REDACTED`].
pub fn redact_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    if SECRET_KEYS.contains(&k.as_str()) {
                        (k.clone(), Value::String(REDACTED.to_string()))
                    } else {
                        (k.clone(), redact_json(v))
                    }
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_nested_secret_fields() {
        let body = json!({"passwordProfile": {"password": "P@ss", "forceChangePasswordNextSignIn": true},
                          "list": [{"temporaryAccessPass": "TAP"}]});
        let r = redact_json(&body);
        let text = r.to_string();
        assert!(!text.contains("P@ss") && !text.contains("TAP\""));
        assert_eq!(r["passwordProfile"]["forceChangePasswordNextSignIn"], true);
    }

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2-very-secret");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn digest_comparison() {
        let a = Secret::new("a").sha256();
        let b = Secret::new("b").sha256();
        assert!(digests_equal(&a, &a));
        assert!(!digests_equal(&a, &b));
    }
}
