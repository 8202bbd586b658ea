//! Operations a portal request is waiting to run (for approval, or for a
//! leave date): one `pending-operation` entity per request (key: the issue
//! key), whose `dueAtMs` attribute (the leave date, else the request's
//! creation) the hourly sweep queries through the `by-due` index. Saving
//! or removing one is one write, whatever the number waiting.

use crate::host::{EntityQuery, Host, HostError, Range, Sort};
use crate::layout::{self, PENDING_ENTITY};
use crate::policy::Requester;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Most operations one sweep runs (oldest due first); the rest wait for
/// the next hour.
pub const MAX_PER_SWEEP: usize = 100;

/// One operation waiting to run.
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

impl PendingOperation {
    /// When the sweep should first try it: the leave date, else the
    /// request's creation (approvals are checked from then on).
    pub fn due_at_ms(&self) -> u64 {
        self.not_before_ms.unwrap_or(self.created_at_ms)
    }
}

fn key_of(issue_key: &str) -> String {
    layout::key_part(issue_key)
}

/// Stores (or replaces) the waiting operation: one entity write.
pub async fn save(host: &impl Host, pending: &PendingOperation) -> Result<(), HostError> {
    postpone(host, pending, pending.due_at_ms()).await
}

/// Stores the waiting operation due at `due_at_ms`: the sweep moves an
/// operation still waiting (for approvers, or after throttling) behind the
/// others, so a long queue of waiting requests is worked through in turn.
pub async fn postpone(
    host: &impl Host,
    pending: &PendingOperation,
    due_at_ms: u64,
) -> Result<(), HostError> {
    let value = json!({
        "dueAtMs": due_at_ms,
        "operation": pending,
    });
    host.entity_set(PENDING_ENTITY, &key_of(&pending.issue_key), &value)
        .await
}

/// The waiting operation of a request; `None` when there is none or it no
/// longer parses.
pub async fn load(
    host: &impl Host,
    issue_key: &str,
) -> Result<Option<PendingOperation>, HostError> {
    Ok(host
        .entity_get(PENDING_ENTITY, &key_of(issue_key))
        .await?
        .and_then(|v| serde_json::from_value(v["operation"].clone()).ok()))
}

/// Deletes the waiting operation.
pub async fn remove(host: &impl Host, issue_key: &str) -> Result<(), HostError> {
    host.entity_delete(PENDING_ENTITY, &key_of(issue_key)).await
}

/// Operations due by `now_ms`, soonest due first, at most
/// [`MAX_PER_SWEEP`]. Each is the stored entity key and the operation
/// (`None` when it no longer parses).
pub async fn due(
    host: &impl Host,
    now_ms: u64,
) -> Result<Vec<(String, Option<PendingOperation>)>, HostError> {
    let page = host
        .entity_query(&EntityQuery {
            entity_name: PENDING_ENTITY.to_string(),
            index_name: "by-due".to_string(),
            partition: Vec::new(),
            range: Some(Range::LessThanEqualTo(json!(now_ms))),
            sort: Sort::Asc,
            limit: MAX_PER_SWEEP,
            cursor: None,
        })
        .await?;
    Ok(page
        .results
        .into_iter()
        .map(|e| {
            let operation = serde_json::from_value(e.value["operation"].clone()).ok();
            (e.key, operation)
        })
        .collect())
}
