//! The Service API error contract: `{"ok": false, "error": {"code", "message", "field"?}}`.

use super::answer::CallAnswer;
use crate::lifecycle::OpError;
use crate::policy::{CheckError, Denial};
use serde_json::json;
use std::fmt;

/// Every way a Service API call can fail, each mapped to one HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 400: the body or one of its fields is wrong. `field` is a JSON path
    /// such as `data.user` so the caller knows what to fix.
    InvalidInput {
        /// The JSON path of the field at fault, e.g. `data.user`; `None` for the body as a whole.
        field: Option<String>,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// 401: missing, malformed or wrong credentials.
    /// 401: missing, malformed or wrong credentials; `reason` says which.
    Unauthorized {
        /// Which check failed.
        reason: UnauthorizedReason,
    },
    /// 405: only POST is accepted.
    /// 405: only POST is accepted; `method` is the one received.
    MethodNotAllowed {
        /// The method received.
        method: String,
    },
    /// 413: the body exceeds the Service API's limit.
    /// 413: the body is `size` bytes, over the `limit` in bytes.
    PayloadTooLarge {
        /// The body's size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// 501: a known route whose implementation is not in this version.
    /// 501: a known route this version does not implement.
    NotImplemented {
        /// The route name.
        route: &'static str,
    },
    /// 500: the app itself failed; the message carries no internals.
    /// 500: the app itself failed; only the correlation id of the logged cause is told.
    Internal {
        /// The id under which the cause was logged.
        correlation_id: String,
    },
    /// 503: the app is not connected to Entra yet.
    /// 503: the app is not connected to Entra yet, or its provisioning settings are incomplete; `message` says what to set.
    NotConfigured {
        /// What an administrator must set.
        message: String,
    },
    /// The operation refused or failed: 400/403/404/409/429/502 by kind
    /// (a Graph 400, 403, 404 or 409 keeps its status).
    Operation(OpError),
    /// 403: refused by policy; `rule` names the rule.
    Refused {
        /// The policy rule, e.g. `noSecretRecipient`.
        rule: String,
        /// Why, in words an agent can act on.
        message: String,
        /// The audit record of the refusal, when one was stored.
        audit_id: Option<String>,
    },
    /// The policy layer denied the call (refused 403, approval pending 202
    /// or declined 403, or a check that could not be made); nothing ran.
    Denied {
        /// The policy's decision.
        denial: Box<Denial>,
        /// The audit record of the refusal, when one was stored.
        audit_id: Option<String>,
    },
}

/// Why a call was not authenticated. The reasons are told to the caller:
/// none of them reveals anything about the valid key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnauthorizedReason {
    /// No `Authorization` header and no signature headers.
    MissingCredentials,
    /// An `Authorization` header that is not `Bearer <key>`.
    MalformedAuthorization,
    /// A key that is not the current service key.
    WrongKey,
    /// No service key has been issued yet (admin page, Service API tab).
    NoKeyConfigured,
    /// A signed request whose signature did not hold.
    Signature(SignatureProblem),
}

