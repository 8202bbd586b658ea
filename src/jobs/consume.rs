//! The queue consumer: runs one chunk of a job, item by item.

use super::batch::Coalescer;
use super::item::JobItem;
use super::store::{self, ItemOutcome, ItemState, MAX_ITEM_ATTEMPTS};
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::pipeline::answer::CallAnswer;
use serde::Serialize;
use serde_json::Value;

/// Each item's time budget. A Graph throttle whose Retry-After does not fit
/// is not slept through: the event goes back to the queue for Forge to
/// redeliver after the delay, instead of holding an invocation asleep.
/// 25 items x 20 s stays inside the consumer's 900 s.
pub const ITEM_BUDGET_MS: u64 = 20_000;

/// When storage fails, ask Forge to redeliver after this long.
const STORAGE_RETRY_SECONDS: u64 = 60;

/// What the consumer tells the shim. `Retry` is the only case the shim acts
/// on: it returns Forge's `InvocationError({retryAfter})`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum EventResult {
    /// Every item of the chunk has an outcome now.
    /// `{"status": "finished", "jobId", "chunk", "ran", "skipped"}`.
    #[serde(rename_all = "camelCase")]
    Finished {
        /// The job.
        job_id: String,
        /// The chunk's index in the job.
        chunk: usize,
        /// Items run by this delivery.
        ran: usize,
        /// Items that already had an outcome from an earlier delivery.
        skipped: usize,
    },
    /// Redeliver the event later: Entra is throttling, or storage failed.
    /// `{"status": "retry", "retryAfterSeconds", "reason"}`.
    #[serde(rename_all = "camelCase")]
    Retry {
        /// Seconds to wait: Graph's `Retry-After`, or 60 after a storage
        /// failure.
        retry_after_seconds: u64,
        /// Why, for the log.
        reason: String,
    },
    /// Not a job event, or a job that no longer exists: retrying cannot help.
    /// `{"status": "ignored", "reason"}`.
    Ignored {
        /// Why, for the log.
        reason: String,
    },
}

