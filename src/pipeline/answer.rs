//! What a call answers, in the Service API's JSON shape; each entry point
//! presents it its own way (HTTP response, automation output, UI value).

use super::call::OperationCall;
use crate::delivery::DeliveryReceipt;
use crate::lifecycle::{Outcome, StepOutcome, StepReport};
use crate::secret::Secret;
use serde_json::{json, Value};

/// What a call produced, before it becomes a [`CallAnswer`].
pub enum Answer {
    /// A read: the result alone.
    Read(Value),
    /// A change (or its dry run).
    Changed(Box<Executed>),
}

/// A change that ran (or was planned), with its audit and credential trail.
pub struct Executed {
    /// The plan and every step's outcome.
    pub outcome: Outcome,
    /// The audit record's id; `None` for a dry run or when it could not be stored.
    pub audit_id: Option<String>,
    /// Where the credential waits for its one reveal; never the value.
    pub credential: Option<DeliveryReceipt>,
    /// Only for a signed HR integration with the admin's explicit consent.
    pub response_secret: Option<Secret>,
    /// A dry run on a request whose JSM approvals are still pending: how
    /// many (the real run waits for them).
    pub approvals_pending: Option<usize>,
    /// Steps the call scheduled for a later date (in a dry run: would
    /// schedule), as `pipeline::schedule` views them: `{"step", "dueAt",
    /// "dueAtMs", "user", "userId", "status", "summary"}`.
    pub scheduled: Vec<Value>,
}

/// A call's answer in the Service API's shape; each entry point presents
/// it its own way.
#[derive(Debug, Clone, PartialEq)]
pub struct CallAnswer {
    /// HTTP status: 200, or the error's status (400, 401, 403, 404, 409, 413, 429, 502, 503).
    pub status: u16,
    /// `{"ok": true, "route", "result", "plan"?, ...}` or `{"ok": false, "error", ...}`.
    pub body: Value,
    /// Set on 429/503: when to try again.
    pub retry_after_seconds: Option<u64>,
    /// This is the stored answer of an earlier identical call.
    pub replay: bool,
}

impl CallAnswer {
    /// `true` when the body says `"ok": true`.
    pub fn ok(&self) -> bool {
        self.body["ok"] == Value::Bool(true)
    }
}

/// A read route's answer: `200 {"ok": true, "route", "result"}`.
pub fn read_answer(call: &OperationCall, result: Value) -> CallAnswer {
    CallAnswer {
        status: 200,
        body: json!({ "ok": true, "route": call.route.name(), "result": result }),
        retry_after_seconds: None,
        replay: false,
    }
}

