//! The issue view panel: the Entra account of the person the request is
//! about, and the quick actions an agent may run on it (plan first, then
//! the real run, both through the operation pipeline).

use super::admin_groups::{policy_ids, problems, PolicyList};
use super::issue::{self, Surface};
use super::page_call::PageRequester;
use super::page_call::{self, dry_run_flag, PageCall, QuickAction};
use super::page_call::{from_api_error, from_client_error, PAGE_BUDGET_MS};
use super::{internal, ResolverContext, ResolverError};
use crate::graph::model::{MANAGER_EXPAND, USER_VIEW_SELECT};
use crate::graph::resources::users;
use crate::graph::{BatchItem, ClientError};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::resolve::{read_result, user_read};
use crate::lifecycle::{OpError, UserRef};
use crate::pipeline::authorize::authorize_call;
use crate::pipeline::context::RouteContext;
use crate::policy::groups::{group_facts_request, GroupFacts, GROUP_FACTS_SELECT};
use crate::policy::{tenant_facts, Operation};
use crate::route::Route;
use serde_json::{json, Value};

/// Reopening an issue within this time shows the stored view instead of
/// asking Entra again.
pub const CACHE_TTL_MS: u64 = 60_000;

fn cache_key(issue_key: &str) -> String {
    crate::layout::panel_cache_key(issue_key)
}

/// `panel.load {refresh?}`.
pub async fn load(
    context: &ResolverContext,
    payload: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    issue::require_account(context)?;
    let issue_key = issue::issue_key(context, Surface::IssueView)?;
    // Asked as the caller on every load, cached or not: the cache never
    // shows an issue's subject to someone who cannot see the issue.
    let subject = issue::reporter(host, &issue_key).await?;
    let can_act = issue::can_act(host, &issue_key).await?;
    let refresh = payload["refresh"] == Value::Bool(true);
    let mut view = match cached(host, &issue_key).await? {
        Some(view) if !refresh => view,
        _ => {
            let view =
                fresh_view(&subject, &PageRequester::agent(context), host, transport).await?;
            store(host, &issue_key, &view).await;
            view
        }
    };
    view["issueKey"] = json!(issue_key);
    view["canAct"] = json!(can_act);
    // Read on every load, never cached: an approval can land any moment.
    view["pending"] = waiting_operation(host, &issue_key).await?;
    view["actions"] = if can_act {
        json!(QuickAction::ALL.map(QuickAction::name))
    } else {
        json!([])
    };
    Ok(view)
}

async fn fresh_view(
    subject: &issue::Subject,
    who: &PageRequester,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    let mut view = json!({
        "subject": subject,
        "source": "reporter",
        "loadedAtMs": host.now_ms(),
    });
    let Some(email) = &subject.email else {
        view["account"] = Value::Null;
        view["assetsObject"] = Value::Null;
        view["notFound"] = json!("The reporter's email address is not visible to the app, so no Entra account can be matched.");
        return Ok(view);
    };
    let found = account_of(email, who, host, transport).await?;
    match found {
        Some((account, serviceable)) => {
            view["assetsObject"] = match account["user"]["id"].as_str() {
                Some(id) => super::assets::object_of(host, id).await,
                None => Value::Null,
            };
            view["account"] = account;
            view["serviceableGroups"] = serviceable;
        }
        None => {
            view["account"] = Value::Null;
            view["assetsObject"] = Value::Null;
            view["notFound"] = json!(format!(
                "No Entra account has {email} as its user principal name, mail or proxy address."
            ));
        }
    }
    Ok(view)
}

/// The operation the portal flow holds for this request until its
/// approvals are decided (or its leave date comes): the route and the
/// inputs as the request gave them. No dry run: that would ask Entra on
/// every panel load, and the plan is made when the operation runs.
async fn waiting_operation(host: &impl Host, issue_key: &str) -> Result<Value, ResolverError> {
    let ids = crate::portal::pending::ids_of(host, issue_key)
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    // A request type maps to one operation, so the first is the request's.
    let pending = match ids.first() {
        Some(id) => crate::portal::pending::load(host, id)
            .await
            .map_err(|e| internal(host, &e.to_string()))?,
        None => None,
    };
    Ok(match pending {
        Some(p) => json!({
            "route": p.route.name(),
            "inputs": p.data,
            "requester": p.requester.display_name,
            "createdAtMs": p.created_at_ms,
            "notBeforeMs": p.not_before_ms,
        }),
        None => Value::Null,
    })
}

