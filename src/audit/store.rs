//! Audit storage on the Host KVS, which has no secondary indexes: one value
//! per record plus small, bounded index documents (per target, requester,
//! issue and day) listing record keys, so the admin page can filter.
//!
//! Keys use only the characters Forge KVS accepts (`[a-zA-Z0-9:._\s-#]`),
//! so user-supplied parts are escaped as `#hh` bytes, and long ones hashed.

use crate::audit::record::{AuditRecord, ResultKind};
use crate::audit::time::{date_of, date_of_day, day_number};
use crate::host::{Host, HostError, LogLevel};
use crate::secret::redact_json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// Forge KVS refuses values over 240 KiB; stay well below.
pub const MAX_RECORD_BYTES: usize = 200 * 1024;
/// Record keys kept per index document (oldest dropped first): ~50 bytes
/// each, so an index stays near 100 KiB.
pub const MAX_INDEX_ENTRIES: usize = 2_000;
/// Most records a query returns.
pub const MAX_QUERY_LIMIT: usize = 200;
/// Longest escaped key part before it is replaced by its hash.
const MAX_KEY_PART: usize = 120;

const RECORD_PREFIX: &str = "audit:rec:";
const INDEX_PREFIX: &str = "audit:idx:";
const DAYS_KEY: &str = "audit:days";

/// Why an audit read or write failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditError {
    /// Forge KVS failed.
    Storage(HostError),
    /// A stored document did not have the expected shape.
    Corrupt {
        /// The KVS key of the document.
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
                write!(f, "audit document '{key}' is unreadable: {reason}")
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

/// An index dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dim {
    Target,
    Requester,
    Issue,
    Day,
}

impl Dim {
    fn name(self) -> &'static str {
        match self {
            Dim::Target => "target",
            Dim::Requester => "requester",
            Dim::Issue => "issue",
            Dim::Day => "day",
        }
    }
}

/// A user-supplied value as a key part: unreserved characters kept,
/// everything else `#hh`; long values hashed. Case-folded, since UPNs,
/// mails and issue keys compare case-insensitively.
fn key_part(value: &str) -> String {
    let folded = value.trim().to_lowercase();
    let mut out = String::with_capacity(folded.len());
    for byte in folded.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("#{byte:02x}"));
        }
    }
    if out.len() > MAX_KEY_PART {
        format!("sha256-{}", hex::encode(Sha256::digest(folded.as_bytes())))
    } else {
        out
    }
}

fn index_key(dim: Dim, value: &str) -> String {
    format!("{INDEX_PREFIX}{}:{}", dim.name(), key_part(value))
}

/// `audit:rec:{at_ms, 15 digits}-{id}`: sorts by time.
pub fn record_key(record: &AuditRecord) -> String {
    format!(
        "{RECORD_PREFIX}{:015}-{}",
        record.at_ms,
        key_part(&record.id)
    )
}

