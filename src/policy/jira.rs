//! The Jira calls the policy needs, made as the app: the requester's groups
//! and the request's JSM approvals.

use crate::graph::odata::encode_component;
use crate::host::{Host, JiraAs, JiraRequest};
use crate::http::Method;
use crate::policy::refusal::CheckError;
use serde::Deserialize;
use serde_json::Value;

/// A Jira group the account belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JiraGroup {
    /// Group name as Jira shows it (matched against the configured agent groups).
    pub name: String,
    /// Jira's stable group id, when returned.
    #[serde(default)]
    pub group_id: Option<String>,
}

async fn get_json<H: Host>(host: &H, path: String) -> Result<Value, CheckError> {
    let response = host
        .jira(JiraRequest {
            method: Method::Get,
            path: path.clone(),
            body: None,
            as_who: JiraAs::App,
        })
        .await?;
    if !(200..300).contains(&response.status) {
        return Err(CheckError::JiraAnswer {
            path,
            status: response.status,
        });
    }
    serde_json::from_str(&response.body).map_err(|_| CheckError::JiraAnswer {
        path,
        status: response.status,
    })
}

/// `GET /rest/api/3/user/groups?accountId=...`
pub async fn groups_of<H: Host>(host: &H, account_id: &str) -> Result<Vec<JiraGroup>, CheckError> {
    let path = format!(
        "/rest/api/3/user/groups?accountId={}",
        encode_component(account_id)
    );
    let body = get_json(host, path.clone()).await?;
    serde_json::from_value(body).map_err(|_| CheckError::JiraAnswer { path, status: 200 })
}

/// The state of a request's JSM approvals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalState {
    /// The request has no approval at all.
    NoApprovals,
    /// Every approval is decided "approved".
    Approved,
    /// At least one approval is declined.
    Declined,
    /// None declined, some still pending.
    Pending {
        /// How many approvals are still undecided (1 or more).
        pending: usize,
    },
}

#[derive(Deserialize)]
struct ApprovalPage {
    #[serde(default)]
    values: Vec<ApprovalEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApprovalEntry {
    #[serde(default)]
    final_decision: Option<String>,
}

/// `GET /rest/servicedeskapi/request/{issueKey}/approval`
pub async fn approvals_of<H: Host>(host: &H, issue_key: &str) -> Result<ApprovalState, CheckError> {
    let path = format!(
        "/rest/servicedeskapi/request/{}/approval?limit=100",
        encode_component(issue_key)
    );
    let body = get_json(host, path.clone()).await?;
    let page: ApprovalPage =
        serde_json::from_value(body).map_err(|_| CheckError::JiraAnswer { path, status: 200 })?;
    Ok(summarise(&page.values))
}

fn summarise(values: &[ApprovalEntry]) -> ApprovalState {
    if values.is_empty() {
        return ApprovalState::NoApprovals;
    }
    let decision = |e: &ApprovalEntry| {
        e.final_decision
            .as_deref()
            .unwrap_or("pending")
            .to_ascii_lowercase()
    };
    if values.iter().any(|e| decision(e) == "declined") {
        return ApprovalState::Declined;
    }
    let pending = values.iter().filter(|e| decision(e) != "approved").count();
    if pending == 0 {
        ApprovalState::Approved
    } else {
        ApprovalState::Pending { pending }
    }
}