/// Runs the items of the event's chunk that have no outcome yet: hires side
/// by side, their Graph requests sharing `$batch` envelopes
/// ([`super::batch`]), other items one at a time, in order. `event` is what
/// the Forge consumer receives: `{"body": {"jobId", "chunk"}, ...}`. Each
/// outcome is stored as soon as its item finishes. A throttled item stops
/// the chunk with [`EventResult::Retry`] once the items beside it have
/// finished; it and the items after it run on redelivery.
pub async fn handle_event(
    event: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> EventResult {
    let body = &event["body"];
    let (Some(job_id), Some(chunk)) = (body["jobId"].as_str(), body["chunk"].as_u64()) else {
        host.log(LogLevel::Warn, "job event without jobId/chunk ignored");
        return EventResult::Ignored {
            reason: "not a job event".into(),
        };
    };
    let chunk = chunk as usize;
    match run_chunk(job_id, chunk, host, transport).await {
        Ok(result) => result,
        Err(super::error::JobError::NotFound { .. }) => {
            host.log(
                LogLevel::Warn,
                &format!("job {job_id}: not found, event ignored"),
            );
            EventResult::Ignored {
                reason: "no such job".into(),
            }
        }
        Err(error) => {
            host.log(
                LogLevel::Error,
                &format!("job {job_id} chunk {chunk}: {error}"),
            );
            EventResult::Retry {
                retry_after_seconds: STORAGE_RETRY_SECONDS,
                reason: "storage failed".into(),
            }
        }
    }
}

async fn run_chunk(
    job_id: &str,
    chunk: usize,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<EventResult, super::error::JobError> {
    let record = store::load_record(host, job_id).await?;
    let Some(range) = record.chunk_range(chunk) else {
        return Ok(EventResult::Ignored {
            reason: format!("job has no chunk {chunk}"),
        });
    };
    let items = store::load_chunk(host, job_id, chunk).await?;
    let outcomes = store::load_outcomes(host, job_id, chunk).await?;
    let (mut ran, mut skipped) = (0, 0);
    // Counted before the run: a delivery that traps or times out still
    // counts, so an item that ends every delivery ends as a dead letter.
    let first_unfinished = range
        .clone()
        .take(items.len())
        .find(|index| !outcomes.iter().any(|o| o.index == *index));
    let attempts = match first_unfinished {
        Some(index) => store::start_delivery(host, job_id, chunk, index).await?,
        None => 0,
    };
    let mut to_run = Vec::new();
    for (item, index) in items.iter().zip(range) {
        if outcomes.iter().any(|o| o.index == index) {
            skipped += 1;
            continue;
        }
        ran += 1;
        if Some(index) == first_unfinished && attempts > MAX_ITEM_ATTEMPTS {
            host.log(
                LogLevel::Error,
                &format!(
                    "job {job_id}: item {index} given up after {MAX_ITEM_ATTEMPTS} deliveries"
                ),
            );
            let outcome = failed(index, 500, "dead_letter", &format!("The item did not finish in {MAX_ITEM_ATTEMPTS} deliveries and was given up; submit it again once the cause is fixed."), host.now_ms());
            store::save_outcome(host, job_id, chunk, &outcome).await?;
            continue;
        }
        to_run.push((index, item));
    }
    // Start at the budget an earlier delivery learnt, not at a burst of 429s.
    let coalescer = match super::budget::load(host).await {
        Some(budget) => Coalescer::starting_at(&budget, host.now_ms()),
        None => Coalescer::new(),
    };
    let mut throttled: Option<u64> = None;
    // A delivery that ended without finishing (a trap, the time limit) is
    // retried one item at a time: the item that ends it then ends it alone
    // and is the one given up, not a neighbour that ran beside it.
    let waves = if attempts > 1 {
        to_run.iter().map(|item| vec![*item]).collect()
    } else {
        waves(&to_run)
    };
    for wave in waves {
        let tasks = wave
            .iter()
            .map(|(index, item)| {
                let run = run_item(job_id, chunk, *index, item, record.auth, host, transport);
                Box::pin(run) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>
            })
            .collect();
        // Every item of the wave finishes (and stores its outcome) before
        // an error or a throttle ends the chunk.
        for result in coalescer.run_together(host, transport, tasks).await {
            if let Some(seconds) = result? {
                throttled = Some(throttled.map_or(seconds, |s| s.max(seconds)));
            }
        }
        if let Some(seconds) = throttled {
            remember_budget(host, &coalescer).await;
            // A throttled run is not a failed delivery: it must not count
            // towards the dead letter.
            store::reset_attempts(host, job_id, chunk).await?;
            return Ok(EventResult::Retry {
                retry_after_seconds: seconds,
                reason: "Entra is throttling".into(),
            });
        }
    }
    remember_budget(host, &coalescer).await;
    host.log(
        LogLevel::Info,
        &format!(
            "job {job_id} chunk {chunk}: ran {ran} ({} $batch round trips), skipped {skipped} already finished",
            coalescer.round_trips()
        ),
    );
    Ok(EventResult::Finished {
        job_id: job_id.to_string(),
        chunk,
        ran,
        skipped,
    })
}

/// Stores the budget the delivery learnt or started at, with its last
/// second's envelopes, for the next delivery (one KVS write per delivery
/// that knows a budget).
async fn remember_budget(host: &impl Host, coalescer: &Coalescer) {
    if let Some(learnt) = coalescer.learnt_budget(host.now_ms()) {
        super::budget::remember(host, learnt).await;
    }
}

/// Runs one item through the pipeline and stores its outcome. `Ok(Some(s))`:
/// Entra throttled it past its budget; it has no outcome and runs again on
/// redelivery in `s` seconds.
#[allow(clippy::too_many_arguments)]
async fn run_item(
    job_id: &str,
    chunk: usize,
    index: usize,
    item: &Result<JobItem, String>,
    auth: crate::policy::ServiceApiAuth,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Option<u64>, super::error::JobError> {
    let call = match item
        .as_ref()
        .map_err(String::clone)
        .and_then(|item| item.to_call(job_id, index).map_err(|e| e.to_string()))
    {
        Ok(call) => call,
        Err(reason) => {
            // Retrying cannot make a stored item readable.
            host.log(
                LogLevel::Error,
                &format!("job {job_id}: item {index} unreadable, not run: {reason}"),
            );
            let outcome = failed(
                index,
                400,
                "unreadable_item",
                "The stored item could not be read; it was not run.",
                host.now_ms(),
            );
            store::save_outcome(host, job_id, chunk, &outcome).await?;
            return Ok(None);
        }
    };
    let request = call.service_api_context(auth);
    let answer = crate::pipeline::run(&call, &request, host, transport, ITEM_BUDGET_MS).await;
    if let Some(seconds) = answer.retry_after_seconds {
        host.log(
            LogLevel::Info,
            &format!("job {job_id}: item {index} throttled, event retried in {seconds} s"),
        );
        return Ok(Some(seconds));
    }
    // After every item: a consumer cut off mid-chunk loses no outcome.
    store::save_outcome(
        host,
        job_id,
        chunk,
        &outcome_of(index, &answer, host.now_ms()),
    )
    .await?;
    Ok(None)
}

/// Splits the items to run into waves that may run side by side: hires
/// (`user.create`) with different employeeIds share a wave; an item of any
/// other route runs alone, in order. Two hires with the same employeeId
/// never run at once: the second must see the first's account (and resume
/// on it) rather than race it to a second one.
fn waves<'i>(
    items: &[(usize, &'i Result<JobItem, String>)],
) -> Vec<Vec<(usize, &'i Result<JobItem, String>)>> {
    let mut waves: Vec<Vec<(usize, &Result<JobItem, String>)>> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut open = false;
    for &(index, item) in items {
        let hire = match item {
            Ok(i) if i.route == crate::route::Route::UserCreate => Some(
                i.data
                    .get("employeeId")
                    .and_then(serde_json::Value::as_str)
                    .map(|e| e.trim().to_ascii_lowercase())
                    .unwrap_or_default(),
            ),
            _ => None,
        };
        match hire {
            Some(id) if open && (id.is_empty() || !ids.contains(&id)) => {
                if !id.is_empty() {
                    ids.push(id);
                }
                if let Some(wave) = waves.last_mut() {
                    wave.push((index, item));
                }
            }
            Some(id) => {
                ids = if id.is_empty() { Vec::new() } else { vec![id] };
                open = true;
                waves.push(vec![(index, item)]);
            }
            None => {
                open = false;
                waves.push(vec![(index, item)]);
            }
        }
    }
    waves
}

/// A failed outcome the consumer decided itself (no pipeline run).
fn failed(index: usize, http_status: u16, code: &str, message: &str, now_ms: u64) -> ItemOutcome {
    ItemOutcome {
        index,
        state: ItemState::Failed,
        http_status,
        error_code: Some(code.to_string()),
        error_message: Some(message.to_string()),
        audit_id: None,
        user_id: None,
        user_principal_name: None,
        finished_at_ms: now_ms,
    }
}

/// An item's outcome from its answer: status, error code and message,
/// audit id and the account acted on. Nothing else of the body is kept, so
/// no credential can reach the job status.
pub fn outcome_of(index: usize, answer: &CallAnswer, now_ms: u64) -> ItemOutcome {
    let body = &answer.body;
    let state = match answer.status {
        200..=201 if answer.ok() => ItemState::Done,
        202 => ItemState::Waiting,
        403 => ItemState::Refused,
        _ => ItemState::Failed,
    };
    let text = |v: &Value| v.as_str().map(str::to_string);
    let user = if body["result"]["user"].is_object() {
        &body["result"]["user"]
    } else {
        &body["result"]
    };
    ItemOutcome {
        index,
        state,
        http_status: answer.status,
        error_code: text(&body["error"]["code"]),
        error_message: text(&body["error"]["message"]),
        audit_id: text(&body["auditId"]),
        user_id: text(&user["id"]),
        user_principal_name: text(&user["userPrincipalName"]),
        finished_at_ms: now_ms,
    }
}
