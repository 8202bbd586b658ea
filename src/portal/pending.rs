//! Operations a portal request is waiting to run (for approval, or for a
//! leave date), kept in KVS with an index so a scheduled sweep finds them.

use crate::host::{Host, HostError};
use crate::policy::Requester;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const INDEX_KEY: &str = "portal:pending:index";
/// Bounds the index document far below a KVS value's size.
pub const MAX_PENDING: usize = 2_000;

/// One operation waiting to run, under KVS key `portal:pending:{issueKey}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingOperation {
    /// The request it belongs to, e.g. `ITSM-42`.
    pub issue_key: String,
    /// The operation the request type maps to.
    pub route: crate::route::Route,
    /// The operation's `data`, built from the form.
    pub data: Map<String, Value>,
    /// Who the operation runs for (the reporter).
    pub requester: Requester,
    /// When the request was created, in milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// Not before this time (an offboarding's leave date), in milliseconds
    /// since the Unix epoch, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before_ms: Option<u64>,
}

fn key_of(issue_key: &str) -> String {
    format!("portal:pending:{issue_key}")
}

/// Stores (or replaces) the waiting operation and adds its request to the
/// index. Past [`MAX_PENDING`] entries the oldest leave the index: they no
/// longer run from the sweep, only from an update event.
pub async fn save(host: &impl Host, pending: &PendingOperation) -> Result<(), HostError> {
    host.kvs_set(
        &key_of(&pending.issue_key),
        &serde_json::to_value(pending).expect("pending serialises"),
    )
    .await?;
    let mut index = index(host).await?;
    if !index.contains(&pending.issue_key) {
        index.push(pending.issue_key.clone());
        // Oldest first out: a request that waited this long is swept by an agent.
        let overflow = index.len().saturating_sub(MAX_PENDING);
        index.drain(..overflow);
        host.kvs_set(INDEX_KEY, &serde_json::json!(index)).await?;
    }
    Ok(())
}

/// The waiting operation of a request; `None` when there is none or it no
/// longer parses.
pub async fn load(
    host: &impl Host,
    issue_key: &str,
) -> Result<Option<PendingOperation>, HostError> {
    Ok(host
        .kvs_get(&key_of(issue_key))
        .await?
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// Deletes the waiting operation and its index entry.
pub async fn remove(host: &impl Host, issue_key: &str) -> Result<(), HostError> {
    host.kvs_delete(&key_of(issue_key)).await?;
    let mut index = index(host).await?;
    let before = index.len();
    index.retain(|k| k != issue_key);
    if index.len() != before {
        host.kvs_set(INDEX_KEY, &serde_json::json!(index)).await?;
    }
    Ok(())
}

/// Issue keys of every indexed waiting operation, oldest first (an
/// unreadable index reads as empty).
pub async fn index(host: &impl Host) -> Result<Vec<String>, HostError> {
    Ok(host
        .kvs_get(INDEX_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}
