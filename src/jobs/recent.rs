//! The newest jobs, for the admin page's Jobs tab: one small KVS value
//! (`jobs/recent`) listing the last [`KEEP`] job ids, newest first. Kept
//! apart from the job's own records so listing never scans storage.

use crate::host::{Host, HostError};
use serde_json::{json, Value};

/// KVS key of the list.
pub const KEY: &str = "jobs/recent";
/// How many job ids the list keeps.
pub const KEEP: usize = 20;

/// Puts `job_id` at the head of the list, dropping the oldest beyond
/// [`KEEP`]. Two submissions at once may each lose the other's entry:
/// the list is a convenience for the page, the job itself is unaffected.
pub async fn remember(host: &impl Host, job_id: &str) -> Result<(), HostError> {
    let mut ids = list(host).await?;
    ids.retain(|id| id != job_id);
    ids.insert(0, job_id.to_string());
    ids.truncate(KEEP);
    host.kvs_set(KEY, &json!({ "ids": ids })).await
}

/// The remembered job ids, newest first; empty when none was submitted.
pub async fn list(host: &impl Host) -> Result<Vec<String>, HostError> {
    let value = host.kvs_get(KEY).await?.unwrap_or(Value::Null);
    Ok(value["ids"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}
