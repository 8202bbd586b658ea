//! The request/response shapes of a Forge web trigger.
//!
//! Forge hands the handler `{method, path, headers: {name: [values]},
//! queryParameters, body}` and expects `{statusCode, headers, body}` back.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The request Forge hands a web trigger function. Every field defaults
/// when absent, so a malformed event still reaches the gate.
/// <https://developer.atlassian.com/platform/forge/runtime-reference/web-trigger/>
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebTriggerRequest {
    /// The HTTP method, e.g. `"POST"`.
    #[serde(default)]
    pub method: String,
    /// The path after the trigger URL.
    #[serde(default)]
    pub path: String,
    /// Header names as Forge delivers them; looked up case-insensitively.
    #[serde(default)]
    pub headers: BTreeMap<String, Vec<String>>,
    /// Query parameters, each with all its values (unused by the gate).
    #[serde(default)]
    pub query_parameters: BTreeMap<String, Vec<String>>,
    /// Forge passes the body as a string; absent for bodiless requests.
    #[serde(default)]
    pub body: Option<String>,
}

impl WebTriggerRequest {
    /// First value of a header, matched case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }
}

/// The response a dynamic web trigger returns:
/// `{"statusCode", "headers": {name: [values]}, "body"}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WebTriggerResponse {
    /// HTTP status code.
    pub status_code: u16,
    /// Response headers, each with its values.
    pub headers: BTreeMap<String, Vec<String>>,
    /// The body text (JSON for every Service API answer).
    pub body: String,
}

impl WebTriggerResponse {
    /// A JSON response with the headers every Service API answer carries.
    pub fn json(status_code: u16, body: &serde_json::Value) -> Self {
        let mut headers = BTreeMap::new();
        headers.insert(
            "Content-Type".to_string(),
            vec!["application/json; charset=utf-8".to_string()],
        );
        // Answers can describe accounts; no intermediary should keep them.
        headers.insert("Cache-Control".to_string(), vec!["no-store".to_string()]);
        WebTriggerResponse {
            status_code,
            headers,
            body: body.to_string(),
        }
    }

    /// Sets a header to one value, replacing any value it had.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.insert(name.to_string(), vec![value.into()]);
        self
    }
}
