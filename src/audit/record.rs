//! One audit record per attempted operation, refusals and reveals
//! included. Records hold no secret values: every JSON part is redacted
//! before it is stored (see [`crate::audit::store::record`]).

use crate::lifecycle::{CredentialKind, OpError, Outcome, Remainder, StepOutcome};
use crate::policy::{Denial, EntryPoint, Operation, RequestContext, RequesterKind, ResolvedUser};
use crate::route::Route;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What was attempted: an operation, or the reveal of a credential.
/// JSON: `{"type": "operation", "operation": "user.create"}` or
/// `{"type": "revealCredential"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type", content = "operation")]
pub enum AuditAction {
    /// An operation, by route.
    Operation(Route),
    /// A one-time reveal of a generated credential.
    RevealCredential,
}

/// Who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditActor {
    /// Atlassian account id of the requester; `"service-api"` for Service
    /// API callers, empty for an automation rule run without an actor.
    pub account_id: String,
    /// Name as the entry point knew it (absent on reveal records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// How the requester was classified (absent on reveal records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<RequesterKind>,
}

/// Whom it was about: the Entra object id when known, and how the request
/// named the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditTarget {
    /// Entra object id, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The UPN once resolved, else the value the request gave (UPN, mail,
    /// employee id or object id).
    pub label: String,
}

/// How the attempt ended. JSON is tagged by `status`, e.g.
/// `{"status": "refused", "rule": "protectedUserTarget", "message": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum AuditResult {
    /// Every step done (or needed no change).
    Succeeded,
    /// Every step done (or needed no change), but access or work is left
    /// for a person (see `remainder`): "done with remainders".
    DoneWithRemainders,
    /// Some steps failed or were deferred; see `steps`.
    PartiallyFailed,
    /// Nothing ran to completion: the operation, or the policy's own check,
    /// failed.
    Failed {
        /// The error code the caller saw (e.g. `not_found`).
        code: String,
        /// The error message the caller saw.
        message: String,
    },
    /// The policy said no; nothing changed.
    Refused {
        /// The policy rule that refused (its name, as the Service API's
        /// `error.rule` gives it).
        rule: String,
        /// Why, in words.
        message: String,
    },
    /// Waiting for JSM approvals; nothing changed yet.
    AwaitingApproval {
        /// Approvals still undecided on the request.
        pending: usize,
    },
    /// An approver declined; nothing changed.
    ApprovalDeclined,
    /// A dry run: the plan is recorded, nothing changed.
    Planned,
    /// A credential was handed to an allowed viewer and deleted.
    Revealed,
    /// The run began: written before its first change was sent to Entra
    /// and replaced by its end when the run records one. A record still
    /// `started` after its call has ended belongs to a run that was stopped
    /// mid-plan (Forge's time limit, a crash): the changes it may have made
    /// are not listed; a resend of the same call (same idempotency key)
    /// completes this record with every step.
    Started,
    /// A reveal was refused; the credential (if any) is untouched unless it
    /// had expired.
    RevealRefused {
        /// `not found or already revealed`, `expired` or `viewer not allowed`.
        reason: String,
    },
}

/// The result without details, for filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResultKind {
    /// [`AuditResult::Succeeded`].
    Succeeded,
    /// [`AuditResult::DoneWithRemainders`].
    DoneWithRemainders,
    /// [`AuditResult::PartiallyFailed`].
    PartiallyFailed,
    /// [`AuditResult::Failed`].
    Failed,
    /// [`AuditResult::Refused`].
    Refused,
    /// [`AuditResult::AwaitingApproval`].
    AwaitingApproval,
    /// [`AuditResult::ApprovalDeclined`].
    ApprovalDeclined,
    /// [`AuditResult::Planned`].
    Planned,
    /// [`AuditResult::Revealed`].
    Revealed,
    /// [`AuditResult::Started`].
    Started,
    /// [`AuditResult::RevealRefused`].
    RevealRefused,
}

impl AuditResult {
    /// The result without its details.
    pub fn kind(&self) -> ResultKind {
        match self {
            AuditResult::Succeeded => ResultKind::Succeeded,
            AuditResult::DoneWithRemainders => ResultKind::DoneWithRemainders,
            AuditResult::PartiallyFailed => ResultKind::PartiallyFailed,
            AuditResult::Failed { .. } => ResultKind::Failed,
            AuditResult::Refused { .. } => ResultKind::Refused,
            AuditResult::AwaitingApproval { .. } => ResultKind::AwaitingApproval,
            AuditResult::ApprovalDeclined => ResultKind::ApprovalDeclined,
            AuditResult::Planned => ResultKind::Planned,
            AuditResult::Revealed => ResultKind::Revealed,
            AuditResult::Started => ResultKind::Started,
            AuditResult::RevealRefused { .. } => ResultKind::RevealRefused,
        }
    }

