//! Audit storage in the Custom Entity Store: one `audit-record` entity per
//! record (key: the record id), whose attributes feed the indexes the
//! admin audit log, the issue panel and the portal panel query: by target
//! (label or Entra object id), requester, issue, operation, outcome and
//! time, each ordered by `atMs` (see [`crate::layout`]). Recording is one
//! write, whatever the number of records already stored, and two
//! invocations recording at once cannot lose each other's record.

use crate::audit::record::{AuditAction, AuditRecord, ResultKind};
use crate::host::{EntityQuery, Host, HostError, LogLevel, Range, Sort};
use crate::layout::{self, AUDIT_ENTITY};
use crate::secret::redact_json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::fmt;

/// Forge KVS refuses values over 240 KiB; stay well below.
pub const MAX_RECORD_BYTES: usize = 200 * 1024;
/// Most records a query returns.
pub const MAX_QUERY_LIMIT: usize = 200;
/// Most index entries one query reads while filtering by what its index
/// does not cover (for example an outcome within one requester's records).
pub const MAX_SCANNED: usize = 5_000;
/// Longest indexed value kept as is; longer ones are replaced by their hash.
const MAX_INDEXED_CHARS: usize = 200;
/// The operation name of a reveal record (as the audit log names it).
pub const REVEAL_OPERATION: &str = "credential.reveal";

/// Why an audit read or write failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditError {
    /// Forge storage failed.
    Storage(HostError),
    /// A stored record did not have the expected shape.
    Corrupt {
        /// The entity key of the record.
        key: String,
        /// The parse error.
        reason: String,
    },
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditError::Storage(e) => write!(f, "audit storage failed: {e}"),
            AuditError::Corrupt { key, reason } => {
                write!(f, "audit record '{key}' is unreadable: {reason}")
            }
        }
    }
}

impl std::error::Error for AuditError {}

impl From<HostError> for AuditError {
    fn from(e: HostError) -> Self {
        AuditError::Storage(e)
    }
}

/// An indexed value: trimmed and case-folded (UPNs, mails, account ids and
/// issue keys compare case-insensitively); long ones hashed.
fn indexed(value: &str) -> String {
    let folded = value.trim().to_lowercase();
    if folded.chars().count() > MAX_INDEXED_CHARS {
        format!("sha256-{}", hex::encode(Sha256::digest(folded.as_bytes())))
    } else {
        folded
    }
}

/// The entity key of a record: its id, as a Forge key.
pub fn record_key(record: &AuditRecord) -> String {
    layout::key_part(&record.id)
}

/// The operation a record is about: a route name or [`REVEAL_OPERATION`].
pub fn operation_of(record: &AuditRecord) -> &'static str {
    match record.action {
        AuditAction::Operation(route) => route.name(),
        AuditAction::RevealCredential => REVEAL_OPERATION,
    }
}

