//! A job in Forge KVS: one record, its items in chunks (one KVS value and
//! one queue event each), and each item's outcome under its own key, so no
//! two writers ever share a value and no write reads a list that grows.
//! Keys are built in [`crate::layout`]; counts are derived from the
//! outcomes by a key-prefix query.

use super::error::JobError;
use super::item::JobItem;
use crate::host::{Host, HostError, KeyQuery, TxOp};
use crate::layout;
use crate::policy::ServiceApiAuth;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

/// The job itself, under KVS key `job:{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobRecord {
    /// 22 base64url characters (16 random bytes).
    pub id: String,
    /// When it was submitted, in milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// Number of items, 1 to [`super::MAX_ITEMS`].
    pub items: usize,
    /// The first item index of each chunk.
    pub chunk_starts: Vec<usize>,
    /// How the submitter authenticated; each item runs as that caller.
    pub auth: ServiceApiAuth,
}

impl JobRecord {
    /// The item indexes of chunk `chunk`.
    pub fn chunk_range(&self, chunk: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.chunk_starts.get(chunk)?;
        let end = self
            .chunk_starts
            .get(chunk + 1)
            .copied()
            .unwrap_or(self.items);
        Some(start..end)
    }
}

/// What became of one item. No field ever carries a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ItemState {
    /// Answered 200 or 201 with `ok: true`.
    Done,
    /// Any other error answer (400, 404, 409, 502, ...).
    Failed,
    /// Refused by policy (403), including a declined approval.
    Refused,
    /// Waiting for the request's approvals; the approval flow finishes it.
    Waiting,
}

/// What became of one item, stored under
/// `job:{id}:outcome:{chunk}:{index}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemOutcome {
    /// The item's index in the job's `data.calls`.
    pub index: usize,
    /// Done, failed, refused or waiting.
    pub state: ItemState,
    /// The HTTP status a single call would have answered.
    pub http_status: u16,
    /// The answer's `error.code`, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The answer's `error.message`, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The audit record of the item's run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_id: Option<String>,
    /// The account the item acted on, when the answer names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// UPN of that account, when the answer names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// When the item finished, in milliseconds since the Unix epoch.
    pub finished_at_ms: u64,
}

/// The stored value of one chunk's items.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChunkItems {
    /// The chunk's items, in job order.
    pub items: Vec<JobItem>,
}

/// How many deliveries of an event may start at one item before it is
/// given up as a dead letter (an item that traps or times out the consumer every
/// time must not hold its chunk forever).
pub const MAX_ITEM_ATTEMPTS: u64 = 3;

fn host_error(stage: &'static str) -> impl Fn(HostError) -> JobError {
    move |error| JobError::Host { stage, error }
}

async fn read<T: DeserializeOwned>(
    host: &impl Host,
    key: &str,
    stage: &'static str,
) -> Result<Option<T>, JobError> {
    let Some(value) = host.kvs_get(key).await.map_err(host_error(stage))? else {
        return Ok(None);
    };
    serde_json::from_value(value)
        .map(Some)
        .map_err(|e| JobError::Host {
            stage,
            error: HostError::Contract {
                capability: "kvsGet",
                reason: format!("stored {key} is not a job value: {e}"),
            },
        })
}

async fn write(
    host: &impl Host,
    key: &str,
    value: &impl Serialize,
    stage: &'static str,
) -> Result<(), JobError> {
    let value: Value = serde_json::to_value(value).unwrap_or(Value::Null);
    host.kvs_set(key, &value).await.map_err(host_error(stage))
}

/// Splits items into chunks of at most [`super::CHUNK_ITEMS`] items and
/// [`super::CHUNK_BYTES`] serialised bytes (an item alone is always a chunk).
pub fn chunk_starts(items: &[JobItem]) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut count, mut bytes) = (0usize, 0usize);
    for (index, item) in items.iter().enumerate() {
        let size = serde_json::to_vec(item).map(|v| v.len()).unwrap_or(0);
        if index == 0 || count == super::CHUNK_ITEMS || bytes + size > super::CHUNK_BYTES {
            starts.push(index);
            count = 0;
            bytes = 0;
        }
        count += 1;
        bytes += size;
    }
    starts
}

