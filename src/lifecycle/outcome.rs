//! Step-by-step outcomes, so a partial failure is visible and a re-run can
//! resume.

use crate::graph::ClientError;
use crate::lifecycle::plan::{Plan, Step, StepTarget, TargetKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum StepOutcome {
    /// Graph accepted the change.
    Done,
    /// The goal already held (e.g. already a member, already disabled).
    NoChange,
    /// The change failed; later steps may still have run.
    Failed {
        /// Graph's error code (or `token`, `network`, `unexpected`, or
        /// `http_{status}` for a body without a code).
        code: String,
        /// Graph's (or the client's) message.
        message: String,
        /// Graph's `request-id`, when Graph answered.
        #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        /// Graph's HTTP status, when Graph answered: a 4xx the request's
        /// content caused makes the call's answer that 4xx, anything else
        /// (5xx, no answer) a 502.
        #[serde(rename = "httpStatus", skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        /// The property Graph named as at fault (`error.details[].target`).
        #[serde(skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
    /// Not attempted because an earlier step failed (e.g. follow-ups of a
    /// create that did not happen).
    Skipped {
        /// Why, for the requester.
        reason: String,
    },
    /// Throttled past the deadline: run the operation again after this.
    Deferred {
        /// Milliseconds to wait before re-running.
        #[serde(rename = "retryAfterMs")]
        retry_after_ms: u64,
    },
}

impl StepOutcome {
    /// The outcome of a failed request: a Graph error becomes
    /// [`StepOutcome::Failed`] with Graph's code, status and field, a deferral
    /// [`StepOutcome::Deferred`], token, network and decoding failures
    /// `Failed` with code `token`, `network` or `unexpected`.
    pub fn from_error(error: &ClientError) -> Self {
        match error {
            ClientError::Graph(g) => StepOutcome::Failed {
                code: if g.code.is_empty() {
                    format!("http_{}", g.status)
                } else {
                    g.code.clone()
                },
                message: g.message.clone(),
                request_id: g.request_id.clone(),
                http_status: Some(g.status),
                field: g.field().map(str::to_string),
            },
            ClientError::Deferred { retry_after_ms } => StepOutcome::Deferred {
                retry_after_ms: *retry_after_ms,
            },
            ClientError::Token(t) => StepOutcome::failed("token", t.to_string()),
            ClientError::Transport(t) => StepOutcome::failed("network", t.to_string()),
            ClientError::Decode { what, reason } => {
                StepOutcome::failed("unexpected", format!("{what}: {reason}"))
            }
        }
    }

    /// A failure Graph did not answer (a token, network or decoding
    /// problem): no status, no request id.
    pub fn failed(code: impl Into<String>, message: impl Into<String>) -> Self {
        StepOutcome::Failed {
            code: code.into(),
            message: message.into(),
            request_id: None,
            http_status: None,
            field: None,
        }
    }

    /// The 4xx of a step Graph refused because of what was asked (see
    /// [`GraphError::is_caused_by_request`]); `None` for success, deferral,
    /// a 5xx or no answer from Graph.
    pub fn refusal_status(&self) -> Option<u16> {
        match self {
            StepOutcome::Failed {
                http_status: Some(status),
                ..
            } if crate::graph::GraphError::status_is_caused_by_request(*status) => Some(*status),
            _ => None,
        }
    }

    /// Done or NoChange.
    pub fn is_success(&self) -> bool {
        matches!(self, StepOutcome::Done | StepOutcome::NoChange)
    }
}

/// One step of an operation and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepReport {
    /// The step's stable key (see [`crate::lifecycle::plan::Step::key`]).
    pub key: String,
    /// One line for people, e.g. "Disable the account a@contoso.com".
    pub summary: String,
    /// How it ended.
    pub outcome: StepOutcome,
    /// The groups and people the step touches (see [`Step::targets`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<StepTarget>,
}

impl StepReport {
    /// A report for the step with this key and summary.
    pub fn new(key: impl Into<String>, summary: impl Into<String>, outcome: StepOutcome) -> Self {
        StepReport {
            key: key.into(),
            summary: summary.into(),
            outcome,
            targets: Vec::new(),
        }
    }

    /// A report for `step`: its key, summary and targets.
    pub fn of(step: &Step, outcome: StepOutcome) -> Self {
        StepReport {
            targets: step.targets.clone(),
            ..StepReport::new(&step.key, &step.summary, outcome)
        }
    }
}

/// The user an operation acted on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSummary {
    /// Object id (GUID).
    pub id: String,
    /// UPN, when it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// For an invited guest: the link that redeems the invitation
    /// (`inviteRedeemUrl`). Not a secret: it works only for the invited
    /// address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invite_redeem_url: Option<String>,
}

