//! Operation errors, each mapping to one Service API status.

use crate::graph::{ClientError, GraphError, TokenError};
use std::fmt;

/// Why a lifecycle operation failed. [`OpError::http_status`] and
/// [`OpError::code`] give the Service API status and `error.code`; Graph
/// failures arrive through `From<ClientError>`: a Graph error response stays
/// [`OpError::Graph`], a missing token [`OpError::Token`], throttling past
/// the deadline [`OpError::Deadline`], a dropped connection
/// [`OpError::Transport`], an unreadable body [`OpError::Unexpected`].
#[derive(Debug, Clone, PartialEq)]
pub enum OpError {
    /// Bad input; `field` names it (400).
    InvalidInput {
        /// Input path at fault, e.g. `manager` or `lifetimeInMinutes`.
        field: String,
        /// What is wrong, completing "`field` ...", e.g. "is required".
        message: String,
    },
    /// No such user or group (404).
    NotFound {
        /// The object looked for, e.g. "user with mail a@b.com".
        what: String,
    },
    /// A lookup that must find one object found several (409).
    Ambiguous {
        /// The property looked up by (`mail`, `employeeId`).
        field: &'static str,
        /// How many objects matched (2 or more).
        count: usize,
    },
    /// The directory state conflicts with the request (409).
    Conflict {
        /// Why, for the requester (e.g. the user is synced from on-premises).
        message: String,
    },
    /// The user is synced from on-premises Active Directory, which masters
    /// these properties: the change belongs in AD (409). Decided before any
    /// write.
    OnPremisesMastered {
        /// The user, as messages name it (UPN or id).
        user: String,
        /// The AD-mastered properties the request would change (Graph's
        /// names, `manager` and `passwordProfile` included).
        properties: Vec<String>,
    },
    /// Graph refused (its 400, 403, 404 or 409: the request's content is at
    /// fault) or failed (502).
    Graph(Box<GraphError>),
    /// No token: the app's Entra configuration is wrong or Entra is down (502).
    Token(TokenError),
    /// Throttled past the caller's deadline; resume after `retry_after_ms` (429).
    Deadline {
        /// Milliseconds to wait before resuming.
        retry_after_ms: u64,
    },
    /// Network failure on a request that was not safe to repeat (502).
    Transport {
        /// The transport's message.
        reason: String,
    },
    /// Graph answered something the model cannot read (502).
    Unexpected {
        /// What was being read (e.g. `"user"`, `"$batch"`).
        what: String,
        /// The decoder's message.
        reason: String,
    },
}

impl OpError {
    /// [`OpError::InvalidInput`] for `field`, e.g.
    /// `OpError::invalid("manager", "names no user")`.
    pub fn invalid(field: &str, message: &str) -> Self {
        OpError::InvalidInput {
            field: field.to_string(),
            message: message.to_string(),
        }
    }

