//! The Entra account of a Jira requester: the one user whose
//! `userPrincipalName`, `mail` or an SMTP proxy address is the Jira
//! account's email (case-insensitive; the same lookup as a bare address
//! anywhere else, so an alias in Jira finds its owner).

use crate::graph::paging::Page;
use crate::graph::resources::users;
use crate::graph::{Deadline, GraphClient, GraphRequest};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::OpError;
use crate::policy::protected::ResolvedUser;
use crate::policy::refusal::{Denial, Refusal, RuleName};
use crate::policy::requester::Requester;

/// `GET /users?$filter=userPrincipalName eq '<email>' or mail eq '<email>' or proxyAddresses/any(p:p eq 'smtp:<email>')`.
pub fn identity_request(email: &str) -> GraphRequest {
    users::list_users_by_address(
        &email.to_lowercase(),
        "id,displayName,userPrincipalName,mail",
        None,
    )
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
    // Graph matched the address; one user may match it more than once.
    let mut matches: Vec<ResolvedUser> = page.value;
    matches.sort_by(|a, b| a.id.cmp(&b.id));
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
