//! Running one operation call, whichever entry point it came through (the
//! Service API, an automation action, a portal request, the issue panel):
//! the same input rules, idempotency, configuration and answers everywhere.

pub mod answer;
pub mod authorize;
pub mod call;
pub mod context;
pub mod credentials;
pub mod dispatch;
pub mod error;
pub mod idempotency;
pub mod input;
pub mod prepare;

use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::policy::RequestContext;
use answer::{outcome_answer, read_answer, CallAnswer};
use call::OperationCall;
use context::{internal, RouteContext};
use dispatch::Answer;
use serde_json::json;

/// Runs a validated call: replays a completed answer for a repeated
/// idempotency key, else dispatches and remembers a complete answer.
/// `budget_ms` is what is left of the entry point's time limit.
pub async fn run(
    call: &OperationCall,
    request: &RequestContext,
    host: &impl Host,
    transport: &impl Transport,
    budget_ms: u64,
) -> CallAnswer {
    let replay_key = idempotency::key_for(call);
    if let Some(key) = &replay_key {
        match idempotency::find(host, key).await {
            Ok(Some(stored)) => {
                let mut body = stored.body;
                body["replay"] = json!(true);
                return CallAnswer {
                    status: stored.status,
                    body,
                    retry_after_seconds: None,
                    replay: true,
                };
            }
            Ok(None) => {}
            Err(e) => return internal(host, &e.to_string()).to_answer(),
        }
    }
    let ctx = match RouteContext::load(host, transport, budget_ms).await {
        Ok(ctx) => ctx,
        Err(e) => return e.to_answer(),
    };
    let (answer, complete) = match dispatch::dispatch(call, request, &ctx).await {
        Ok(Answer::Read(result)) => (read_answer(call, result), false),
        Ok(Answer::Changed(executed)) => {
            let complete = !executed.outcome.dry_run && executed.outcome.is_complete();
            (outcome_answer(call, &executed), complete)
        }
        Err(error) => return error.to_answer(),
    };
    // An answer that carries a credential is never stored for replay.
    if complete && answer.body["result"]["credential"]["value"].is_null() {
        if let Some(key) = &replay_key {
            if let Err(e) = idempotency::remember(host, key, answer.status, &answer.body).await {
                // The change is made; failing to remember it only loses replay.
                host.log(
                    LogLevel::Warn,
                    &format!("could not store the idempotent answer: {e}"),
                );
            }
        }
    }
    answer
}
