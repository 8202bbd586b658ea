//! Why a request does not run: refused by a named rule (403), waiting for or
//! declined in JSM approval, or a check that could not be made (which never
//! counts as a pass).

use crate::host::HostError;
use crate::lifecycle::OpError;
use serde::Serialize;
use std::fmt;

/// The policy rules, named as the 403 message and the audit trail name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RuleName {
    /// The group is not in the admin's serviceable list.
    GroupNotServiceable,
    /// The group is of a kind Graph cannot or should not change this way.
    GroupKindNotServiceable,
    /// The target holds a privileged directory role.
    PrivilegedRoleTarget,
    /// The target is a member of a role-assignable group.
    RoleAssignableGroupTarget,
    /// The target is in an admin-configured protected group.
    ProtectedGroupTarget,
    /// The target is on the admin's protected user list.
    ProtectedUserTarget,
    /// A self-service request names someone else's account.
    SelfServiceOwnAccountOnly,
    /// A self-service request changes an attribute not on the allow-list.
    SelfServiceAttributeNotAllowed,
    /// The requester's email matches no Entra account, or several.
    SelfServiceIdentityNotUnique,
    /// Entra does not list the requester as the target's manager.
    ManagerOnly,
    /// The agent is in none of the configured Jira groups.
    AgentGroupRequired,
    /// This kind of requester may not ask for this operation at all.
    RequesterNotAllowed,
    /// Approval is required but the call belongs to no JSM request.
    ApprovalNeedsRequest,
    /// The admin refuses account changes (disable, enable, offboard) of
    /// users synced from on-premises AD: they belong in AD.
    SyncedUserAccountChange,
    /// The request's inputs changed after its JSM approvals were given:
    /// what would run is not what was approved.
    ChangedAfterApproval,
}

impl RuleName {
    /// The camelCase name used in 403 messages, `error.rule` and the audit
    /// trail, e.g. `privilegedRoleTarget`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleName::GroupNotServiceable => "groupNotServiceable",
            RuleName::GroupKindNotServiceable => "groupKindNotServiceable",
            RuleName::PrivilegedRoleTarget => "privilegedRoleTarget",
            RuleName::RoleAssignableGroupTarget => "roleAssignableGroupTarget",
            RuleName::ProtectedGroupTarget => "protectedGroupTarget",
            RuleName::ProtectedUserTarget => "protectedUserTarget",
            RuleName::SelfServiceOwnAccountOnly => "selfServiceOwnAccountOnly",
            RuleName::SelfServiceAttributeNotAllowed => "selfServiceAttributeNotAllowed",
            RuleName::SelfServiceIdentityNotUnique => "selfServiceIdentityNotUnique",
            RuleName::ManagerOnly => "managerOnly",
            RuleName::AgentGroupRequired => "agentGroupRequired",
            RuleName::RequesterNotAllowed => "requesterNotAllowed",
            RuleName::ApprovalNeedsRequest => "approvalNeedsRequest",
            RuleName::SyncedUserAccountChange => "syncedUserAccountChange",
            RuleName::ChangedAfterApproval => "changedAfterApproval",
        }
    }
}

impl fmt::Display for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request refused by policy (403). The message is plain words for the
/// requester and never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The rule that refused.
    pub rule: RuleName,
    /// Why, in words for the requester.
    pub message: String,
}

impl Refusal {
    /// A refusal under `rule`.
    pub fn new(rule: RuleName, message: impl Into<String>) -> Self {
        Refusal {
            rule,
            message: message.into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refused by policy rule '{}': {}",
            self.rule, self.message
        )
    }
}

/// A policy check that could not be completed. The request is not run.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckError {
    /// Reading Entra failed (or named no such user).
    Graph(OpError),
    /// Calling Jira failed.
    Jira(HostError),
    /// Jira answered something other than what its API documents.
    JiraAnswer {
        /// The Jira REST path called.
        path: String,
        /// The HTTP status Jira answered.
        status: u16,
    },
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Graph(e) => e.fmt(f),
            CheckError::Jira(e) => e.fmt(f),
            CheckError::JiraAnswer { path, status } => {
                write!(f, "Jira answered {status} to {path}")
            }
        }
    }
}

impl From<OpError> for CheckError {
    fn from(e: OpError) -> Self {
        CheckError::Graph(e)
    }
}

impl From<HostError> for CheckError {
    fn from(e: HostError) -> Self {
        CheckError::Jira(e)
    }
}

/// Why an operation may not run now.
#[derive(Debug, Clone, PartialEq)]
pub enum Denial {
    /// A policy rule refused (403 `refused_by_policy`).
    Refused(Refusal),
    /// Some approvals on the request are still pending; nothing was changed.
    AwaitingApproval {
        /// Approvals still pending on the JSM request (1 or more).
        pending: usize,
    },
    /// An approver declined; nothing was changed.
    ApprovalDeclined,
    /// A check could not be made (Graph or Jira failed); the request does
    /// not run.
    CheckFailed(CheckError),
}

impl Denial {
    /// The Service API status: 403 refused or declined, 202 awaiting
    /// approval (accepted, not run), the check's own status otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            Denial::Refused(_) | Denial::ApprovalDeclined => 403,
            Denial::AwaitingApproval { .. } => 202,
            Denial::CheckFailed(CheckError::Graph(e)) => e.http_status(),
            Denial::CheckFailed(_) => 502,
        }
    }

    /// Stable machine-readable code for `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Denial::Refused(_) => "refused_by_policy",
            Denial::AwaitingApproval { .. } => "awaiting_approval",
            Denial::ApprovalDeclined => "approval_declined",
            Denial::CheckFailed(CheckError::Graph(e)) => e.code(),
            Denial::CheckFailed(_) => "jira_error",
        }
    }

    /// The refusing rule, for [`Denial::Refused`] only.
    pub fn rule(&self) -> Option<RuleName> {
        match self {
            Denial::Refused(r) => Some(r.rule),
            _ => None,
        }
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Denial::Refused(r) => r.fmt(f),
            Denial::AwaitingApproval { pending } => write!(
                f,
                "awaiting approval: {pending} approval(s) on the request are still pending; nothing was changed"
            ),
            Denial::ApprovalDeclined => {
                f.write_str("the request's approval was declined; nothing was changed")
            }
            Denial::CheckFailed(e) => write!(f, "the policy check could not be completed: {e}"),
        }
    }
}

impl From<Refusal> for Denial {
    fn from(r: Refusal) -> Self {
        Denial::Refused(r)
    }
}

impl From<CheckError> for Denial {
    fn from(e: CheckError) -> Self {
        Denial::CheckFailed(e)
    }
}

impl From<OpError> for Denial {
    fn from(e: OpError) -> Self {
        Denial::CheckFailed(CheckError::Graph(e))
    }
}

impl From<HostError> for Denial {
    fn from(e: HostError) -> Self {
        Denial::CheckFailed(CheckError::Jira(e))
    }
}
