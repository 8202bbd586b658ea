//! Stage 2, resolve: group names become object ids (one Graph read per
//! named group), and a request takes from the configuration what it runs
//! under: the provisioning rules for `user.create` and `user.transfer`, the
//! first-credential setting for `user.create`, the serviceable groups an
//! offboarding leaves. Users stay as named: the lifecycle procedures read
//! them in their own first batch.

use super::context::RouteContext;
use super::error::ApiError;
use super::input::{op_input_error, printable, GroupRef};
use super::request::{NewHireInput, OffboardInput, Parsed, Resolved, RouteRequest, WithRules};
use crate::graph::resources::groups;
use crate::graph::GraphClient;
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::{
    self, FirstCredential, NewHire, ObjectId, OffboardRequest, OpError, ProvisioningRules,
};
use serde::Deserialize;

/// Resolves a parsed request. Errors: 404 for a group name that matches no
/// group, 409 for one that matches several, 503 when the provisioning
/// settings a route needs are incomplete.
pub async fn resolve<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    parsed: RouteRequest<Parsed>,
    ctx: &RouteContext<'_, H, T>,
) -> Result<RouteRequest<Resolved>, ApiError> {
    Ok(match parsed {
        RouteRequest::Lookup(u) => RouteRequest::Lookup(u),
        RouteRequest::Groups(u) => RouteRequest::Groups(u),
        RouteRequest::Update {
            user,
            changes,
            names,
        } => RouteRequest::Update {
            user,
            changes,
            names,
        },
        RouteRequest::Disable(u) => RouteRequest::Disable(u),
        RouteRequest::Enable(u) => RouteRequest::Enable(u),
        RouteRequest::RevokeSessions(u) => RouteRequest::RevokeSessions(u),
        RouteRequest::ResetPassword(u) => RouteRequest::ResetPassword(u),
        RouteRequest::AssignLicenses(mut request) => {
            // Saved settings were validated; normalised here (`us` is `US`).
            request.default_usage_location = ctx
                .config
                .provisioning
                .default_usage_location
                .as_deref()
                .and_then(|c| lifecycle::country::usage_location(c, "defaultUsageLocation").ok());
            RouteRequest::AssignLicenses(request)
        }
        RouteRequest::RemoveLicenses(request) => RouteRequest::RemoveLicenses(request),
        RouteRequest::TemporaryAccessPass { user, options } => {
            let policy = lifecycle::tap_policy::read_tap_policy(client, ctx.deadline)
                .await
                .map_err(ApiError::Operation)?;
            let options = options
                .within(policy.as_ref())
                .map_err(|e| match e.field() {
                    Some(field) => op_input_error(e.clone(), &format!("data.{field}")),
                    None => ApiError::Operation(e),
                })?;
            RouteRequest::TemporaryAccessPass { user, options }
        }
        RouteRequest::ResetMfa(mut request) => {
            if let Some(options) = request.tap {
                let policy = lifecycle::tap_policy::read_tap_policy(client, ctx.deadline)
                    .await
                    .map_err(ApiError::Operation)?;
                request.tap = Some(options.within(policy.as_ref()).map_err(
                    |e| match e.field() {
                        Some(field) => op_input_error(e.clone(), &format!("data.{field}")),
                        None => ApiError::Operation(e),
                    },
                )?);
            }
            RouteRequest::ResetMfa(request)
        }
        RouteRequest::Delete(u) => RouteRequest::Delete(u),
        RouteRequest::Restore(id) => RouteRequest::Restore(id),
        RouteRequest::InviteGuest {
            mut invitation,
            groups,
        } => {
            let mut resolved = Vec::with_capacity(groups.len());
            for group in &groups {
                resolved.push(resolve_group(client, group, "data.groups", ctx).await?);
            }
            invitation.groups = resolved.clone();
            RouteRequest::InviteGuest {
                invitation,
                groups: resolved,
            }
        }
        RouteRequest::AddMember { user, group } => RouteRequest::AddMember {
            user,
            group: resolve_group(client, &group, "data.group", ctx).await?,
        },
        RouteRequest::RemoveMember { user, group } => RouteRequest::RemoveMember {
            user,
            group: resolve_group(client, &group, "data.group", ctx).await?,
        },
        RouteRequest::Transfer(request) => RouteRequest::Transfer(WithRules {
            request,
            rules: provisioning_rules(ctx)?,
        }),
        RouteRequest::Create(input) => {
            let rules = provisioning_rules(ctx)?;
            let request = new_hire(client, *input, ctx).await?;
            RouteRequest::Create(Box::new(WithRules { request, rules }))
        }
        RouteRequest::Offboard(OffboardInput {
            user,
            leave_date_time,
            successor,
        }) => RouteRequest::Offboard(OffboardRequest {
            user,
            successor,
            // Only serviceable groups are left; the procedure keeps those
            // the user is actually in.
            groups: ctx.config.policy.serviceable_groups.clone(),
            leave_date_time: leave_date_time
                .unwrap_or_else(|| crate::audit::time::iso8601(ctx.host.now_ms())),
            licence_removal_grace_days: ctx.config.provisioning.licence_removal_grace_days,
            hand_over_group_ownership: ctx.config.provisioning.hand_over_group_ownership,
        }),
    })
}