/// Stores the items first and the record last: a job whose record exists
/// has all its items. Items go in transactions of up to
/// [`crate::host::storage::MAX_TRANSACTION_OPS`] chunks; the record and
/// its jobs-by-age key go together in one transaction.
pub async fn save_job(
    host: &impl Host,
    record: &JobRecord,
    items: &[JobItem],
) -> Result<(), JobError> {
    let mut ops = Vec::new();
    for chunk in 0..record.chunk_starts.len() {
        let range = record.chunk_range(chunk).unwrap_or(0..0);
        let chunk_items = ChunkItems {
            items: items[range].to_vec(),
        };
        ops.push(TxOp::set(
            layout::job_items_key(&record.id, chunk),
            serde_json::to_value(&chunk_items).unwrap_or(Value::Null),
        ));
    }
    for batch in ops.chunks(crate::host::storage::MAX_TRANSACTION_OPS) {
        host.kvs_transact(batch)
            .await
            .map_err(host_error("store items"))?;
    }
    host.kvs_transact(&[
        TxOp::set(
            layout::job_key(&record.id),
            serde_json::to_value(record).unwrap_or(Value::Null),
        ),
        TxOp::set(
            layout::job_created_key(record.created_at_ms, &record.id),
            Value::String(record.id.clone()),
        ),
        TxOp::set(
            layout::job_newest_key(record.created_at_ms, &record.id),
            Value::String(record.id.clone()),
        ),
    ])
    .await
    .map_err(host_error("store job"))
}

/// The job's record; [`JobError::NotFound`] when none is stored.
pub async fn load_record(host: &impl Host, job_id: &str) -> Result<JobRecord, JobError> {
    read(host, &layout::job_key(job_id), "load job")
        .await?
        .ok_or_else(|| JobError::NotFound {
            job_id: job_id.to_string(),
        })
}

/// The items of chunk `chunk`; empty when none are stored.
pub async fn load_items(
    host: &impl Host,
    job_id: &str,
    chunk: usize,
) -> Result<Vec<JobItem>, JobError> {
    Ok(
        read::<ChunkItems>(host, &layout::job_items_key(job_id, chunk), "load items")
            .await?
            .unwrap_or_default()
            .items,
    )
}

/// The items of chunk `chunk`, each parsed on its own: an item stored by
/// an older version that no longer reads (an unknown route, a changed
/// shape) is `Err` with the parse error, and the others still run.
pub async fn load_chunk(
    host: &impl Host,
    job_id: &str,
    chunk: usize,
) -> Result<Vec<Result<JobItem, String>>, JobError> {
    #[derive(Default, Deserialize)]
    struct RawItems {
        #[serde(default)]
        items: Vec<Value>,
    }
    let raw = read::<RawItems>(host, &layout::job_items_key(job_id, chunk), "load items")
        .await?
        .unwrap_or_default();
    Ok(raw
        .items
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
        .collect())
}

/// Every value under a key prefix, in key order, a page at a time.
async fn read_prefix<T: DeserializeOwned>(
    host: &impl Host,
    prefix: String,
    stage: &'static str,
) -> Result<Vec<T>, JobError> {
    let mut query = KeyQuery::prefix(prefix, crate::host::storage::MAX_QUERY_LIMIT);
    let mut found = Vec::new();
    loop {
        let page = host.kvs_query(&query).await.map_err(host_error(stage))?;
        for entry in page.results {
            found.push(
                serde_json::from_value(entry.value).map_err(|e| JobError::Host {
                    stage,
                    error: HostError::Contract {
                        capability: "kvsQuery",
                        reason: format!("stored {} is not a job value: {e}", entry.key),
                    },
                })?,
            );
        }
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => return Ok(found),
        }
    }
}

/// The outcomes stored so far for chunk `chunk`, in item order.
pub async fn load_outcomes(
    host: &impl Host,
    job_id: &str,
    chunk: usize,
) -> Result<Vec<ItemOutcome>, JobError> {
    read_prefix(
        host,
        layout::job_outcome_prefix(job_id, Some(chunk)),
        "load outcomes",
    )
    .await
}

/// Every outcome stored so far for the job, in item order (one key-prefix
/// query per 100 items).
pub async fn load_all_outcomes(
    host: &impl Host,
    job_id: &str,
) -> Result<Vec<ItemOutcome>, JobError> {
    read_prefix(
        host,
        layout::job_outcome_prefix(job_id, None),
        "load outcomes",
    )
    .await
}