    /// The result in words, as the audit comment ends its first line
    /// (`"refused by policy rule 'x': ..."`).
    pub fn describe(&self) -> String {
        match self {
            AuditResult::Succeeded => "succeeded".into(),
            AuditResult::DoneWithRemainders => crate::lifecycle::Completion::DoneWithRemainders
                .words()
                .into(),
            AuditResult::PartiallyFailed => "partly failed".into(),
            AuditResult::Failed { code, message } => format!("failed ({code}): {message}"),
            AuditResult::Refused { rule, message } => {
                format!("refused by policy rule '{rule}': {message}")
            }
            AuditResult::AwaitingApproval { pending } => {
                format!("awaiting approval ({pending} pending); nothing was changed")
            }
            AuditResult::ApprovalDeclined => "approval declined; nothing was changed".into(),
            AuditResult::Planned => "dry run; nothing was changed".into(),
            AuditResult::Revealed => "credential revealed".into(),
            AuditResult::Started => "started; its end was not recorded".into(),
            AuditResult::RevealRefused { reason } => format!("reveal refused: {reason}"),
        }
    }
}

/// The kind of credential, as stored (mirrors [`CredentialKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CredentialType {
    /// A password the user must change at next sign-in.
    TemporaryPassword,
    /// An Entra Temporary Access Pass.
    TemporaryAccessPass,
}

impl From<CredentialKind> for CredentialType {
    fn from(kind: CredentialKind) -> Self {
        match kind {
            CredentialKind::TemporaryPassword => CredentialType::TemporaryPassword,
            CredentialKind::TemporaryAccessPass => CredentialType::TemporaryAccessPass,
        }
    }
}

impl CredentialType {
    /// `"temporary password"` or `"Temporary Access Pass"`, for sentences.
    pub fn describe(self) -> &'static str {
        match self {
            CredentialType::TemporaryPassword => "temporary password",
            CredentialType::TemporaryAccessPass => "Temporary Access Pass",
        }
    }
}

/// A note that a credential was issued, never the credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialNote {
    /// Password or TAP.
    pub kind: CredentialType,
    /// The one-time delivery id (useless without being an allowed viewer).
    pub delivery_id: String,
    /// When the unrevealed credential stops being revealable, in
    /// milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
}

/// One attempted operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// Random, assigned when the record is built (see [`new_record_id`]).
    pub id: String,
    /// When the attempt was made, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Who asked (for a reveal: who tried to see the credential).
    pub requester: AuditActor,
    /// Where the call came in; absent on reveal records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<EntryPoint>,
    /// The JSM request the call belongs to, e.g. `ITSM-42`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_key: Option<String>,
    /// What was attempted.
    pub action: AuditAction,
    /// Whom it was about, when the call named a user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<AuditTarget>,
    /// Groups the call named (object ids or display names, as given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// True for a dry run (nothing was changed).
    #[serde(default)]
    pub dry_run: bool,
    /// The plan (redacted Graph changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Value>,
    /// The result of each step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Value>,
    /// Milliseconds from the start of the call to its record (Graph
    /// requests, retries and Jira reads included), for the admin page's
    /// slowest operations; absent on refusals, reveals and older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// How it ended.
    pub result: AuditResult,
    /// What the operation left for a person (access through nested or
    /// dynamic groups, Active Directory changes, a pending credential).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remainder: Vec<Remainder>,
    /// Graph `request-id`s of failed requests, for Microsoft support.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub graph_request_ids: Vec<String>,
    /// The call's idempotency key, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The credential the operation issued, if any (never its value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialNote>,
    /// The credential a reveal record is about (reveal records only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<String>,
    /// For a reveal: the record of the operation that issued the credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_audit_id: Option<String>,
}

/// Random id of a record: 12 base64url characters.
pub fn new_record_id() -> String {
    crate::random::token::<9>()
}

