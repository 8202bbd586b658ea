//! A Graph request as the operations build it, before any URL or token is
//! attached.

use crate::http::Method;
use crate::secret::redact_json;
use serde_json::Value;
use std::fmt;

/// One Graph call. `path` is relative to `/v1.0` (e.g. `/users/{id}`) with
/// its query string already encoded, or an absolute `@odata.nextLink`,
/// which is followed verbatim.
#[derive(Clone, PartialEq)]
pub struct GraphRequest {
    /// HTTP method.
    pub method: Method,
    /// `/v1.0`-relative path with encoded query string, or an absolute
    /// `@odata.nextLink`. Build it with [`crate::graph::resources`].
    pub path: String,
    /// JSON body (POST, PATCH, PUT); may hold secrets, see
    /// [`GraphRequest::redacted_body`].
    pub body: Option<Value>,
    /// Extra headers (e.g. `ConsistencyLevel`).
    pub headers: Vec<(String, String)>,
    /// The target was created moments ago: a 404 is replication delay and
    /// is retried for a bounded time.
    pub retry_not_found: bool,
    /// Safe to send twice (a dropped connection is retried only then).
    pub idempotent: bool,
}

impl GraphRequest {
    fn new(method: Method, path: impl Into<String>, body: Option<Value>) -> Self {
        GraphRequest {
            method,
            path: path.into(),
            body,
            headers: Vec::new(),
            retry_not_found: false,
            // RFC 9110: everything but POST is idempotent.
            idempotent: method != Method::Post,
        }
    }

    /// A GET (idempotent).
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::Get, path, None)
    }

    /// A POST, not idempotent unless marked [`GraphRequest::repeatable`].
    pub fn post(path: impl Into<String>, body: Option<Value>) -> Self {
        Self::new(Method::Post, path, body)
    }

    /// A PATCH with a partial JSON object (idempotent).
    pub fn patch(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::Patch, path, Some(body))
    }

    /// A PUT (idempotent), e.g. a `$ref` reference.
    pub fn put(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::Put, path, Some(body))
    }

    /// A DELETE (idempotent).
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::Delete, path, None)
    }

    /// Appends encoded query parameters (`$select=...`, a filter from
    /// [`crate::graph::odata`]).
    pub fn query(mut self, encoded: &str) -> Self {
        let sep = if self.path.contains('?') { '&' } else { '?' };
        self.path.push(sep);
        self.path.push_str(encoded);
        self
    }

    /// Marks the target as just created (404 means "not replicated yet").
    pub fn just_created(mut self) -> Self {
        self.retry_not_found = true;
        self
    }

    /// Declares a POST safe to repeat (e.g. adding a member, where a repeat
    /// answers "already a member").
    pub fn repeatable(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// The body with secret fields replaced, for plans and logs.
    pub fn redacted_body(&self) -> Option<Value> {
        self.body.as_ref().map(redact_json)
    }

    /// The path without its query string (for short log lines).
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }
}

// Hand-written so a password in a body can never reach a log via `{:?}`.
impl fmt::Debug for GraphRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body", &self.redacted_body())
            .finish()
    }
}

/// A successful Graph response.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphResponse {
    /// HTTP status, 200 to 299.
    pub status: u16,
    /// Parsed JSON body, `Value::Null` when empty (204).
    pub body: Value,
    /// Graph's `request-id` response header, for support and audit.
    pub request_id: Option<String>,
}

impl GraphResponse {
    /// Decodes the body into a model. Through an owned copy, as every other
    /// `Value` in the core is read (`serde_json::from_value`): one
    /// deserialiser per model type in the wasm, not one for `Value` and one
    /// for `&Value`.
    pub fn json<T: serde::de::DeserializeOwned>(
        &self,
        what: &'static str,
    ) -> Result<T, crate::graph::ClientError> {
        serde_json::from_value(self.body.clone()).map_err(|e| crate::graph::ClientError::Decode {
            what,
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn debug_redacts_password() {
        let r = GraphRequest::patch(
            "/users/x",
            json!({"passwordProfile": {"password": "Sup3r$ecret!Value"}}),
        );
        assert!(!format!("{r:?}").contains("Sup3r"));
    }

    #[test]
    fn query_appends() {
        let r = GraphRequest::get("/users")
            .query("$select=id")
            .query("$top=5");
        assert_eq!(r.path, "/users?$select=id&$top=5");
        assert_eq!(r.path_only(), "/users");
        assert!(r.idempotent);
        assert!(!GraphRequest::post("/x", None).idempotent);
    }
}
