//! Graph's error envelope, parsed into a typed error, and the client's
//! failure enum.

use crate::graph::token::TokenError;
use crate::http::TransportError;
use serde::Deserialize;
use std::fmt;

/// One entry of `error.details` (for example `ObjectConflict` with target
/// `userPrincipalName`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct ErrorDetail {
    /// Detail code, e.g. `ObjectConflict`, `InvalidValue`.
    #[serde(default)]
    pub code: String,
    /// Human-readable text; never branch on it.
    #[serde(default)]
    pub message: String,
    /// The property concerned, e.g. `userPrincipalName`.
    #[serde(default)]
    pub target: Option<String>,
}

/// A Graph error response: the HTTP status plus the `error` envelope
/// (`{"error": {"code", "message", "innerError", "details"}}`, see
/// <https://learn.microsoft.com/en-us/graph/errors>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    /// HTTP status (400, 403, 404, ...).
    pub status: u16,
    /// Graph's `error.code`, e.g. `Request_BadRequest`; empty when the body
    /// was not an error envelope.
    pub code: String,
    /// Graph's `error.message`, or the first 200 characters of a body that
    /// was not an envelope.
    pub message: String,
    /// Graph's `request-id` (envelope `innerError`, else the header): quote
    /// it to Microsoft support.
    pub request_id: Option<String>,
    /// The `client-request-id` the client sent, as echoed back.
    pub client_request_id: Option<String>,
    /// `error.details` (empty for most errors).
    pub details: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeError,
}

#[derive(Deserialize)]
struct EnvelopeError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    // Graph spells it both ways depending on the workload.
    #[serde(default, rename = "innerError", alias = "innererror")]
    inner_error: Option<InnerError>,
    #[serde(default)]
    details: Vec<ErrorDetail>,
}

#[derive(Deserialize)]
struct InnerError {
    #[serde(default, rename = "request-id")]
    request_id: Option<String>,
    #[serde(default, rename = "client-request-id")]
    client_request_id: Option<String>,
}

impl GraphError {
    /// Parses an error body. Headers (`request-id`, `client-request-id`) fill
    /// in what the envelope lacks. A body that is not an envelope still yields
    /// an error carrying the status, so nothing is lost.
    pub fn from_parts(status: u16, body: &str, header: impl Fn(&str) -> Option<String>) -> Self {
        let parsed = serde_json::from_str(body)
            .ok()
            .and_then(|value| serde_json::from_value::<Envelope>(value).ok());
        let (code, message, inner, details) = match parsed {
            Some(env) => (
                env.error.code,
                env.error.message,
                env.error.inner_error,
                env.error.details,
            ),
            None => (String::new(), truncate(body, 200), None, Vec::new()),
        };
        let (rid, crid) = match inner {
            Some(i) => (i.request_id, i.client_request_id),
            None => (None, None),
        };
        GraphError {
            status,
            code,
            message,
            request_id: rid.or_else(|| header("request-id")),
            client_request_id: crid.or_else(|| header("client-request-id")),
            details,
        }
    }

    /// Same as [`GraphError::from_parts`] for an already-parsed JSON body (a
    /// `$batch` item).
    pub fn from_json(
        status: u16,
        body: &serde_json::Value,
        header: impl Fn(&str) -> Option<String>,
    ) -> Self {
        Self::from_parts(status, &body.to_string(), header)
    }

    /// `ObjectConflict` on the given property (e.g. duplicate UPN).
    pub fn is_conflict_on(&self, property: &str) -> bool {
        self.details
            .iter()
            .any(|d| d.code == "ObjectConflict" && d.target.as_deref() == Some(property))
    }

    /// HTTP 404 (`Request_ResourceNotFound`): the object does not exist, or
    /// has not replicated yet when just created.
    pub fn is_not_found(&self) -> bool {
        self.status == 404
    }

    /// Whether the message names this object id: Graph's 404 says
    /// "Resource '{id}' does not exist ...", naming the missing object.
    pub fn names_resource(&self, id: &str) -> bool {
        !id.is_empty()
            && self
                .message
                .to_ascii_lowercase()
                .contains(&format!("'{}'", id.to_ascii_lowercase()))
    }

    /// Whether a response with this status is Graph refusing what was
    /// asked (400 bad request, 403 forbidden, 404 no such object, 409
    /// conflict), which the caller can act on, rather than Graph failing
    /// (5xx) or the app's own state (401 token, 429 throttling).
    pub fn status_is_caused_by_request(status: u16) -> bool {
        matches!(status, 400 | 403 | 404 | 409)
    }

    /// See [`GraphError::status_is_caused_by_request`].
    pub fn is_caused_by_request(&self) -> bool {
        Self::status_is_caused_by_request(self.status)
    }

    /// The property Graph names as at fault (the first `error.details`
    /// entry with a `target`), e.g. `userPrincipalName`.
    pub fn field(&self) -> Option<&str> {
        self.details
            .iter()
            .find_map(|d| d.target.as_deref().filter(|t| !t.is_empty()))
    }

    /// The permissions a 403 says the call needs, when its message names
    /// them (Graph's "Missing role permissions on the request. API requires
    /// one of 'A, B'. Roles on the request ''."); empty otherwise: the
    /// directory's "Insufficient privileges to complete the operation."
    /// names none, and then none is guessed.
    pub fn required_permissions(&self) -> Vec<String> {
        if self.status == 403 {
            permissions_named(&self.message)
        } else {
            Vec::new()
        }
    }

