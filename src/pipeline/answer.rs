//! What a call answers, in the Service API's JSON shape; each entry point
//! presents it its own way (HTTP response, automation output, UI value).

use super::call::OperationCall;
use crate::delivery::DeliveryReceipt;
use crate::lifecycle::{Outcome, StepOutcome};
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
/// plan); 429 when Entra throttled past the deadline; 502 when a step
/// failed. Each carries the plan and every step, so a caller sees exactly
/// what was done and can re-send the same call to resume.
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
    if let Some(audit_id) = &executed.audit_id {
        body["auditId"] = json!(audit_id);
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
    let request_id = outcome.steps.iter().find_map(|s| match &s.outcome {
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
