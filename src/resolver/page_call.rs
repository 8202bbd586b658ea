//! Running an operation from a page. Every change a page asks for goes
//! through [`crate::pipeline::run`], exactly like a Service API call, so
//! idempotency (and the policy, approval and audit layers around it) apply
//! the same way; reads go through it too so errors read the same everywhere.

use super::{ResolverContext, ResolverError};
use crate::host::Host;
use crate::http::Transport;
use crate::pipeline::call::{IdempotencyKey, IssueKey, OperationCall};
use crate::policy::requester::{EntryPoint, RequestContext, Requester, RequesterKind};
use crate::route::Route;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Resolvers have 25 s; leave room for the Jira calls around the operation.
pub const PAGE_BUDGET_MS: u64 = 20_000;

/// One page-initiated call, before it is run.
pub struct PageCall {
    pub route: Route,
    pub data: Map<String, Value>,
    pub dry_run: bool,
    pub issue_key: Option<String>,
    pub requester: PageRequester,
    /// Parts that identify the change (issue, action, target): the same
    /// parts give the same idempotency key, so a double click or a re-sent
    /// confirmation replays the first answer instead of acting twice.
    pub identity: Vec<String>,
}

impl PageCall {
    pub fn read(route: Route, data: Value, requester: PageRequester) -> Self {
        PageCall {
            route,
            data: data.as_object().cloned().unwrap_or_default(),
            dry_run: false,
            issue_key: None,
            requester,
            identity: Vec::new(),
        }
    }

    /// Who asks for this call, as the policy sees them (for a read a page
    /// answers itself, after the same authorization).
    pub(crate) fn request(&self) -> Result<RequestContext, ResolverError> {
        Ok(self.requester.request_context(&self.to_operation_call()?))
    }

    fn to_operation_call(&self) -> Result<OperationCall, ResolverError> {
        let issue_key = self
            .issue_key
            .as_deref()
            .map(|k| IssueKey::parse("issueKey", k))
            .transpose()
            .map_err(|e| invalid_from(&e.body()))?;
        let idempotency_key = if self.identity.is_empty() {
            None
        } else {
            Some(
                IdempotencyKey::parse("idempotencyKey", &idempotency_key(&self.identity))
                    .map_err(|e| invalid_from(&e.body()))?,
            )
        };
        Ok(OperationCall {
            route: self.route,
            data: self.data.clone(),
            idempotency_key,
            issue_key,
            dry_run: self.dry_run,
        })
    }
}

/// Who asked, from which page: the policy and the audit trail see the
/// Jira account behind the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequester {
    account_id: String,
    kind: RequesterKind,
    entry_point: EntryPoint,
}

impl PageRequester {
    /// An agent in the issue view panel.
    pub fn agent(context: &ResolverContext) -> Self {
        Self::of(context, RequesterKind::Agent, EntryPoint::Panel)
    }

    /// A Jira administrator on the admin page (checked before this is built).
    pub fn admin(context: &ResolverContext) -> Self {
        Self::of(context, RequesterKind::Admin, EntryPoint::AdminPage)
    }

    fn of(context: &ResolverContext, kind: RequesterKind, entry_point: EntryPoint) -> Self {
        PageRequester {
            account_id: context.account_id.clone().unwrap_or_default(),
            kind,
            entry_point,
        }
    }

    fn request_context(&self, call: &OperationCall) -> RequestContext {
        let requester = Requester {
            account_id: self.account_id.clone(),
            // Jira shows the name from the account id; none is needed here.
            display_name: self.account_id.clone(),
            email: None,
            kind: self.kind,
        };
        call.context(requester, self.entry_point)
    }
}

/// `ui-` and a digest of the identity: fixed length, printable, and it
/// reveals nothing about the user or group it names.
pub fn idempotency_key(identity: &[String]) -> String {
    let digest = Sha256::digest(identity.join("\n").as_bytes());
    format!("ui-{}", &hex::encode(digest)[..40])
}

/// Runs the call and returns the answer's body on success, or the
/// operation's error with the plan and steps that came with it.
pub async fn run(
    call: &PageCall,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    let operation_call = call.to_operation_call()?;
    let request = call.requester.request_context(&operation_call);
    let answer =
        crate::pipeline::run(&operation_call, &request, host, transport, PAGE_BUDGET_MS).await;
    if answer.ok() {
        return Ok(answer.body);
    }
    Err(operation_error(answer.status, &answer.body))
}