/// A change's answer: 200 when every step succeeded (or, in a dry run, the
/// plan); 429 when Entra throttled past the deadline; Graph's 400, 403, 404
/// or 409 when Graph refused a step because of what was asked; 502 when a
/// step failed upstream (Graph 5xx, network, an unknown state). Each carries
/// the plan and every step, so a caller sees exactly what was done and can
/// re-send the same call to resume.
pub fn outcome_answer(call: &OperationCall, executed: &Executed) -> CallAnswer {
    let outcome = &executed.outcome;
    let mut body = json!({
        "route": call.route.name(),
        "dryRun": outcome.dry_run,
        "plan": outcome.plan.changes,
        "result": { "user": outcome.user, "steps": outcome.steps },
    });
    if !outcome.remainder.is_empty() {
        // What a person still has to do: the call is not the whole job.
        body["result"]["remainder"] = json!(outcome.remainder);
    }
    // `complete` is false while access or work remains, even when every
    // step is done: a request is never closed green with a remainder.
    let completion = outcome.completion();
    body["result"]["status"] = json!(completion.key());
    body["result"]["complete"] = json!(completion.is_complete());
    if let Some(audit_id) = &executed.audit_id {
        body["auditId"] = json!(audit_id);
    }
    if !executed.scheduled.is_empty() {
        // What runs later, and when: part of the plan and of the result.
        body["scheduled"] = json!(executed.scheduled);
    }
    if let Some(pending) = executed.approvals_pending {
        body["approval"] = json!({
            "status": "pending",
            "pending": pending,
            "message": format!("{pending} JSM approval(s) on the request are still pending: the real run waits until every approver approves, and nothing runs if one declines."),
        });
    }
    if let Some(receipt) = &executed.credential {
        // Where the credential waits for its one reveal: never the value.
        body["result"]["credential"] = json!({
            "id": receipt.id,
            "kind": receipt.kind,
            "expiresAtMs": receipt.expires_at_ms,
            "revealableBy": receipt.viewers.len(),
        });
        body["result"]["credentialId"] = json!(receipt.id);
    }
    if let Some(secret) = &executed.response_secret {
        // Only a signed HR integration, and only with the admin's consent.
        body["result"]["credential"]["value"] = json!(secret.expose());
    }
    if outcome.dry_run || outcome.is_complete() {
        body["ok"] = json!(true);
        return CallAnswer {
            status: 200,
            body,
            retry_after_seconds: None,
            replay: false,
        };
    }
    body["ok"] = json!(false);
    let failed = outcome
        .steps
        .iter()
        .filter(|s| !s.outcome.is_success())
        .count();
    let total = outcome.steps.len();
    if let Some(ms) = outcome.deferred_ms() {
        body["error"] = json!({
            "code": "throttled",
            "message": format!("Entra is throttling: {failed} of {total} steps are not done yet. Re-send the same call after the Retry-After delay to finish them."),
            "retryAfterMs": ms,
        });
        return CallAnswer {
            status: 429,
            body,
            retry_after_seconds: Some(ms.div_ceil(1000).max(1)),
            replay: false,
        };
    }
    // A step Graph did not run because the step it depends on failed (424
    // Failed Dependency) follows that failure: the first failure decides.
    let failures: Vec<&StepReport> = outcome
        .steps
        .iter()
        .filter(|s| matches!(s.outcome, StepOutcome::Failed { .. }))
        .filter(|s| {
            !matches!(
                s.outcome,
                StepOutcome::Failed {
                    http_status: Some(424),
                    ..
                }
            )
        })
        .collect();
    if let Some(refused) = refusal(call, &failures, failed, total) {
        body["error"] = refused.error;
        return CallAnswer {
            status: refused.status,
            body,
            retry_after_seconds: None,
            replay: false,
        };
    }
    let request_id = failures.iter().find_map(|s| match &s.outcome {
        StepOutcome::Failed { request_id, .. } => request_id.clone(),
        _ => None,
    });
    body["error"] = json!({
        "code": "partial_failure",
        "message": format!("{failed} of {total} steps failed; the others are done. See result.steps; re-send the same call to retry only what is not done."),
        "graphRequestId": request_id,
    });
    CallAnswer {
        status: 502,
        body,
        retry_after_seconds: None,
        replay: false,
    }
}

/// A change Graph refused because of what was asked: its status and error.
struct Refused {
    status: u16,
    error: Value,
}

/// When every failed step is a Graph 4xx caused by the request (see
/// [`StepOutcome::refusal_status`]), the call answers the first one's
/// status with Graph's code, message, request id, the input field Graph
/// named and the permissions a 403 names: the caller must change the
/// request (or the app's permissions), and retrying as is would not help.
/// Any 5xx, network failure or unknown state among them keeps the 502.
fn refusal(
    call: &OperationCall,
    failures: &[&StepReport],
    failed: usize,
    total: usize,
) -> Option<Refused> {
    let first = failures.first()?;
    if failures
        .iter()
        .any(|s| s.outcome.refusal_status().is_none())
    {
        return None;
    }
    let StepOutcome::Failed {
        code,
        message,
        request_id,
        http_status: Some(status),
        field,
    } = &first.outcome
    else {
        return None;
    };
    let permissions = if *status == 403 {
        crate::graph::error::permissions_named(message)
    } else {
        Vec::new()
    };
    let mut text = format!(
        "Graph refused to {}: {message}",
        lower_first(&first.summary)
    );
    if !permissions.is_empty() {
        text.push_str(&format!(
            " The app's registration in Entra needs one of these application permissions, with admin consent: {}.",
            permissions.join(", ")
        ));
    }
    text.push_str(&format!(
        " {failed} of {total} steps failed; the others are done (see result.steps). Correct the request and re-send it to finish only what is not done."
    ));
    let mut error = json!({
        "code": crate::lifecycle::error::graph_refusal_code(*status),
        "message": text,
        "graphStatus": status,
        "graphCode": code,
        "graphMessage": message,
        "graphRequestId": request_id,
    });
    if let Some(path) = field.as_deref().and_then(|f| input_field(call, f)) {
        error["field"] = json!(path);
    }
    if !permissions.is_empty() {
        error["permissions"] = json!(permissions);
    }
    Some(Refused {
        status: *status,
        error,
    })
}

/// Graph's property name as the call's input path: `data.{name}` when the
/// route takes it directly, `data.changes.{name}` for attribute changes.
fn input_field(call: &OperationCall, property: &str) -> Option<String> {
    let names = crate::route::inputs::names(call.route);
    if names.contains(&property) {
        Some(format!("data.{property}"))
    } else if names.contains(&"changes") {
        Some(format!("data.changes.{property}"))
    } else {
        None
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
