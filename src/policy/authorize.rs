//! The one entry into the policy: may this requester run this operation
//! now? Checks run cheapest-first and every refusal names its rule.

use crate::config::policy::PolicyConfig;
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::resolve::read_user;
use crate::lifecycle::UserRef;
use crate::policy::groups::{check_groups, GroupClassification};
use crate::policy::identity::entra_account_of;
use crate::policy::jira::{approvals_of, groups_of, ApprovalState};
use crate::policy::manager::is_manager_within;
use crate::policy::operation::Operation;
use crate::policy::protected::{check_target, ResolvedUser};
use crate::policy::refusal::{CheckError, Denial, Refusal, RuleName};
use crate::policy::requester::{RequestContext, RequesterKind};
use crate::route::Route;
use serde::Serialize;

/// Which requester rule let the request through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AllowedBy {
    /// Admin page, Service API or automation: authenticated by the entry point.
    TrustedEntryPoint,
    /// An agent in one of the configured Jira groups.
    AgentGroup,
    /// The requester's own account (matched by email), allowed attributes only.
    SelfService,
    /// The requester is the target's manager in Entra (up to the configured depth).
    Manager,
}

/// How the approvals gate was passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ApprovalGate {
    /// The operation needs no approval.
    NotRequired,
    /// Every approval on the JSM request is approved.
    Approved,
    /// A dry run changes nothing, so it does not wait for approval.
    DryRun,
    /// A dry run on a request whose approvals are still pending: the plan
    /// is answered, and the real run will wait.
    DryRunPending {
        /// How many approvals are still undecided.
        pending: usize,
    },
}

/// Permission to run one operation, with what the checks learned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorized {
    /// The requester rule that let the request through.
    pub allowed_by: AllowedBy,
    /// How the approvals gate was passed.
    pub approval: ApprovalGate,
    /// The target as Entra names it (when the checks had to read it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<ResolvedUser>,
    /// The requester's own Entra account (self-service and manager rules).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester_entra_user: Option<ResolvedUser>,
    /// The groups the operation touches as the group check read them (with
    /// their display names, which the plan shows).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupClassification>,
}

impl Authorized {
    /// The display names the checks read, by lower-cased group id.
    pub fn group_names(&self) -> std::collections::BTreeMap<String, String> {
        self.groups
            .iter()
            .filter_map(|g| Some((g.id.to_ascii_lowercase(), g.display_name.clone()?)))
            .collect()
    }
}

/// Decides whether `op` may run for `ctx`. Reads Entra through `client`
/// and Jira through the client's host; never changes anything.
pub async fn authorize<T: Transport, H: Host>(
    ctx: &RequestContext,
    op: &Operation,
    config: &PolicyConfig,
    client: &GraphClient<'_, T, H>,
    deadline: Deadline,
) -> Result<Authorized, Denial> {
    let (allowed_by, mut target, requester_entra_user) =
        check_requester(ctx, op, config, client, deadline).await?;
    let groups = if op.groups.is_empty() {
        Vec::new()
    } else {
        check_groups(client, config, &op.groups, deadline).await?
    };
    if op.touches_sensitive_target() {
        if let Some(user) = &op.target {
            let checked =
                check_target(client, config, user, op.read_ahead.as_ref(), deadline).await?;
            check_synced_account_change(op.kind, config, &checked)?;
            target = Some(checked);
        }
    }
    let approval = check_approvals(ctx, op.kind, config, client.host()).await?;
    Ok(Authorized {
        allowed_by,
        approval,
        target,
        requester_entra_user,
        groups,
    })
}

/// With [`PolicyConfig::refuse_account_changes_of_synced_users`], the
/// account state of a user synced from on-premises AD is changed in AD
/// only: Entra ID would take the change, and the next sync undo it.
fn check_synced_account_change(
    kind: Route,
    config: &PolicyConfig,
    target: &ResolvedUser,
) -> Result<(), Refusal> {
    let account_change = matches!(
        kind,
        Route::UserDisable | Route::UserEnable | Route::UserOffboard
    );
    if account_change
        && config.refuse_account_changes_of_synced_users
        && target.on_premises_sync_enabled == Some(true)
    {
        return Err(Refusal::new(
            RuleName::SyncedUserAccountChange,
            format!(
                "{} is synced from on-premises Active Directory and the administrator has the app leave its account state to AD: change it in on-premises Active Directory (Entra Connect then syncs it to Entra ID)",
                target.label()
            ),
        ));
    }
    Ok(())
}

