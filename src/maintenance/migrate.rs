//! The move of data written by the version before [`crate::layout`]
//! (schema version 1) into the current layout, so an installed app keeps
//! its audit trail, jobs in flight, idempotency records, waiting portal
//! operations, unrevealed credentials and settings.
//!
//! Version 1 kept, in KVS: audit records under `audit:rec:{atMs}-{id}` with
//! index documents `audit:idx:{dim}:{value}` and `audit:days`; jobs under
//! `job/{id}`, `job/{id}/items/{chunk}` and `job/{id}/outcomes/{chunk}`
//! (`{"outcomes": [...]}`) with the newest job ids in `jobs/recent`; answers for replay under `idem/{sha256}`; the
//! credential list `delivery:pending` (`{"entries": [{"id",
//! "expiresAtMs"}]}`); waiting portal operations under
//! `portal:pending:{issueKey}` (later `portal:pending:{issueKey}:{route}`)
//! with the list `portal:pending:index`; the
//! configuration under `config/app`; the HMAC replay list
//! `service-api:hmac-seen` (`[{"digest", "at"}]`); panel caches under `ui/panel/{issue}`;
//! and in secret storage `graph/client-secret`, `service-api/key-verifier`
//! and `service-api/hmac-secret`.
//!
//! [`run`] moves at most a given number of old keys per call: each old
//! value is written in its new place, then its old key deleted. So the
//! migration is resumable (the next call finds what is left by the same
//! prefix queries), idempotent (writing a value again, or deleting a key
//! already gone, changes nothing) and safe to run from two invocations at
//! once. When nothing old is left it stores the version under
//! [`layout::SCHEMA_VERSION_KEY`] and later calls cost one read.
//! A value that no longer parses is kept under `migration:unreadable:`
//! rather than lost, and logged.

use crate::audit::AuditRecord;
use crate::host::{Host, HostError, KeyQuery, LogLevel, TxOp};
use crate::jobs::store::{ItemOutcome, JobRecord};
use crate::layout;
use crate::pipeline::idempotency::StoredAnswer;
use crate::portal::pending::PendingOperation;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// KVS prefix of old values that could not be read (kept, not lost).
pub const UNREADABLE_PREFIX: &str = "migration:unreadable:";

/// Secret storage keys of version 1 and their current names.
const SECRETS: [(&str, &str); 3] = [
    ("graph/client-secret", layout::CLIENT_SECRET_KEY),
    ("service-api/key-verifier", layout::SERVICE_KEY_SECRET),
    ("service-api/hmac-secret", layout::HMAC_SECRET_KEY),
];

/// KVS prefixes of version 1, in the order they are moved: what every
/// invocation needs first (settings, replay records, waiting work), the
/// bulk of the audit trail after, the old index documents last.
const OLD_PREFIXES: [&str; 11] = [
    "config/app",
    "service-api:hmac-seen",
    "idem/",
    "portal:pending:",
    "delivery:pending",
    "job/",
    "jobs/recent",
    "audit:rec:",
    "audit:idx:",
    "audit:days",
    "ui/panel/",
];

/// How far the migration is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationReport {
    /// Old keys (KVS and secrets) moved or deleted by this call.
    pub moved: usize,
    /// True once the stored data follows [`layout::SCHEMA_VERSION`].
    pub complete: bool,
}

/// Why a migration step failed; the next call resumes where it stopped.
pub type MigrationError = HostError;

/// The schema version the stored data follows (1 when none is recorded).
pub async fn version(host: &impl Host) -> Result<u64, HostError> {
    Ok(host
        .kvs_get(layout::SCHEMA_VERSION_KEY)
        .await?
        .and_then(|v| v["version"].as_u64())
        .unwrap_or(1))
}

/// Moves up to `max_keys` old keys into the current layout; see the module
/// documentation. Costs one read once the migration is complete.
pub async fn run(host: &impl Host, max_keys: usize) -> Result<MigrationReport, MigrationError> {
    if version(host).await? >= layout::SCHEMA_VERSION {
        return Ok(MigrationReport {
            moved: 0,
            complete: true,
        });
    }
    let mut moved = 0;
    for (old, new) in SECRETS {
        // Forge refuses '/' in keys, so on Forge these reads fail: nothing
        // can be stored there, and there is nothing to move.
        let Ok(old_value) = host.secret_get(old).await else {
            continue;
        };
        if let Some(value) = old_value {
            if host.secret_get(new).await?.is_none() {
                host.secret_set(new, &value).await?;
            }
            host.secret_delete(old).await?;
            moved += 1;
        }
    }
    for prefix in OLD_PREFIXES {
        loop {
            if moved >= max_keys {
                return Ok(MigrationReport {
                    moved,
                    complete: false,
                });
            }
            let page = match host
                .kvs_query(&KeyQuery::prefix(prefix, max_keys - moved))
                .await
            {
                Ok(page) => page,
                // As for secrets: a host that refuses a '/' prefix holds
                // no key under it. Any other failure stops this run.
                Err(_) if prefix.contains('/') => break,
                Err(e) => return Err(e),
            };
            if page.results.is_empty() {
                break;
            }
            for entry in page.results {
                move_one(host, &entry.key, entry.value).await?;
                moved += 1;
            }
        }
    }
    host.kvs_set(
        layout::SCHEMA_VERSION_KEY,
        &json!({"version": layout::SCHEMA_VERSION}),
    )
    .await?;
    host.log(
        LogLevel::Info,
        &format!(
            "storage migration: complete, {moved} keys moved in this run (schema version {})",
            layout::SCHEMA_VERSION
        ),
    );
    Ok(MigrationReport {
        moved,
        complete: true,
    })
}

