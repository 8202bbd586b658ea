//! Entra users for the pages: the summary the issue panel and the admin's
//! "Manage users" tab show, user search, and the admin's actions (through
//! the operation pipeline like every change).

use super::admin_groups::{policy_ids, problems, GroupFacts, PolicyList};
use super::page_call::PageRequester;
use super::page_call::{
    self, dry_run_flag, from_api_error, from_client_error, PageCall, QuickAction, PAGE_BUDGET_MS,
};
use super::{ResolverContext, ResolverError};
use crate::config::AppConfig;
use crate::graph::resources::users;
use crate::host::Host;
use crate::http::Transport;
use crate::pipeline::context::RouteContext;
use crate::route::Route;
use serde_json::{json, Value};

const MAX_QUERY_CHARS: usize = 120;
const SEARCH_SELECT: &str =
    "id,displayName,userPrincipalName,mail,accountEnabled,department,jobTitle,userType";

/// How a page names the user it wants: an address (matched against
/// userPrincipalName, mail and proxy addresses in one request) or an
/// object id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKey {
    /// `someone@domain`, as a person or Jira knows it.
    Address(String),
    /// Object id (GUID), lowercase.
    Id(String),
}

impl UserKey {
    fn data(&self) -> Value {
        match self {
            UserKey::Address(a) | UserKey::Id(a) => json!({ "user": a }),
        }
    }
}

/// The user, their direct groups (each marked serviceable or not, with the
/// reason it cannot be), and the policy flags the page shows. `None` when
/// no Entra user matches.
pub async fn summary(
    key: &UserKey,
    who: &PageRequester,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Option<Value>, ResolverError> {
    let looked_up = page_call::run(
        &PageCall::read(Route::UserGet, key.data(), who.clone()),
        host,
        transport,
    )
    .await;
    let user = match looked_up {
        Ok(body) => body["result"].clone(),
        Err(ResolverError::Operation { code, .. }) if code == "not_found" => return Ok(None),
        Err(other) => return Err(other),
    };
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let groups_body = page_call::run(
        &PageCall::read(Route::UserGroups, json!({ "user": id }), who.clone()),
        host,
        transport,
    )
    .await?;
    let config = crate::config::load(host)
        .await
        .map_err(|e| super::internal(host, &e.to_string()))?;
    let groups = describe_memberships(&groups_body["result"]["groups"], &config);
    let protected_users = policy_ids(&config, PolicyList::ProtectedUsers);
    let in_protected_group = groups.iter().any(|g| g["protected"] == json!(true));
    Ok(Some(json!({
        "user": user,
        "groups": groups,
        "protected": protected_users.contains(&id.to_ascii_lowercase()) || in_protected_group,
    })))
}

/// The user's groups as the pages show them: serviceable, protected and
/// why not serviceable, from Graph's facts and the configuration.
pub(crate) fn describe_memberships(groups: &Value, config: &AppConfig) -> Vec<Value> {
    let serviceable = policy_ids(config, PolicyList::ServiceableGroups);
    let protected = policy_ids(config, PolicyList::ProtectedGroups);
    groups
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| serde_json::from_value::<GroupFacts>(g.clone()).ok())
        .map(|facts| {
            let id = facts.id.to_ascii_lowercase();
            json!({
                "id": facts.id,
                "displayName": facts.display_name,
                "serviceable": serviceable.contains(&id) && problems(&facts).is_empty(),
                "protected": protected.contains(&id),
                "problems": problems(&facts),
            })
        })
        .collect()
}

/// `users.search {query}`: users whose display name or UPN starts with it.
pub async fn search(
    payload: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    let query = payload["query"].as_str().map(str::trim).unwrap_or_default();
    if query.is_empty() || query.chars().count() > MAX_QUERY_CHARS {
        return Err(ResolverError::Invalid {
            field: "query".into(),
            message: format!("Type 1 to {MAX_QUERY_CHARS} characters to search."),
        });
    }
    let ctx = RouteContext::load(host, transport, PAGE_BUDGET_MS)
        .await
        .map_err(|e| from_api_error(&e))?;
    let client = ctx.graph().await.map_err(|e| from_api_error(&e))?;
    let request = users::search_users(query, SEARCH_SELECT, 25);
    let users: Vec<Value> = client
        .get_all(request, 1, ctx.deadline)
        .await
        .map_err(from_client_error)?;
    Ok(json!({ "users": users }))
}

/// `users.get {user}`: the summary of one user by UPN, mail or object id.
pub async fn get(
    context: &ResolverContext,
    payload: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    let key = user_key(payload)?;
    match summary(&key, &PageRequester::admin(context), host, transport).await? {
        Some(found) => Ok(found),
        None => Err(ResolverError::Operation {
            code: "not_found".into(),
            message: "No Entra user matches.".into(),
            field: Some("user".into()),
            detail: json!({ "status": 404 }),
        }),
    }
}

/// `users.action {user, action, group?, dryRun, attempt}`: an admin's change
/// to one user. `attempt` is the id the page gives one confirmation dialog:
/// the dry run and the confirmed run share it, and a repeated confirmation
/// replays the first answer.
pub async fn action(
    context: &ResolverContext,
    payload: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    let (action, group) = QuickAction::from_payload(payload)?;
    let dry_run = dry_run_flag(payload)?;
    let user = match user_key(payload)? {
        UserKey::Id(id) => id,
        _ => {
            return Err(ResolverError::Invalid {
                field: "user".into(),
                message: "'user' must be the user's object id.".into(),
            })
        }
    };
    let attempt = payload["attempt"]
        .as_str()
        .filter(|a| uuid::Uuid::parse_str(a).is_ok())
        .ok_or_else(|| ResolverError::Invalid {
            field: "attempt".into(),
            message: "'attempt' must be a UUID chosen by the page for this confirmation.".into(),
        })?;
    let call = PageCall {
        route: action.route(),
        data: action.data(&user, group.as_deref()),
        dry_run,
        issue_key: None,
        requester: PageRequester::admin(context),
        identity: vec![
            "admin".into(),
            action.name().into(),
            user,
            group.unwrap_or_default(),
            attempt.to_string(),
        ],
    };
    page_call::run(&call, host, transport).await
}

fn user_key(payload: &Value) -> Result<UserKey, ResolverError> {
    let raw = payload["user"].as_str().map(str::trim).unwrap_or_default();
    let invalid = |message: &str| ResolverError::Invalid {
        field: "user".into(),
        message: message.into(),
    };
    if raw.is_empty() || raw.len() > 256 {
        return Err(invalid("Name the user by UPN, mail or object id."));
    }
    if uuid::Uuid::parse_str(raw).is_ok() {
        return Ok(UserKey::Id(raw.to_ascii_lowercase()));
    }
    if raw.contains('@') {
        return Ok(UserKey::Address(raw.to_string()));
    }
    Err(invalid("Name the user by UPN, mail or object id."))
}
