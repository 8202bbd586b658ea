//! Who may reveal a credential, and the one case where a credential may
//! travel in a response.

use crate::config::policy::{PolicyConfig, SecretRecipient};
use crate::lifecycle::IssuedCredential;
use crate::policy::{RequestContext, ServiceApiAuth};
use crate::route::Route;
use crate::secret::Secret;

/// The Jira accounts that could fill each recipient role for one request.
/// The entry point knows them (the assignee from the issue, the manager's
/// Jira account from Entra's manager and a Jira user search).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientAccounts<'a> {
    /// Atlassian account id of whoever asked for the operation.
    pub requester: Option<&'a str>,
    /// Atlassian account id of the target's Entra manager, when one was
    /// found in Jira.
    pub target_manager: Option<&'a str>,
    /// Atlassian account id of the JSM request's assignee.
    pub assigned_agent: Option<&'a str>,
}

/// The Jira account ids allowed to reveal the credential of `kind`, per the
/// admin's `secretRecipients`, sorted and without duplicates. Roles nobody
/// fills (or filled with a blank id) are skipped, so the list may be empty;
/// [`crate::delivery::store::store`] then refuses to store the credential.
pub fn viewers_for(
    config: &PolicyConfig,
    kind: Route,
    accounts: &RecipientAccounts<'_>,
) -> Vec<String> {
    let mut viewers: Vec<String> = config
        .secret_recipients
        .for_operation(kind)
        .iter()
        .filter_map(|role| match role {
            SecretRecipient::Requester => accounts.requester,
            SecretRecipient::TargetManager => accounts.target_manager,
            SecretRecipient::AssignedAgent => accounts.assigned_agent,
        })
        .filter(|id| !id.trim().is_empty())
        .map(str::to_string)
        .collect();
    viewers.sort();
    viewers.dedup();
    viewers
}

/// The credential to put in the Service API response: only when the admin
/// turned on `returnSecretInResponseForSignedHr` and the caller proved
/// itself with an HMAC signature. Every other caller gets `None`.
pub fn secret_for_response<'c>(
    config: &PolicyConfig,
    ctx: &RequestContext,
    credential: &'c IssuedCredential,
) -> Option<&'c Secret> {
    (config.return_secret_in_response_for_signed_hr
        && ctx.service_auth == Some(ServiceApiAuth::HmacSigned))
    .then_some(&credential.secret)
}
