//! Dispatch: read the call's input, resolve names, ask the policy, run the
//! operation, then audit it and deliver any credential. Every entry point
//! goes through here, so no door skips a rule.

use super::call::OperationCall;
use super::context::RouteContext;
use super::credentials;
use super::error::ApiError;
use super::input::GroupRef;
use super::prepare::{prepare, NewHireInput, Prepared};
use crate::audit::{self, AuditRecord};
use crate::delivery::{self, DeliveryRequest};
use crate::graph::odata::{eq_filter, user_path};
use crate::graph::{GraphClient, GraphRequest};
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::lifecycle::rules::RuleSubject;
use crate::lifecycle::{
    self, IssuedCredential, NewHire, ObjectId, OffboardRequest, OpError, Outcome,
    ProvisioningRules, RunMode, TransferRequest, UserRef,
};
use crate::policy::groups::{GroupFacts, GROUP_FACTS_SELECT};
use crate::policy::{Authorized, Operation, RequestContext};
use crate::route::Route;
use crate::secret::Secret;
use serde::Deserialize;
use serde_json::{json, Value};

/// What a call produced.
pub enum Answer {
    /// A read: the result alone.
    Read(Value),
    /// A change (or its dry run).
    Changed(Box<Executed>),
}

/// A change that ran (or was planned), with its audit and credential trail.
pub struct Executed {
    pub outcome: Outcome,
    pub audit_id: Option<String>,
    /// Where the credential waits for its one reveal; never the value.
    pub credential: Option<delivery::DeliveryReceipt>,
    /// Only for a signed HR integration with the admin's explicit consent.
    pub response_secret: Option<Secret>,
}

