//! What the pages need from Jira about the issue they are shown on: its key
//! (from Forge's context), the person it is about, and whether the caller
//! may act on it. Every call is made as the caller, so Jira's own
//! permissions decide what the caller can see.

use super::{internal, ResolverContext, ResolverError};
use crate::graph::odata::encode_component;
use crate::host::{Host, JiraAs, JiraRequest};
use crate::http::Method;
use crate::pipeline::call::IssueKey;
use serde_json::Value;

/// Which page the context comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `jira:issueContext`: `extension.issue.key`.
    IssueView,
    /// `jiraServiceManagement:portalRequestDetail`: `extension.request.key`.
    Portal,
}

/// The issue key Forge put in the context (never one the page sent).
pub fn issue_key(context: &ResolverContext, surface: Surface) -> Result<String, ResolverError> {
    let raw = match surface {
        Surface::IssueView => &context.extension["issue"]["key"],
        Surface::Portal => &context.extension["request"]["key"],
    };
    let raw = raw.as_str().ok_or_else(|| ResolverError::Forbidden {
        reason: "This function is only available on a Jira issue.".into(),
    })?;
    IssueKey::parse("issueKey", raw)
        .map(|k| k.as_str().to_string())
        .map_err(|_| ResolverError::Forbidden {
            reason: "Forge did not name a valid issue for this page.".into(),
        })
}

pub fn require_account(context: &ResolverContext) -> Result<&str, ResolverError> {
    context
        .account_id
        .as_deref()
        .ok_or_else(|| ResolverError::Forbidden {
            reason: "This needs a signed-in Jira user.".into(),
        })
}

/// The person a request is about: its reporter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub account_id: Option<String>,
    pub display_name: Option<String>,
    /// Hidden when the person's Atlassian profile keeps it private.
    pub email: Option<String>,
}

/// The issue's reporter, read as the caller: a caller who cannot see the
/// issue gets a refusal, not its reporter.
pub async fn reporter(host: &impl Host, issue_key: &str) -> Result<Subject, ResolverError> {
    let path = format!(
        "/rest/api/3/issue/{}?fields=reporter",
        encode_component(issue_key)
    );
    let body = get_as_user(host, &path).await?;
    let reporter = &body["fields"]["reporter"];
    let text = |key: &str| reporter[key].as_str().map(str::to_string);
    Ok(Subject {
        account_id: text("accountId"),
        display_name: text("displayName"),
        email: text("emailAddress").filter(|e| e.contains('@')),
    })
}

/// Whether the caller may change things for this issue: agents who can
/// edit it. Customers and viewers cannot.
pub async fn can_act(host: &impl Host, issue_key: &str) -> Result<bool, ResolverError> {
    let path = format!(
        "/rest/api/3/mypermissions?issueKey={}&permissions=EDIT_ISSUES",
        encode_component(issue_key)
    );
    let body = get_as_user(host, &path).await?;
    Ok(body["permissions"]["EDIT_ISSUES"]["havePermission"] == Value::Bool(true))
}

/// The JSM request as its customer sees it (proves the caller may see it).
pub async fn portal_request(host: &impl Host, issue_key: &str) -> Result<Value, ResolverError> {
    let path = format!(
        "/rest/servicedeskapi/request/{}",
        encode_component(issue_key)
    );
    get_as_user(host, &path).await
}

async fn get_as_user(host: &impl Host, path: &str) -> Result<Value, ResolverError> {
    let response = host
        .jira(JiraRequest {
            method: Method::Get,
            path: path.to_string(),
            body: None,
            as_who: JiraAs::User,
        })
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    match response.status {
        200 => serde_json::from_str(&response.body)
            .map_err(|e| internal(host, &format!("Jira answered unreadable JSON: {e}"))),
        // Jira answers 404 for issues the caller may not browse.
        401 | 403 | 404 => Err(ResolverError::Forbidden {
            reason: "You cannot see this issue, or it no longer exists.".into(),
        }),
        status => Err(internal(host, &format!("Jira answered HTTP {status}"))),
    }
}
