//! Who is asking, and through which door.

use serde::{Deserialize, Serialize};

/// How the requester reached the app. It decides which requester rule
/// applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RequesterKind {
    /// A Jira automation rule (authored by a Jira administrator).
    Automation,
    /// A customer on the portal; only self-service and manager rules apply.
    PortalCustomer,
    /// A service desk agent in the issue view.
    Agent,
    /// A caller of the Service API holding the service key or a signature.
    ServiceApi,
    /// A Jira administrator on the app's admin page.
    Admin,
}

/// How a Service API caller proved who it is. Only a signed HR integration
/// may ever receive a secret in the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ServiceApiAuth {
    /// The shared service key in the request.
    ServiceKey,
    /// An HMAC signature over timestamp and body (the HR integration).
    HmacSigned,
}

/// The Jira account behind a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requester {
    /// Jira Cloud account id.
    pub account_id: String,
    /// Jira display name, for messages and the audit trail.
    pub display_name: String,
    /// The Jira account's email, when Jira reveals it (profile visibility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Which door the request came through.
    pub kind: RequesterKind,
}

/// The entry point that carried the request, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntryPoint {
    /// A Jira automation action.
    Automation,
    /// A customer request on the JSM portal.
    Portal,
    /// The Service API web trigger.
    ServiceApi,
    /// The issue panel (agents).
    Panel,
    /// The app's admin page.
    AdminPage,
    /// A scheduled trigger (no person behind it).
    Schedule,
}

/// Everything about the call that is not the operation itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// Who asks.
    pub requester: Requester,
    /// Through which entry point.
    pub entry_point: EntryPoint,
    /// The JSM request the operation belongs to, when there is one.
    pub issue_key: Option<String>,
    /// Set only for Service API calls.
    pub service_auth: Option<ServiceApiAuth>,
    /// Caller-chosen key: a repeat with the same key returns the first
    /// answer instead of running again.
    pub idempotency_key: Option<String>,
    /// A dry run changes nothing, so it skips the approvals gate (approvers
    /// are shown the dry-run plan before they decide).
    pub dry_run: bool,
}

impl RequestContext {
    /// A context with no issue, no Service API auth, no idempotency key, not
    /// a dry run.
    pub fn new(requester: Requester, entry_point: EntryPoint) -> Self {
        RequestContext {
            requester,
            entry_point,
            issue_key: None,
            service_auth: None,
            idempotency_key: None,
            dry_run: false,
        }
    }

    /// Ties the call to a JSM request (approvals are read from it).
    pub fn on_issue(mut self, issue_key: impl Into<String>) -> Self {
        self.issue_key = Some(issue_key.into());
        self
    }

    /// Records how a Service API caller authenticated.
    pub fn with_service_auth(mut self, auth: ServiceApiAuth) -> Self {
        self.service_auth = Some(auth);
        self
    }

    /// Marks the call as a dry run.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Sets [`RequestContext::idempotency_key`].
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}
