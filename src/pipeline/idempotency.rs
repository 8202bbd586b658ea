//! Exactly-once for mutating calls: automation rules re-fire and HR systems
//! retry, so a call with a key that already completed returns the first
//! answer and changes nothing.
//!
//! Only complete outcomes are remembered. A call that failed part-way is not,
//! so re-sending it resumes: the operations are idempotent step by step and
//! report the steps already done as "no change".

use super::call::OperationCall;
use crate::host::{EntityQuery, Host, HostError, Range, Sort};
use crate::layout::IDEMPOTENCY_ENTITY;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// How long a completed answer is replayed. Long enough for any automation
/// re-fire or HR retry; short enough that the store does not grow forever.
pub const REPLAY_WINDOW_MS: u64 = 30 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
/// A completed answer kept for replay under its idempotency key.
pub struct StoredAnswer {
    /// The HTTP status first answered.
    pub status: u16,
    /// The body first answered (never one that carries a credential's value).
    pub body: Value,
    /// When it was stored, in milliseconds since the Unix epoch; replays stop after [`REPLAY_WINDOW_MS`].
    pub stored_at_ms: u64,
}

/// The `idempotency` entity key for a call (the hex SHA-256 of its
/// identity), or `None` when the call has no identity to
/// replay (no idempotency key and no issue key) or is a dry run.
///
/// With an explicit key, the key and route identify the call. Without one,
/// the issue key, route and a digest of `data` do: the same rule firing twice
/// on the same request is the same call.
pub fn key_for(envelope: &OperationCall) -> Option<String> {
    if envelope.dry_run {
        return None;
    }
    let identity = match (&envelope.idempotency_key, &envelope.issue_key) {
        (Some(key), _) => format!("key\n{}\n{}", envelope.route, key.as_str()),
        (None, Some(issue)) => {
            let data = serde_json::to_string(&envelope.data).unwrap_or_default();
            format!("issue\n{}\n{}\n{}", envelope.route, issue.as_str(), data)
        }
        (None, None) => return None,
    };
    Some(hex::encode(Sha256::digest(identity.as_bytes())))
}

/// The stored answer for `key`, if one exists and is younger than [`REPLAY_WINDOW_MS`]; an unreadable record counts as none.
pub async fn find(host: &impl Host, key: &str) -> Result<Option<StoredAnswer>, HostError> {
    let Some(value) = host.entity_get(IDEMPOTENCY_ENTITY, key).await? else {
        return Ok(None);
    };
    let Ok(answer) = serde_json::from_value::<StoredAnswer>(value["answer"].clone()) else {
        return Ok(None);
    };
    if host.now_ms().saturating_sub(answer.stored_at_ms) > REPLAY_WINDOW_MS {
        return Ok(None);
    }
    Ok(Some(answer))
}

/// What a call's `idempotency` entity holds: a completed answer to
/// replay, or the audit id of a run of the same call that began and has
/// not recorded its end (see [`started`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lookup {
    /// The answer to replay (as [`find`] gives it).
    pub answer: Option<StoredAnswer>,
    /// The audit record id of a run that was stopped before its record
    /// stage; a resend records its end under the same id.
    pub started_audit_id: Option<String>,
}

/// [`find`], and the audit id of an unfinished run: one entity read.
pub async fn lookup(host: &impl Host, key: &str) -> Result<Lookup, HostError> {
    let Some(value) = host.entity_get(IDEMPOTENCY_ENTITY, key).await? else {
        return Ok(Lookup::default());
    };
    let answer = serde_json::from_value::<StoredAnswer>(value["answer"].clone())
        .ok()
        .filter(|a| host.now_ms().saturating_sub(a.stored_at_ms) <= REPLAY_WINDOW_MS);
    let started_audit_id = value["startedAuditId"]
        .as_str()
        .filter(|id| !id.is_empty())
        .map(str::to_string);
    Ok(Lookup {
        answer,
        started_audit_id,
    })
}

/// The entity value that marks `key`'s call as begun, with the audit id
/// its run records under; written in one transaction with the run's
/// `started` audit record ([`crate::pipeline::record`]), and replaced by
/// [`remember`] or deleted when the run records its end.
pub fn started(now_ms: u64, audit_id: &str) -> Value {
    serde_json::json!({ "storedAtMs": now_ms, "startedAuditId": audit_id })
}

/// Stores a completed answer under `key` (from [`key_for`]) with the
/// current time: one `idempotency` entity write.
pub async fn remember(
    host: &impl Host,
    key: &str,
    status: u16,
    body: &Value,
) -> Result<(), HostError> {
    let answer = StoredAnswer {
        status,
        body: body.clone(),
        stored_at_ms: host.now_ms(),
    };
    let value = serde_json::json!({
        "storedAtMs": answer.stored_at_ms,
        "answer": answer,
    });
    host.entity_set(IDEMPOTENCY_ENTITY, key, &value).await
}

/// Deletes answers older than [`REPLAY_WINDOW_MS`], oldest first, at most
/// `max_records`; returns how many.
pub async fn purge(host: &impl Host, max_records: usize) -> Result<usize, HostError> {
    let cutoff = host.now_ms().saturating_sub(REPLAY_WINDOW_MS);
    let page = host
        .entity_query(&EntityQuery {
            entity_name: IDEMPOTENCY_ENTITY.to_string(),
            index_name: "by-stored-at".to_string(),
            partition: Vec::new(),
            range: Some(Range::LessThan(serde_json::json!(cutoff))),
            sort: Sort::Asc,
            limit: max_records.clamp(1, crate::host::storage::MAX_QUERY_LIMIT),
            cursor: None,
        })
        .await?;
    for entry in &page.results {
        host.entity_delete(IDEMPOTENCY_ENTITY, &entry.key).await?;
    }
    Ok(page.results.len())
}
