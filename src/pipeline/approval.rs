//! Edits after approval are caught. Approvers approve what a request said
//! while it waited; if its inputs change after that, running them would do
//! something nobody approved, and running the old ones would leave the
//! request not showing what ran. So when a call starts waiting for JSM
//! approval its input is recorded as digests (never values), and when it
//! runs after approval the current input must match: otherwise nothing runs
//! and the changed fields are named.
//!
//! The record lives in KVS under `approval:{issueKey}:{route}:{operation}`
//! ([`crate::layout::approval_key`])
//! (the operation is a digest of the idempotency key, `-` without one), so
//! two operations on one request keep separate records. While approval is
//! still pending a newer input replaces the record (approvers see the
//! request as it is now); once approved, it is final.

use super::call::OperationCall;
use super::context::{internal, RouteContext};
use super::error::ApiError;
use crate::audit::{self, AuditRecord};
use crate::host::{Host, HostError, LogLevel};
use crate::http::Transport;
use crate::policy::refusal::{Denial, Refusal, RuleName};
use crate::policy::{Operation, RequestContext};
use crate::route::Route;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The canonical input of one operation as SHA-256 digests: one per field
/// (dotted for nested inputs, e.g. `changes.mobilePhone`) and one over all.
/// Empty, whitespace-only and null inputs count as not given, and strings
/// are compared trimmed, as the parse stage reads them
/// ([`super::input::Data`]). Digests are salted with the request and route,
/// so equal values on different requests do not match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputDigest {
    /// Hex SHA-256 over every field's digest, in field order.
    pub digest: String,
    /// Each given field's name and hex SHA-256 of its canonical value.
    pub fields: BTreeMap<String, String>,
}

impl InputDigest {
    /// The digest of `data`, an operation's `data` for `route` on `issue_key`.
    pub fn of(route: Route, issue_key: &str, data: &Map<String, Value>) -> Self {
        let mut canonical = BTreeMap::new();
        flatten("", data, &mut canonical);
        let fields: BTreeMap<String, String> = canonical
            .into_iter()
            .map(|(name, value)| {
                let salted = format!("{issue_key}\n{route}\n{name}\n{value}");
                (name, hex::encode(Sha256::digest(salted.as_bytes())))
            })
            .collect();
        let all: String = fields
            .iter()
            .map(|(name, digest)| format!("{name}={digest}\n"))
            .collect();
        InputDigest {
            digest: hex::encode(Sha256::digest(all.as_bytes())),
            fields,
        }
    }

    /// The fields given, removed or changed in `current` compared with this
    /// one, by name, sorted; empty when the inputs are the same.
    pub fn changed_fields(&self, current: &InputDigest) -> Vec<String> {
        if self.digest == current.digest {
            return Vec::new();
        }
        let mut names: Vec<String> = self
            .fields
            .keys()
            .chain(current.fields.keys())
            .filter(|name| self.fields.get(*name) != current.fields.get(*name))
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Canonical text of each given leaf input: trimmed strings, JSON for the
/// rest (arrays keep their order: it is the caller's).
fn flatten(prefix: &str, data: &Map<String, Value>, out: &mut BTreeMap<String, String>) {
    for (key, value) in data {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Null => {}
            Value::String(s) if s.trim().is_empty() => {}
            Value::String(s) => {
                out.insert(name, Value::String(s.trim().to_string()).to_string());
            }
            Value::Object(nested) => flatten(&name, nested, out),
            other => {
                out.insert(name, other.to_string());
            }
        }
    }
}

/// What was recorded when a call started waiting for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitingInput {
    /// The request, e.g. `ITSM-42`.
    pub issue_key: String,
    /// The operation.
    pub route: Route,
    /// The input's digests.
    pub input: InputDigest,
    /// When it was last recorded, in milliseconds since the Unix epoch.
    pub recorded_at_ms: u64,
}

/// The KVS key of a call's record; `None` for a call on no request.
fn storage_key(call: &OperationCall) -> Option<String> {
    let issue = call.issue_key.as_ref()?;
    let operation = match &call.idempotency_key {
        Some(key) => hex::encode(&Sha256::digest(key.as_str().as_bytes())[..8]),
        None => "-".to_string(),
    };
    Some(crate::layout::approval_key(
        issue.as_str(),
        &call.route.to_string(),
        &operation,
    ))
}