fn outcome_name(kind: ResultKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The stored form: the whole record redacted, and shrunk if it would not
/// fit in one value.
fn stored_value(record: &AuditRecord) -> Value {
    let mut value = redact_json(&serde_json::to_value(record).unwrap_or(Value::Null));
    if value.to_string().len() > MAX_RECORD_BYTES {
        let changes = record
            .plan
            .as_ref()
            .and_then(|p| p.get("changes"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        value["plan"] = json!({"truncated": true, "changes": changes});
        value["steps"] = json!([{"truncated": true, "count": record.steps.len()}]);
    }
    value
}

/// The `audit-record` entity of a record: the indexed attributes (absent
/// ones left out, so the record is not in that index) and the record.
pub fn entity_value(record: &AuditRecord) -> Value {
    let mut attributes = Map::new();
    attributes.insert("atMs".into(), json!(record.at_ms));
    attributes.insert(
        "requester".into(),
        json!(indexed(&record.requester.account_id)),
    );
    attributes.insert("operation".into(), json!(operation_of(record)));
    attributes.insert("outcome".into(), json!(outcome_name(record.result.kind())));
    if let Some(issue) = &record.issue_key {
        attributes.insert("issue".into(), json!(indexed(issue)));
    }
    if let Some(target) = &record.target {
        attributes.insert("target".into(), json!(indexed(&target.label)));
        if let Some(id) = &target.id {
            attributes.insert("targetId".into(), json!(indexed(id)));
        }
    }
    attributes.insert("record".into(), stored_value(record));
    Value::Object(attributes)
}

/// Stores one record (one entity write); returns its key.
///
/// The stored value is the redacted record, shrunk to fit
/// [`MAX_RECORD_BYTES`]. Fails with [`AuditError::Storage`] when the write
/// fails.
pub async fn record<H: Host>(host: &H, record: &AuditRecord) -> Result<String, AuditError> {
    let key = record_key(record);
    host.entity_set(AUDIT_ENTITY, &key, &entity_value(record))
        .await?;
    Ok(key)
}

/// What the admin page filters by. Unset fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct AuditFilter {
    /// Entra object id or target label (UPN, or the value the request
    /// gave) as recorded; case-insensitive.
    pub target: Option<String>,
    /// The requester's Atlassian account id; case-insensitive.
    pub requester_account_id: Option<String>,
    /// The JSM request, e.g. `ITSM-42`; case-insensitive.
    pub issue_key: Option<String>,
    /// Earliest `atMs`, inclusive, in milliseconds since the Unix epoch;
    /// unset, no lower bound.
    pub from_ms: Option<u64>,
    /// Latest `atMs`, inclusive, in milliseconds since the Unix epoch;
    /// unset means now.
    pub to_ms: Option<u64>,
    /// Only records with this result.
    pub result: Option<ResultKind>,
    /// Only records of this operation: a route name (`user.create`) or
    /// [`REVEAL_OPERATION`].
    pub operation: Option<String>,
    /// Defaults to 50, at most [`MAX_QUERY_LIMIT`].
    pub limit: Option<usize>,
}

/// Records matching `filter`, newest first, at most `limit`.
///
/// Candidates come from the index of the most selective filter given
/// (issue, else target by label and by object id, else requester, else
/// operation, else outcome, else time), bounded by `fromMs`..`toMs` and
/// read newest first a page at a time; the other filters are applied to
/// what the index returns, reading at most [`MAX_SCANNED`] entries. A
/// record that no longer parses fails the query with
/// [`AuditError::Corrupt`].
pub async fn query<H: Host>(
    host: &H,
    filter: &AuditFilter,
) -> Result<Vec<AuditRecord>, AuditError> {
    let limit = filter.limit.unwrap_or(50).clamp(1, MAX_QUERY_LIMIT);
    let range = match (filter.from_ms, filter.to_ms) {
        (Some(from), Some(to)) => Some(Range::Between(json!(from), json!(to))),
        (Some(from), None) => Some(Range::GreaterThanEqualTo(json!(from))),
        (None, Some(to)) => Some(Range::LessThanEqualTo(json!(to))),
        (None, None) => None,
    };
    let outcome = filter.result.map(outcome_name);
    let sources: Vec<(&str, Option<String>)> = if let Some(issue) = &filter.issue_key {
        vec![("by-issue", Some(indexed(issue)))]
    } else if let Some(target) = &filter.target {
        vec![
            ("by-target", Some(indexed(target))),
            ("by-target-id", Some(indexed(target))),
        ]
    } else if let Some(requester) = &filter.requester_account_id {
        vec![("by-requester", Some(indexed(requester)))]
    } else if let Some(operation) = &filter.operation {
        vec![("by-operation", Some(operation.trim().to_string()))]
    } else if let Some(outcome) = outcome {
        vec![("by-outcome", Some(outcome))]
    } else {
        vec![("by-time", None)]
    };
    let mut found: Vec<AuditRecord> = Vec::new();
    for (index, partition) in sources {
        let mut query = EntityQuery {
            entity_name: AUDIT_ENTITY.to_string(),
            index_name: index.to_string(),
            partition: partition.into_iter().map(Value::String).collect(),
            range: range.clone(),
            sort: Sort::Desc,
            limit: crate::host::storage::MAX_QUERY_LIMIT,
            cursor: None,
        };
        let (mut scanned, mut matched) = (0, 0);
        loop {
            let page = host.entity_query(&query).await?;
            scanned += page.results.len();
            for entry in page.results {
                let record: AuditRecord = serde_json::from_value(entry.value["record"].clone())
                    .map_err(|e| AuditError::Corrupt {
                        key: entry.key.clone(),
                        reason: e.to_string(),
                    })?;
                if matches(&record, filter) && matched < limit {
                    matched += 1;
                    found.push(record);
                }
            }
            match page.next_cursor {
                Some(cursor) if matched < limit && scanned < MAX_SCANNED => {
                    query.cursor = Some(cursor)
                }
                _ => break,
            }
        }
    }
    found.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then_with(|| b.id.cmp(&a.id)));
    found.dedup_by(|a, b| a.id == b.id);
    found.truncate(limit);
    Ok(found)
}

fn matches(record: &AuditRecord, filter: &AuditFilter) -> bool {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    filter.from_ms.is_none_or(|from| record.at_ms >= from)
        && filter.to_ms.is_none_or(|to| record.at_ms <= to)
        && filter.result.is_none_or(|r| record.result.kind() == r)
        && filter
            .operation
            .as_deref()
            .is_none_or(|o| operation_of(record) == o.trim())
        && filter
            .issue_key
            .as_deref()
            .is_none_or(|k| record.issue_key.as_deref().is_some_and(|i| same(i, k)))
        && filter
            .requester_account_id
            .as_deref()
            .is_none_or(|a| same(&record.requester.account_id, a))
        && filter.target.as_deref().is_none_or(|t| {
            record.target.as_ref().is_some_and(|target| {
                same(&target.label, t) || target.id.as_deref().is_some_and(|id| same(id, t))
            })
        })
}

/// What a purge removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PurgeReport {
    /// Records deleted in this call.
    pub records_deleted: usize,
    /// False when `max_records` stopped the purge; run it again.
    pub complete: bool,
}