/// Writes one old value in its new place, then deletes the old key.
async fn move_one(host: &impl Host, key: &str, value: Value) -> Result<(), HostError> {
    let moved = match convert(key, &value) {
        Ok(ops) => ops,
        Err(reason) => {
            host.log(
                LogLevel::Warn,
                &format!("storage migration: '{key}' unreadable, kept aside: {reason}"),
            );
            vec![TxOp::set(
                format!("{UNREADABLE_PREFIX}{}", layout::key_part(key)),
                json!({"key": key, "value": value}),
            )]
        }
    };
    for batch in moved.chunks(crate::host::storage::MAX_TRANSACTION_OPS) {
        host.kvs_transact(batch).await?;
    }
    host.kvs_delete(key).await
}

/// The writes that put one old value in the current layout (none for an
/// old index document, which the entities' indexes replace).
fn convert(key: &str, value: &Value) -> Result<Vec<TxOp>, String> {
    fn parse<T: for<'de> Deserialize<'de>>(value: &Value) -> Result<T, String> {
        serde_json::from_value(value.clone()).map_err(|e| e.to_string())
    }
    if key.starts_with("audit:rec:") {
        let record: AuditRecord = parse(value)?;
        return Ok(vec![TxOp::set_entity(
            layout::AUDIT_ENTITY,
            crate::audit::store::record_key(&record),
            crate::audit::store::entity_value(&record),
        )]);
    }
    if key.starts_with("audit:idx:") || key == "audit:days" {
        return Ok(Vec::new());
    }
    if let Some(rest) = key.strip_prefix("job/") {
        let parts: Vec<&str> = rest.split('/').collect();
        return match parts.as_slice() {
            [id] => {
                let record: JobRecord = parse(value)?;
                Ok(vec![
                    TxOp::set(layout::job_key(id), value.clone()),
                    TxOp::set(
                        layout::job_created_key(record.created_at_ms, id),
                        json!(record.id),
                    ),
                    TxOp::set(
                        layout::job_newest_key(record.created_at_ms, id),
                        json!(record.id),
                    ),
                ])
            }
            [id, "items", chunk] => {
                let chunk: usize = chunk.parse().map_err(|_| "chunk is not a number")?;
                Ok(vec![TxOp::set(
                    layout::job_items_key(id, chunk),
                    value.clone(),
                )])
            }
            [id, "outcomes", chunk] => {
                let chunk: usize = chunk.parse().map_err(|_| "chunk is not a number")?;
                #[derive(Deserialize)]
                struct Old {
                    outcomes: Vec<ItemOutcome>,
                }
                let old: Old = parse(value)?;
                Ok(old
                    .outcomes
                    .iter()
                    .map(|o| {
                        TxOp::set(
                            layout::job_outcome_key(id, chunk, o.index),
                            serde_json::to_value(o).unwrap_or(Value::Null),
                        )
                    })
                    .collect())
            }
            _ => Err("not a job key of version 1".into()),
        };
    }
    if let Some(hash) = key.strip_prefix("idem/") {
        let answer: StoredAnswer = parse(value)?;
        return Ok(vec![TxOp::set_entity(
            layout::IDEMPOTENCY_ENTITY,
            layout::key_part(hash),
            json!({"storedAtMs": answer.stored_at_ms, "answer": answer}),
        )]);
    }
    if key == "delivery:pending" {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Entry {
            id: String,
            expires_at_ms: u64,
        }
        #[derive(Deserialize)]
        struct Old {
            entries: Vec<Entry>,
        }
        let old: Old = parse(value)?;
        return Ok(old
            .entries
            .iter()
            .map(|e| {
                TxOp::set(
                    layout::credential_expiry_key(e.expires_at_ms, &e.id),
                    json!({"id": e.id, "expiresAtMs": e.expires_at_ms}),
                )
            })
            .collect());
    }
    if key == "portal:pending:index" || key == "jobs/recent" {
        // Lists the new layout finds by key instead (`by-issue`,
        // `jobs:newest:`, written as each entry moves).
        return Ok(Vec::new());
    }
    if key.starts_with("portal:pending:") {
        let pending: PendingOperation = parse(value)?;
        // Keyed by the request alone or by request and route before: both
        // move to the request-and-route key.
        return Ok(vec![TxOp::set_entity(
            layout::PENDING_ENTITY,
            pending.entity_key(),
            pending.entity_value(pending.due_at_ms()),
        )]);
    }
    if key == "service-api:hmac-seen" {
        #[derive(Deserialize)]
        struct Seen {
            digest: String,
            at: u64,
        }
        let seen: Vec<Seen> = parse(value)?;
        return Ok(seen
            .iter()
            .map(|s| TxOp::set(layout::hmac_seen_key(s.at, &s.digest), json!({"at": s.at})))
            .collect());
    }
    if key == "config/app" {
        return Ok(vec![TxOp::set(layout::CONFIG_KEY, value.clone())]);
    }
    if key.starts_with("ui/panel/") {
        // A cache: it is rebuilt on the next view.
        return Ok(Vec::new());
    }
    Err("not a key of version 1".into())
}