impl AuditRecord {
    /// A record of `op` requested in `ctx`, not yet with a result (it is
    /// `Planned` until one of the result setters runs).
    pub fn for_operation(now_ms: u64, ctx: &RequestContext, op: &Operation) -> Self {
        AuditRecord {
            id: new_record_id(),
            at_ms: now_ms,
            requester: AuditActor {
                account_id: ctx.requester.account_id.clone(),
                display_name: Some(ctx.requester.display_name.clone()),
                kind: Some(ctx.requester.kind),
            },
            entry_point: Some(ctx.entry_point),
            issue_key: ctx.issue_key.clone(),
            action: AuditAction::Operation(op.kind),
            target: op.target.as_ref().map(|t| AuditTarget {
                id: match t {
                    crate::lifecycle::UserRef::Id(id) => Some(id.to_string()),
                    _ => None,
                },
                label: t.value().to_string(),
            }),
            groups: op.groups.iter().map(ToString::to_string).collect(),
            dry_run: ctx.dry_run,
            plan: None,
            steps: Vec::new(),
            duration_ms: None,
            result: AuditResult::Planned,
            remainder: Vec::new(),
            graph_request_ids: Vec::new(),
            idempotency_key: ctx.idempotency_key.clone(),
            credential: None,
            delivery_id: None,
            related_audit_id: None,
        }
    }

    /// Names the target as the policy resolved it.
    pub fn with_resolved_target(mut self, user: &ResolvedUser) -> Self {
        self.target = Some(AuditTarget {
            id: Some(user.id.clone()),
            label: user.label(),
        });
        self
    }

    /// The policy said no (or not yet).
    pub fn denied(mut self, denial: &Denial) -> Self {
        self.result = match denial {
            Denial::Refused(r) => AuditResult::Refused {
                rule: r.rule.to_string(),
                message: r.message.clone(),
            },
            Denial::AwaitingApproval { pending } => {
                AuditResult::AwaitingApproval { pending: *pending }
            }
            Denial::ApprovalDeclined => AuditResult::ApprovalDeclined,
            Denial::CheckFailed(e) => AuditResult::Failed {
                code: denial.code().to_string(),
                message: e.to_string(),
            },
        };
        self
    }

    /// The operation ran (or was planned): plan, steps, the target as
    /// Graph returned it, and the `request-id`s of failed steps.
    pub fn completed(mut self, outcome: &Outcome) -> Self {
        self.plan = serde_json::to_value(&outcome.plan).ok();
        self.steps = outcome
            .steps
            .iter()
            .filter_map(|s| serde_json::to_value(s).ok())
            .collect();
        self.remainder = outcome.remainder.clone();
        self.graph_request_ids
            .extend(outcome.steps.iter().filter_map(|s| match &s.outcome {
                StepOutcome::Failed { request_id, .. } => request_id.clone(),
                _ => None,
            }));
        if let Some(user) = &outcome.user {
            self.target = Some(AuditTarget {
                id: Some(user.id.clone()),
                label: user
                    .user_principal_name
                    .clone()
                    .unwrap_or_else(|| user.id.clone()),
            });
        }
        self.dry_run = outcome.dry_run;
        self.result = if outcome.dry_run {
            AuditResult::Planned
        } else if outcome.completion() == crate::lifecycle::Completion::DoneWithRemainders {
            AuditResult::DoneWithRemainders
        } else if outcome.is_complete() {
            AuditResult::Succeeded
        } else {
            AuditResult::PartiallyFailed
        };
        self
    }

    /// The run is about to send its first change: see
    /// [`AuditResult::Started`].
    pub fn started(mut self) -> Self {
        self.result = AuditResult::Started;
        self
    }

    /// The operation failed before it could report steps.
    pub fn failed(mut self, error: &OpError) -> Self {
        if let OpError::Graph(g) = error {
            self.graph_request_ids.extend(g.request_id.clone());
        }
        self.result = AuditResult::Failed {
            code: error.code().to_string(),
            message: error.to_string(),
        };
        self
    }

    /// Notes the credential the operation issued (never its value).
    pub fn with_credential(mut self, note: CredentialNote) -> Self {
        self.credential = Some(note);
        self
    }

    /// Adds Graph `request-id`s to the record.
    pub fn with_request_ids(mut self, ids: impl IntoIterator<Item = String>) -> Self {
        self.graph_request_ids.extend(ids);
        self
    }

    /// The route attempted; `None` for a reveal record.
    pub fn operation(&self) -> Option<Route> {
        match self.action {
            AuditAction::Operation(kind) => Some(kind),
            AuditAction::RevealCredential => None,
        }
    }
}
