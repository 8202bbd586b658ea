//! Exactly-once for mutating calls: automation rules re-fire and HR systems
//! retry, so a call with a key that already completed returns the first
//! answer and changes nothing.
//!
//! Only complete outcomes are remembered. A call that failed part-way is not,
//! so re-sending it resumes: the operations are idempotent step by step and
//! report the steps already done as "no change".

use super::call::OperationCall;
use crate::host::{Host, HostError};
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

/// The storage key for a call, or `None` when the call has no identity to
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
    Some(format!(
        "idem/{}",
        hex::encode(Sha256::digest(identity.as_bytes()))
    ))
}

/// The stored answer for `key`, if one exists and is younger than [`REPLAY_WINDOW_MS`]; an unreadable record counts as none.
pub async fn find(host: &impl Host, key: &str) -> Result<Option<StoredAnswer>, HostError> {
    let Some(value) = host.kvs_get(key).await? else {
        return Ok(None);
    };
    let Ok(answer) = serde_json::from_value::<StoredAnswer>(value) else {
        return Ok(None);
    };
    if host.now_ms().saturating_sub(answer.stored_at_ms) > REPLAY_WINDOW_MS {
        return Ok(None);
    }
    Ok(Some(answer))
}

/// Stores a completed answer under `key` (a KVS key from [`key_for`]) with the current time.
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
    host.kvs_set(
        key,
        &serde_json::to_value(answer).expect("answer serialises"),
    )
    .await
}