impl ApiError {
    /// A 400 naming `field` (a JSON path such as `data.user`).
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::InvalidInput {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::InvalidInput { .. } => 400,
            ApiError::Unauthorized { .. } => 401,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::NotImplemented { .. } => 501,
            ApiError::Internal { .. } => 500,
            ApiError::NotConfigured { .. } => 503,
            ApiError::Operation(e) => e.http_status(),
            ApiError::Refused { .. } => 403,
            ApiError::Denied { denial, .. } => denial.http_status(),
        }
    }

    /// The stable machine-readable code in `error.code`, e.g. `invalidInput`, `notFound`, `refused`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidInput { .. } => "invalid_input",
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::NotImplemented { .. } => "not_implemented",
            ApiError::Internal { .. } => "internal_error",
            ApiError::NotConfigured { .. } => "not_configured",
            ApiError::Operation(e) => e.code(),
            ApiError::Refused { .. } => "refused_by_policy",
            ApiError::Denied { denial, .. } => denial.code(),
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            ApiError::InvalidInput { field, .. } => field.clone(),
            ApiError::Operation(e) => e.field().map(|f| {
                if f.starts_with("data.") {
                    f.to_string()
                } else {
                    format!("data.{f}")
                }
            }),
            _ => None,
        }
    }

    /// Graph's request id, for support cases on 502s.
    fn graph_request_id(&self) -> Option<&str> {
        match self {
            ApiError::Operation(OpError::Graph(g)) => g.request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the call waits for JSM approvals (202 `awaiting_approval`).
    pub fn is_awaiting_approval(&self) -> bool {
        matches!(self, ApiError::Denied { denial, .. } if matches!(**denial, Denial::AwaitingApproval { .. }))
    }

    /// Seconds to wait before retrying (429/503), rounded up.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            ApiError::Operation(OpError::Deadline { retry_after_ms }) => {
                Some(retry_after_ms.div_ceil(1000).max(1))
            }
            ApiError::Denied { denial, .. } => match denial.as_ref() {
                Denial::CheckFailed(CheckError::Graph(OpError::Deadline { retry_after_ms })) => {
                    Some(retry_after_ms.div_ceil(1000).max(1))
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// The JSON error body every entry point shows in its own way.
    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({ "code": self.code(), "message": self.to_string() });
        if let Some(field) = self.field() {
            error["field"] = json!(field);
        }
        if let Some(request_id) = self.graph_request_id() {
            error["graphRequestId"] = json!(request_id);
        }
        if let ApiError::Operation(OpError::Graph(g)) = self {
            // Graph's own words beside the app's code, for the caller to act on.
            error["graphStatus"] = json!(g.status);
            error["graphCode"] = json!(g.code);
            let permissions = g.required_permissions();
            if !permissions.is_empty() {
                error["permissions"] = json!(permissions);
            }
        }
        if let ApiError::Operation(e) = self {
            if let Some(properties) = e.on_premises_properties() {
                error["properties"] = json!(properties);
            }
        }
        match self {
            ApiError::Refused { rule, .. } => error["rule"] = json!(rule),
            ApiError::Denied { denial, .. } => {
                if let Some(rule) = denial.rule() {
                    error["rule"] = json!(rule.to_string());
                }
            }
            _ => {}
        }
        let mut body = json!({ "ok": false, "error": error });
        if let Some(audit_id) = self.audit_id() {
            body["auditId"] = json!(audit_id);
        }
        body
    }

    fn audit_id(&self) -> Option<&str> {
        match self {
            ApiError::Refused { audit_id, .. } | ApiError::Denied { audit_id, .. } => {
                audit_id.as_deref()
            }
            _ => None,
        }
    }

    /// The error as a call's answer: status, `{"ok": false, "error": {...}}` body and `Retry-After` seconds when throttled.
    pub fn to_answer(&self) -> CallAnswer {
        CallAnswer {
            status: self.status(),
            body: self.body(),
            retry_after_seconds: self.retry_after_seconds(),
            replay: false,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::InvalidInput { message, .. } => f.write_str(message),
            ApiError::Unauthorized { reason } => f.write_str(match reason {
                UnauthorizedReason::MissingCredentials => {
                    "Missing credentials: send 'Authorization: Bearer <service key>'."
                }
                UnauthorizedReason::MalformedAuthorization => {
                    "Malformed Authorization header: expected 'Bearer <service key>'."
                }
                UnauthorizedReason::WrongKey => "The service key is not valid.",
                UnauthorizedReason::NoKeyConfigured => {
                    "The Service API has no key yet: generate one on the app's admin page."
                }
                UnauthorizedReason::Signature(problem) => problem.message(),
            }),
            ApiError::MethodNotAllowed { method } => {
                write!(f, "Method {method} is not allowed: the Service API accepts POST only.")
            }
            ApiError::PayloadTooLarge { size, limit } => {
                write!(f, "The request body is {size} bytes; the limit is {limit} bytes.")
            }
            ApiError::NotImplemented { route } => write!(
                f,
                "Route '{route}' is part of the Service API but not available in this version of the app."
            ),
            ApiError::Internal { correlation_id } => write!(
                f,
                "The app failed while handling this request (correlation id {correlation_id})."
            ),
            ApiError::NotConfigured { message } => f.write_str(message),
            ApiError::Operation(e) => e.fmt(f),
            ApiError::Refused { message, .. } => f.write_str(message),
            ApiError::Denied { denial, .. } => denial.fmt(f),
        }
    }
}

impl std::error::Error for ApiError {}

/// Why a signed request was refused. Told to the caller: none of these
/// reveal anything about the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureProblem {
    /// No HR signing secret has been generated.
    NoSecretConfigured,
    /// `X-Entra-Connect-Timestamp` is not Unix seconds.
    MalformedTimestamp,
    /// The timestamp is more than 5 minutes from now.
    StaleTimestamp,
    /// `X-Entra-Connect-Signature` is not `v1=` and 64 hex digits.
    MalformedSignature,
    /// The signature does not match the body and timestamp.
    WrongSignature,
    /// The same signature was already received.
    Replayed,
}

impl SignatureProblem {
    /// The caller-facing explanation (reveals nothing about the secret).
    pub fn message(self) -> &'static str {
        match self {
            SignatureProblem::NoSecretConfigured => "Signed requests are not enabled: generate the HR signing secret on the admin page.",
            SignatureProblem::MalformedTimestamp => "X-Entra-Connect-Timestamp must be the request time in Unix seconds.",
            SignatureProblem::StaleTimestamp => "The request's timestamp is more than 5 minutes from now; sign it again with the current time.",
            SignatureProblem::MalformedSignature => "X-Entra-Connect-Signature must be 'v1=' and 64 hex digits.",
            SignatureProblem::WrongSignature => "The request signature is not valid for this body and timestamp.",
            SignatureProblem::Replayed => "This signed request was already received; sign each request once.",
        }
    }
}