type RequesterVerdict = (AllowedBy, Option<ResolvedUser>, Option<ResolvedUser>);

async fn check_requester<T: Transport, H: Host>(
    ctx: &RequestContext,
    op: &Operation,
    config: &PolicyConfig,
    client: &GraphClient<'_, T, H>,
    deadline: Deadline,
) -> Result<RequesterVerdict, Denial> {
    let requester = &ctx.requester;
    match requester.kind {
        RequesterKind::Admin | RequesterKind::ServiceApi | RequesterKind::Automation => {
            Ok((AllowedBy::TrustedEntryPoint, None, None))
        }
        RequesterKind::Agent => {
            check_agent(client.host(), &requester.account_id, config).await?;
            Ok((AllowedBy::AgentGroup, None, None))
        }
        RequesterKind::PortalCustomer => match op.kind {
            Route::UserUpdate => {
                let (me, target) = check_self_service(ctx, op, config, client, deadline).await?;
                Ok((AllowedBy::SelfService, Some(target), Some(me)))
            }
            Route::UserResetPassword | Route::UserCreateTemporaryAccessPass => {
                let (me, target) = check_manager(ctx, op, config, client, deadline).await?;
                Ok((AllowedBy::Manager, Some(target), Some(me)))
            }
            other => Err(Refusal::new(
                RuleName::RequesterNotAllowed,
                format!(
                    "a portal customer may not request {other}; only self-service profile updates and manager-requested password resets run from the portal"
                ),
            )
            .into()),
        },
    }
}

async fn check_agent<H: Host>(
    host: &H,
    account_id: &str,
    config: &PolicyConfig,
) -> Result<(), Denial> {
    if config.agent_jira_groups.is_empty() {
        return Err(Refusal::new(
            RuleName::AgentGroupRequired,
            "no Jira group is configured whose members may act as agents",
        )
        .into());
    }
    let groups = groups_of(host, account_id).await?;
    let member = groups.iter().any(|g| {
        config.agent_jira_groups.iter().any(|wanted| {
            wanted.eq_ignore_ascii_case(&g.name) || g.group_id.as_deref() == Some(wanted.as_str())
        })
    });
    if member {
        Ok(())
    } else {
        Err(Refusal::new(
            RuleName::AgentGroupRequired,
            format!(
                "the agent is in none of the Jira groups allowed to act: {}",
                config.agent_jira_groups.join(", ")
            ),
        )
        .into())
    }
}

fn target_of(op: &Operation) -> Result<&UserRef, Denial> {
    op.target.as_ref().ok_or_else(|| {
        Denial::from(crate::lifecycle::OpError::invalid(
            "user",
            "is required for this operation",
        ))
    })
}

async fn resolve<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    deadline: Deadline,
) -> Result<ResolvedUser, Denial> {
    let view = read_user(
        client,
        user,
        "id,displayName,userPrincipalName,mail",
        None,
        deadline,
    )
    .await?;
    Ok(ResolvedUser {
        id: view.id,
        display_name: view.display_name,
        user_principal_name: view.user_principal_name,
        mail: view.mail,
        on_premises_sync_enabled: None,
    })
}