/// Stores one item's outcome under its own key (one write).
pub async fn save_outcome(
    host: &impl Host,
    job_id: &str,
    chunk: usize,
    outcome: &ItemOutcome,
) -> Result<(), JobError> {
    write(
        host,
        &layout::job_outcome_key(job_id, chunk, outcome.index),
        outcome,
        "store outcome",
    )
    .await
}

/// The deliveries of one chunk that started at the same unfinished item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Attempts {
    index: usize,
    count: u64,
}

/// Counts one more delivery of chunk `chunk` starting at item `index` (its
/// first item without an outcome) and returns the count: 1 the first time
/// a delivery starts there, more when earlier deliveries starting there
/// never finished it (trapped or timed out). One write per delivery, not
/// per item; only the consumer of that chunk writes this key.
pub async fn start_delivery(
    host: &impl Host,
    job_id: &str,
    chunk: usize,
    index: usize,
) -> Result<u64, JobError> {
    let key = layout::job_attempt_key(job_id, chunk);
    let count = match read::<Attempts>(host, &key, "count attempt").await? {
        Some(earlier) if earlier.index == index => earlier.count + 1,
        _ => 1,
    };
    write(host, &key, &Attempts { index, count }, "count attempt").await?;
    Ok(count)
}

/// Forgets the deliveries counted for chunk `chunk` (after a throttled
/// run, which is no failure of the item).
pub async fn reset_attempts(host: &impl Host, job_id: &str, chunk: usize) -> Result<(), JobError> {
    host.kvs_delete(&layout::job_attempt_key(job_id, chunk))
        .await
        .map_err(host_error("count attempt"))
}

/// Deletes a job: its items, outcomes and attempts (by key prefix, a page
/// at a time), then its record and jobs-by-age keys together.
pub async fn delete_job(host: &impl Host, record: &JobRecord) -> Result<(), JobError> {
    let prefix = layout::job_children_prefix(&record.id);
    loop {
        let page = host
            .kvs_query(&KeyQuery::prefix(
                prefix.clone(),
                crate::host::storage::MAX_TRANSACTION_OPS,
            ))
            .await
            .map_err(host_error("delete job"))?;
        if page.results.is_empty() {
            break;
        }
        let ops: Vec<TxOp> = page.results.iter().map(|e| TxOp::delete(&e.key)).collect();
        host.kvs_transact(&ops)
            .await
            .map_err(host_error("delete job"))?;
    }
    host.kvs_transact(&[
        TxOp::delete(layout::job_created_key(record.created_at_ms, &record.id)),
        TxOp::delete(layout::job_newest_key(record.created_at_ms, &record.id)),
        TxOp::delete(layout::job_key(&record.id)),
    ])
    .await
    .map_err(host_error("delete job"))
}

/// Deletes jobs created more than `retention_ms` ago, oldest first, at
/// most `max_jobs` per call; returns how many. A job's items have all
/// run or been given up long before.
pub async fn purge(
    host: &impl Host,
    retention_ms: u64,
    max_jobs: usize,
) -> Result<usize, JobError> {
    let cutoff = host.now_ms().saturating_sub(retention_ms);
    let page = host
        .kvs_query(&KeyQuery::prefix(
            layout::JOBS_CREATED_PREFIX,
            max_jobs.clamp(1, crate::host::storage::MAX_QUERY_LIMIT),
        ))
        .await
        .map_err(host_error("purge jobs"))?;
    let mut deleted = 0;
    for entry in page.results {
        let created = entry.key[layout::JOBS_CREATED_PREFIX.len()..]
            .split(':')
            .next()
            .and_then(|ms| ms.parse::<u64>().ok())
            .unwrap_or(0);
        if created >= cutoff {
            break;
        }
        let Some(job_id) = entry.value.as_str() else {
            host.kvs_delete(&entry.key)
                .await
                .map_err(host_error("purge jobs"))?;
            continue;
        };
        match load_record(host, job_id).await {
            Ok(record) => delete_job(host, &record).await?,
            Err(JobError::NotFound { .. }) => host
                .kvs_delete(&entry.key)
                .await
                .map_err(host_error("purge jobs"))?,
            Err(e) => return Err(e),
        }
        deleted += 1;
    }
    Ok(deleted)
}