async fn new_hire<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    input: NewHireInput,
    ctx: &RouteContext<'_, H, T>,
) -> Result<NewHire, ApiError> {
    let mut groups = Vec::with_capacity(input.groups.len());
    for group in &input.groups {
        groups.push(resolve_group(client, group, "data.groups", ctx).await?);
    }
    let credential = ctx
        .config
        .provisioning
        .first_credential
        .to_first_credential()
        .map_err(|e| ApiError::NotConfigured {
            message: format!("The provisioning settings are incomplete: {e}"),
        })?;
    if let FirstCredential::TemporaryAccessPass {
        lifetime_minutes,
        usable_once,
    } = credential
    {
        // The admin's first-pass setting must fit the tenant's policy too;
        // it is the admin's to fix, not the caller's.
        let policy = lifecycle::tap_policy::read_tap_policy(client, ctx.deadline)
            .await
            .map_err(ApiError::Operation)?;
        lifecycle::TapOptions::new(lifetime_minutes, usable_once)
            .and_then(|o| o.within(policy.as_ref()))
            .map_err(|e| ApiError::NotConfigured {
                message: format!(
                    "The first credential setting (provisioning.firstCredential) does not fit the tenant: {e}"
                ),
            })?;
    }
    Ok(NewHire {
        given_name: input.given_name,
        surname: input.surname,
        display_name: input.display_name,
        attributes: input.attributes,
        manager: input.manager,
        groups,
        credential,
    })
}

fn provisioning_rules<H: Host, T: Transport>(
    ctx: &RouteContext<'_, H, T>,
) -> Result<ProvisioningRules, ApiError> {
    let settings = &ctx.config.provisioning;
    let not_configured = |e: crate::config::ConfigError| ApiError::NotConfigured {
        message: format!("The provisioning settings are incomplete: {e}"),
    };
    Ok(ProvisioningRules {
        naming: settings.naming().map_err(not_configured)?,
        rules: settings.rules().map_err(not_configured)?,
        licences: settings.licences().map_err(not_configured)?,
    })
}

#[derive(Deserialize)]
struct GroupHit {
    id: String,
}

/// A group named by display name must match exactly one group.
async fn resolve_group<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    group: &GroupRef,
    field: &'static str,
    ctx: &RouteContext<'_, H, T>,
) -> Result<ObjectId, ApiError> {
    let name = match group {
        GroupRef::Id(id) => return Ok(id.clone()),
        GroupRef::DisplayName(name) => name,
    };
    let request = groups::find_groups_by_display_name(name);
    let hits: Vec<GroupHit> = client
        .get_all(request, 1, ctx.deadline)
        .await
        .map_err(|e| ApiError::Operation(e.into()))?;
    match hits.as_slice() {
        [one] => ObjectId::parse(&one.id, field).map_err(ApiError::Operation),
        [] => Err(ApiError::Operation(OpError::NotFound {
            what: format!("group '{}'", printable(name)),
        })),
        _ => Err(ApiError::Operation(OpError::Ambiguous {
            field,
            count: hits.len(),
        })),
    }
}
