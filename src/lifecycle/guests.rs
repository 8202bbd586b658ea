//! `inviteGuest`: a B2B guest invited with sponsors, then added to groups.
//! The group additions need the guest's object id, which only the
//! invitation's answer gives: they are a second round trip after it, never
//! items of the same `$batch` (Graph runs those in no promised order).
//!
//! Source: invitation-post
//! (<https://learn.microsoft.com/en-us/graph/api/invitation-post?view=graph-rest-1.0>).

use crate::graph::resources::invitations;
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{run_changes, RunMode};
use crate::lifecycle::groups::add_member_change;
use crate::lifecycle::ids::{ObjectId, UserRef};
use crate::lifecycle::outcome::{Outcome, StepOutcome, StepReport, UserSummary};
use crate::lifecycle::plan::{Plan, Step};
use crate::lifecycle::resolve::read_user;
use serde::Deserialize;
use serde_json::json;

/// Where a guest lands after redeeming when the caller names nowhere.
pub const DEFAULT_REDIRECT_URL: &str = "https://myapps.microsoft.com";

/// A validated invitation.
#[derive(Debug, Clone)]
pub struct GuestInvitation {
    /// The guest's email address (`invitedUserEmailAddress`).
    pub email: String,
    /// `invitedUserDisplayName`; Entra uses the address when absent.
    pub display_name: Option<String>,
    /// Sponsors, resolved by the procedure (one read each).
    pub sponsors: Vec<UserRef>,
    /// Serviceable groups to add the guest to, after the invitation.
    pub groups: Vec<ObjectId>,
    /// `inviteRedirectUrl`, an `https` URL.
    pub redirect_url: String,
    /// `sendInvitationMessage`.
    pub send_invitation_message: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvitationAnswer {
    invite_redeem_url: Option<String>,
    invited_user: InvitedUser,
}

#[derive(Deserialize)]
struct InvitedUser {
    id: String,
}

/// Checks an `inviteRedirectUrl`: `https`, a host, no spaces or control
/// characters. Errors name `redirectUrl`.
pub fn check_redirect_url(url: &str) -> Result<(), OpError> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| OpError::invalid("redirectUrl", "must be an https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty()
        || !host.contains('.')
        || url.len() > 2048
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(OpError::invalid(
            "redirectUrl",
            "must be an https:// URL with a host name and no spaces",
        ));
    }
    Ok(())
}

/// Invites the guest (the answer's user carries the redeem URL): reads each sponsor (one round trip each), sends the
/// invitation (one), then adds the guest to the groups (one `$batch`; an
/// existing membership is no change). Re-inviting an address that already
/// belongs to a guest answers that guest, so a re-run resumes the group
/// additions.
pub async fn invite_guest<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    request: &GuestInvitation,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    check_redirect_url(&request.redirect_url)?;
    let mut sponsors = Vec::new();
    let mut sponsor_names = Vec::new();
    for sponsor in &request.sponsors {
        let view = read_user(
            client,
            sponsor,
            "id,userPrincipalName,displayName",
            None,
            deadline,
        )
        .await?;
        sponsor_names.push(
            view.display_name
                .clone()
                .or(view.user_principal_name.clone())
                .unwrap_or_else(|| view.id.clone()),
        );
        sponsors.push(json!({ "id": view.id }));
    }
    let mut body = json!({
        "invitedUserEmailAddress": request.email,
        "inviteRedirectUrl": request.redirect_url,
        "sendInvitationMessage": request.send_invitation_message,
    });
    if let Some(name) = &request.display_name {
        body["invitedUserDisplayName"] = json!(name);
    }
    if !sponsors.is_empty() {
        body["invitedUserSponsors"] = json!(sponsors);
    }
    let label = request.email.clone();
    let sponsored = if sponsor_names.is_empty() {
        String::new()
    } else {
        format!(", sponsored by {}", sponsor_names.join(", "))
    };
    let invite = Step::new(
        "guest.invite",
        format!(
            "Invite {label} as a guest{sponsored}{}",
            if request.send_invitation_message {
                " (Entra emails the invitation)"
            } else {
                ""
            }
        ),
        invitations::create_invitation(body),
    );
    // The adds are planned against a placeholder id; the real one comes
    // from the invitation's answer.
    let planned_adds: Vec<Step> = request
        .groups
        .iter()
        .map(|g| add_member_change(client, g, None, "{invitedUser.id}", true))
        .collect();
    let mut plan = Plan::from_changes([&invite]);
    for step in &planned_adds {
        plan.push(step);
    }
    let mut outcome = Outcome {
        dry_run: mode == RunMode::DryRun,
        plan,
        steps: Vec::new(),
        user: None,
        remainder: Vec::new(),
    };
    if mode == RunMode::DryRun {
        return Ok(outcome);
    }
    let answer = client
        .send(&invite.request, deadline)
        .await
        .and_then(|r| r.json::<InvitationAnswer>("invitation"));
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => {
            outcome.steps.push(StepReport::new(
                &invite.key,
                &invite.summary,
                StepOutcome::from_error(&e),
            ));
            for step in &planned_adds {
                outcome.steps.push(StepReport::new(
                    &step.key,
                    &step.summary,
                    StepOutcome::Skipped {
                        reason: "the invitation did not succeed".into(),
                    },
                ));
            }
            return Ok(outcome);
        }
    };
    outcome.steps.push(StepReport::new(
        &invite.key,
        &invite.summary,
        StepOutcome::Done,
    ));
    let guest = answer.invited_user.id;
    outcome.user = Some(UserSummary {
        id: guest.clone(),
        user_principal_name: None,
        invite_redeem_url: answer.invite_redeem_url,
    });
    let adds: Vec<Step> = request
        .groups
        .iter()
        .map(|g| add_member_change(client, g, None, &guest, true))
        .collect();
    outcome
        .steps
        .extend(run_changes(client, &adds, deadline).await);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_urls_are_https_with_a_host() {
        assert!(check_redirect_url("https://myapps.microsoft.com").is_ok());
        assert!(check_redirect_url("https://contoso.example/welcome?x=1").is_ok());
        for bad in [
            "http://contoso.example",
            "https://",
            "https://local host",
            "javascript:alert(1)",
            "https://nodot/",
        ] {
            let e = check_redirect_url(bad).unwrap_err();
            assert_eq!(e.field(), Some("redirectUrl"), "{bad}");
        }
    }
}
