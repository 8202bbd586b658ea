//! Operations a portal request is waiting to run (for approval, or for a
//! leave date): one `pending-operation` entity per request and route (key:
//! [`PendingOperation::id`], each part within Forge's key rule, e.g.
//! `ITSM-42:user.create`), so
//! two operations on one request never overwrite each other. Its `dueAtMs`
//! attribute (the leave date, else the request's creation) is what the
//! hourly sweep queries through the `by-due` index; its `issueKey`
//! attribute finds a request's operations through the `by-issue` index.
//! Saving or removing one is one write, whatever the number waiting.
//! Entries of the earlier layout (KVS, keyed by the request alone or by
//! request and route) are moved into this keying by
//! `maintenance::migrate`.

use crate::host::{EntityQuery, Host, HostError, Range, Sort};
use crate::layout::{self, PENDING_ENTITY};
use crate::pipeline::approval::InputDigest;
use crate::policy::Requester;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// Most operations one sweep runs (oldest due first); the rest wait for
/// the next hour.
pub const MAX_PER_SWEEP: usize = 100;

/// Most operations one request has waiting that [`ids_of`] reads (one per
/// mapped route; a request maps to far fewer).
pub const MAX_PER_REQUEST: usize = 100;

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

    /// When the sweep should first try it: the leave date, else the
    /// request's creation (approvals are checked from then on).
    pub fn due_at_ms(&self) -> u64 {
        self.not_before_ms.unwrap_or(self.created_at_ms)
    }

    /// The entity's key: [`Self::id`] within Forge's key rule.
    pub fn entity_key(&self) -> String {
        key_of(&self.id())
    }

    /// The entity's value when due at `due_at_ms`: `dueAtMs`, `issueKey`
    /// (the index attributes) and the operation itself.
    pub fn entity_value(&self, due_at_ms: u64) -> Value {
        json!({
            "dueAtMs": due_at_ms,
            "issueKey": self.issue_key,
            "operation": self,
        })
    }
}

/// `{issueKey}:{route}` with each part within Forge's key rule (the `:`
/// between them kept, so the key reads as the id).
fn key_of(id: &str) -> String {
    id.split(':')
        .map(layout::key_part)
        .collect::<Vec<_>>()
        .join(":")
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
    host.entity_set(
        PENDING_ENTITY,
        &pending.entity_key(),
        &pending.entity_value(due_at_ms),
    )
    .await
}

/// The waiting operation with id `id` (see [`PendingOperation::id`]);
/// `None` when there is none or it no longer parses.
pub async fn load(host: &impl Host, id: &str) -> Result<Option<PendingOperation>, HostError> {
    Ok(host
        .entity_get(PENDING_ENTITY, &key_of(id))
        .await?
        .and_then(|v| serde_json::from_value(v["operation"].clone()).ok()))
}

/// Deletes the waiting operation with id `id`.
pub async fn remove(host: &impl Host, id: &str) -> Result<(), HostError> {
    host.entity_delete(PENDING_ENTITY, &key_of(id)).await
}

/// Ids of the waiting operations of one request, in id order, at most
/// [`MAX_PER_REQUEST`] (one `by-issue` index query).
pub async fn ids_of(host: &impl Host, issue_key: &str) -> Result<Vec<String>, HostError> {
    let page = host
        .entity_query(&EntityQuery {
            entity_name: PENDING_ENTITY.to_string(),
            index_name: "by-issue".to_string(),
            partition: vec![json!(issue_key)],
            range: None,
            sort: Sort::Asc,
            limit: MAX_PER_REQUEST,
            cursor: None,
        })
        .await?;
    let mut ids: Vec<String> = page
        .results
        .into_iter()
        .filter_map(|e| {
            serde_json::from_value::<PendingOperation>(e.value["operation"].clone()).ok()
        })
        .map(|p| p.id())
        .collect();
    ids.sort();
    Ok(ids)
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
