//! `jobs.submit`: validate every item, store the job, push its events.

use super::error::JobError;
use super::item::parse_calls;
use super::store::{chunk_starts, save_job, JobRecord};
use super::{EVENTS_PER_PUSH, EVENT_CONCURRENCY, QUEUE_KEY};
use crate::host::{Host, LogLevel};
use crate::pipeline::answer::CallAnswer;
use crate::policy::ServiceApiAuth;
use serde_json::{json, Map, Value};

/// The body of one queue event: which chunk of which job to run.
pub fn event(job_id: &str, chunk: usize) -> Value {
    json!({
        "body": {"jobId": job_id, "chunk": chunk},
        "concurrency": {"key": QUEUE_KEY, "limit": EVENT_CONCURRENCY},
    })
}

/// Stores the job and queues it; answers 202 with the job id. Nothing is
/// stored or queued when any item is invalid.
pub async fn submit(
    data: &Map<String, Value>,
    auth: ServiceApiAuth,
    host: &impl Host,
) -> Result<CallAnswer, JobError> {
    let items = parse_calls(data)?;
    let record = JobRecord {
        id: crate::random::token::<16>(),
        created_at_ms: host.now_ms(),
        items: items.len(),
        chunk_starts: chunk_starts(&items),
        auth,
    };
    save_job(host, &record, &items).await?;
    let events: Vec<Value> = (0..record.chunk_starts.len())
        .map(|chunk| event(&record.id, chunk))
        .collect();
    for batch in events.chunks(EVENTS_PER_PUSH) {
        host.queue_push(QUEUE_KEY, batch)
            .await
            .map_err(|error| JobError::Host {
                stage: "queue push",
                error,
            })?;
    }
    host.log(
        LogLevel::Info,
        &format!(
            "job {}: {} items in {} events queued",
            record.id,
            record.items,
            events.len()
        ),
    );
    Ok(CallAnswer {
        status: 202,
        body: json!({
            "ok": true,
            "route": "jobs.submit",
            "result": {"jobId": record.id, "items": record.items, "events": events.len()},
        }),
        retry_after_seconds: None,
        replay: false,
    })
}
