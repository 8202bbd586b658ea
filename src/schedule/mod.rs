//! Scheduled steps: work on a person that waits for a date (a joiner's
//! activation on the hire date, a leaver's offboarding on the leave date,
//! the licence removal and account deletion after the grace days), kept in
//! Forge storage as one `scheduled-step` entity per person and step
//! (`layout::SCHEDULED_STEP_ENTITY`, key `{userId}:{step}`), beside each
//! person's lifecycle state ([`state`]).
//!
//! The `dueAtMs` attribute is set only while a step waits or runs, so the
//! `by-due` index holds live steps alone; finished and cancelled steps
//! stay listed through `by-person` (what the admin page shows per person).
//!
//! A step runs exactly once: the runner ([`claim`]) moves its `dueAtMs`
//! forward by [`LEASE_MS`] in a transaction conditional on the `dueAtMs` it
//! read, so of two sweeps reading the same step only one claims it; a
//! runner that dies leaves the step due again when the lease ends, and the
//! re-run replays the pipeline's idempotent answer instead of repeating.
//! This module stores and decides nothing else; `crate::scheduler` runs
//! the steps through the pipeline.

pub mod state;

use crate::host::{Condition, EntityQuery, Host, HostError, Range, Sort, TxOp};
use crate::layout::{self, SCHEDULED_STEP_ENTITY};
use crate::policy::Requester;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::fmt;

/// How long a claimed step is held by its runner before another sweep may
/// take it over (the scheduled trigger's 900 s limit, with margin).
pub const LEASE_MS: u64 = 15 * 60 * 1000;

/// Most due steps one query reads.
pub const MAX_PER_QUERY: usize = 100;

/// Most steps of one person [`of_person`] lists.
pub const MAX_PER_PERSON: usize = 50;

/// What a scheduled step does when it comes due. JSON: `activate`,
/// `offboard`, `licences.remove`, `delete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StepKind {
    /// A future joiner's hire date: enable the account and issue the
    /// first credential (`user.enable`, then the configured credential).
    #[serde(rename = "activate")]
    Activate,
    /// A leaver's leave date: `user.offboard`.
    #[serde(rename = "offboard")]
    Offboard,
    /// `provisioning.licenceRemovalGraceDays` after the leave date: remove
    /// the directly assigned licences (`user.removeLicenses`).
    #[serde(rename = "licences.remove")]
    RemoveLicences,
    /// `provisioning.accountDeletionGraceDays` after the leave date:
    /// `user.delete`.
    #[serde(rename = "delete")]
    Delete,
}

impl StepKind {
    /// The name used in keys, answers and audit records.
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Activate => "activate",
            StepKind::Offboard => "offboard",
            StepKind::RemoveLicences => "licences.remove",
            StepKind::Delete => "delete",
        }
    }

    /// What the step does, in words, for plans and comments.
    pub fn describe(self) -> &'static str {
        match self {
            StepKind::Activate => "enable the account and issue the first credential",
            StepKind::Offboard => "offboard the leaver",
            StepKind::RemoveLicences => "remove the directly assigned licences",
            StepKind::Delete => "delete the account",
        }
    }

    /// Whether the step belongs to a leaver (cancelled when the person is
    /// re-enabled).
    pub fn is_leaver_step(self) -> bool {
        !matches!(self, StepKind::Activate)
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a step is in its life. JSON: camelCase names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum StepStatus {
    /// Waiting for its date.
    Pending,
    /// Claimed by a runner (until the lease ends).
    Running,
    /// Ran; `result` says how.
    Done,
    /// Ran and ended with an error; `result` says which.
    Failed,
    /// Contradicting work replaced it before it ran; `result` says why.
    Cancelled,
}

impl StepStatus {
    /// Whether the step may still run.
    pub fn is_live(self) -> bool {
        matches!(self, StepStatus::Pending | StepStatus::Running)
    }
}

/// One scheduled step, as stored (the entity's `step` attribute).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledStep {
    /// The person's Entra object id.
    pub user_id: String,
    /// The person's UPN (or display name), for lists and comments.
    pub user_label: String,
    /// What the step does.
    pub step: StepKind,
    /// When it is due, in milliseconds since the Unix epoch.
    pub due_at_ms: u64,
    /// Where it is in its life.
    pub status: StepStatus,
    /// The `data` of the call it makes when due (for an offboarding: the
    /// user and `leaveDateTime`).
    #[serde(default)]
    pub data: Map<String, Value>,
    /// The JSM request it belongs to, if any (its comments go there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_key: Option<String>,
    /// Who asked for the work that scheduled it.
    pub requester: Requester,
    /// When it was scheduled, in milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// How many runs have claimed it.
    #[serde(default)]
    pub attempts: u32,
    /// What the run answered (`{"status", "auditId"?, "error"?}`) or why it
    /// was cancelled (`{"reason"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
}