/// What a remainder is about: the kinds of access or work an operation
/// cannot finish through Graph and a person must.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RemainderKind {
    /// Access that stays through a group the user is not a direct member of
    /// (a nested group): removing the direct membership elsewhere is needed.
    NestedGroup,
    /// Membership of a dynamic group: its membership rule, not the app,
    /// decides; the attribute that drives it must change.
    DynamicGroup,
    /// Membership of a group outside the serviceable groups of the policy,
    /// or one Graph cannot change (mail-enabled, distribution, synced).
    UnserviceableGroup,
    /// A change that must also be made in on-premises Active Directory: the
    /// user is synced, and Entra Connect's next cycle overwrites the cloud.
    ActiveDirectory,
    /// A credential that was not issued and still must be.
    CredentialPending,
    /// A licence still held through a group, or assigned but in error
    /// (`licenseAssignmentStates[].error`, e.g. `CountViolation`).
    Licence,
    /// An authentication method the app does not remove (a type outside
    /// `user.resetMfa`'s, such as a hardware OATH token): an administrator
    /// removes it in the Entra admin center.
    AuthenticationMethod,
    /// Group memberships a restored account had (from the audit trail),
    /// not given back automatically: each is a decision for a person.
    GroupsNotRestored,
    /// An account to delete later (a guest after its grace period).
    DeletionPending,
    /// A mailbox step Graph v1.0 has no call for (convert to a shared
    /// mailbox, forwarding, litigation hold): done in Exchange Online.
    Mailbox,
    /// An access change the app observed did not hold after its write (the
    /// read-back after the writes still found it).
    NotObserved,
    /// Groups the leaver owned whose ownership stays with the leaver (the
    /// hand-over of ownership is an opt-in) or could not be handed over.
    GroupOwnership,
}

/// Something the operation could not do itself, listed so that a request
/// is never closed as complete while access or work remains. Shown in the
/// answer (`result.remainder`), the internal comment and the audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Remainder {
    /// What kind of work is left.
    pub kind: RemainderKind,
    /// One line for people, naming the group, attribute or system.
    pub summary: String,
}

impl Remainder {
    /// A remainder of `kind` described by `summary`.
    pub fn new(kind: RemainderKind, summary: impl Into<String>) -> Self {
        Remainder {
            kind,
            summary: summary.into(),
        }
    }
}

/// The result of any mutating operation: the plan, and (unless a dry run)
/// what each step did. Never contains a secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// True when nothing was sent: `steps` is then empty or holds only
    /// no-change steps.
    pub dry_run: bool,
    /// The changes planned (secrets redacted).
    pub plan: Plan,
    /// One report per step, settled ones (no change) first.
    pub steps: Vec<StepReport>,
    /// The user acted on, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserSummary>,
    /// What is left for a person (empty when the operation finished it all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remainder: Vec<Remainder>,
}

/// How an operation ended, in the one vocabulary the Service API answer
/// (`result.status`, `result.complete`), the automation smart value
/// `status`, the internal comment and the audit record share. A change is
/// finished only when its end state holds and nothing is left for a person:
/// every step done (or already in place) *and* no remainder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Completion {
    /// A dry run: nothing was sent.
    DryRun,
    /// Every step was already in place and nothing is left.
    NoChange,
    /// Every step is done and nothing is left for a person.
    Done,
    /// Every step the app could take is done (or was in place), but access
    /// or work remains for a person ([`Outcome::remainder`]): the request
    /// must not be closed as finished.
    DoneWithRemainders,
    /// Some steps failed or were deferred; re-send the call to resume.
    Incomplete,
}

impl Completion {
    /// The answer's `result.status` (`"doneWithRemainders"`).
    pub fn key(self) -> &'static str {
        match self {
            Completion::DryRun => "dryRun",
            Completion::NoChange => "noChange",
            Completion::Done => "done",
            Completion::DoneWithRemainders => "doneWithRemainders",
            Completion::Incomplete => "incomplete",
        }
    }

    /// In words, as the automation smart value `status` and the comments
    /// say it (`"done with remainders"`).
    pub fn words(self) -> &'static str {
        match self {
            Completion::DryRun => "dry run",
            Completion::NoChange => "no change",
            Completion::Done => "done",
            Completion::DoneWithRemainders => "done with remainders",
            Completion::Incomplete => "not finished",
        }
    }

    /// The answer's `result.complete`: true only when the operation's end
    /// state holds and nothing is left for a person.
    pub fn is_complete(self) -> bool {
        matches!(self, Completion::Done | Completion::NoChange)
    }

    /// The `result.status` key back to the value (`None` for anything else).
    pub fn from_key(key: &str) -> Option<Self> {
        [
            Completion::DryRun,
            Completion::NoChange,
            Completion::Done,
            Completion::DoneWithRemainders,
            Completion::Incomplete,
        ]
        .into_iter()
        .find(|c| c.key() == key)
    }
}

