//! Graph's error vocabulary and its JSON envelope:
//! `{"error": {"code", "message", "innerError": {...}, "details"?}}`.

use serde_json::{json, Value};

/// One entry of `error.details`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorDetail {
    pub code: &'static str,
    pub message: String,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GraphError {
    /// 401: no token, a bad signature, wrong audience or tenant.
    InvalidToken,
    /// 401: the token is outside its `nbf`..`exp` window on the emulator clock.
    ExpiredToken,
    /// 403: missing application permission, missing directory role, or a
    /// group whose membership cannot be changed by an app (dynamic, role-assignable).
    AccessDenied,
    /// 404 `Request_ResourceNotFound` for a directory object id or UPN.
    ResourceNotFound(String),
    /// 400 `BadRequest` for a path the emulator does not serve (Graph:
    /// "Resource not found for the segment '…'.").
    UnknownSegment(String),
    /// 405 for a known path with an unsupported method.
    MethodNotAllowed,
    /// 400 with one of Graph's codes (`Request_BadRequest`, `BadRequest`, ...).
    BadRequest {
        code: &'static str,
        message: String,
        details: Vec<ErrorDetail>,
    },
    /// 400 `Request_UnsupportedQuery`.
    UnsupportedQuery(String),
    /// 424 for a `$batch` item whose dependency failed.
    FailedDependency,
    /// 429 with a `Retry-After` value in seconds (may be fractional).
    Throttled { retry_after: String },
    /// 503 with an optional `Retry-After`.
    Unavailable { retry_after: Option<String> },
    /// 410 Gone `syncStateNotFound`: a delta state token this tenant does
    /// not know (expired after 7 days, or from before a reset); `location`
    /// is the delta URL to restart from with a full sweep
    /// (delta-query-overview, "Synchronization reset").
    SyncStateNotFound { location: String },
    /// A refusal scheduled by the `refuse` fault: any 4xx with Graph's
    /// envelope.
    Injected {
        status: u16,
        code: String,
        message: String,
        target: Option<String>,
    },
}

impl GraphError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        GraphError::BadRequest {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// 400 `Request_BadRequest` "Invalid value specified for property 'x' of resource 'User'."
    pub fn invalid_value(property: &str, resource: &str) -> Self {
        GraphError::BadRequest {
            code: "Request_BadRequest",
            message: format!(
                "Invalid value specified for property '{property}' of resource '{resource}'."
            ),
            details: vec![ErrorDetail {
                code: "InvalidValue",
                message: format!(
                    "Invalid value specified for property '{property}' of resource '{resource}'."
                ),
                target: property.to_string(),
            }],
        }
    }

    pub fn unknown_property(property: &str, type_name: &str) -> Self {
        GraphError::bad_request(
            "BadRequest",
            format!("Property '{property}' does not exist on type 'microsoft.graph.{type_name}'."),
        )
    }

    pub fn invalid_json() -> Self {
        GraphError::bad_request(
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    }

    /// The message Graph gives for cloud writes to on-premises-mastered objects.
    pub fn on_premises_mastered() -> Self {
        GraphError::bad_request(
            "Request_BadRequest",
            "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
        )
    }

    pub fn status(&self) -> u16 {
        match self {
            GraphError::InvalidToken | GraphError::ExpiredToken => 401,
            GraphError::AccessDenied => 403,
            GraphError::ResourceNotFound(_) => 404,
            // Graph answers a path it cannot route 400 BadRequest, not 404.
            GraphError::UnknownSegment(_) => 400,
            GraphError::MethodNotAllowed => 405,
            GraphError::BadRequest { .. } | GraphError::UnsupportedQuery(_) => 400,
            GraphError::FailedDependency => 424,
            GraphError::Throttled { .. } => 429,
            GraphError::Unavailable { .. } => 503,
            GraphError::SyncStateNotFound { .. } => 410,
            GraphError::Injected { status, .. } => *status,
        }
    }

    pub fn code(&self) -> &str {
        match self {
            GraphError::InvalidToken | GraphError::ExpiredToken => "InvalidAuthenticationToken",
            GraphError::AccessDenied => "Authorization_RequestDenied",
            GraphError::ResourceNotFound(_) => "Request_ResourceNotFound",
            GraphError::UnknownSegment(_) => "BadRequest",
            GraphError::MethodNotAllowed => "Request_BadRequest",
            GraphError::BadRequest { code, .. } => code,
            GraphError::UnsupportedQuery(_) => "Request_UnsupportedQuery",
            GraphError::FailedDependency => "FailedDependency",
            GraphError::Throttled { .. } => "TooManyRequests",
            GraphError::Unavailable { .. } => "serviceNotAvailable",
            GraphError::SyncStateNotFound { .. } => "syncStateNotFound",
            GraphError::Injected { code, .. } => code,
        }
    }

    pub fn message(&self) -> String {
        match self {
            GraphError::InvalidToken => "Access token validation failure.".into(),
            GraphError::ExpiredToken => "Access token has expired or is not yet valid.".into(),
            GraphError::AccessDenied => "Insufficient privileges to complete the operation.".into(),
            GraphError::ResourceNotFound(id) => format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
            GraphError::UnknownSegment(segment) => {
                format!("Resource not found for the segment '{segment}'.")
            }
            GraphError::MethodNotAllowed => {
                "Specified HTTP method is not allowed for the request target.".into()
            }
            GraphError::BadRequest { message, .. } => message.clone(),
            GraphError::UnsupportedQuery(message) => message.clone(),
            GraphError::FailedDependency => {
                "The request was not executed because a request it depends on failed.".into()
            }
            GraphError::Throttled { .. } => {
                "Too many requests. The application has been throttled; retry after the Retry-After interval.".into()
            }
            GraphError::Unavailable { .. } => "Service unavailable, please retry later.".into(),
            GraphError::SyncStateNotFound { .. } => "The sync state generation is not found. The delta token is expired and data must be synchronized again.".into(),
            GraphError::Injected { message, .. } => message.clone(),
        }
    }

    pub fn retry_after(&self) -> Option<&str> {
        match self {
            GraphError::Throttled { retry_after } => Some(retry_after),
            GraphError::Unavailable { retry_after } => retry_after.as_deref(),
            _ => None,
        }
    }

    /// Where to restart, for a 410 (`Location`).
    pub fn location(&self) -> Option<&str> {
        match self {
            GraphError::SyncStateNotFound { location } => Some(location),
            _ => None,
        }
    }

    /// The JSON body, with `innerError` carrying the request's ids.
    pub fn envelope(&self, date: &str, request_id: &str, client_request_id: &str) -> Value {
        let mut error = json!({
            "code": self.code(),
            "message": self.message(),
            "innerError": {
                "date": date,
                "request-id": request_id,
                "client-request-id": client_request_id,
            }
        });
        if let GraphError::BadRequest { details, .. } = self {
            if !details.is_empty() {
                error["details"] = details
                    .iter()
                    .map(|d| json!({"code": d.code, "message": d.message, "target": d.target}))
                    .collect();
            }
        }
        if let GraphError::Injected {
            code,
            message,
            target: Some(target),
            ..
        } = self
        {
            error["details"] = json!([{"code": code, "message": message, "target": target}]);
        }
        json!({ "error": error })
    }
}