fn operation_error(status: u16, body: &Value) -> ResolverError {
    let error = &body["error"];
    let mut detail = json!({ "status": status });
    for key in ["plan", "result", "route", "dryRun"] {
        if let Some(value) = body.get(key) {
            detail[key] = value.clone();
        }
    }
    for key in ["graphRequestId", "retryAfterMs", "rule"] {
        if let Some(value) = error.get(key) {
            detail[key] = value.clone();
        }
    }
    ResolverError::Operation {
        code: error["code"]
            .as_str()
            .unwrap_or("operation_failed")
            .to_string(),
        message: error["message"]
            .as_str()
            .unwrap_or("The operation failed.")
            .to_string(),
        field: error["field"].as_str().map(str::to_string),
        detail,
    }
}

fn invalid_from(body: &Value) -> ResolverError {
    ResolverError::Invalid {
        field: body["error"]["field"].as_str().unwrap_or("").to_string(),
        message: body["error"]["message"].as_str().unwrap_or("").to_string(),
    }
}

/// The quick actions a page offers, as the routes they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuickAction {
    Disable,
    Enable,
    RevokeSessions,
    ResetPassword,
    TemporaryAccessPass,
    AddGroup,
    RemoveGroup,
    ResetMfa,
}

impl QuickAction {
    pub const ALL: [QuickAction; 8] = [
        QuickAction::Disable,
        QuickAction::Enable,
        QuickAction::RevokeSessions,
        QuickAction::ResetPassword,
        QuickAction::TemporaryAccessPass,
        QuickAction::AddGroup,
        QuickAction::RemoveGroup,
        QuickAction::ResetMfa,
    ];

    pub fn name(self) -> &'static str {
        match self {
            QuickAction::Disable => "disable",
            QuickAction::Enable => "enable",
            QuickAction::RevokeSessions => "revokeSessions",
            QuickAction::ResetPassword => "resetPassword",
            QuickAction::TemporaryAccessPass => "temporaryAccessPass",
            QuickAction::AddGroup => "addGroup",
            QuickAction::RemoveGroup => "removeGroup",
            QuickAction::ResetMfa => "resetMfa",
        }
    }

    pub fn route(self) -> Route {
        match self {
            QuickAction::Disable => Route::UserDisable,
            QuickAction::Enable => Route::UserEnable,
            QuickAction::RevokeSessions => Route::UserRevokeSessions,
            QuickAction::ResetPassword => Route::UserResetPassword,
            QuickAction::TemporaryAccessPass => Route::UserCreateTemporaryAccessPass,
            QuickAction::AddGroup => Route::GroupAddMember,
            QuickAction::RemoveGroup => Route::GroupRemoveMember,
            QuickAction::ResetMfa => Route::UserResetMfa,
        }
    }

    pub fn needs_group(self) -> bool {
        matches!(self, QuickAction::AddGroup | QuickAction::RemoveGroup)
    }

    /// Reads `payload.action` (and `payload.group` when the action needs one).
    pub fn from_payload(payload: &Value) -> Result<(QuickAction, Option<String>), ResolverError> {
        let name = payload["action"].as_str().unwrap_or_default();
        let action = QuickAction::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| ResolverError::Invalid {
                field: "action".into(),
                message: format!(
                    "'action' must be one of: {}.",
                    QuickAction::ALL.map(QuickAction::name).join(", ")
                ),
            })?;
        let group = if action.needs_group() {
            let group = payload["group"].as_str().map(str::trim).unwrap_or_default();
            if crate::lifecycle::ObjectId::parse(group, "group").is_err() {
                return Err(ResolverError::Invalid {
                    field: "group".into(),
                    message: "'group' must be the object id of a group.".into(),
                });
            }
            Some(group.to_ascii_lowercase())
        } else {
            None
        };
        Ok((action, group))
    }

    /// The operation's `data` for a user (and group).
    pub fn data(self, user_id: &str, group: Option<&str>) -> Map<String, Value> {
        let mut data = Map::new();
        data.insert("user".into(), json!(user_id));
        if let Some(group) = group {
            data.insert("group".into(), json!(group));
        }
        if self == QuickAction::ResetMfa {
            // A lost phone: the user needs a pass to register again.
            data.insert("issueTemporaryAccessPass".into(), json!(true));
        }
        data
    }
}

/// `payload.dryRun`: the plan first, then the real run after confirmation.
pub fn dry_run_flag(payload: &Value) -> Result<bool, ResolverError> {
    match &payload["dryRun"] {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        _ => Err(ResolverError::Invalid {
            field: "dryRun".into(),
            message: "'dryRun' must be true or false.".into(),
        }),
    }
}

/// An error from the operation layer, as a page sees it.
pub fn from_api_error(error: &crate::pipeline::error::ApiError) -> ResolverError {
    operation_error(error.status(), &error.body())
}

/// A Graph failure during a page's own read.
pub fn from_client_error(error: crate::graph::ClientError) -> ResolverError {
    from_api_error(&crate::pipeline::error::ApiError::Operation(error.into()))
}