    /// Adding a member that is already there. Graph gives this no code of
    /// its own (it is a plain `Request_BadRequest`), so the documented
    /// message is the only signal.
    pub fn is_already_member(&self) -> bool {
        self.status == 400
            && self
                .message
                .contains("added object references already exist")
    }
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph returned {}", self.status)?;
        if !self.code.is_empty() {
            write!(f, " {}", self.code)?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(rid) = &self.request_id {
            write!(f, " (request-id {rid})")?;
        }
        Ok(())
    }
}

/// The permissions a Graph 403 message names ("... API requires one of
/// 'A, B'. ..."), in its order; empty when it names none.
pub fn permissions_named(message: &str) -> Vec<String> {
    let Some((_, rest)) = message.split_once("requires one of '") else {
        return Vec::new();
    };
    let Some((list, _)) = rest.split_once('\'') else {
        return Vec::new();
    };
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Why a Graph call did not produce a usable response.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// Graph answered with an error (boxed: it is large and rare).
    Graph(Box<GraphError>),
    /// No token could be obtained.
    Token(TokenError),
    /// The connection failed, and the request was not safe to repeat or the
    /// deadline left no time to repeat it.
    Transport(TransportError),
    /// Throttled (or still replicating) and the next attempt would pass the
    /// caller's deadline; retry after `retry_after_ms`.
    Deferred {
        /// Wait before retrying, in milliseconds (from `Retry-After` or
        /// back-off).
        retry_after_ms: u64,
    },
    /// Graph answered 2xx with a body that does not match the model.
    Decode {
        /// What was being decoded (e.g. `"user"`, `"$batch"`).
        what: &'static str,
        /// The decoder's message.
        reason: String,
    },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Graph(e) => e.fmt(f),
            ClientError::Token(e) => e.fmt(f),
            ClientError::Transport(e) => e.fmt(f),
            ClientError::Deferred { retry_after_ms } => {
                write!(f, "throttled; retry after {retry_after_ms} ms")
            }
            ClientError::Decode { what, reason } => {
                write!(f, "unexpected Graph response for {what}: {reason}")
            }
        }
    }
}

impl std::error::Error for ClientError {}

impl From<GraphError> for ClientError {
    fn from(e: GraphError) -> Self {
        ClientError::Graph(Box::new(e))
    }
}

impl From<TokenError> for ClientError {
    fn from(e: TokenError) -> Self {
        ClientError::Token(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_headers(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_not_found_names_the_missing_object() {
        let body = r#"{"error":{"code":"Request_ResourceNotFound","message":"Resource 'AB-12' does not exist or one of its queried reference-property objects are not present."}}"#;
        let e = GraphError::from_parts(404, body, no_headers);
        assert!(e.names_resource("ab-12"));
        assert!(!e.names_resource("ab-1"));
        assert!(!e.names_resource(""));
    }

    #[test]
    fn parses_conflict_with_inner_error() {
        let body = r#"{"error":{"code":"Request_BadRequest","message":"Another object with the same value for property userPrincipalName already exists.","innerError":{"date":"2025-02-13T10:17:06","request-id":"rid-1","client-request-id":"crid-1"},"details":[{"code":"ObjectConflict","message":"x","target":"userPrincipalName"}]}}"#;
        let e = GraphError::from_parts(400, body, no_headers);
        assert_eq!(e.code, "Request_BadRequest");
        assert_eq!(e.request_id.as_deref(), Some("rid-1"));
        assert_eq!(e.client_request_id.as_deref(), Some("crid-1"));
        assert!(e.is_conflict_on("userPrincipalName"));
        assert!(!e.is_conflict_on("mailNickname"));
    }

    #[test]
    fn accepts_lowercase_innererror_and_header_fallback() {
        let body = r#"{"error":{"code":"Request_ResourceNotFound","message":"gone","innererror":{"client-request-id":"c"}}}"#;
        let e = GraphError::from_parts(404, body, |h| {
            (h == "request-id").then(|| "from-header".to_string())
        });
        assert_eq!(e.client_request_id.as_deref(), Some("c"));
        assert_eq!(e.request_id.as_deref(), Some("from-header"));
        assert!(e.is_not_found());
    }

    #[test]
    fn non_envelope_body_keeps_status() {
        let e = GraphError::from_parts(502, "<html>bad gateway</html>", no_headers);
        assert_eq!(e.status, 502);
        assert!(e.code.is_empty());
        assert!(e.message.contains("bad gateway"));
    }

    #[test]
    fn caller_errors_fields_and_named_permissions() {
        let body = r#"{"error":{"code":"Request_BadRequest","message":"Invalid value specified for property 'mobilePhone' of resource 'User'.","details":[{"code":"InvalidValue","message":"x","target":"mobilePhone"}]}}"#;
        let e = GraphError::from_parts(400, body, no_headers);
        assert!(e.is_caused_by_request());
        assert_eq!(e.field(), Some("mobilePhone"));
        assert!(!GraphError::from_parts(503, "{}", no_headers).is_caused_by_request());
        assert!(!GraphError::from_parts(401, "{}", no_headers).is_caused_by_request());
        let denied = r#"{"error":{"code":"Authorization_RequestDenied","message":"Missing role permissions on the request. API requires one of 'User.Read.All, Directory.Read.All'. Roles on the request ''."}}"#;
        assert_eq!(
            GraphError::from_parts(403, denied, no_headers).required_permissions(),
            vec!["User.Read.All", "Directory.Read.All"]
        );
        let plain = r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#;
        assert!(GraphError::from_parts(403, plain, no_headers)
            .required_permissions()
            .is_empty());
    }

    #[test]
    fn already_member_is_recognised() {
        let body = r#"{"error":{"code":"Request_BadRequest","message":"One or more added object references already exist for the following modified properties: 'members'."}}"#;
        assert!(GraphError::from_parts(400, body, no_headers).is_already_member());
    }
}
