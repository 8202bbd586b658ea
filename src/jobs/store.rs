//! A job in Forge KVS: one record, its items in chunks (one KVS value and
//! one queue event each), and each chunk's outcomes under their own key, so
//! two events of one job never write the same value.

use super::error::JobError;
use super::item::JobItem;
use crate::host::{Host, HostError};
use crate::policy::ServiceApiAuth;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

/// The job itself, under KVS key `job/{id}`.
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

/// What became of one item, stored per chunk under
/// `job/{id}/outcomes/{chunk}`.
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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct ChunkItems {
    items: Vec<JobItem>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct ChunkOutcomes {
    outcomes: Vec<ItemOutcome>,
}

fn record_key(job_id: &str) -> String {
    format!("job/{job_id}")
}
fn items_key(job_id: &str, chunk: usize) -> String {
    format!("job/{job_id}/items/{chunk}")
}
fn outcomes_key(job_id: &str, chunk: usize) -> String {
    format!("job/{job_id}/outcomes/{chunk}")
}

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
/// has all its items.
pub async fn save_job(
    host: &impl Host,
    record: &JobRecord,
    items: &[JobItem],
) -> Result<(), JobError> {
    for chunk in 0..record.chunk_starts.len() {
        let range = record.chunk_range(chunk).unwrap_or(0..0);
        let chunk_items = ChunkItems {
            items: items[range].to_vec(),
        };
        write(
            host,
            &items_key(&record.id, chunk),
            &chunk_items,
            "store items",
        )
        .await?;
    }
    write(host, &record_key(&record.id), record, "store job").await
}

/// The job's record; [`JobError::NotFound`] when none is stored.
pub async fn load_record(host: &impl Host, job_id: &str) -> Result<JobRecord, JobError> {
    read(host, &record_key(job_id), "load job")
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
        read::<ChunkItems>(host, &items_key(job_id, chunk), "load items")
            .await?
            .unwrap_or_default()
            .items,
    )
}

/// The outcomes stored so far for chunk `chunk`, in finishing order.
pub async fn load_outcomes(
    host: &impl Host,
    job_id: &str,
    chunk: usize,
) -> Result<Vec<ItemOutcome>, JobError> {
    Ok(
        read::<ChunkOutcomes>(host, &outcomes_key(job_id, chunk), "load outcomes")
            .await?
            .unwrap_or_default()
            .outcomes,
    )
}

/// Replaces the stored outcomes of chunk `chunk`. Only that chunk's
/// consumer writes this key.
pub async fn save_outcomes(
    host: &impl Host,
    job_id: &str,
    chunk: usize,
    outcomes: &[ItemOutcome],
) -> Result<(), JobError> {
    let value = ChunkOutcomes {
        outcomes: outcomes.to_vec(),
    };
    write(host, &outcomes_key(job_id, chunk), &value, "store outcomes").await
}
