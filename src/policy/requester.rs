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
    ServiceKey,
    HmacSigned,
}

/// The Jira account behind a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Requester {
    pub account_id: String,
    pub display_name: String,
    /// The Jira account's email, when Jira reveals it (profile visibility).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub kind: RequesterKind,
}

/// The entry point that carried the request, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntryPoint {
    Automation,
    Portal,
    ServiceApi,
    Panel,
    AdminPage,
    Schedule,
}

/// Everything about the call that is not the operation itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    pub requester: Requester,
    pub entry_point: EntryPoint,
    /// The JSM request the operation belongs to, when there is one.
    pub issue_key: Option<String>,
    /// Set only for Service API calls.
    pub service_auth: Option<ServiceApiAuth>,
    pub idempotency_key: Option<String>,
    /// A dry run changes nothing, so it skips the approvals gate (approvers
    /// are shown the dry-run plan before they decide).
    pub dry_run: bool,
}

impl RequestContext {
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

    pub fn on_issue(mut self, issue_key: impl Into<String>) -> Self {
        self.issue_key = Some(issue_key.into());
        self
    }

    pub fn with_service_auth(mut self, auth: ServiceApiAuth) -> Self {
        self.service_auth = Some(auth);
        self
    }

    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}