/// The reporter's account as the panel shows it (`{user, groups,
/// protected}`, the shape of [`super::users::summary`]) and the groups
/// agents may add them to (configured and serviceable), in one round trip:
/// what Jira knows may be the UPN, the mail or an alias, so one `$batch`
/// holds the lookup by all three (with the manager), the direct groups by
/// the address read as a UPN, and the facts of any serviceable group the
/// tenant facts cache ([`crate::policy::tenant_facts`]) does not hold. Only
/// an address that is a mail or an alias, not the UPN, costs a second round
/// trip (the groups by id). Authorized as the `user.get` route is, before
/// anything is read; `None` when no account has the address.
async fn account_of(
    email: &str,
    who: &PageRequester,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Option<(Value, Value)>, ResolverError> {
    let call = PageCall::read(Route::UserGet, json!({ "user": email }), who.clone());
    let request = call.request()?;
    let ctx = RouteContext::load(host, transport, PAGE_BUDGET_MS)
        .await
        .map_err(|e| from_api_error(&e))?;
    let client = ctx.graph().await.map_err(|e| from_api_error(&e))?;
    let user = UserRef::Address(email.to_string());
    let operation = Operation::on_user(Route::UserGet, user.clone());
    authorize_call(&request, &operation, &client, &ctx)
        .await
        .map_err(|e| from_api_error(&e))?;
    let configured = &ctx.config.policy.serviceable_groups;
    let cached = tenant_facts::lookup(host, configured).await;
    let mut items = vec![
        BatchItem::new(
            "user",
            user_read(&user, USER_VIEW_SELECT, Some(MANAGER_EXPAND)),
        ),
        BatchItem::new(
            "groups",
            users::list_direct_groups(email, GROUP_FACTS_SELECT),
        ),
    ];
    items.extend(
        cached
            .missing
            .iter()
            .enumerate()
            .map(|(i, id)| BatchItem::new(format!("group{i}"), group_facts_request(id))),
    );
    let mut results = client.execute(&items, ctx.deadline).await.into_iter();
    let missing = || ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    };
    let read = results.next().unwrap_or(Err(missing()));
    let view = match read_result(&user, read) {
        Ok(view) => view,
        Err(OpError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(op_error(e)),
    };
    let mut groups_read = results.next().unwrap_or(Err(missing()));
    if matches!(&groups_read, Err(ClientError::Graph(g)) if g.is_not_found()) {
        // The address is a mail or an alias, not the UPN.
        groups_read = client
            .send(
                &users::list_direct_groups(&view.id, GROUP_FACTS_SELECT),
                ctx.deadline,
            )
            .await;
    }
    let groups: Vec<Value> = client
        .rest_of(groups_read, 20, ctx.deadline)
        .await
        .map_err(from_client_error)?;
    // A listed group Graph no longer knows is left out of the picker.
    let read_facts: Vec<GroupFacts> = results
        .filter_map(|r| r.ok()?.json::<GroupFacts>("group").ok())
        .collect();
    tenant_facts::remember(host, &read_facts).await;
    let config = &ctx.config;
    let memberships = super::users::describe_memberships(&Value::Array(groups), config);
    let protected_users = policy_ids(config, PolicyList::ProtectedUsers);
    let in_protected_group = memberships.iter().any(|g| g["protected"] == json!(true));
    let account = json!({
        "user": view,
        "groups": memberships,
        "protected": protected_users.contains(&view.id.to_ascii_lowercase()) || in_protected_group,
    });
    let serviceable: Vec<Value> = cached
        .fresh
        .iter()
        .chain(read_facts.iter())
        .filter(|g| problems(g).is_empty())
        .map(|g| json!({ "id": g.id, "displayName": g.display_name }))
        .collect();
    Ok(Some((account, Value::Array(serviceable))))
}

fn op_error(error: OpError) -> ResolverError {
    from_api_error(&crate::pipeline::error::ApiError::Operation(error))
}

async fn cached(host: &impl Host, issue_key: &str) -> Result<Option<Value>, ResolverError> {
    let stored = host
        .kvs_get(&cache_key(issue_key))
        .await
        .map_err(|e| internal(host, &e.to_string()))?;
    Ok(stored.and_then(|v| {
        let at = v["loadedAtMs"].as_u64()?;
        let fresh = host.now_ms().saturating_sub(at) < CACHE_TTL_MS;
        fresh.then_some(v)
    }))
}

/// A failed cache write only costs a Graph call next time.
async fn store(host: &impl Host, issue_key: &str, view: &Value) {
    if let Err(e) = host.kvs_set(&cache_key(issue_key), view).await {
        host.log(
            crate::host::LogLevel::Warn,
            &format!("panel cache not stored: {e}"),
        );
    }
}

/// `panel.action {action, group?, dryRun}`: runs a quick action on the
/// issue's subject. The user comes from the issue, never from the page.
pub async fn action(
    context: &ResolverContext,
    payload: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    issue::require_account(context)?;
    let issue_key = issue::issue_key(context, Surface::IssueView)?;
    if !issue::can_act(host, &issue_key).await? {
        return Err(ResolverError::Forbidden {
            reason: "Only agents who can edit this request can change the account.".into(),
        });
    }
    let (action, group) = QuickAction::from_payload(payload)?;
    let dry_run = dry_run_flag(payload)?;
    let subject = issue::reporter(host, &issue_key).await?;
    let view = match cached(host, &issue_key).await? {
        Some(view) => view,
        None => fresh_view(&subject, &PageRequester::agent(context), host, transport).await?,
    };
    let user_id = view["account"]["user"]["id"]
        .as_str()
        .ok_or_else(|| ResolverError::Invalid {
            field: "action".into(),
            message: "This request's reporter has no Entra account to act on.".into(),
        })?
        .to_string();
    let call = PageCall {
        route: action.route(),
        data: action.data(&user_id, group.as_deref()),
        dry_run,
        issue_key: Some(issue_key.clone()),
        requester: PageRequester::agent(context),
        identity: vec![
            "issue".into(),
            issue_key.clone(),
            action.name().into(),
            user_id.clone(),
            group.unwrap_or_default(),
        ],
    };
    let answer = page_call::run(&call, host, transport).await;
    if !dry_run {
        // Whatever happened, the next load must show Entra's state.
        let _ = host.kvs_delete(&cache_key(&issue_key)).await;
    }
    answer
}