/// Deletes records older than `retention_days` (whole UTC days before
/// today), oldest first, at most `max_records` per call so a scheduled
/// trigger stays inside its time limit. Each deletion is one entity
/// delete: the indexes follow by themselves.
pub async fn purge<H: Host>(
    host: &H,
    retention_days: u32,
    max_records: usize,
) -> Result<PurgeReport, AuditError> {
    let today = crate::audit::time::day_number(host.now_ms());
    let first_kept_ms = today.saturating_sub(u64::from(retention_days)) * 86_400_000;
    let mut report = PurgeReport::default();
    loop {
        let room = max_records - report.records_deleted;
        if room == 0 {
            break;
        }
        let page = host
            .entity_query(&EntityQuery {
                entity_name: AUDIT_ENTITY.to_string(),
                index_name: "by-time".to_string(),
                partition: Vec::new(),
                range: Some(Range::LessThan(json!(first_kept_ms))),
                sort: Sort::Asc,
                limit: room.min(crate::host::storage::MAX_QUERY_LIMIT),
                cursor: None,
            })
            .await?;
        if page.results.is_empty() {
            report.complete = true;
            break;
        }
        for entry in &page.results {
            host.entity_delete(AUDIT_ENTITY, &entry.key).await?;
            report.records_deleted += 1;
        }
        if page.next_cursor.is_none() {
            report.complete = true;
            break;
        }
    }
    host.log(
        LogLevel::Info,
        &format!(
            "audit purge: {} records removed (retention {retention_days} days)",
            report.records_deleted
        ),
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_values_are_folded_and_bounded() {
        assert_eq!(
            indexed(" Shane.O'Neil@Contoso.example "),
            "shane.o'neil@contoso.example"
        );
        let long = indexed(&"x".repeat(400));
        assert!(long.starts_with("sha256-") && long.len() < 80);
    }
}