    /// The Service API status this error answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            OpError::InvalidInput { .. } => 400,
            OpError::NotFound { .. } => 404,
            OpError::Ambiguous { .. }
            | OpError::Conflict { .. }
            | OpError::OnPremisesMastered { .. } => 409,
            OpError::Graph(e) if e.is_caused_by_request() => e.status,
            OpError::Deadline { .. } => 429,
            OpError::Graph(_)
            | OpError::Token(_)
            | OpError::Transport { .. }
            | OpError::Unexpected { .. } => 502,
        }
    }

    /// A stable machine-readable code for the Service API's `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            OpError::InvalidInput { .. } => "invalid_input",
            OpError::NotFound { .. } => "not_found",
            OpError::Ambiguous { .. } => "ambiguous",
            OpError::Conflict { .. } => "conflict",
            OpError::OnPremisesMastered { .. } => "on_premises_mastered",
            OpError::Graph(e) => graph_refusal_code(e.status),
            OpError::Token(_) => "entra_sign_in_failed",
            OpError::Deadline { .. } => "throttled",
            OpError::Transport { .. } => "network_error",
            OpError::Unexpected { .. } => "unexpected_response",
        }
    }

    /// The AD-mastered properties of an [`OpError::OnPremisesMastered`].
    pub fn on_premises_properties(&self) -> Option<&[String]> {
        match self {
            OpError::OnPremisesMastered { properties, .. } => Some(properties),
            _ => None,
        }
    }

    /// The input field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            OpError::InvalidInput { field, .. } => Some(field),
            OpError::Ambiguous { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// The Service API's `error.code` for a Graph error with this status:
/// the refusals the caller can act on get the code of the same status the
/// app itself uses; anything else is `graph_error` (a 502).
pub fn graph_refusal_code(status: u16) -> &'static str {
    match status {
        400 => "invalid_input",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        _ => "graph_error",
    }
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpError::InvalidInput { field, message } => write!(f, "{field} {message}"),
            OpError::NotFound { what } => write!(f, "{what} was not found"),
            OpError::Ambiguous { field, count } => {
                write!(
                    f,
                    "{count} users have this {field}; name the user by UPN or object id"
                )
            }
            OpError::Conflict { message } => f.write_str(message),
            OpError::OnPremisesMastered { user, properties } => {
                write!(
                    f,
                    "{user} is synced from on-premises Active Directory, which masters {}; Entra ID would refuse the change or the next sync would undo it. Change it in on-premises Active Directory (Entra Connect then syncs it to Entra ID). Nothing was changed.",
                    properties.join(", ")
                )?;
                if properties.iter().any(|p| p == "passwordProfile") {
                    // Graph's passwordProfile write never reaches AD, with or
                    // without password writeback (only the delegated
                    // resetPassword API and SSPR write back):
                    // https://learn.microsoft.com/en-us/entra/identity/authentication/concept-sspr-writeback
                    f.write_str(" A password set through Graph's passwordProfile is not written back to AD even where password writeback is enabled: reset it in AD, or issue a Temporary Access Pass, which works for synced users.")?;
                }
                Ok(())
            }
            OpError::Graph(e) => e.fmt(f),
            OpError::Token(e) => e.fmt(f),
            OpError::Deadline { retry_after_ms } => {
                write!(f, "Entra is throttling; retry after {retry_after_ms} ms")
            }
            OpError::Transport { reason } => write!(f, "network error: {reason}"),
            OpError::Unexpected { what, reason } => {
                write!(f, "unexpected Graph response for {what}: {reason}")
            }
        }
    }
}

impl std::error::Error for OpError {}

impl From<ClientError> for OpError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Graph(g) => OpError::Graph(g),
            ClientError::Token(t) => OpError::Token(t),
            ClientError::Transport(t) => OpError::Transport {
                reason: t.to_string(),
            },
            ClientError::Deferred { retry_after_ms } => OpError::Deadline { retry_after_ms },
            ClientError::Decode { what, reason } => OpError::Unexpected {
                what: what.to_string(),
                reason,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(OpError::invalid("f", "bad").http_status(), 400);
        assert_eq!(OpError::NotFound { what: "u".into() }.http_status(), 404);
        assert_eq!(
            OpError::Ambiguous {
                field: "mail",
                count: 2
            }
            .http_status(),
            409
        );
        assert_eq!(OpError::Deadline { retry_after_ms: 5 }.http_status(), 429);
        let denied = GraphError::from_parts(
            403,
            r#"{"error":{"code":"Authorization_RequestDenied","message":"no"}}"#,
            |_| None,
        );
        assert_eq!(OpError::Graph(Box::new(denied)).http_status(), 403);
        for (status, code) in [
            (400, "invalid_input"),
            (404, "not_found"),
            (409, "conflict"),
            (500, "graph_error"),
            (401, "graph_error"),
        ] {
            let e = OpError::Graph(Box::new(GraphError::from_parts(status, "{}", |_| None)));
            assert_eq!(e.code(), code, "{status}");
            let expected = if code == "graph_error" { 502 } else { status };
            assert_eq!(e.http_status(), expected, "{status}");
        }
    }
}