async fn check_self_service<T: Transport, H: Host>(
    ctx: &RequestContext,
    op: &Operation,
    config: &PolicyConfig,
    client: &GraphClient<'_, T, H>,
    deadline: Deadline,
) -> Result<(ResolvedUser, ResolvedUser), Denial> {
    let not_allowed: Vec<&str> = op
        .attributes
        .iter()
        .filter(|a| !config.self_service_attributes.contains(a))
        .map(String::as_str)
        .collect();
    if op.attributes.is_empty() || !not_allowed.is_empty() {
        return Err(Refusal::new(
            RuleName::SelfServiceAttributeNotAllowed,
            format!(
                "self-service may change only {}; not {}",
                if config.self_service_attributes.is_empty() {
                    "nothing (no attribute is enabled)".to_string()
                } else {
                    config.self_service_attributes.join(", ")
                },
                if not_allowed.is_empty() {
                    "an empty change".to_string()
                } else {
                    not_allowed.join(", ")
                }
            ),
        )
        .into());
    }
    let me = entra_account_of(
        client,
        &ctx.requester,
        RuleName::SelfServiceIdentityNotUnique,
        deadline,
    )
    .await?;
    let target = resolve(client, target_of(op)?, deadline).await?;
    if !target.id.eq_ignore_ascii_case(&me.id) {
        return Err(Refusal::new(
            RuleName::SelfServiceOwnAccountOnly,
            format!(
                "{} may change only their own profile, not that of {}",
                ctx.requester.display_name,
                target.label()
            ),
        )
        .into());
    }
    Ok((me, target))
}

async fn check_manager<T: Transport, H: Host>(
    ctx: &RequestContext,
    op: &Operation,
    config: &PolicyConfig,
    client: &GraphClient<'_, T, H>,
    deadline: Deadline,
) -> Result<(ResolvedUser, ResolvedUser), Denial> {
    let me = entra_account_of(client, &ctx.requester, RuleName::ManagerOnly, deadline).await?;
    let target = resolve(client, target_of(op)?, deadline).await?;
    let depth = config.manager_chain_depth;
    if is_manager_within(client, &me.id, &target.id, depth, deadline).await? {
        return Ok((me, target));
    }
    let scope = if depth <= 1 {
        "the manager".to_string()
    } else {
        format!("within {depth} levels of the manager chain")
    };
    Err(Refusal::new(
        RuleName::ManagerOnly,
        format!(
            "Entra does not list {} as {scope} of {}",
            ctx.requester.display_name,
            target.label()
        ),
    )
    .into())
}

/// The approvals gate. A call on a JSM request waits for the request's
/// approvals whatever the policy says: an approver who sees "Waiting for
/// approval" must be able to trust that nothing happened yet. Without a
/// request, the policy's per-operation setting decides (and a required
/// approval then refuses, as there is nothing to approve). Reads never wait.
async fn check_approvals<H: Host>(
    ctx: &RequestContext,
    kind: Route,
    config: &PolicyConfig,
    host: &H,
) -> Result<ApprovalGate, Denial> {
    if kind.is_read_only() {
        return Ok(ApprovalGate::NotRequired);
    }
    let required = config.approvals.required_for(kind);
    let Some(issue_key) = ctx.issue_key.as_deref() else {
        return if !required {
            Ok(ApprovalGate::NotRequired)
        } else if ctx.dry_run {
            Ok(ApprovalGate::DryRun)
        } else {
            Err(Refusal::new(
                RuleName::ApprovalNeedsRequest,
                format!("{kind} requires JSM approval, but the call belongs to no request"),
            )
            .into())
        };
    };
    let state = match approvals_of(host, issue_key).await {
        Ok(state) => state,
        // A Jira issue that is not a service request has no approvals
        // (JSM answers 404); only a required approval needs a request.
        Err(CheckError::JiraAnswer { status: 404, .. }) if !required => ApprovalState::NoApprovals,
        Err(e) => return Err(e.into()),
    };
    match state {
        // A dry run changes nothing, so it never waits; it says what it would wait for.
        ApprovalState::Pending { pending } if ctx.dry_run => {
            Ok(ApprovalGate::DryRunPending { pending })
        }
        _ if ctx.dry_run => Ok(if required {
            ApprovalGate::DryRun
        } else {
            ApprovalGate::NotRequired
        }),
        ApprovalState::Approved => Ok(ApprovalGate::Approved),
        ApprovalState::Declined => Err(Denial::ApprovalDeclined),
        ApprovalState::Pending { pending } => Err(Denial::AwaitingApproval { pending }),
        ApprovalState::NoApprovals if !required => Ok(ApprovalGate::NotRequired),
        // Fail closed: a request type without an approval step must not
        // turn "approval required" into "no approval needed".
        ApprovalState::NoApprovals => Err(Refusal::new(
            RuleName::ApprovalNeedsRequest,
            format!("{kind} requires JSM approval, but request {issue_key} has no approval step"),
        )
        .into()),
    }
}
