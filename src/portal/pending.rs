//! Operations a portal request is waiting to run (for approval, or for a
//! leave date), kept in KVS with an index so a scheduled sweep finds them.
//! Each is keyed by its request and route (its id, `ITSM-42:user.create`),
//! so two operations on one request never overwrite each other; entries
//! stored before that are keyed by the request alone and still load.

use crate::host::{Host, HostError};
use crate::pipeline::approval::InputDigest;
use crate::policy::Requester;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const INDEX_KEY: &str = "portal:pending:index";
/// Bounds the index document far below a KVS value's size.
pub const MAX_PENDING: usize = 2_000;

/// One operation waiting to run, under KVS key `portal:pending:{id}` (see
/// [`PendingOperation::id`]).
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
    /// Digests of `data` recorded when the operation started waiting for
    /// JSM approval (field names and SHA-256s, never values); the run after
    /// approval refuses if the request's fields no longer match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputDigest>,
}

impl PendingOperation {
    /// The entry's id: request and route, e.g. `ITSM-42:user.create`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.issue_key, self.route)
    }
}

fn key_of(id: &str) -> String {
    format!("portal:pending:{id}")
}

/// Stores (or replaces) the waiting operation and adds its id to the
/// index. Past [`MAX_PENDING`] entries the oldest leave the index: they no
/// longer run from the sweep, only from an update event.
pub async fn save(host: &impl Host, pending: &PendingOperation) -> Result<(), HostError> {
    let id = pending.id();
    host.kvs_set(
        &key_of(&id),
        &serde_json::to_value(pending).expect("pending serialises"),
    )
    .await?;
    let mut index = index(host).await?;
    if !index.contains(&id) {
        index.push(id);
        // Oldest first out: a request that waited this long is swept by an agent.
        let overflow = index.len().saturating_sub(MAX_PENDING);
        index.drain(..overflow);
        host.kvs_set(INDEX_KEY, &serde_json::json!(index)).await?;
    }
    Ok(())
}

/// The waiting operation with id `id` (from the index); `None` when there
/// is none or it no longer parses.
pub async fn load(host: &impl Host, id: &str) -> Result<Option<PendingOperation>, HostError> {
    Ok(host
        .kvs_get(&key_of(id))
        .await?
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// Deletes the waiting operation with id `id` and its index entry.
pub async fn remove(host: &impl Host, id: &str) -> Result<(), HostError> {
    host.kvs_delete(&key_of(id)).await?;
    let mut index = index(host).await?;
    let before = index.len();
    index.retain(|k| k != id);
    if index.len() != before {
        host.kvs_set(INDEX_KEY, &serde_json::json!(index)).await?;
    }
    Ok(())
}

/// Ids of every indexed waiting operation, oldest first (an unreadable
/// index reads as empty).
pub async fn index(host: &impl Host) -> Result<Vec<String>, HostError> {
    Ok(host
        .kvs_get(INDEX_KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// Ids of the waiting operations of one request (an entry stored under the
/// request alone included).
pub async fn ids_of(host: &impl Host, issue_key: &str) -> Result<Vec<String>, HostError> {
    let prefix = format!("{issue_key}:");
    Ok(index(host)
        .await?
        .into_iter()
        .filter(|id| id == issue_key || id.starts_with(&prefix))
        .collect())
}
