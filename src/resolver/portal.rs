//! The customer portal panel: what the app did for this request, in plain
//! words, for the customer or manager who raised it.

use super::issue::{self, Surface};
use super::{ResolverContext, ResolverError};
use crate::host::Host;
use serde_json::{json, Value};

/// `portal.load`.
pub async fn load(context: &ResolverContext, host: &impl Host) -> Result<Value, ResolverError> {
    issue::require_account(context)?;
    let issue_key = issue::issue_key(context, Surface::Portal)?;
    // Asked as the caller: only people who can see the request in the
    // portal get past this line.
    let request = issue::portal_request(host, &issue_key).await?;
    Ok(json!({
        "issueKey": issue_key,
        "summary": request["requestFieldValues"]
            .as_array()
            .and_then(|fields| fields.iter().find(|f| f["fieldId"] == "summary"))
            .and_then(|f| f["value"].as_str()),
        // The account changes recorded for this request, in plain words;
        // they come from the audit trail, which this version does not keep.
        "changes": Value::Array(Vec::new()),
        "auditAvailable": false,
        "credential": Value::Null,
    }))
}
