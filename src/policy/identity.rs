//! The Entra account of a Jira requester: the one user whose `mail` or
//! `userPrincipalName` equals the Jira account's email (case-insensitive).

use crate::graph::paging::Page;
use crate::graph::resources::users;
use crate::graph::{Deadline, GraphClient, GraphRequest};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::OpError;
use crate::policy::protected::ResolvedUser;
use crate::policy::refusal::{Denial, Refusal, RuleName};
use crate::policy::requester::Requester;

/// `GET /users?$filter=mail eq '<email>' or userPrincipalName eq '<email>'`.
pub fn identity_request(email: &str) -> GraphRequest {
    users::list_users_by_mail_or_upn(&email.to_lowercase())
}

/// Finds the requester's Entra account. No email, no match or several
/// matches are refusals under `rule`: acting on a guess would let one
/// person act as another.
pub async fn entra_account_of<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    requester: &Requester,
    rule: RuleName,
    deadline: Deadline,
) -> Result<ResolvedUser, Denial> {
    let Some(email) = requester.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        return Err(Refusal::new(
            rule,
            format!(
                "the Jira account of {} shows no email address, so it cannot be matched to an Entra account",
                requester.display_name
            ),
        )
        .into());
    };
    let page: Page<ResolvedUser> = client
        .send(&identity_request(email.trim()), deadline)
        .await
        .map_err(OpError::from)?
        .json("users")
        .map_err(OpError::from)?;
    let wanted = email.trim().to_lowercase();
    let mut matches: Vec<ResolvedUser> = page
        .value
        .into_iter()
        .filter(|u| {
            [&u.mail, &u.user_principal_name]
                .into_iter()
                .flatten()
                .any(|v| v.to_lowercase() == wanted)
        })
        .collect();
    matches.dedup_by(|a, b| a.id == b.id);
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Err(Refusal::new(
            rule,
            format!(
                "no Entra account has the email of {}",
                requester.display_name
            ),
        )
        .into()),
        n => Err(Refusal::new(
            rule,
            format!(
                "{n} Entra accounts have the email of {}; the requester cannot be identified",
                requester.display_name
            ),
        )
        .into()),
    }
}
