//! `job.status`: counts and per-item outcomes of a job.

use super::error::JobError;
use super::store::{self, ItemState};
use crate::host::Host;
use crate::pipeline::answer::CallAnswer;
use crate::pipeline::error::ApiError;
use crate::pipeline::input::wrong_type;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Job ids are the 22-character tokens `jobs.submit` hands out.
fn job_id(data: &Map<String, Value>) -> Result<&str, ApiError> {
    if let Some(unknown) = data.keys().find(|k| k.as_str() != "jobId") {
        return Err(ApiError::invalid(
            format!("data.{unknown}"),
            format!(
                "Unknown field 'data.{}'. job.status takes only 'data.jobId'.",
                crate::pipeline::input::printable(unknown)
            ),
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

/// How far a job has got, for a progress bar: `{"total", "done",
/// "failed", "remaining", "percent", "etaSeconds"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Items in the job.
    pub total: usize,
    /// Items that ran to a successful answer, or were handed to the
    /// request's approval flow (`waiting`): the job has nothing left to do
    /// for them.
    pub done: usize,
    /// Items that failed or were refused by policy.
    pub failed: usize,
    /// Items still queued.
    pub remaining: usize,
    /// `(done + failed) * 100 / total`, rounded down: 100 only when no
    /// item remains.
    pub percent: u8,
    /// Seconds until the remaining items finish at the rate so far (items
    /// finished since submission per elapsed second), rounded up; 0 when
    /// nothing remains, `null` before the first item finishes.
    pub eta_seconds: Option<u64>,
}

impl Progress {
    /// Progress from the counts `job.status` reads, the job's submission
    /// time and now (both in milliseconds since the Unix epoch).
    pub fn from_counts(
        total: usize,
        done: usize,
        failed: usize,
        created_at_ms: u64,
        now_ms: u64,
    ) -> Progress {
        let finished = (done + failed).min(total);
        let remaining = total - finished;
        // An empty job (never stored; jobs.submit refuses it) is complete.
        let percent = (finished * 100).checked_div(total).map_or(100, |p| p as u8);
        let eta_seconds = if remaining == 0 {
            Some(0)
        } else if finished == 0 {
            None
        } else {
            let elapsed_ms = now_ms.saturating_sub(created_at_ms) as u128;
            let eta_ms = elapsed_ms * remaining as u128 / finished as u128;
            Some(eta_ms.div_ceil(1000) as u64)
        };
        Progress {
            total,
            done,
            failed,
            remaining,
            percent,
            eta_seconds,
        }
    }
}

/// `job.status` with `data: {"jobId"}`: answers 200 with `{"ok": true,
/// "route": "job.status", "result": {"jobId", "createdAtMs", "items",
/// "complete", "counts": {"queued", "done", "failed", "refused",
/// "waiting"}, "progress": {"total", "done", "failed", "remaining",
/// "percent", "etaSeconds"}, "outcomes": [...]}}` (see [`Progress`]). Each outcome is `{"index", "route",
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
    let progress = Progress::from_counts(
        record.items,
        done + waiting,
        failed + refused,
        record.created_at_ms,
        host.now_ms(),
    );
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
                "progress": progress,
                "outcomes": items,
            },
        }),
        retry_after_seconds: None,
        replay: false,
    })
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn time_left_follows_the_rate_so_far() {
        // 10 of 40 finished in 20 s: 30 more take 60 s.
        let p = Progress::from_counts(40, 8, 2, 1_000, 21_000);
        assert_eq!((p.remaining, p.percent, p.eta_seconds), (30, 25, Some(60)));
    }

    #[test]
    fn no_estimate_before_the_first_item_and_none_needed_after_the_last() {
        assert_eq!(Progress::from_counts(5, 0, 0, 0, 9_000).eta_seconds, None);
        let finished = Progress::from_counts(5, 3, 2, 0, 9_000);
        assert_eq!((finished.percent, finished.eta_seconds), (100, Some(0)));
    }

    #[test]
    fn a_partial_second_rounds_up() {
        // 1 of 3 in 1.5 s: 2 more take 3 s; 1 of 4 in 1.2 s: 3.6 s -> 4.
        assert_eq!(
            Progress::from_counts(3, 1, 0, 0, 1_500).eta_seconds,
            Some(3)
        );
        assert_eq!(
            Progress::from_counts(4, 1, 0, 0, 1_200).eta_seconds,
            Some(4)
        );
    }
}
