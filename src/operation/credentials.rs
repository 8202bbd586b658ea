//! Who may reveal a credential an operation is about to issue. Decided
//! before anything changes: a password nobody may see would be lost.

use super::context::{internal, RouteContext};
use super::error::ApiError;
use crate::delivery::{self, RecipientAccounts};
use crate::graph::odata::encode_component;
use crate::host::{Host, JiraAs, JiraRequest};
use crate::http::{Method, Transport};
use crate::policy::{OperationKind, RequestContext, RequesterKind, SecretRecipient};
use serde_json::Value;

/// The Jira account ids allowed to reveal the credential `kind` issues, or
/// a refusal that says how to configure one.
pub async fn viewers<H: Host, T: Transport>(
    kind: OperationKind,
    request: &RequestContext,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Vec<String>, ApiError> {
    let roles = ctx.config.policy.secret_recipients.for_operation(kind);
    // A Service API caller is not a Jira account: it can never reveal.
    let requester = (request.requester.kind != RequesterKind::ServiceApi)
        .then_some(request.requester.account_id.as_str());
    let assignee = match (
        &request.issue_key,
        roles.contains(&SecretRecipient::AssignedAgent),
    ) {
        (Some(issue), true) => assignee_of(ctx.host, issue).await?,
        _ => None,
    };
    let accounts = RecipientAccounts {
        requester,
        // Finding the manager's Jira account needs a Jira user search by the
        // manager's email; until then this role is not filled.
        target_manager: None,
        assigned_agent: assignee.as_deref(),
    };
    let viewers = delivery::viewers_for(&ctx.config.policy, kind, &accounts);
    if viewers.is_empty() && !ctx.config.policy.return_secret_in_response_for_signed_hr {
        let wanted: Vec<&str> = roles
            .iter()
            .map(|r| match r {
                SecretRecipient::Requester => "the requester",
                SecretRecipient::TargetManager => "the target's manager",
                SecretRecipient::AssignedAgent => "the request's assignee",
            })
            .collect();
        return Err(ApiError::Refused {
            rule: "noSecretRecipient".to_string(),
            message: format!(
                "Nobody could receive the {} credential, so nothing was changed. The policy sends it to {}, and none applies to this call{}.",
                kind,
                if wanted.is_empty() { "nobody".to_string() } else { wanted.join(" or ") },
                if request.issue_key.is_none() { " (name the request with issueKey so its assignee can receive it)" } else { "" }
            ),
            audit_id: None,
        });
    }
    Ok(viewers)
}

async fn assignee_of(host: &impl Host, issue_key: &str) -> Result<Option<String>, ApiError> {
    let response = host
        .jira(JiraRequest {
            method: Method::Get,
            path: format!(
                "/rest/api/3/issue/{}?fields=assignee",
                encode_component(issue_key)
            ),
            body: None,
            as_who: JiraAs::App,
        })
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    if response.status == 404 {
        return Ok(None);
    }
    if response.status != 200 {
        return Err(internal(
            host,
            &format!(
                "reading the assignee of {issue_key}: HTTP {}",
                response.status
            ),
        ));
    }
    let body: Value = serde_json::from_str(&response.body).unwrap_or_default();
    Ok(body["fields"]["assignee"]["accountId"]
        .as_str()
        .map(str::to_string))
}
