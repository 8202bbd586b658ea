//! The runner of scheduled steps (`crate::schedule`): the hourly trigger
//! (`maintenance::hourly`) and the queue continuation run every step that
//! is due, each exactly once, through [`crate::pipeline::run`], as calls
//! through the `schedule` door (`EntryPoint::Schedule`) on behalf of the
//! requester who scheduled them, on their JSM request, so each is
//! authorized, audited and commented like any other call.
//!
//! Exactly once: a step is claimed by a conditional write before it runs
//! ([`crate::schedule::claim`]); of two sweeps only one gets it. Each call
//! carries an idempotency key derived from the step, so a run resumed
//! after a crash replays what completed. Work beyond one invocation's
//! time continues on the `operation-jobs` queue (`{"schedule":
//! "continue"}`), which the queue consumer hands back here.
//!
//! [`leave_scan`] (opt-in) adds the leavers HR dated directly in Entra as
//! due offboarding steps before the due steps are run.

pub mod leave_scan;

use crate::graph::Deadline;
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::pipeline::answer::CallAnswer;
use crate::pipeline::call::{IdempotencyKey, IssueKey, OperationCall};
use crate::policy::{EntryPoint, RequestContext};
use crate::route::Route;
use crate::schedule::{self, ScheduledStep, StepKind, StepStatus};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Time one call of a step may take (the pipeline's Graph deadline).
pub const STEP_BUDGET_MS: u64 = 50_000;

/// How long a step that must wait (approval pending, Entra throttling)
/// waits before the next try.
pub const RETRY_AFTER_MS: u64 = 60 * 60 * 1000;

/// The queue the continuation goes on, and its event body.
pub const CONTINUE_QUEUE: &str = "operation-jobs";

/// What one run of a step did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRun {
    /// The step's id (`{userId}:{step}`).
    pub id: String,
    /// What it does.
    pub step: StepKind,
    /// How it ended: done, failed, or pending again (to retry).
    pub status: StepStatus,
    /// The last call's HTTP status.
    pub http_status: u16,
}

/// What a run of the scheduler did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchedulerReport {
    /// The steps this run claimed and ran.
    pub ran: Vec<StepRun>,
    /// Due steps left when the time ran out (continued on the queue).
    pub continued: bool,
}

/// Runs due steps until none is due or starting another could end past
/// `stop_at_ms` (each may take [`STEP_BUDGET_MS`] per call); then, if any
/// is left, pushes the continuation onto the queue.
pub async fn run_due(
    host: &impl Host,
    transport: &impl Transport,
    stop_at_ms: u64,
) -> SchedulerReport {
    let mut report = SchedulerReport::default();
    loop {
        let due = match schedule::due(host, host.now_ms()).await {
            Ok(due) => due,
            Err(e) => {
                host.log(
                    LogLevel::Error,
                    &format!("scheduler: due steps not read: {e}"),
                );
                break;
            }
        };
        if due.is_empty() {
            break;
        }
        let full_page = due.len() >= schedule::MAX_PER_QUERY;
        for (key, observed_due, step) in due {
            if host.now_ms() + 2 * STEP_BUDGET_MS > stop_at_ms {
                report.continued = true;
                break;
            }
            let Some(step) = step else {
                // Unreadable: nothing can run it; it leaves the index.
                let _ = host
                    .entity_delete(crate::layout::SCHEDULED_STEP_ENTITY, &key)
                    .await;
                continue;
            };
            let claimed = match schedule::claim(host, &key, &observed_due, &step).await {
                Ok(Some(claimed)) => claimed,
                Ok(None) => continue, // another run has it
                Err(e) => {
                    host.log(
                        LogLevel::Error,
                        &format!("scheduler: {key} not claimed: {e}"),
                    );
                    continue;
                }
            };
            report
                .ran
                .push(run_claimed(host, transport, &claimed).await);
        }
        if report.continued || !full_page {
            break;
        }
    }
    if report.continued {
        let event = json!({"body": {"schedule": "continue"}});
        if let Err(e) = host.queue_push(CONTINUE_QUEUE, &[event]).await {
            host.log(
                LogLevel::Warn,
                &format!(
                    "scheduler: continuation not queued (the next hourly run picks it up): {e}"
                ),
            );
        }
    }
    report
}

/// Runs one claimed step and stores how it ended.
async fn run_claimed(
    host: &impl Host,
    transport: &impl Transport,
    step: &ScheduledStep,
) -> StepRun {
    let answer = run_step(host, transport, step).await;
    let (status, result) = match answer.status {
        200 => (
            StepStatus::Done,
            json!({"status": 200, "auditId": answer.body["auditId"], "note": answer.body["note"]}),
        ),
        // Approvers or Entra make it wait: try again later, same step.
        202 | 429 | 503 => (StepStatus::Pending, json!({"status": answer.status})),
        other => (
            StepStatus::Failed,
            json!({"status": other, "auditId": answer.body["auditId"], "error": answer.body["error"]}),
        ),
    };
    let stored = if status == StepStatus::Pending {
        let mut again = step.clone();
        again.status = StepStatus::Pending;
        again.due_at_ms = host.now_ms() + RETRY_AFTER_MS;
        again.result = Some(result);
        schedule::save(host, &again).await
    } else {
        schedule::finish(host, step, status, result).await
    };
    if let Err(e) = stored {
        // The lease ends and the step runs again: its calls replay.
        host.log(
            LogLevel::Error,
            &format!("scheduler: {} not finished: {e}", step.id()),
        );
    }
    host.log(
        LogLevel::Info,
        &format!(
            "scheduler: {} for {}: {}",
            step.step, step.user_label, answer.status
        ),
    );
    StepRun {
        id: step.id(),
        step: step.step,
        status,
        http_status: answer.status,
    }
}