/// The digest of a call's input, or `None` for a call on no request.
pub fn digest_of(call: &OperationCall) -> Option<InputDigest> {
    let issue = call.issue_key.as_ref()?;
    Some(InputDigest::of(call.route, issue.as_str(), &call.data))
}

/// Records (or, while still waiting, replaces) the input of a call that
/// waits for approval, and returns its digest. A call on no request has
/// nothing to wait for and records nothing.
pub async fn remember(
    host: &impl Host,
    call: &OperationCall,
) -> Result<Option<InputDigest>, HostError> {
    let (Some(key), Some(input)) = (storage_key(call), digest_of(call)) else {
        return Ok(None);
    };
    let record = WaitingInput {
        issue_key: call
            .issue_key
            .as_ref()
            .map(|k| k.as_str().to_string())
            .unwrap_or_default(),
        route: call.route,
        input: input.clone(),
        recorded_at_ms: host.now_ms(),
    };
    host.kvs_set(
        &key,
        &serde_json::to_value(&record).expect("record serialises"),
    )
    .await?;
    Ok(Some(input))
}

/// The fields of an approved call whose input differs from what was
/// recorded while it waited; empty when they match or nothing was recorded
/// (the call never waited). An unreadable record counts as none.
pub async fn changed_since_waiting(
    host: &impl Host,
    call: &OperationCall,
) -> Result<Vec<String>, HostError> {
    let (Some(key), Some(current)) = (storage_key(call), digest_of(call)) else {
        return Ok(Vec::new());
    };
    let recorded = host
        .kvs_get(&key)
        .await?
        .and_then(|v| serde_json::from_value::<WaitingInput>(v).ok());
    Ok(recorded
        .map(|r| r.input.changed_fields(&current))
        .unwrap_or_default())
}

/// Deletes a call's record once it ran as approved.
pub async fn forget(host: &impl Host, call: &OperationCall) -> Result<(), HostError> {
    match storage_key(call) {
        Some(key) => host.kvs_delete(&key).await,
        None => Ok(()),
    }
}

/// The gate after approval: refuses an approved call whose input changed
/// since it waited (rule `changedAfterApproval`, 403), with an audit record
/// and an internal comment on the request that name the changed fields
/// (names only: a value might be secret). A call that matches runs, and its
/// record is deleted.
pub async fn refuse_if_changed<H: Host, T: Transport>(
    call: &OperationCall,
    request: &RequestContext,
    op: &Operation,
    ctx: &RouteContext<'_, H, T>,
) -> Result<(), ApiError> {
    let host = ctx.host;
    let changed = changed_since_waiting(host, call)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    if changed.is_empty() {
        if let Err(e) = forget(host, call).await {
            host.log(
                LogLevel::Warn,
                &format!("the approved input record was not deleted: {e}"),
            );
        }
        return Ok(());
    }
    let fields = changed.join(", ");
    let denial = Denial::Refused(Refusal::new(
        RuleName::ChangedAfterApproval,
        format!(
            "the request's inputs changed after it was approved ({fields}); nothing was changed in Entra. Ask for approval again on a new request."
        ),
    ));
    let record = AuditRecord::for_operation(host.now_ms(), request, op).denied(&denial);
    let audit_id = match audit::record(host, &record).await {
        Ok(_) => Some(record.id.clone()),
        Err(e) => {
            host.log(
                LogLevel::Error,
                &format!("policy: refusal not audited: {e}"),
            );
            None
        }
    };
    if let Some(issue) = &request.issue_key {
        let note = format!(
            "Entra ID Connect did not run {}: these fields changed after the request was approved: {fields}. Nothing was changed in Entra; what was approved is no longer what the request says.",
            call.route
        );
        if let Err(e) =
            audit::post_internal_comment(host, issue, audit::note_comment(&[&note])).await
        {
            host.log(
                LogLevel::Warn,
                &format!("internal comment not posted on {issue}: {e}"),
            );
        }
    }
    Err(ApiError::Denied {
        denial: Box::new(denial),
        audit_id,
    })
}
