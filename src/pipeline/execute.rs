//! Stage 5, execute: a resolved, authorized request runs through its
//! lifecycle procedure (or, in a dry run, only plans). Reads answer their
//! result; changes answer the procedure's [`Outcome`] and any credential it
//! issued, which the next stage hands to one-time delivery.

use super::context::RouteContext;
use super::error::ApiError;
use super::parse::InputNote;
use super::request::{Resolved, RouteRequest, WithRules};
use crate::graph::resources::users;
use crate::graph::GraphClient;
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::{
    self, IssuedCredential, OpError, Outcome, Remainder, RemainderKind, RunMode, UserRef,
};
use crate::policy::groups::{GroupFacts, GROUP_FACTS_SELECT};
use serde_json::{json, Value};

/// What a change produced: its outcome, and the credential it issued (a
/// new hire's first credential, a reset password, a TAP), if any.
pub type ChangeResult = Result<(Outcome, Option<IssuedCredential>), OpError>;

/// Answers a read route (`user.get`, `user.groups`); `Ok(None)` for a change.
pub async fn read<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    request: &RouteRequest<Resolved>,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Option<Value>, ApiError> {
    match request {
        RouteRequest::Lookup(user) => {
            let view = lifecycle::lookup(client, user, ctx.deadline)
                .await
                .map_err(ApiError::Operation)?;
            Ok(Some(json!(view)))
        }
        RouteRequest::Groups(user) => {
            let groups = user_groups(client, user, ctx).await?;
            Ok(Some(json!({ "groups": groups })))
        }
        _ => Ok(None),
    }
}

/// Plans and (unless `mode` is a dry run) runs a change. Reads are answered
/// by [`read`] first and never reach here.
pub async fn change<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    request: RouteRequest<Resolved>,
    mode: RunMode,
    ctx: &RouteContext<'_, H, T>,
) -> ChangeResult {
    let d = ctx.deadline;
    let plain = |o: Outcome| (o, None);
    Ok(match request {
        RouteRequest::Lookup(_) | RouteRequest::Groups(_) => {
            return Err(OpError::invalid(
                "route",
                "a read route has no change to run",
            ))
        }
        RouteRequest::Update { user, changes, .. } => {
            plain(lifecycle::update(client, &user, &changes, mode, d).await?)
        }
        RouteRequest::Disable(u) => plain(lifecycle::disable(client, &u, mode, d).await?),
        RouteRequest::Enable(u) => plain(lifecycle::enable(client, &u, mode, d).await?),
        RouteRequest::RevokeSessions(u) => {
            plain(lifecycle::revoke_sessions(client, &u, mode, d).await?)
        }
        RouteRequest::AddMember { user, group } => {
            plain(lifecycle::add_to_group(client, &user, &group, mode, d).await?)
        }
        RouteRequest::RemoveMember { user, group } => {
            plain(lifecycle::remove_from_group(client, &user, &group, mode, d).await?)
        }
        RouteRequest::Transfer(WithRules { request, rules }) => {
            plain(lifecycle::transfer(client, &rules, &request, mode, d).await?)
        }
        RouteRequest::Offboard(request) => {
            plain(lifecycle::offboard(client, &request, mode, d).await?)
        }
        RouteRequest::AssignLicenses(request) => {
            plain(lifecycle::assign_licences(client, &request, mode, d).await?)
        }
        RouteRequest::RemoveLicenses(request) => {
            plain(lifecycle::remove_licences(client, &request, mode, d).await?)
        }
        RouteRequest::Create(create) => {
            let WithRules { request, rules } = *create;
            let mut done = lifecycle::create(client, &rules, &request, mode, d).await?;
            let activates_later = request.credential == lifecycle::FirstCredential::OnHireDate;
            if done.already_existed && mode == RunMode::Execute && !activates_later {
                if let Some(user) = &done.outcome.user {
                    let pending = first_credential_pending(ctx.host, &user.id).await;
                    done.outcome.remainder.extend(pending);
                }
            }
            (done.outcome, done.credential)
        }
        RouteRequest::ResetPassword(u) => {
            let done = lifecycle::reset_password(client, &u, mode, d).await?;
            (done.outcome, done.credential)
        }
        RouteRequest::ResetMfa(request) => {
            let done = lifecycle::mfa::reset_mfa(client, &request, mode, d).await?;
            (done.outcome, done.credential)
        }
        RouteRequest::Delete(u) => plain(lifecycle::deletion::delete(client, &u, mode, d).await?),
        RouteRequest::Restore(id) => {
            let mut outcome = lifecycle::deletion::restore(client, &id, mode, d).await?;
            outcome
                .remainder
                .extend(former_groups(ctx.host, id.as_str()).await);
            plain(outcome)
        }
        RouteRequest::InviteGuest { invitation, .. } => {
            plain(lifecycle::guests::invite_guest(client, &invitation, mode, d).await?)
        }
        RouteRequest::TemporaryAccessPass { user, options } => {
            let done =
                lifecycle::create_temporary_access_pass(client, &user, options, mode, d).await?;
            (done.outcome, done.credential)
        }
    })
}

/// A future leaver's leave date, recorded in Entra now
/// ([`lifecycle::leave_date::record_leave_date`]); the offboarding itself
/// is scheduled on that date (`pipeline::schedule`).
pub async fn record_leave_date<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    request: &lifecycle::OffboardRequest,
    mode: RunMode,
    ctx: &RouteContext<'_, H, T>,
) -> ChangeResult {
    let outcome = lifecycle::leave_date::record_leave_date(
        client,
        &request.user,
        &request.leave_date_time,
        mode,
        ctx.deadline,
    )
    .await?;
    Ok((outcome, None))
}

