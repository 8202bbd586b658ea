//! The Service API web trigger: one URL per installation, `POST` JSON.
//!
//! This module is the gate every call passes: method, size, authentication,
//! envelope. Routes are dispatched from [`dispatch`].

pub mod context;
pub mod envelope;
pub mod error;
pub mod idempotency;
pub mod input;
pub mod route;
pub mod routes;
pub mod service_key;
pub mod webtrigger;

use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::ops::{Outcome, StepOutcome};
use crate::secret::Secret;
use context::{internal, RouteContext, WEB_TRIGGER_BUDGET_MS};
use envelope::Envelope;
use error::{ApiError, UnauthorizedReason};
use routes::Answer;
use serde_json::{json, Value};
use service_key::KeyCheck;
use webtrigger::{WebTriggerRequest, WebTriggerResponse};

/// Largest accepted body. Large enough for a bulk HR import of a few hundred
/// hires, small enough to stay far below Forge's payload and memory limits.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Handles one web trigger invocation. Never fails: every problem becomes a
/// response with the Service API's error contract.
pub async fn handle(
    request: &WebTriggerRequest,
    host: &impl Host,
    transport: &impl Transport,
) -> WebTriggerResponse {
    match gate(request, host).await {
        Ok(envelope) => {
            let response = run(&envelope, host, transport).await;
            host.log(
                LogLevel::Info,
                &format!(
                    "service api: route={} status={}",
                    envelope.route, response.status_code
                ),
            );
            response
        }
        Err(error) => {
            host.log(
                LogLevel::Info,
                &format!(
                    "service api: refused status={} code={}",
                    error.status(),
                    error.code()
                ),
            );
            error.to_response()
        }
    }
}

/// Method, size, credentials and envelope, in that order: an unauthenticated
/// caller learns nothing about what a valid body looks like.
async fn gate(request: &WebTriggerRequest, host: &impl Host) -> Result<Envelope, ApiError> {
    if !request.method.eq_ignore_ascii_case("POST") {
        return Err(ApiError::MethodNotAllowed {
            method: envelope::printable(&request.method),
        });
    }
    let body = request.body.as_deref().unwrap_or("");
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            size: body.len(),
            limit: MAX_BODY_BYTES,
        });
    }
    authenticate(request, host).await?;
    envelope::parse(body)
}

async fn authenticate(request: &WebTriggerRequest, host: &impl Host) -> Result<(), ApiError> {
    let unauthorized = |reason| ApiError::Unauthorized { reason };
    let header = request
        .header("authorization")
        .ok_or(unauthorized(UnauthorizedReason::MissingCredentials))?;
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or(unauthorized(UnauthorizedReason::MalformedAuthorization))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(unauthorized(UnauthorizedReason::MalformedAuthorization));
    }
    let presented = Secret::new(token);
    match service_key::check(host, &presented).await {
        Ok(KeyCheck::Valid) => Ok(()),
        Ok(KeyCheck::Wrong) => Err(unauthorized(UnauthorizedReason::WrongKey)),
        Ok(KeyCheck::NoKeyConfigured) => Err(unauthorized(UnauthorizedReason::NoKeyConfigured)),
        Err(host_error) => Err(internal(host, &host_error.to_string())),
    }
}

/// Runs an authenticated, well-formed call: replays a completed answer for
/// a repeated idempotency key, else dispatches and remembers a complete one.
async fn run(
    envelope: &Envelope,
    host: &impl Host,
    transport: &impl Transport,
) -> WebTriggerResponse {
    let replay_key = idempotency::key_for(envelope);
    if let Some(key) = &replay_key {
        match idempotency::find(host, key).await {
            Ok(Some(answer)) => {
                let mut body = answer.body;
                body["replay"] = json!(true);
                return WebTriggerResponse::json(answer.status, &body)
                    .with_header("Idempotent-Replay", "true");
            }
            Ok(None) => {}
            Err(e) => return internal(host, &e.to_string()).to_response(),
        }
    }
    let ctx = match RouteContext::load(host, transport, WEB_TRIGGER_BUDGET_MS).await {
        Ok(ctx) => ctx,
        Err(e) => return e.to_response(),
    };
    let (status, body, complete) = match routes::dispatch(envelope, &ctx).await {
        Ok(Answer::Read(result)) => (
            200,
            json!({ "ok": true, "route": envelope.route.name(), "result": result }),
            false,
        ),
        Ok(Answer::Changed(outcome)) => render_outcome(envelope, &outcome),
        Err(error) => return error.to_response(),
    };
    if complete {
        if let Some(key) = &replay_key {
            if let Err(e) = idempotency::remember(host, key, status, &body).await {
                // The change is made; failing to remember it only loses replay.
                host.log(
                    LogLevel::Warn,
                    &format!("service api: could not store idempotent answer: {e}"),
                );
            }
        }
    }
    let response = WebTriggerResponse::json(status, &body);
    match outcome_retry_after(&body) {
        Some(seconds) => response.with_header("Retry-After", seconds.to_string()),
        None => response,
    }
}

/// A change's answer: 200 when every step succeeded (or, in a dry run, the
/// plan); 429 when Entra throttled past the deadline; 502 when a step
/// failed. Each carries the plan and every step, so a caller sees exactly
/// what was done and can re-send the same call to resume.
fn render_outcome(envelope: &Envelope, outcome: &Outcome) -> (u16, Value, bool) {
    let mut body = json!({
        "route": envelope.route.name(),
        "dryRun": outcome.dry_run,
        "plan": outcome.plan.changes,
        "result": { "user": outcome.user, "steps": outcome.steps },
    });
    if outcome.dry_run || outcome.is_complete() {
        body["ok"] = json!(true);
        return (200, body, !outcome.dry_run);
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
        return (429, body, false);
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
    (502, body, false)
}

fn outcome_retry_after(body: &Value) -> Option<u64> {
    body["error"]["retryAfterMs"]
        .as_u64()
        .map(|ms| ms.div_ceil(1000).max(1))
}
