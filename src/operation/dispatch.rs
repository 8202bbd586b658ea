//! Route dispatch: each route reads its `data`, runs one operation and
//! returns what the caller sees. No route decides anything an operation or
//! the policy layer already decides.

use super::call::OperationCall;
use super::context::RouteContext;
use super::error::ApiError;
use super::input::{op_input_error, Data, GroupRef};
use super::route::Route;
use crate::graph::odata::{eq_filter, user_path};
use crate::graph::{GraphClient, GraphRequest};
use crate::host::Host;
use crate::http::Transport;
use crate::ops::{
    self, ObjectId, OpError, Outcome, ProvisioningConfig, RunMode, TransferRequest, UserRef,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// What a route produced.
pub enum Answer {
    /// A read: the result alone.
    Read(Value),
    /// A change (or its dry run): the plan and each step's outcome.
    Changed(Outcome),
}

pub async fn dispatch<H: Host, T: Transport>(
    call: &OperationCall,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Answer, ApiError> {
    let mode = if call.dry_run {
        RunMode::DryRun
    } else {
        RunMode::Execute
    };
    let data = &call.data;
    let op = ApiError::Operation;
    match call.route {
        Route::UserGet => {
            let user = Data::new(data, &["user"])?.user("user")?;
            let client = ctx.graph().await?;
            let view = ops::lookup(&client, &user, ctx.deadline)
                .await
                .map_err(op)?;
            Ok(Answer::Read(json!(view)))
        }
        Route::UserUpdate => {
            let input = Data::new(data, &["user", "changes"])?;
            let user = input.user("user")?;
            let changes = ops::parse_changes(input.object("changes")?)
                .map_err(|e| op_input_error(prefixed(e, "data.changes"), "data.changes"))?;
            let client = ctx.graph().await?;
            ops::update(&client, &user, &changes, mode, ctx.deadline)
                .await
                .map(Answer::Changed)
                .map_err(op)
        }
        Route::UserDisable | Route::UserEnable | Route::UserRevokeSessions => {
            let user = Data::new(data, &["user"])?.user("user")?;
            let client = ctx.graph().await?;
            let outcome = match call.route {
                Route::UserDisable => ops::disable(&client, &user, mode, ctx.deadline).await,
                Route::UserEnable => ops::enable(&client, &user, mode, ctx.deadline).await,
                _ => ops::revoke_sessions(&client, &user, mode, ctx.deadline).await,
            };
            outcome.map(Answer::Changed).map_err(op)
        }
        Route::GroupAddMember | Route::GroupRemoveMember => {
            let input = Data::new(data, &["user", "group"])?;
            let user = input.user("user")?;
            let group = input.group("group")?;
            let client = ctx.graph().await?;
            let group_id = resolve_group(&client, &group, "data.group", ctx).await?;
            let outcome = if call.route == Route::GroupAddMember {
                ops::add_to_group(&client, &user, &group_id, mode, ctx.deadline).await
            } else {
                ops::remove_from_group(&client, &user, &group_id, mode, ctx.deadline).await
            };
            outcome.map(Answer::Changed).map_err(op)
        }
        Route::UserGroups => {
            let user = Data::new(data, &["user"])?.user("user")?;
            let client = ctx.graph().await?;
            let groups = user_groups(&client, &user, ctx).await?;
            Ok(Answer::Read(json!({ "groups": groups })))
        }
        Route::UserTransfer => {
            let input = Data::new(data, &["user", "department", "jobTitle", "manager"])?;
            let request = TransferRequest {
                user: input.user("user")?,
                department: input.optional_string("department")?,
                job_title: input.optional_string("jobTitle")?,
                manager: input.optional_user("manager")?,
            };
            let config = provisioning(ctx)?;
            let client = ctx.graph().await?;
            ops::transfer(&client, &config, &request, mode, ctx.deadline)
                .await
                .map(Answer::Changed)
                .map_err(|e| data_error(e, op))
        }
        Route::UserCreate
        | Route::UserResetPassword
        | Route::UserCreateTemporaryAccessPass
        | Route::UserOffboard => Err(ApiError::NotImplemented {
            route: call.route.name(),
        }),
    }
}

/// Input errors from an operation name fields of `data`.
fn data_error(error: OpError, otherwise: fn(OpError) -> ApiError) -> ApiError {
    match error {
        OpError::InvalidInput { .. } => {
            let path = error
                .field()
                .map(|f| format!("data.{f}"))
                .unwrap_or_default();
            op_input_error(error, &path)
        }
        other => otherwise(other),
    }
}

fn prefixed(error: OpError, path: &str) -> OpError {
    match error {
        OpError::InvalidInput { field, message } => OpError::InvalidInput {
            field: format!("{path}.{field}"),
            message,
        },
        other => other,
    }
}

fn provisioning<H: Host, T: Transport>(
    ctx: &RouteContext<'_, H, T>,
) -> Result<ProvisioningConfig, ApiError> {
    let settings = &ctx.config.provisioning;
    let not_configured = |e: crate::config::ConfigError| ApiError::NotConfigured {
        message: format!("The provisioning settings are incomplete: {e}"),
    };
    Ok(ProvisioningConfig {
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

#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupMembership {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    group_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mail_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    security_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_assignable_to_role: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_premises_sync_enabled: Option<bool>,
}

const MEMBERSHIP_SELECT: &str =
    "$select=id,displayName,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,onPremisesSyncEnabled";

/// Direct group memberships (roles and administrative units left out).
async fn user_groups<H: Host, T: Transport>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    ctx: &RouteContext<'_, H, T>,
) -> Result<Vec<GroupMembership>, ApiError> {
    let key = match user {
        UserRef::Id(id) => id.to_string(),
        UserRef::Upn(upn) => upn.clone(),
        UserRef::Mail(_) | UserRef::EmployeeId(_) => {
            ops::lookup(client, user, ctx.deadline)
                .await
                .map_err(ApiError::Operation)?
                .id
        }
    };
    let request = GraphRequest::get(format!(
        "{}/memberOf/microsoft.graph.group",
        user_path(&key)
    ))
    .query(MEMBERSHIP_SELECT)
    .query("$top=999");
    client
        .get_all(request, 20, ctx.deadline)
        .await
        .map_err(|e| ApiError::Operation(e.into()))
}
