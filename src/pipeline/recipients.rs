//! Between authorize and execute, for the routes that issue a credential:
//! who may reveal it. Decided before anything changes: a password nobody
//! may see would be lost.

use super::context::{internal, RouteContext};
use super::error::ApiError;
use super::request::{Resolved, RouteRequest};
use crate::config::policy::SecretRecipient;
use crate::delivery::{self, RecipientAccounts};
use crate::graph::odata::encode_component;
use crate::graph::GraphClient;
use crate::host::{Host, JiraAs, JiraRequest};
use crate::http::{Method, Transport};
use crate::lifecycle::{self, UserRef};
use crate::policy::{RequestContext, RequesterKind};
use crate::route::Route;
use serde_json::Value;

/// The Jira account ids allowed to reveal the credential `kind` issues;
/// `None` for a new hire nobody can receive a first credential for, when
/// the policy lets the account be created with it pending
/// ([`crate::config::policy::PolicyConfig::require_first_credential_recipient`]
/// off); else a refusal that says how to configure a recipient.
pub async fn viewers<H: Host, T: Transport>(
    kind: Route,
    request: &RequestContext,
    manager_email: Option<&str>,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Option<Vec<String>>, ApiError> {
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
    let manager = match (
        manager_email,
        roles.contains(&SecretRecipient::TargetManager),
    ) {
        (Some(email), true) => jira_account_by_email(ctx.host, email).await?,
        _ => None,
    };
    let accounts = RecipientAccounts {
        requester,
        target_manager: manager.as_deref(),
        assigned_agent: assignee.as_deref(),
    };
    let viewers = delivery::viewers_for(&ctx.config.policy, kind, &accounts);
    if viewers.is_empty() && !ctx.config.policy.return_secret_in_response_for_signed_hr {
        if kind == Route::UserCreate && !ctx.config.policy.require_first_credential_recipient {
            // An HR feed must not stall on a manager without a Jira
            // account: the account is made, the credential issued later.
            return Ok(None);
        }
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
    Ok(Some(viewers))
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

/// The Jira account whose email is exactly `email` (case-insensitive), if
/// Jira knows exactly one. Jira hides emails by profile visibility; then no
/// account matches and the role stays unfilled rather than guessed.
async fn jira_account_by_email(host: &impl Host, email: &str) -> Result<Option<String>, ApiError> {
    let response = host
        .jira(JiraRequest {
            method: Method::Get,
            path: format!("/rest/api/3/user/search?query={}", encode_component(email)),
            body: None,
            as_who: JiraAs::App,
        })
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    if response.status != 200 {
        return Ok(None);
    }
    let users: Vec<Value> = serde_json::from_str(&response.body).unwrap_or_default();
    let mut matches = users.iter().filter(|u| {
        u["emailAddress"]
            .as_str()
            .is_some_and(|m| m.eq_ignore_ascii_case(email.trim()))
    });
    match (matches.next(), matches.next()) {
        (Some(one), None) => Ok(one["accountId"].as_str().map(str::to_string)),
        _ => Ok(None),
    }
}

/// The email of the manager of the user a credential is for: the new
/// hire's named manager, or the target's manager in Entra. Read only when
/// the policy sends `recipient_route`'s credentials to the manager (the
/// request's own route, or `user.create` for a joiner's first credential
/// issued on the hire date).
pub async fn manager_email<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    request: &RouteRequest<Resolved>,
    recipient_route: Route,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Option<String>, ApiError> {
    let issues_credential = matches!(
        request,
        RouteRequest::Create(_)
            | RouteRequest::ResetPassword(_)
            | RouteRequest::TemporaryAccessPass { .. }
            | RouteRequest::ResetMfa(_)
    );
    if !issues_credential {
        return Ok(None);
    }
    let route = recipient_route;
    let roles = ctx.config.policy.secret_recipients.for_operation(route);
    if !roles.contains(&SecretRecipient::TargetManager) {
        return Ok(None);
    }
    let manager = match request {
        RouteRequest::Create(create) => match &create.request.manager {
            // A UPN or an alias need not be where mail reaches the manager
            // (employee-number UPNs): read the manager's mail.
            Some(UserRef::Mail(v)) => return Ok(Some(v.clone())),
            Some(other) => other.clone(),
            None => return Ok(None),
        },
        RouteRequest::ResetPassword(user)
        | RouteRequest::TemporaryAccessPass { user, .. }
        | RouteRequest::ResetMfa(crate::lifecycle::mfa::MfaResetRequest { user, .. }) => {
            let view = lifecycle::lookup(client, user, ctx.deadline)
                .await
                .map_err(ApiError::Operation)?;
            return Ok(view.manager.and_then(|m| m.mail.or(m.user_principal_name)));
        }
        _ => return Ok(None),
    };
    let view = lifecycle::lookup(client, &manager, ctx.deadline)
        .await
        .map_err(ApiError::Operation)?;
    Ok(view.mail.or(view.user_principal_name))
}
