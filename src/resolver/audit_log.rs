//! The admin page's audit log: filtered records for the table and details,
//! and the same selection as CSV. Records are already redacted when stored;
//! the one-time delivery id is dropped as well, so the page never holds a
//! handle to a credential.

use super::{internal, ResolverError};
use crate::audit::store::MAX_QUERY_LIMIT;
use crate::audit::time::iso8601;
use crate::audit::{self, AuditAction, AuditFilter, AuditRecord, ResultKind};
use crate::host::Host;
use crate::route::Route;
use serde_json::{json, Value};

/// The operation name of a reveal record (it has no route).
pub const REVEAL_OPERATION: &str = "credential.reveal";
const DEFAULT_LIMIT: usize = 50;
const MAX_TEXT_FILTER: usize = 256;

/// What the page filters by, parsed and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    pub filter: AuditFilter,
    /// A route name, or [`REVEAL_OPERATION`].
    pub operation: Option<String>,
}

/// `audit.query {target?, requesterAccountId?, issueKey?, operation?,
/// outcome?, fromMs?, toMs?, limit?}` -> `{records, limit}`.
pub async fn query(host: &impl Host, payload: &Value) -> Result<Value, ResolverError> {
    let query = LogQuery::parse(payload)?;
    let limit = query.limit();
    let records: Vec<Value> = select(host, &query)
        .await?
        .iter()
        .map(page_record)
        .collect();
    Ok(json!({ "records": records, "limit": limit }))
}

/// `audit.csv` with the same filters -> `{filename, csv}`.
pub async fn csv(host: &impl Host, payload: &Value) -> Result<Value, ResolverError> {
    let query = LogQuery::parse(payload)?;
    let records = select(host, &query).await?;
    let filename = format!(
        "entra-connect-audit-{}.csv",
        audit::time::date_of(host.now_ms())
    );
    Ok(json!({ "filename": filename, "csv": to_csv(&records), "rows": records.len() }))
}

async fn select(host: &impl Host, query: &LogQuery) -> Result<Vec<AuditRecord>, ResolverError> {
    let limit = query.limit();
    let mut records = audit::query(host, &query.filter)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    if let Some(operation) = &query.operation {
        records.retain(|r| operation_name(r) == operation);
    }
    records.truncate(limit);
    Ok(records)
}

impl LogQuery {
    pub fn parse(payload: &Value) -> Result<LogQuery, ResolverError> {
        let invalid = |field: &str, message: &str| ResolverError::Invalid {
            field: field.to_string(),
            message: message.to_string(),
        };
        let text = |field: &str| -> Result<Option<String>, ResolverError> {
            match &payload[field] {
                Value::Null => Ok(None),
                Value::String(s) if s.trim().is_empty() => Ok(None),
                Value::String(s) if s.len() <= MAX_TEXT_FILTER => Ok(Some(s.trim().to_string())),
                Value::String(_) => Err(invalid(field, "Too long.")),
                _ => Err(invalid(field, "Must be text.")),
            }
        };
        let millis = |field: &str| -> Result<Option<u64>, ResolverError> {
            match &payload[field] {
                Value::Null => Ok(None),
                value => value
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| invalid(field, "Must be a date.")),
            }
        };
        let operation = text("operation")?;
        if let Some(name) = &operation {
            if name != REVEAL_OPERATION && Route::parse(name).is_none() {
                return Err(invalid("operation", "Not an operation of the app."));
            }
        }
        let result = match text("outcome")? {
            None => None,
            Some(name) => Some(
                serde_json::from_value::<ResultKind>(Value::String(name))
                    .map_err(|_| invalid("outcome", "Not an outcome the audit log records."))?,
            ),
        };
        let limit = match &payload["limit"] {
            Value::Null => DEFAULT_LIMIT,
            value => match value.as_u64() {
                Some(n) if (1..=MAX_QUERY_LIMIT as u64).contains(&n) => n as usize,
                _ => return Err(invalid("limit", "Must be 1 to 200.")),
            },
        };
        let (from_ms, to_ms) = (millis("fromMs")?, millis("toMs")?);
        if let (Some(from), Some(to)) = (from_ms, to_ms) {
            if from > to {
                return Err(invalid("toMs", "Must not be before the start date."));
            }
        }
        Ok(LogQuery {
            filter: AuditFilter {
                target: text("target")?,
                requester_account_id: text("requesterAccountId")?,
                issue_key: text("issueKey")?,
                from_ms,
                to_ms,
                result,
                operation: operation.clone(),
                limit: Some(limit),
            },
            operation,
        })
    }

    fn limit(&self) -> usize {
        self.filter.limit.unwrap_or(DEFAULT_LIMIT)
    }
}

pub fn operation_name(record: &AuditRecord) -> &'static str {
    match record.action {
        AuditAction::Operation(kind) => kind.name(),
        AuditAction::RevealCredential => REVEAL_OPERATION,
    }
}

fn outcome_name(record: &AuditRecord) -> String {
    serde_json::to_value(record.result.kind())
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A record as the page shows it: the stored record plus names for the
/// table, without delivery ids.
fn page_record(record: &AuditRecord) -> Value {
    let mut value = serde_json::to_value(record).unwrap_or(Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.remove("deliveryId");
        if let Some(credential) = object.get_mut("credential").and_then(Value::as_object_mut) {
            credential.remove("deliveryId");
        }
        object.insert("operation".into(), json!(operation_name(record)));
        object.insert("outcome".into(), json!(outcome_name(record)));
        object.insert("outcomeText".into(), json!(record.result.describe()));
    }
    value
}

const CSV_HEADER: [&str; 13] = [
    "time",
    "operation",
    "outcome",
    "detail",
    "dry run",
    "target",
    "target id",
    "issue",
    "requester account id",
    "requester name",
    "entry point",
    "graph request ids",
    "credential",
];

/// RFC 4180 CSV (CRLF lines), one row per record, newest first.
pub fn to_csv(records: &[AuditRecord]) -> String {
    let mut out = String::new();
    push_row(&mut out, CSV_HEADER.iter().map(|s| s.to_string()));
    for r in records {
        let entry_point = r
            .entry_point
            .and_then(|e| serde_json::to_value(e).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let credential = r
            .credential
            .as_ref()
            .map(|c| {
                format!(
                    "{} issued, expires {}",
                    c.kind.describe(),
                    iso8601(c.expires_at_ms)
                )
            })
            .unwrap_or_default();
        push_row(
            &mut out,
            [
                iso8601(r.at_ms),
                operation_name(r).to_string(),
                outcome_name(r),
                r.result.describe(),
                r.dry_run.to_string(),
                r.target
                    .as_ref()
                    .map(|t| t.label.clone())
                    .unwrap_or_default(),
                r.target
                    .as_ref()
                    .and_then(|t| t.id.clone())
                    .unwrap_or_default(),
                r.issue_key.clone().unwrap_or_default(),
                r.requester.account_id.clone(),
                r.requester.display_name.clone().unwrap_or_default(),
                entry_point,
                r.graph_request_ids.join(" "),
                credential,
            ]
            .into_iter(),
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl Iterator<Item = String>) {
    let cells: Vec<String> = cells.map(|c| csv_cell(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One CSV cell. A cell a spreadsheet would read as a formula (leading
/// `=`, `+`, `-`, `@`, tab or CR) gets a leading apostrophe, because names
/// and messages in the log come from requests anyone can write. Cells with
/// quotes, commas or line breaks are quoted, quotes doubled.
pub fn csv_cell(text: &str) -> String {
    let neutral = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if neutral.contains(['"', ',', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}
