//! The customer portal panel: what the app did for this request, in plain
//! words, for the customer or manager who raised it.

use super::issue::{self, Surface};
use super::{internal, ResolverContext, ResolverError};
use crate::audit::{self, AuditAction, AuditFilter, AuditRecord, AuditResult};
use crate::delivery;
use crate::host::Host;
use serde_json::{json, Value};

/// `portal.load`.
pub async fn load(context: &ResolverContext, host: &impl Host) -> Result<Value, ResolverError> {
    let viewer = issue::require_account(context)?;
    let issue_key = issue::issue_key(context, Surface::Portal)?;
    // Asked as the caller: only people who can see the request in the
    // portal get past this line.
    let request = issue::portal_request(host, &issue_key).await?;
    let records = audit::query(
        host,
        &AuditFilter {
            issue_key: Some(issue_key.clone()),
            limit: Some(20),
            ..AuditFilter::default()
        },
    )
    .await
    .map_err(|e| internal(host, &e.to_string()))?;
    let changes: Vec<Value> = records
        .iter()
        .filter_map(|r| plain_words(r).map(|text| json!({ "text": text, "atMs": r.at_ms })))
        .collect();
    // The newest credential issued for this request, only for a person
    // allowed to reveal it: everyone else who can see the request (other
    // participants, agents) sees what was done but not the one-time id.
    // The reveal itself checks again and happens only once.
    let credential = match records.iter().find_map(|r| r.credential.as_ref()) {
        Some(c) => {
            let pending = delivery::is_pending_for(host, &c.delivery_id, viewer)
                .await
                .map_err(|e| internal(host, &e.to_string()))?;
            if pending {
                json!({ "id": c.delivery_id, "kind": c.kind, "expiresAtMs": c.expires_at_ms })
            } else {
                Value::Null
            }
        }
        None => Value::Null,
    };
    Ok(json!({
        "issueKey": issue_key,
        "summary": request["requestFieldValues"]
            .as_array()
            .and_then(|fields| fields.iter().find(|f| f["fieldId"] == "summary"))
            .and_then(|f| f["value"].as_str()),
        "changes": changes,
        "auditAvailable": true,
        "credential": credential,
    }))
}

/// What the app did for the request, newest first, in words a customer
/// reads: no rule names, codes or Graph details.
fn plain_words(record: &AuditRecord) -> Option<String> {
    let AuditAction::Operation(kind) = record.action else {
        return None;
    };
    let what = match kind.name() {
        "user.create" => "Creating the account",
        "user.update" => "Updating the profile",
        "user.disable" | "user.offboard" => "Closing the account",
        "user.enable" => "Re-opening the account",
        "user.resetPassword" => "Resetting the password",
        "user.createTemporaryAccessPass" => "Issuing a Temporary Access Pass",
        "user.transfer" => "Moving the person to the new team",
        "group.addMember" | "group.removeMember" => "Changing group membership",
        _ => return None,
    };
    let how = match &record.result {
        AuditResult::Succeeded => "done",
        AuditResult::DoneWithRemainders => {
            "done with remainders; the service desk finishes the rest"
        }
        AuditResult::PartiallyFailed | AuditResult::Failed { .. } => {
            "did not complete; the service desk has the details"
        }
        AuditResult::Refused { .. } => "not possible through the service desk",
        AuditResult::AwaitingApproval { .. } => "waiting for approval",
        AuditResult::ApprovalDeclined => "declined by an approver",
        _ => return None,
    };
    Some(format!("{what}: {how}."))
}
