//! A string that must never be shown: client secrets, tokens, generated
//! passwords and Temporary Access Passes.

use std::fmt;

/// Holds a secret value. `Debug` prints a placeholder; there is no `Display`,
/// `Serialize` or `Clone`-free leak path: the value is reachable only through
/// [`Secret::expose`], which call sites use at the last moment.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value, for the one place that must send or reveal it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
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
    fn debug_hides_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn redacts_nested_secret_fields() {
        let body = json!({"passwordProfile": {"password": "P@ss", "forceChangePasswordNextSignIn": true},
                          "list": [{"temporaryAccessPass": "TAP"}]});
        let r = redact_json(&body);
        let text = r.to_string();
        assert!(!text.contains("P@ss") && !text.contains("TAP\""));
        assert_eq!(r["passwordProfile"]["forceChangePasswordNextSignIn"], true);
    }
}