fn index_keys_of(record: &AuditRecord) -> Vec<String> {
    let mut keys = vec![
        index_key(Dim::Requester, &record.requester.account_id),
        index_key(Dim::Day, &date_of(record.at_ms)),
    ];
    if let Some(issue) = &record.issue_key {
        keys.push(index_key(Dim::Issue, issue));
    }
    if let Some(target) = &record.target {
        if let Some(id) = &target.id {
            keys.push(index_key(Dim::Target, id));
        }
        keys.push(index_key(Dim::Target, &target.label));
    }
    keys.sort();
    keys.dedup();
    keys
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct IndexDoc {
    keys: Vec<String>,
}

async fn read_index<H: Host>(host: &H, key: &str) -> Result<IndexDoc, AuditError> {
    match host.kvs_get(key).await? {
        None => Ok(IndexDoc::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| AuditError::Corrupt {
            key: key.to_string(),
            reason: e.to_string(),
        }),
    }
}

async fn write_index<H: Host>(host: &H, key: &str, doc: &IndexDoc) -> Result<(), AuditError> {
    if doc.keys.is_empty() {
        host.kvs_delete(key).await?;
    } else {
        host.kvs_set(key, &json!(doc)).await?;
    }
    Ok(())
}

/// The stored form: the whole record redacted, and shrunk if it would not
/// fit in one KVS value.
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

/// Stores one record and adds it to its indexes; returns its key.
///
/// The stored value is the redacted record, shrunk to fit
/// [`MAX_RECORD_BYTES`]. Index documents are read, extended and written
/// back with no transaction, so two invocations recording at the same
/// moment can each drop the other's entry from a shared index (the
/// records themselves are both kept). Fails with [`AuditError::Storage`]
/// when a KVS call fails, and [`AuditError::Corrupt`] when an index
/// document does not parse.
pub async fn record<H: Host>(host: &H, record: &AuditRecord) -> Result<String, AuditError> {
    let key = record_key(record);
    host.kvs_set(&key, &stored_value(record)).await?;
    for index in index_keys_of(record) {
        let mut doc = read_index(host, &index).await?;
        doc.keys.push(key.clone());
        if doc.keys.len() > MAX_INDEX_ENTRIES {
            let excess = doc.keys.len() - MAX_INDEX_ENTRIES;
            doc.keys.drain(..excess);
        }
        write_index(host, &index, &doc).await?;
    }
    let day = date_of(record.at_ms);
    let mut days = read_index(host, DAYS_KEY).await?;
    if !days.keys.contains(&day) {
        days.keys.push(day);
        days.keys.sort();
        write_index(host, DAYS_KEY, &days).await?;
    }
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
    /// Earliest `atMs`, inclusive, in milliseconds since the Unix epoch.
    /// Without `issueKey`, `target` or `requesterAccountId` the query reads
    /// one day index per day from here to `toMs`; unset, the last 31 days.
    pub from_ms: Option<u64>,
    /// Latest `atMs`, inclusive, in milliseconds since the Unix epoch;
    /// unset means now.
    pub to_ms: Option<u64>,
    /// Only records with this result.
    pub result: Option<ResultKind>,
    /// Defaults to 50, at most [`MAX_QUERY_LIMIT`].
    pub limit: Option<usize>,
}

/// Without any other filter, a query reads at most this many day indexes.
const DEFAULT_QUERY_DAYS: u64 = 31;

/// Records matching `filter`, newest first, at most `limit`. Index entries
/// whose record is gone (purged) are skipped. Candidates come from one
/// index (issue, else target, else requester, else the day indexes), and
/// each index keeps only its newest [`MAX_INDEX_ENTRIES`] keys: older
/// records of a busy issue, target, requester or day are not found. A record that no longer parses fails the whole
/// query with [`AuditError::Corrupt`].
pub async fn query<H: Host>(
    host: &H,
    filter: &AuditFilter,
) -> Result<Vec<AuditRecord>, AuditError> {
    let limit = filter.limit.unwrap_or(50).clamp(1, MAX_QUERY_LIMIT);
    let candidates = candidate_keys(host, filter).await?;
    let mut found = Vec::new();
    for key in candidates {
        if found.len() >= limit {
            break;
        }
        let Some(value) = host.kvs_get(&key).await? else {
            continue;
        };
        let record: AuditRecord =
            serde_json::from_value(value).map_err(|e| AuditError::Corrupt {
                key: key.clone(),
                reason: e.to_string(),
            })?;
        if matches(&record, filter) {
            found.push(record);
        }
    }
    Ok(found)
}

/// Record keys from the most selective index, newest first.
async fn candidate_keys<H: Host>(
    host: &H,
    filter: &AuditFilter,
) -> Result<Vec<String>, AuditError> {
    let chosen = [
        (Dim::Issue, &filter.issue_key),
        (Dim::Target, &filter.target),
        (Dim::Requester, &filter.requester_account_id),
    ]
    .into_iter()
    .find_map(|(dim, value)| value.as_ref().map(|v| index_key(dim, v)));
    let mut keys = match chosen {
        Some(index) => read_index(host, &index).await?.keys,
        None => {
            let to = filter.to_ms.unwrap_or_else(|| host.now_ms());
            let to_day = day_number(to);
            let from_day = filter
                .from_ms
                .map(day_number)
                .unwrap_or_else(|| to_day.saturating_sub(DEFAULT_QUERY_DAYS - 1))
                .max(to_day.saturating_sub(crate::config::policy::MAX_AUDIT_RETENTION_DAYS as u64));
            let mut keys = Vec::new();
            for day in from_day..=to_day {
                keys.extend(
                    read_index(host, &index_key(Dim::Day, &date_of_day(day)))
                        .await?
                        .keys,
                );
            }
            keys
        }
    };
    // Keys embed the zero-padded timestamp, so string order is time order.
    keys.sort();
    keys.dedup();
    keys.reverse();
    Ok(keys)
}

fn matches(record: &AuditRecord, filter: &AuditFilter) -> bool {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    filter.from_ms.is_none_or(|from| record.at_ms >= from)
        && filter.to_ms.is_none_or(|to| record.at_ms <= to)
        && filter.result.is_none_or(|r| record.result.kind() == r)
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
    /// Whole UTC days whose records and day index are all gone.
    pub days_removed: usize,
    /// False when `max_records` stopped the purge; run it again.
    pub complete: bool,
}

/// Deletes records older than `retention_days` (whole UTC days), and their
/// index entries. At most `max_records` records per call, so a scheduled
/// trigger stays inside its time limit.
pub async fn purge<H: Host>(
    host: &H,
    retention_days: u32,
    max_records: usize,
) -> Result<PurgeReport, AuditError> {
    let today = day_number(host.now_ms());
    let first_kept = today.saturating_sub(u64::from(retention_days));
    let cutoff = date_of_day(first_kept);
    let mut days = read_index(host, DAYS_KEY).await?;
    let mut report = PurgeReport {
        complete: true,
        ..PurgeReport::default()
    };
    let expired: Vec<String> = days.keys.iter().filter(|d| **d < cutoff).cloned().collect();
    let mut removals: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for day in expired {
        let day_index = index_key(Dim::Day, &day);
        let mut doc = read_index(host, &day_index).await?;
        while let Some(key) = doc.keys.pop() {
            if report.records_deleted >= max_records {
                doc.keys.push(key);
                report.complete = false;
                break;
            }
            if let Some(value) = host.kvs_get(&key).await? {
                if let Ok(record) = serde_json::from_value::<AuditRecord>(value) {
                    for index in index_keys_of(&record) {
                        removals.entry(index).or_default().push(key.clone());
                    }
                }
                host.kvs_delete(&key).await?;
                report.records_deleted += 1;
            }
        }
        if !report.complete {
            write_index(host, &day_index, &doc).await?;
            break;
        }
        host.kvs_delete(&day_index).await?;
        days.keys.retain(|d| *d != day);
        report.days_removed += 1;
    }
    for (index, gone) in removals {
        if index.starts_with(&format!("{INDEX_PREFIX}{}:", Dim::Day.name())) {
            continue;
        }
        let mut doc = read_index(host, &index).await?;
        doc.keys.retain(|k| !gone.contains(k));
        write_index(host, &index, &doc).await?;
    }
    write_index(host, DAYS_KEY, &days).await?;
    host.log(
        LogLevel::Info,
        &format!(
            "audit purge: {} records, {} days removed (retention {retention_days} days)",
            report.records_deleted, report.days_removed
        ),
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts_are_kvs_safe() {
        let part = key_part("Shane.O'Neil@Contoso.example");
        assert_eq!(part, "shane.o#27neil#40contoso.example");
        assert!(part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_#".contains(c)));
        let long = key_part(&"x".repeat(400));
        assert!(long.starts_with("sha256-") && long.len() < 80);
    }
}