/// The pipeline calls a step makes, in order; the first that does not
/// answer 200 ends the step with its answer.
async fn run_step(
    host: &impl Host,
    transport: &impl Transport,
    step: &ScheduledStep,
) -> CallAnswer {
    let user = || {
        let mut data = Map::new();
        data.insert("user".into(), json!(step.user_id));
        data
    };
    match step.step {
        StepKind::Activate => {
            let enabled = call(host, transport, step, Route::UserEnable, user(), "enable").await;
            if enabled.status != 200 {
                return enabled;
            }
            let (route, data) = first_credential_call(host, user()).await;
            call(host, transport, step, route, data, "credential").await
        }
        StepKind::Offboard => {
            call(
                host,
                transport,
                step,
                Route::UserOffboard,
                step.data.clone(),
                "offboard",
            )
            .await
        }
        StepKind::Delete => call(host, transport, step, Route::UserDelete, user(), "delete").await,
        StepKind::RemoveLicences => {
            let skus = match direct_licences(host, transport, &step.user_id).await {
                Ok(skus) => skus,
                Err(answer) => return answer,
            };
            if skus.is_empty() {
                return CallAnswer {
                    status: 200,
                    body: json!({"ok": true, "note": "no directly assigned licences were left"}),
                    retry_after_seconds: None,
                    replay: false,
                };
            }
            let mut data = user();
            data.insert("skus".into(), json!(skus));
            call(
                host,
                transport,
                step,
                Route::UserRemoveLicenses,
                data,
                "licences",
            )
            .await
        }
    }
}

/// The configured first credential as a call: `user.resetPassword` (a
/// temporary password) or `user.createTemporaryAccessPass` with the
/// configured lifetime.
async fn first_credential_call(
    host: &impl Host,
    mut data: Map<String, Value>,
) -> (Route, Map<String, Value>) {
    use crate::config::FirstCredentialSetting;
    let setting = crate::config::load(host)
        .await
        .map(|c| c.provisioning.first_credential)
        .unwrap_or_default();
    match setting {
        FirstCredentialSetting::TemporaryPassword => (Route::UserResetPassword, data),
        FirstCredentialSetting::TemporaryAccessPass {
            lifetime_minutes,
            usable_once,
        } => {
            data.insert("lifetimeInMinutes".into(), json!(lifetime_minutes));
            data.insert("isUsableOnce".into(), json!(usable_once));
            (Route::UserCreateTemporaryAccessPass, data)
        }
    }
}

/// One pipeline call of a step, through the `schedule` door, with an
/// idempotency key of the step, its scheduling time and `part`.
async fn call(
    host: &impl Host,
    transport: &impl Transport,
    step: &ScheduledStep,
    route: Route,
    data: Map<String, Value>,
    part: &str,
) -> CallAnswer {
    let key = format!("schedule:{}:{}:{part}", step.id(), step.created_at_ms);
    let call = OperationCall {
        route,
        data,
        idempotency_key: IdempotencyKey::parse("idempotencyKey", &key).ok(),
        issue_key: step
            .issue_key
            .as_deref()
            .and_then(|k| IssueKey::parse("issueKey", k).ok()),
        dry_run: false,
    };
    let context: RequestContext = call.context(step.requester.clone(), EntryPoint::Schedule);
    crate::pipeline::run(&call, &context, host, transport, STEP_BUDGET_MS).await
}

/// The SKU ids of the user's directly assigned licences (inherited ones go
/// with the groups): one Graph read. A failure is answered as the step's.
async fn direct_licences(
    host: &impl Host,
    transport: &impl Transport,
    user_id: &str,
) -> Result<Vec<String>, CallAnswer> {
    let ctx = crate::pipeline::context::RouteContext::load(host, transport, STEP_BUDGET_MS)
        .await
        .map_err(|e| e.to_answer())?;
    let client = ctx.graph().await.map_err(|e| e.to_answer())?;
    let request =
        crate::graph::resources::users::get_user(user_id, "id,licenseAssignmentStates", None);
    let deadline = Deadline::after(host.now_ms(), STEP_BUDGET_MS);
    let response = client.send(&request, deadline).await.map_err(|e| {
        crate::pipeline::error::ApiError::Operation(crate::lifecycle::OpError::from(e)).to_answer()
    })?;
    let mut skus: Vec<String> = Vec::new();
    for state in crate::lifecycle::licences::licensed_states(&response)
        .into_iter()
        .filter(|s| s.assigned_by_group.is_none())
    {
        if !skus.iter().any(|s| s.eq_ignore_ascii_case(&state.sku_id)) {
            skus.push(state.sku_id);
        }
    }
    Ok(skus)
}
