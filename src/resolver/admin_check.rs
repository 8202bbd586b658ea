//! Admin-only resolvers re-check the caller: the admin page is shown only to
//! Jira administrators, but its resolvers are reachable by anyone who can
//! craft an `invoke`, so the permission is asked of Jira, as the caller.

use super::{internal, ResolverContext, ResolverError};
use crate::host::{Host, JiraAs, JiraRequest};
use crate::http::Method;
use serde_json::Value;

const ADMINISTER_CHECK: &str = "/rest/api/3/mypermissions?permissions=ADMINISTER";

pub async fn require_jira_admin(
    context: &ResolverContext,
    host: &impl Host,
) -> Result<(), ResolverError> {
    if context.account_id.is_none() {
        return Err(ResolverError::Forbidden {
            reason: "This action needs a signed-in Jira administrator.".to_string(),
        });
    }
    let response = host
        .jira(JiraRequest {
            method: Method::Get,
            path: ADMINISTER_CHECK.to_string(),
            body: None,
            as_who: JiraAs::User,
        })
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    if response.status != 200 {
        return Err(internal(
            host,
            &format!("permission check answered HTTP {}", response.status),
        ));
    }
    let body: Value = serde_json::from_str(&response.body)
        .map_err(|e| internal(host, &format!("permission check body: {e}")))?;
    if body["permissions"]["ADMINISTER"]["havePermission"] == Value::Bool(true) {
        Ok(())
    } else {
        Err(ResolverError::Forbidden {
            reason: "Only Jira administrators can do this.".to_string(),
        })
    }
}