/// A leaver (lifecycle state leaving or left) enabled again: the current
/// group and licence rules are re-applied for the attributes the account
/// holds now ([`lifecycle::rejoin::reapply_rules`]), so access follows
/// today's rules instead of coming back silently as it was. In a dry run
/// only the reads are sent and the plan says what would be added.
pub async fn rejoin<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    user_id: &str,
    mode: RunMode,
    ctx: &RouteContext<'_, H, T>,
) -> ChangeResult {
    let rules = ctx
        .config
        .provisioning
        .rules()
        .map_err(|e| OpError::invalid("provisioning.groupRules", &e.to_string()))?;
    let licences = ctx
        .config
        .provisioning
        .licences()
        .map_err(|e| OpError::invalid("provisioning.licenceRules", &e.to_string()))?;
    let id = lifecycle::ObjectId::parse(user_id, "user")?;
    let outcome =
        lifecycle::rejoin::reapply_rules(client, &rules, &licences, &id, mode, ctx.deadline)
            .await?;
    Ok((outcome, None))
}

/// Adds each note on how an input was read (a zone-less date-time read in
/// the site time zone) to the summary of the plan step, and the step
/// report, that writes it: the plan says how the value was read.
pub fn annotate(mut outcome: Outcome, notes: &[InputNote]) -> Outcome {
    for note in notes {
        let add = |summary: &mut String| {
            if !summary.contains(&note.text) {
                summary.push_str(&format!(" ({})", note.text));
            }
        };
        for planned in outcome
            .plan
            .changes
            .iter_mut()
            .filter(|c| c.key == note.step_key)
        {
            add(&mut planned.summary);
        }
        for step in outcome.steps.iter_mut().filter(|s| s.key == note.step_key) {
            add(&mut step.summary);
        }
    }
    outcome
}

/// Direct group memberships (roles and administrative units left out).
async fn user_groups<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Vec<GroupFacts>, ApiError> {
    let key = match user {
        UserRef::Id(id) => id.to_string(),
        UserRef::Upn(upn) => upn.clone(),
        UserRef::Address(_) | UserRef::Mail(_) | UserRef::EmployeeId(_) => {
            lifecycle::lookup(client, user, ctx.deadline)
                .await
                .map_err(ApiError::Operation)?
                .id
        }
    };
    let request = users::list_direct_groups(&key, GROUP_FACTS_SELECT);
    client
        .get_all(request, 20, ctx.deadline)
        .await
        .map_err(|e| ApiError::Operation(e.into()))
}

/// A resumed onboarding issues no credential, so the account's only
/// password may be the one an earlier attempt set and never handed over
/// (its invocation was stopped, or its answer lost, after `POST /users`).
/// When the audit trail holds no credential issued to the account through
/// the app, that is said as a remainder instead of answering "done" over
/// an account nobody can sign in to. An unreadable trail says so too.
async fn first_credential_pending<H: Host>(host: &H, user_id: &str) -> Option<Remainder> {
    let filter = crate::audit::AuditFilter {
        target: Some(user_id.to_string()),
        limit: Some(200),
        ..Default::default()
    };
    let why = match crate::audit::store::query(host, &filter).await {
        Ok(records) if records.iter().any(|r| r.credential.is_some()) => return None,
        Ok(_) => "no first credential was issued to it through the app".to_string(),
        Err(e) => format!(
            "the audit trail could not be read ({e}) to tell whether it got a first credential"
        ),
    };
    Some(Remainder::new(
        RemainderKind::CredentialPending,
        format!("The account already existed and {why}: an agent or the manager issues a Temporary Access Pass from the issue panel or the user.createTemporaryAccessPass route"),
    ))
}

/// The groups a restored account left through the app, from the audit
/// trail (offboardings and group removals recorded for its object id):
/// Entra does not give them back, and the app does not either without a
/// person deciding. An unreadable trail is said so, not hidden.
async fn former_groups<H: Host>(host: &H, user_id: &str) -> Vec<Remainder> {
    let filter = crate::audit::AuditFilter {
        target: Some(user_id.to_string()),
        limit: Some(200),
        ..Default::default()
    };
    let records = match crate::audit::store::query(host, &filter).await {
        Ok(records) => records,
        Err(e) => {
            return vec![Remainder::new(
                RemainderKind::GroupsNotRestored,
                format!("The audit trail could not be read ({e}): check in the Entra admin center which groups the account should be in again."),
            )]
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for record in &records {
        for step in &record.steps {
            let key = step["key"].as_str().unwrap_or_default();
            let done = step["outcome"]["status"] == "done";
            if let (Some(group), true) = (key.strip_prefix("group.remove:"), done) {
                if seen.insert(group.to_string()) {
                    // The step's target keeps the group's displayName beside
                    // its id (the plans' names); older records have only the id.
                    let name = step["targets"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .find(|t| t["id"] == group)
                        .and_then(|t| t["displayName"].as_str())
                        .unwrap_or(group);
                    out.push(Remainder::new(
                        RemainderKind::GroupsNotRestored,
                        format!(
                            "Was removed from group {name} (audit record {}): not restored; add it back with group.addMember if it is still needed",
                            record.id
                        ),
                    ));
                }
            }
        }
    }
    out
}