impl ScheduledStep {
    /// The step's id: `{userId}:{step}` (one step of a kind per person; a
    /// new date replaces the old).
    pub fn id(&self) -> String {
        id_of(&self.user_id, self.step)
    }

    /// What the answer and the plan say about it: `{"step", "dueAt",
    /// "dueAtMs", "user", "userId", "status", "summary"}`.
    pub fn view(&self) -> Value {
        json!({
            "step": self.step,
            "dueAt": crate::dates::iso_ms(self.due_at_ms),
            "dueAtMs": self.due_at_ms,
            "user": self.user_label,
            "userId": self.user_id,
            "status": self.status,
            "summary": format!("{} for {} on {}", capitalised(self.step.describe()), self.user_label, crate::dates::iso_ms(self.due_at_ms)),
            "result": self.result,
        })
    }

    /// The entity as stored at `now_ms`: a live step carries `dueAtMs`
    /// (the `by-due` index), an ended one `finishedAtMs` (the `by-finished`
    /// index the retention purge reads).
    fn entity_value(&self, now_ms: u64) -> Value {
        let mut value = json!({
            "userId": self.user_id.to_ascii_lowercase(),
            "createdAtMs": self.created_at_ms,
            "step": self,
        });
        if self.status.is_live() {
            value["dueAtMs"] = json!(self.due_at_ms);
        } else {
            value["finishedAtMs"] = json!(now_ms);
        }
        value
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The entity key of `user_id`'s step of `kind`.
pub fn id_of(user_id: &str, kind: StepKind) -> String {
    format!(
        "{}:{}",
        layout::key_part(&user_id.to_ascii_lowercase()),
        kind.as_str()
    )
}

/// Stores (or replaces) a step: one entity write.
pub async fn save(host: &impl Host, step: &ScheduledStep) -> Result<(), HostError> {
    host.entity_set(
        SCHEDULED_STEP_ENTITY,
        &step.id(),
        &step.entity_value(host.now_ms()),
    )
    .await
}

/// The step stored under `id`; `None` when absent or unreadable.
pub async fn load(host: &impl Host, id: &str) -> Result<Option<ScheduledStep>, HostError> {
    Ok(host
        .entity_get(SCHEDULED_STEP_ENTITY, id)
        .await?
        .and_then(|v| serde_json::from_value(v["step"].clone()).ok()))
}

/// Steps due by `now_ms` (waiting, or claimed by a runner whose lease has
/// ended), soonest first, at most [`MAX_PER_QUERY`]: `(key, dueAtMs as
/// stored, step)`; a step that no longer parses comes with `None`.
pub async fn due(
    host: &impl Host,
    now_ms: u64,
) -> Result<Vec<(String, Value, Option<ScheduledStep>)>, HostError> {
    let page = host
        .entity_query(&EntityQuery {
            entity_name: SCHEDULED_STEP_ENTITY.to_string(),
            index_name: "by-due".to_string(),
            partition: Vec::new(),
            range: Some(Range::LessThanEqualTo(json!(now_ms))),
            sort: Sort::Asc,
            limit: MAX_PER_QUERY,
            cursor: None,
        })
        .await?;
    Ok(page
        .results
        .into_iter()
        .map(|e| {
            let step = serde_json::from_value(e.value["step"].clone()).ok();
            (e.key, e.value["dueAtMs"].clone(), step)
        })
        .collect())
}

/// Claims a due step for one run: in one transaction, only if its stored
/// `dueAtMs` is still `observed_due` (no other runner took it since it was
/// read), marks it running, counts the attempt and moves `dueAtMs` to the
/// end of the lease. `Ok(Some(step))`: this runner owns it; `Ok(None)`:
/// another runner does, or it changed (the transaction's condition failed).
pub async fn claim(
    host: &impl Host,
    key: &str,
    observed_due: &Value,
    step: &ScheduledStep,
) -> Result<Option<ScheduledStep>, HostError> {
    let mut claimed = step.clone();
    claimed.status = StepStatus::Running;
    claimed.attempts += 1;
    let mut value = claimed.entity_value(host.now_ms());
    value["dueAtMs"] = json!(host.now_ms() + LEASE_MS);
    let op = TxOp::Set {
        key: key.to_string(),
        value,
        entity: Some(SCHEDULED_STEP_ENTITY.to_string()),
        conditions: vec![Condition::EqualTo("dueAtMs".into(), observed_due.clone())],
    };
    match host.kvs_transact(&[op]).await {
        Ok(()) => Ok(Some(claimed)),
        // A failed condition is the expected loss of a race: the other
        // runner has it. Forge reports it as a refused transaction.
        Err(HostError::Storage { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Ends a claimed step with `status` and `result` (it leaves `by-due`).
pub async fn finish(
    host: &impl Host,
    step: &ScheduledStep,
    status: StepStatus,
    result: Value,
) -> Result<(), HostError> {
    let mut done = step.clone();
    done.status = status;
    done.result = Some(result);
    save(host, &done).await
}

/// A person's steps (every status), oldest scheduled first, at most
/// [`MAX_PER_PERSON`] (one `by-person` index query).
pub async fn of_person(host: &impl Host, user_id: &str) -> Result<Vec<ScheduledStep>, HostError> {
    let page = host
        .entity_query(&EntityQuery {
            entity_name: SCHEDULED_STEP_ENTITY.to_string(),
            index_name: "by-person".to_string(),
            partition: vec![json!(user_id.to_ascii_lowercase())],
            range: None,
            sort: Sort::Asc,
            limit: MAX_PER_PERSON,
            cursor: None,
        })
        .await?;
    Ok(page
        .results
        .into_iter()
        .filter_map(|e| serde_json::from_value(e.value["step"].clone()).ok())
        .collect())
}

/// Steps still to run, every person, soonest first, at most
/// [`MAX_PER_QUERY`] (the admin page's list).
pub async fn upcoming(host: &impl Host) -> Result<Vec<ScheduledStep>, HostError> {
    let page = host
        .entity_query(&EntityQuery {
            entity_name: SCHEDULED_STEP_ENTITY.to_string(),
            index_name: "by-due".to_string(),
            partition: Vec::new(),
            range: None,
            sort: Sort::Asc,
            limit: MAX_PER_QUERY,
            cursor: None,
        })
        .await?;
    Ok(page
        .results
        .into_iter()
        .filter_map(|e| serde_json::from_value(e.value["step"].clone()).ok())
        .collect())
}

/// Deletes steps that ended (done, failed, cancelled) more than
/// `retention_days` days ago, oldest first, at most `max` per call (one
/// `by-finished` query, one entity delete each). Answers how many went.
/// A finished step's result points at its audit record, so it is kept as
/// long as the audit trail keeps that record.
pub async fn purge_finished(
    host: &impl Host,
    retention_days: u32,
    max: usize,
) -> Result<usize, HostError> {
    let cutoff = host
        .now_ms()
        .saturating_sub(u64::from(retention_days) * 24 * 60 * 60 * 1000);
    let page = host
        .entity_query(&EntityQuery {
            entity_name: SCHEDULED_STEP_ENTITY.to_string(),
            index_name: "by-finished".to_string(),
            partition: Vec::new(),
            range: Some(Range::LessThan(json!(cutoff))),
            sort: Sort::Asc,
            limit: max.min(MAX_PER_QUERY),
            cursor: None,
        })
        .await?;
    let mut deleted = 0;
    for entity in page.results {
        host.entity_delete(SCHEDULED_STEP_ENTITY, &entity.key)
            .await?;
        deleted += 1;
    }
    Ok(deleted)
}

/// Cancels `user_id`'s live steps of the kinds `which` selects, saying
/// why; answers the cancelled steps. A running step is cancelled too: its
/// runner's finish overwrites nothing it did not do, and the cancellation
/// reaches the steps that have not started.
pub async fn cancel(
    host: &impl Host,
    user_id: &str,
    which: impl Fn(StepKind) -> bool,
    reason: &str,
) -> Result<Vec<ScheduledStep>, HostError> {
    let mut cancelled = Vec::new();
    for step in of_person(host, user_id).await? {
        if step.status == StepStatus::Pending && which(step.step) {
            let mut gone = step.clone();
            gone.status = StepStatus::Cancelled;
            gone.result = Some(json!({ "reason": reason }));
            save(host, &gone).await?;
            cancelled.push(gone);
        }
    }
    Ok(cancelled)
}
