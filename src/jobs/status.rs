//! `job.status`: counts and per-item outcomes of a job.

use super::error::JobError;
use super::store::{self, ItemState};
use crate::host::Host;
use crate::pipeline::answer::CallAnswer;
use crate::pipeline::error::ApiError;
use crate::pipeline::input::wrong_type;
use serde_json::{json, Map, Value};

/// Job ids are the 22-character tokens `jobs.submit` hands out.
fn job_id(data: &Map<String, Value>) -> Result<&str, ApiError> {
    if let Some(unknown) = data.keys().find(|k| k.as_str() != "jobId") {
        return Err(ApiError::invalid(
            format!("data.{unknown}"),
            format!("Unknown field 'data.{unknown}'. job.status takes only 'data.jobId'."),
        ));
    }
    match data.get("jobId") {
        None | Some(Value::Null) => {
            Err(ApiError::invalid("data.jobId", "'data.jobId' is required."))
        }
        Some(Value::String(id))
            if !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Ok(id)
        }
        Some(Value::String(_)) => Err(ApiError::invalid(
            "data.jobId",
            "'data.jobId' must be a job id as jobs.submit returned it.",
        )),
        Some(other) => Err(wrong_type("data.jobId", "a string", other)),
    }
}

/// `job.status` with `data: {"jobId"}`: answers 200 with `{"ok": true,
/// "route": "job.status", "result": {"jobId", "createdAtMs", "items",
/// "complete", "counts": {"queued", "done", "failed", "refused",
/// "waiting"}, "outcomes": [...]}}`. Each outcome is `{"index", "route",
/// "status"}` plus, once finished, `httpStatus`, `errorCode`,
/// `errorMessage`, `auditId`, `userId`, `userPrincipalName` and
/// `finishedAtMs` where known. Errors: [`JobError::Invalid`] for a missing,
/// malformed or extra field, [`JobError::NotFound`], [`JobError::Host`].
pub async fn status(data: &Map<String, Value>, host: &impl Host) -> Result<CallAnswer, JobError> {
    let id = job_id(data)?;
    let record = store::load_record(host, id).await?;
    let mut items = Vec::with_capacity(record.items);
    let (mut done, mut failed, mut refused, mut waiting) = (0, 0, 0, 0);
    // One key-prefix query per 100 outcomes; counts are derived from them.
    let outcomes: std::collections::BTreeMap<usize, store::ItemOutcome> =
        store::load_all_outcomes(host, id)
            .await?
            .into_iter()
            .map(|o| (o.index, o))
            .collect();
    for chunk in 0..record.chunk_starts.len() {
        let routes = store::load_chunk(host, id, chunk).await?;
        let range = record.chunk_range(chunk).unwrap_or(0..0);
        for (item, index) in routes.iter().zip(range) {
            let route = item.as_ref().map_or("unknown", |item| item.route.name());
            let mut entry = json!({"index": index, "route": route, "status": "queued"});
            if let Some(outcome) = outcomes.get(&index) {
                match outcome.state {
                    ItemState::Done => done += 1,
                    ItemState::Failed => failed += 1,
                    ItemState::Refused => refused += 1,
                    ItemState::Waiting => waiting += 1,
                }
                let mut value = serde_json::to_value(outcome).unwrap_or_default();
                value["status"] = serde_json::to_value(outcome.state).unwrap_or_default();
                value["route"] = json!(route);
                if let Some(object) = value.as_object_mut() {
                    object.remove("state");
                }
                entry = value;
            }
            items.push(entry);
        }
    }
    let finished = done + failed + refused + waiting;
    Ok(CallAnswer {
        status: 200,
        body: json!({
            "ok": true,
            "route": "job.status",
            "result": {
                "jobId": record.id,
                "createdAtMs": record.created_at_ms,
                "items": record.items,
                "complete": finished == record.items,
                "counts": {
                    "queued": record.items - finished,
                    "done": done, "failed": failed, "refused": refused, "waiting": waiting,
                },
                "outcomes": items,
            },
        }),
        retry_after_seconds: None,
        replay: false,
    })
}