pub async fn dispatch<H: Host, T: Transport>(
    call: &OperationCall,
    request: &RequestContext,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Answer, ApiError> {
    let mode = if call.dry_run {
        RunMode::DryRun
    } else {
        RunMode::Execute
    };
    let prepared = prepare(call)?;
    let client = ctx.graph().await?;
    let resolved = resolve(&client, prepared, ctx).await?;
    let op = resolved.policy_operation(call.route);
    let authorized = authorize(request, &op, &client, ctx).await?;
    let change = match resolved {
        Resolved::Lookup(user) => {
            let view = lifecycle::lookup(&client, &user, ctx.deadline)
                .await
                .map_err(ApiError::Operation)?;
            return Ok(Answer::Read(json!(view)));
        }
        Resolved::Groups(user) => {
            let groups = user_groups(&client, &user, ctx).await?;
            return Ok(Answer::Read(json!({ "groups": groups })));
        }
        Resolved::ResolvedChange(change) => *change,
    };
    let viewers = if call.route.issues_credential() && mode == RunMode::Execute {
        let manager = manager_email(&client, &change, ctx).await?;
        Some(credentials::viewers(call.route, request, manager.as_deref(), ctx).await?)
    } else {
        None
    };
    let result = execute(&client, change, mode, ctx).await;
    if mode == RunMode::DryRun {
        let (outcome, _) = result.map_err(ApiError::Operation)?;
        return Ok(Answer::Changed(Box::new(Executed {
            outcome,
            audit_id: None,
            credential: None,
            response_secret: None,
        })));
    }
    record(
        request,
        &op,
        &authorized,
        result,
        viewers.unwrap_or_default(),
        ctx,
    )
    .await
}

/// Names resolved to ids, and the groups a create's rules derive.
enum Resolved {
    Lookup(UserRef),
    Groups(UserRef),
    ResolvedChange(Box<ResolvedChange>),
}

/// The routes that change something.
enum ResolvedChange {
    Update {
        user: UserRef,
        changes: crate::graph::model::UserAttributes,
        names: Vec<String>,
    },
    Disable(UserRef),
    Enable(UserRef),
    RevokeSessions(UserRef),
    AddMember {
        user: UserRef,
        group: ObjectId,
    },
    RemoveMember {
        user: UserRef,
        group: ObjectId,
    },
    Transfer {
        request: TransferRequest,
        config: ProvisioningRules,
    },
    Create {
        hire: NewHire,
        config: ProvisioningRules,
    },
    ResetPassword(UserRef),
    TemporaryAccessPass {
        user: UserRef,
        options: lifecycle::TapOptions,
    },
    Offboard(OffboardRequest),
}

impl Resolved {
    /// The request as the policy sees it.
    fn policy_operation(&self, kind: Route) -> Operation {
        match self {
            Resolved::Lookup(u) | Resolved::Groups(u) => Operation::on_user(kind, u.clone()),
            Resolved::ResolvedChange(change) => change.policy_operation(kind),
        }
    }
}

impl ResolvedChange {
    fn policy_operation(&self, kind: Route) -> Operation {
        match self {
            ResolvedChange::Disable(u)
            | ResolvedChange::Enable(u)
            | ResolvedChange::RevokeSessions(u)
            | ResolvedChange::ResetPassword(u)
            | ResolvedChange::TemporaryAccessPass { user: u, .. } => {
                Operation::on_user(kind, u.clone())
            }
            ResolvedChange::Update { user, names, .. } => {
                Operation::on_user(kind, user.clone()).with_attributes(names.clone())
            }
            ResolvedChange::AddMember { user, group }
            | ResolvedChange::RemoveMember { user, group } => {
                Operation::on_user(kind, user.clone()).with_groups(vec![group.clone()])
            }
            ResolvedChange::Transfer { request, .. } => {
                let mut names = Vec::new();
                if request.department.is_some() {
                    names.push("department");
                }
                if request.job_title.is_some() {
                    names.push("jobTitle");
                }
                if request.manager.is_some() {
                    names.push("manager");
                }
                Operation::on_user(kind, request.user.clone()).with_attributes(names)
            }
            ResolvedChange::Create { hire, config } => {
                let a = &hire.attributes;
                let mut groups: Vec<ObjectId> = hire.groups.clone();
                groups.extend(config.rules.groups_for(&RuleSubject {
                    department: a.department.as_deref(),
                    job_title: a.job_title.as_deref(),
                    company_name: a.company_name.as_deref(),
                    employee_type: a.employee_type.as_deref(),
                }));
                groups.sort_by(|x, y| x.as_str().cmp(y.as_str()));
                groups.dedup();
                Operation::create(groups)
            }
            ResolvedChange::Offboard(request) => {
                Operation::on_user(kind, request.user.clone()).with_groups(request.groups.clone())
            }
        }
    }
}

async fn resolve<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    prepared: Prepared,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Resolved, ApiError> {
    let change = match prepared {
        Prepared::Lookup(u) => return Ok(Resolved::Lookup(u)),
        Prepared::Groups(u) => return Ok(Resolved::Groups(u)),
        Prepared::Update {
            user,
            changes,
            names,
        } => ResolvedChange::Update {
            user,
            changes,
            names,
        },
        Prepared::Disable(u) => ResolvedChange::Disable(u),
        Prepared::Enable(u) => ResolvedChange::Enable(u),
        Prepared::RevokeSessions(u) => ResolvedChange::RevokeSessions(u),
        Prepared::ResetPassword(u) => ResolvedChange::ResetPassword(u),
        Prepared::TemporaryAccessPass { user, options } => {
            ResolvedChange::TemporaryAccessPass { user, options }
        }
        Prepared::AddMember { user, group } => ResolvedChange::AddMember {
            user,
            group: resolve_group(client, &group, "data.group", ctx).await?,
        },
        Prepared::RemoveMember { user, group } => ResolvedChange::RemoveMember {
            user,
            group: resolve_group(client, &group, "data.group", ctx).await?,
        },
        Prepared::Transfer(p) => ResolvedChange::Transfer {
            request: TransferRequest {
                user: p.user,
                department: p.department,
                job_title: p.job_title,
                manager: p.manager,
            },
            config: provisioning(ctx)?,
        },
        Prepared::Create(input) => {
            let config = provisioning(ctx)?;
            let hire = new_hire(client, input, ctx).await?;
            ResolvedChange::Create { hire, config }
        }
        Prepared::Offboard {
            user,
            leave_date_time,
        } => ResolvedChange::Offboard(OffboardRequest {
            user,
            // Only serviceable groups are left; the operation keeps those the
            // user is actually in.
            groups: ctx.config.policy.serviceable_groups.clone(),
            leave_date_time: leave_date_time
                .unwrap_or_else(|| crate::audit::time::iso8601(ctx.host.now_ms())),
        }),
    };
    Ok(Resolved::ResolvedChange(Box::new(change)))
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

async fn authorize<H: Host, T: Transport>(
    request: &RequestContext,
    op: &Operation,
    client: &GraphClient<'_, T, H>,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Authorized, ApiError> {
    super::authorize::authorize_audited(request, op, &ctx.config.policy, client, ctx.deadline)
        .await
        .map_err(|d| ApiError::Denied {
            audit_id: d.audit_error.is_none().then(|| d.record.id.clone()),
            denial: Box::new(d.denial),
        })
}

async fn execute<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    change: ResolvedChange,
    mode: RunMode,
    ctx: &RouteContext<'_, H, T>,
) -> Result<(Outcome, Option<IssuedCredential>), OpError> {
    let d = ctx.deadline;
    let plain = |o: Outcome| (o, None);
    Ok(match change {
        ResolvedChange::Update { user, changes, .. } => {
            plain(lifecycle::update(client, &user, &changes, mode, d).await?)
        }
        ResolvedChange::Disable(u) => plain(lifecycle::disable(client, &u, mode, d).await?),
        ResolvedChange::Enable(u) => plain(lifecycle::enable(client, &u, mode, d).await?),
        ResolvedChange::RevokeSessions(u) => {
            plain(lifecycle::revoke_sessions(client, &u, mode, d).await?)
        }
        ResolvedChange::AddMember { user, group } => {
            plain(lifecycle::add_to_group(client, &user, &group, mode, d).await?)
        }
        ResolvedChange::RemoveMember { user, group } => {
            plain(lifecycle::remove_from_group(client, &user, &group, mode, d).await?)
        }
        ResolvedChange::Transfer { request, config } => {
            plain(lifecycle::transfer(client, &config, &request, mode, d).await?)
        }
        ResolvedChange::Offboard(request) => {
            plain(lifecycle::offboard(client, &request, mode, d).await?)
        }
        ResolvedChange::Create { hire, config } => {
            let done = lifecycle::create(client, &config, &hire, mode, d).await?;
            (done.outcome, done.credential)
        }
        ResolvedChange::ResetPassword(u) => {
            let done = lifecycle::reset_password(client, &u, mode, d).await?;
            (done.outcome, done.credential)
        }
        ResolvedChange::TemporaryAccessPass { user, options } => {
            let done =
                lifecycle::create_temporary_access_pass(client, &user, options, mode, d).await?;
            (done.outcome, done.credential)
        }
    })
}

/// The email of the manager of the user a credential is for: the new
/// hire's named manager, or the target's manager in Entra. Read only when
/// the policy sends credentials to the manager.
async fn manager_email<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    change: &ResolvedChange,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Option<String>, ApiError> {
    let kind = match change {
        ResolvedChange::Create { .. } => Route::UserCreate,
        ResolvedChange::ResetPassword(_) => Route::UserResetPassword,
        ResolvedChange::TemporaryAccessPass { .. } => Route::UserCreateTemporaryAccessPass,
        _ => return Ok(None),
    };
    let roles = ctx.config.policy.secret_recipients.for_operation(kind);
    if !roles.contains(&crate::config::policy::SecretRecipient::TargetManager) {
        return Ok(None);
    }
    let manager = match change {
        ResolvedChange::Create { hire, .. } => match &hire.manager {
            Some(UserRef::Upn(v)) | Some(UserRef::Mail(v)) => return Ok(Some(v.clone())),
            Some(other) => other.clone(),
            None => return Ok(None),
        },
        ResolvedChange::ResetPassword(user) | ResolvedChange::TemporaryAccessPass { user, .. } => {
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

/// After a real run: the credential goes to one-time delivery, the attempt
/// to the audit trail, and a summary to the request as a comment.
async fn record<H: Host, T: Transport>(
    request: &RequestContext,
    op: &Operation,
    authorized: &Authorized,
    result: Result<(Outcome, Option<IssuedCredential>), OpError>,
    viewers: Vec<String>,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Answer, ApiError> {
    let host = ctx.host;
    let mut rec = AuditRecord::for_operation(host.now_ms(), request, op);
    if let Some(target) = &authorized.target {
        rec = rec.with_resolved_target(target);
    }
    let (outcome, credential) = match result {
        Ok(done) => done,
        Err(error) => {
            let rec = rec.failed(&error);
            store_record(host, &rec).await;
            comment(ctx, request, &rec).await;
            return Err(ApiError::Operation(error));
        }
    };
    rec = rec.completed(&outcome);
    let mut receipt = None;
    let mut response_secret = None;
    if let Some(credential) = credential {
        response_secret =
            delivery::secret_for_response(&ctx.config.policy, request, &credential).cloned();
        let target = outcome.user.as_ref();
        let delivery_request = DeliveryRequest {
            operation: op.kind,
            target_id: target.map(|u| u.id.clone()).unwrap_or_default(),
            target_label: target
                .and_then(|u| u.user_principal_name.clone())
                .unwrap_or_default(),
            issue_key: request.issue_key.clone(),
            audit_id: rec.id.clone(),
            viewers,
            lifetime_ms: ctx.config.policy.secret_lifetime_ms(),
        };
        match delivery::store(host, credential, delivery_request).await {
            Ok(r) => {
                rec = rec.with_credential(r.note());
                receipt = Some(r);
            }
            // The change is made; only the signed-HR response can still
            // carry the credential. Say so loudly, never the value.
            Err(e) => host.log(
                LogLevel::Error,
                &format!("credential not stored for one-time reveal: {e}"),
            ),
        }
    }
    let audit_id = store_record(host, &rec).await;
    comment(ctx, request, &rec).await;
    Ok(Answer::Changed(Box::new(Executed {
        outcome,
        audit_id,
        credential: receipt,
        response_secret,
    })))
}

async fn store_record(host: &impl Host, rec: &AuditRecord) -> Option<String> {
    match audit::record(host, rec).await {
        Ok(id) => Some(id),
        Err(e) => {
            host.log(LogLevel::Error, &format!("audit record not stored: {e}"));
            None
        }
    }
}

async fn comment<H: Host, T: Transport>(
    ctx: &RouteContext<'_, H, T>,
    request: &RequestContext,
    rec: &AuditRecord,
) {
    let Some(issue) = &request.issue_key else {
        return;
    };
    let visibility = audit::visibility_for(&ctx.config.policy, rec);
    if let Err(e) =
        audit::post_comment(ctx.host, issue, audit::summary_comment(rec), visibility).await
    {
        ctx.host.log(
            LogLevel::Warn,
            &format!("summary comment not posted on {issue}: {e}"),
        );
    }
}

fn provisioning<H: Host, T: Transport>(
    ctx: &RouteContext<'_, H, T>,
) -> Result<ProvisioningRules, ApiError> {
    let settings = &ctx.config.provisioning;
    let not_configured = |e: crate::config::ConfigError| ApiError::NotConfigured {
        message: format!("The provisioning settings are incomplete: {e}"),
    };
    Ok(ProvisioningRules {
        naming: settings.naming().map_err(not_configured)?,
        rules: settings.rules().map_err(not_configured)?,
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
    let request = GraphRequest::get("/groups")
        .query(&eq_filter("displayName", name))
        .query("$select=id&$top=2");
    let hits: Vec<GroupHit> = client
        .get_all(request, 1, ctx.deadline)
        .await
        .map_err(|e| ApiError::Operation(e.into()))?;
    match hits.as_slice() {
        [one] => ObjectId::parse(&one.id, field).map_err(ApiError::Operation),
        [] => Err(ApiError::Operation(OpError::NotFound {
            what: format!("group '{}'", super::input::printable(name)),
        })),
        _ => Err(ApiError::Operation(OpError::Ambiguous {
            field,
            count: hits.len(),
        })),
    }
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
        UserRef::Mail(_) | UserRef::EmployeeId(_) => {
            lifecycle::lookup(client, user, ctx.deadline)
                .await
                .map_err(ApiError::Operation)?
                .id
        }
    };
    let request = GraphRequest::get(format!(
        "{}/memberOf/microsoft.graph.group",
        user_path(&key)
    ))
    .query(&format!("$select={GROUP_FACTS_SELECT}"))
    .query("$top=999");
    client
        .get_all(request, 20, ctx.deadline)
        .await
        .map_err(|e| ApiError::Operation(e.into()))
}