impl Outcome {
    /// How the operation ended (see [`Completion`]): a remainder turns a
    /// done (or no-change) operation into [`Completion::DoneWithRemainders`].
    pub fn completion(&self) -> Completion {
        if self.dry_run {
            Completion::DryRun
        } else if !self.is_complete() {
            Completion::Incomplete
        } else if !self.remainder.is_empty() {
            Completion::DoneWithRemainders
        } else if self
            .steps
            .iter()
            .all(|s| s.outcome == StepOutcome::NoChange)
        {
            Completion::NoChange
        } else {
            Completion::Done
        }
    }

    /// True when every step succeeded or had nothing to do (remainders
    /// aside: see [`Outcome::completion`]).
    pub fn is_complete(&self) -> bool {
        self.steps.iter().all(|s| s.outcome.is_success())
    }

    /// The longest Retry-After of deferred steps, if any were deferred.
    pub fn deferred_ms(&self) -> Option<u64> {
        self.steps
            .iter()
            .filter_map(|s| match s.outcome {
                StepOutcome::Deferred { retry_after_ms } => Some(retry_after_ms),
                _ => None,
            })
            .max()
    }

    /// Names the groups whose steps still show only an id, from `names`
    /// (lower-cased object id to `displayName`): the group reads the
    /// pipeline already made (group lookups, the policy's group check), so
    /// naming costs no request. The id stays in the step's targets.
    pub fn name_groups(&mut self, names: &BTreeMap<String, String>) {
        let name = |summary: &mut String, targets: &mut [StepTarget]| {
            for target in targets.iter_mut().filter(|t| t.kind == TargetKind::Group) {
                if target.display_name.is_some() {
                    continue;
                }
                if let Some(known) = names.get(&target.id.to_ascii_lowercase()) {
                    *summary = summary.replace(&target.id, known);
                    target.display_name = Some(known.clone());
                }
            }
        };
        for planned in &mut self.plan.changes {
            name(&mut planned.summary, &mut planned.targets);
        }
        for step in &mut self.steps {
            name(&mut step.summary, &mut step.targets);
        }
    }

    /// One line per step, then one per remainder, for comments and logs.
    pub fn render_text(&self) -> String {
        let remainder = self
            .remainder
            .iter()
            .map(|r| format!("Left for a person: {}", r.summary));
        self.steps
            .iter()
            .map(|s| {
                let status = match &s.outcome {
                    StepOutcome::Done => "done".to_string(),
                    StepOutcome::NoChange => "no change".to_string(),
                    StepOutcome::Failed {
                        code,
                        message,
                        request_id,
                        ..
                    } => format!(
                        "FAILED {code}: {message}{}",
                        request_id
                            .as_ref()
                            .map(|r| format!(" (request-id {r})"))
                            .unwrap_or_default()
                    ),
                    StepOutcome::Skipped { reason } => format!("skipped: {reason}"),
                    StepOutcome::Deferred { retry_after_ms } => {
                        format!("deferred (throttled, retry after {retry_after_ms} ms)")
                    }
                };
                format!("{}: {status}", s.summary)
            })
            .chain(remainder)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_tagged() {
        let s = StepReport::new(
            "k",
            "Disable",
            StepOutcome::Deferred {
                retry_after_ms: 1500,
            },
        );
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["outcome"]["status"], "deferred");
        assert_eq!(v["outcome"]["retryAfterMs"], 1500);
        let o = Outcome {
            dry_run: false,
            plan: Plan::default(),
            steps: vec![s],
            user: None,
            remainder: vec![Remainder::new(
                RemainderKind::NestedGroup,
                "Still a member of App - GitHub Enterprise through Engineering",
            )],
        };
        assert_eq!(o.deferred_ms(), Some(1500));
        assert!(!o.is_complete());
        assert!(o.render_text().contains("deferred"));
        assert!(o.render_text().ends_with(
            "Left for a person: Still a member of App - GitHub Enterprise through Engineering"
        ));
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["remainder"][0]["kind"], "nestedGroup");
    }

    #[test]
    fn a_remainder_makes_done_read_as_done_with_remainders() {
        let mut o = Outcome {
            dry_run: false,
            plan: Plan::default(),
            steps: vec![StepReport::new("k", "Disable", StepOutcome::Done)],
            user: None,
            remainder: Vec::new(),
        };
        assert_eq!(o.completion(), Completion::Done);
        o.remainder.push(Remainder::new(
            RemainderKind::Mailbox,
            "Convert the mailbox",
        ));
        assert_eq!(o.completion(), Completion::DoneWithRemainders);
        assert!(!o.completion().is_complete());
        assert_eq!(o.completion().words(), "done with remainders");
        assert_eq!(
            Completion::from_key("doneWithRemainders"),
            Some(Completion::DoneWithRemainders)
        );
        o.steps[0].outcome = StepOutcome::NoChange;
        assert_eq!(o.completion(), Completion::DoneWithRemainders);
        o.remainder.clear();
        assert_eq!(o.completion(), Completion::NoChange);
    }
}
