//! Groups for the admin page: search Entra groups and say, for each, whether
//! it may be made serviceable and if not, why; describe the stored ids.

use super::page_call::{from_api_error, from_client_error, PAGE_BUDGET_MS};
use super::ResolverError;
use crate::config::AppConfig;
use crate::graph::resources::groups;
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::ObjectId;
use crate::pipeline::context::RouteContext;
pub use crate::policy::groups::GroupFacts;
use crate::policy::groups::{classify, GROUP_FACTS_SELECT};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The properties that decide whether a group can be serviceable.
const MAX_QUERY_CHARS: usize = 120;
/// Graph accepts at most 15 values in one `in (...)`.
const IDS_PER_FILTER: usize = 15;
const MAX_DESCRIBE: usize = 300;

/// A group as the admin page lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    pub id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Plain-words reasons it cannot be serviceable; empty when it can.
    pub problems: Vec<String>,
    /// Configured as serviceable now.
    pub serviceable: bool,
    pub protected: bool,
}

/// Why a group cannot be serviceable, in plain words (the policy's own
/// classification, so the page and the policy never disagree).
pub fn problems(facts: &GroupFacts) -> Vec<String> {
    classify(facts)
        .problems
        .iter()
        .map(|p| sentence(p.explain()))
        .collect()
}

/// "its members ..." -> "Its members ...."
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Which policy list of object ids.
#[derive(Debug, Clone, Copy)]
pub enum PolicyList {
    ServiceableGroups,
    ProtectedGroups,
    ProtectedUsers,
}

/// The ids in one of the policy's lists, lower-cased.
pub fn policy_ids(config: &AppConfig, list: PolicyList) -> BTreeSet<String> {
    let policy = &config.policy;
    let ids = match list {
        PolicyList::ServiceableGroups => &policy.serviceable_groups,
        PolicyList::ProtectedGroups => &policy.protected_groups,
        PolicyList::ProtectedUsers => &policy.protected_users,
    };
    ids.iter()
        .map(|id| id.as_str().to_ascii_lowercase())
        .collect()
}

fn row(facts: GroupFacts, config: &AppConfig) -> GroupRow {
    let id = facts.id.to_ascii_lowercase();
    GroupRow {
        problems: problems(&facts),
        serviceable: policy_ids(config, PolicyList::ServiceableGroups).contains(&id),
        protected: policy_ids(config, PolicyList::ProtectedGroups).contains(&id),
        display_name: facts.display_name,
        description: facts.description,
        id: facts.id,
    }
}

/// `groups.search {query}`: groups whose display name starts with `query`.
pub async fn search(
    payload: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    let query = search_text(payload)?;
    let ctx = RouteContext::load(host, transport, PAGE_BUDGET_MS)
        .await
        .map_err(|e| from_api_error(&e))?;
    let client = ctx.graph().await.map_err(|e| from_api_error(&e))?;
    let request = groups::search_groups(&query, GROUP_FACTS_SELECT, 25);
    let found: Vec<GroupFacts> = client
        .get_all(request, 1, ctx.deadline)
        .await
        .map_err(from_client_error)?;
    crate::policy::tenant_facts::remember(host, &found).await;
    let groups: Vec<GroupRow> = found.into_iter().map(|g| row(g, &ctx.config)).collect();
    Ok(json!({ "groups": groups }))
}

/// `groups.describe {ids}`: names and problems of stored group ids (ids
/// that no longer exist are reported as missing).
pub async fn describe(
    payload: &Value,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    let ids = object_ids(&payload["ids"], "ids")?;
    let (groups, missing) = describe_ids(&ids, host, transport).await?;
    Ok(json!({ "groups": groups, "missing": missing }))
}

/// The groups with these ids (lower-case object ids), and the ids no group has.
pub async fn describe_ids(
    ids: &[String],
    host: &impl Host,
    transport: &impl Transport,
) -> Result<(Vec<GroupRow>, Vec<String>), ResolverError> {
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let ctx = RouteContext::load(host, transport, PAGE_BUDGET_MS)
        .await
        .map_err(|e| from_api_error(&e))?;
    let client = ctx.graph().await.map_err(|e| from_api_error(&e))?;
    let mut rows = Vec::new();
    for chunk in ids.chunks(IDS_PER_FILTER) {
        let request = groups::list_groups_by_id(chunk, GROUP_FACTS_SELECT);
        let found: Vec<GroupFacts> = client
            .get_all(request, 1, ctx.deadline)
            .await
            .map_err(from_client_error)?;
        // Read live (the admin's check); what it read serves operations too.
        crate::policy::tenant_facts::remember(host, &found).await;
        rows.extend(found.into_iter().map(|g| row(g, &ctx.config)));
    }
    let missing = ids
        .iter()
        .filter(|id| !rows.iter().any(|r| r.id.eq_ignore_ascii_case(id)))
        .cloned()
        .collect();
    Ok((rows, missing))
}

fn search_text(payload: &Value) -> Result<String, ResolverError> {
    let query = payload["query"].as_str().map(str::trim).unwrap_or_default();
    if query.is_empty() || query.chars().count() > MAX_QUERY_CHARS {
        return Err(ResolverError::Invalid {
            field: "query".into(),
            message: format!("Type 1 to {MAX_QUERY_CHARS} characters to search."),
        });
    }
    Ok(query.to_string())
}

/// A list of object ids, validated, lower-cased and de-duplicated.
fn object_ids(value: &Value, field: &str) -> Result<Vec<String>, ResolverError> {
    let items = value.as_array().ok_or_else(|| ResolverError::Invalid {
        field: field.into(),
        message: format!("'{field}' must be a list of object ids."),
    })?;
    if items.len() > MAX_DESCRIBE {
        return Err(ResolverError::Invalid {
            field: field.into(),
            message: format!("At most {MAX_DESCRIBE} ids at a time."),
        });
    }
    let mut ids = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("{field}[{i}]");
        let id = item
            .as_str()
            .and_then(|s| ObjectId::parse(s, &path).ok())
            .ok_or_else(|| ResolverError::Invalid {
                field: path.clone(),
                message: format!("'{path}' is not an object id."),
            })?;
        ids.insert(id.as_str().to_ascii_lowercase());
    }
    Ok(ids.into_iter().collect())
}
