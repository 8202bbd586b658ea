//! `/groups`: list, get, members, and the membership writes with Entra's refusals
//! (dynamic, mail-enabled/distribution, on-premises-synced, role-assignable).

use serde_json::{json, Map, Value};

use crate::errors::GraphError;
use crate::graph::{object_body, Call, GraphResult, Reply};
use crate::odata::filter::{FilterTarget, PropertyKind};
use crate::odata::{self, parse_select, project};
use crate::permissions;
use crate::tenant::Tenant;
use crate::users::{reference_id, user_json};

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata";
const MAX_BIND: usize = 20;
const STRING: PropertyKind = PropertyKind::String { ends_with: false };

pub const GROUP_FILTER: FilterTarget = FilterTarget {
    type_name: "group",
    resource: "Group",
    properties: &[
        ("id", STRING),
        ("displayName", STRING),
        ("mailNickname", STRING),
        ("mail", PropertyKind::String { ends_with: true }),
        ("securityEnabled", PropertyKind::Bool),
        ("mailEnabled", PropertyKind::Bool),
        ("isAssignableToRole", PropertyKind::Bool),
        ("onPremisesSyncEnabled", PropertyKind::Bool),
        ("groupTypes", PropertyKind::StringCollection),
        ("proxyAddresses", PropertyKind::StringCollection),
    ],
};

fn find(tenant: &Tenant, id: &str) -> Result<usize, GraphError> {
    tenant
        .group_index(id)
        .ok_or_else(|| GraphError::ResourceNotFound(id.to_string()))
}

pub(crate) fn list(tenant: &mut Tenant, call: &Call) -> GraphResult {
    let options = odata::list_options(&call.params, &GROUP_FILTER, call.eventual)?;
    let items: Vec<Value> = tenant
        .groups
        .iter()
        .filter(|g| {
            options
                .filter
                .as_ref()
                .is_none_or(|f| odata::filter::matches(f, &g.props))
        })
        .map(|g| Value::Object(project(&g.props, options.select.as_deref(), None)))
        .collect();
    Ok(Reply::json(
        200,
        odata::page(
            items,
            &options,
            &format!("{CONTEXT}#groups"),
            &format!("{}/groups", call.base_url),
            &call.params,
        ),
    ))
}

pub(crate) fn get(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, id)?;
    let select = parse_select(&call.params, "group")?;
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT}#groups/$entity")),
    );
    body.extend(project(
        &tenant.groups[index].props,
        select.as_deref(),
        None,
    ));
    Ok(Reply::json(200, Value::Object(body)))
}

/// `GET /groups/{id}/members[/microsoft.graph.user|group]`: the OData cast
/// keeps only members of that type (Learn, "List group members": "use OData
/// cast to get only members of a particular type",
/// <https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0>).
pub(crate) fn list_members(
    tenant: &mut Tenant,
    call: &Call,
    id: &str,
    cast: Option<&str>,
) -> GraphResult {
    let index = find(tenant, id)?;
    let (want_users, want_groups, type_name) = match cast {
        None => (true, true, "user"),
        Some(c) if c.eq_ignore_ascii_case("microsoft.graph.user") => (true, false, "user"),
        Some(c) if c.eq_ignore_ascii_case("microsoft.graph.group") => (false, true, "group"),
        Some(other) => return Err(GraphError::UnknownSegment(other.to_string())),
    };
    let select = parse_select(&call.params, type_name)?;
    let items: Vec<Value> = tenant.groups[index]
        .members
        .iter()
        .filter(|member| {
            let is_user = tenant.user_index(member, call.now_ms).is_some();
            (is_user && want_users) || (!is_user && want_groups)
        })
        .filter_map(|member| {
            if let Some(u) = tenant.user_index(member, call.now_ms) {
                let mut m = Map::new();
                m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
                m.extend(user_json(&tenant.users[u], select.as_deref()));
                return Some(Value::Object(m));
            }
            let g = tenant.group_index(member)?;
            let mut m = Map::new();
            m.insert("@odata.type".into(), json!("#microsoft.graph.group"));
            let group_select: Option<Vec<String>> = select.as_ref().map(|s| {
                s.iter()
                    .filter(|n| crate::schema::property_type("group", n).is_some())
                    .cloned()
                    .collect()
            });
            m.extend(project(
                &tenant.groups[g].props,
                group_select.as_deref(),
                None,
            ));
            Some(Value::Object(m))
        })
        .collect();
    let options = odata::ListOptions::navigation(&call.params, select);
    let mut base = format!(
        "{}/groups/{}/members",
        call.base_url,
        tenant.groups[index].id()
    );
    if let Some(c) = cast {
        base = format!("{base}/{c}");
    }
    Ok(Reply::json(
        200,
        odata::page(
            items,
            &options,
            &format!("{CONTEXT}#directoryObjects"),
            &base,
            &call.params,
        ),
    ))
}

/// Entra's refusals for membership changes an app may not make.
fn check_writable(tenant: &Tenant, index: usize, call: &Call) -> Result<(), GraphError> {
    let group = &tenant.groups[index];
    if group.is_dynamic() {
        return Err(GraphError::AccessDenied);
    }
    if group.is_role_assignable()
        && !permissions::holds(&call.claims.roles, "RoleManagement.ReadWrite.Directory")
    {
        return Err(GraphError::AccessDenied);
    }
    if group.is_exchange_managed() {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "Cannot Update a mail-enabled security groups and or distribution list.",
        ));
    }
    if group.is_synced() {
        return Err(GraphError::on_premises_mastered());
    }
    Ok(())
}

/// The canonical id of a user or group that may be added, honouring replication delay.
fn resolve_member(tenant: &Tenant, id: &str, now_ms: u64) -> Result<String, GraphError> {
    if let Some(u) = tenant.user_index(id, now_ms) {
        return Ok(tenant.users[u].id().to_string());
    }
    if let Some(g) = tenant.group_index(id) {
        return Ok(tenant.groups[g].id().to_string());
    }
    Err(GraphError::ResourceNotFound(id.to_string()))
}

fn already_member() -> GraphError {
    GraphError::bad_request(
        "Request_BadRequest",
        "One or more added object references already exist for the following modified properties: 'members'.",
    )
}

pub(crate) fn add_member(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, id)?;
    let body = object_body(call.body)?;
    let member_ref = reference_id(body.get("@odata.id"))?;
    check_writable(tenant, index, call)?;
    let member = resolve_member(tenant, &member_ref, call.now_ms)?;
    let group = &mut tenant.groups[index];
    if group
        .members
        .iter()
        .any(|m| m.eq_ignore_ascii_case(&member))
    {
        return Err(already_member());
    }
    group.members.push(member);
    Ok(Reply::no_content())
}

pub(crate) fn remove_member(
    tenant: &mut Tenant,
    call: &Call,
    id: &str,
    member: &str,
) -> GraphResult {
    let index = find(tenant, id)?;
    check_writable(tenant, index, call)?;
    let group = &mut tenant.groups[index];
    let position = group
        .members
        .iter()
        .position(|m| m.eq_ignore_ascii_case(member))
        .ok_or_else(|| GraphError::ResourceNotFound(member.to_string()))?;
    group.members.remove(position);
    Ok(Reply::no_content())
}

/// `PATCH /groups/{id}` with `members@odata.bind`: up to 20 references, all or nothing.
pub(crate) fn update(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, id)?;
    let body = object_body(call.body)?;
    if let Some(key) = body.keys().find(|k| *k != "members@odata.bind") {
        // Only membership binding is emulated; other group properties need Group.ReadWrite.All.
        if !permissions::holds(&call.claims.roles, "Group.ReadWrite.All") {
            return Err(GraphError::AccessDenied);
        }
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            format!("Updating property '{key}' of a group is not supported by this emulator."),
        ));
    }
    let urls = body
        .get("members@odata.bind")
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::invalid_value("members@odata.bind", "Group"))?;
    if urls.len() > MAX_BIND {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            format!("The request contains {} member references; at most {MAX_BIND} can be added in one request.", urls.len()),
        ));
    }
    check_writable(tenant, index, call)?;
    let mut additions: Vec<String> = Vec::new();
    for url in urls {
        let member = resolve_member(tenant, &reference_id(Some(url))?, call.now_ms)?;
        let present = tenant.groups[index]
            .members
            .iter()
            .chain(additions.iter())
            .any(|m| m.eq_ignore_ascii_case(&member));
        if present {
            return Err(already_member());
        }
        additions.push(member);
    }
    tenant.groups[index].members.extend(additions);
    Ok(Reply::no_content())
}

/// `POST /groups/{id}/owners/$ref`: adds a user as an owner; a user who
/// already owns the group is refused like an existing member ("Add
/// owners", <https://learn.microsoft.com/en-us/graph/api/group-post-owners?view=graph-rest-1.0>).
/// Owners are not members: a dynamic or mail-enabled group takes owners.
pub(crate) fn add_owner(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, id)?;
    let body = object_body(call.body)?;
    let owner_ref = reference_id(body.get("@odata.id"))?;
    let owner = tenant
        .user_index(&owner_ref, call.now_ms)
        .map(|u| tenant.users[u].id().to_string())
        .ok_or_else(|| GraphError::ResourceNotFound(owner_ref.clone()))?;
    let group = &mut tenant.groups[index];
    if group.owners.iter().any(|o| o.eq_ignore_ascii_case(&owner)) {
        return Err(already_member());
    }
    group.owners.push(owner);
    Ok(Reply::no_content())
}

/// `DELETE /groups/{id}/owners/{ownerId}/$ref`: "Once owners are assigned
/// to a group, the last owner (a user object) of the group cannot be
/// removed" ("Remove group owner",
/// <https://learn.microsoft.com/en-us/graph/api/group-delete-owners?view=graph-rest-1.0>).
pub(crate) fn remove_owner(
    tenant: &mut Tenant,
    _call: &Call,
    id: &str,
    owner: &str,
) -> GraphResult {
    let index = find(tenant, id)?;
    let group = &mut tenant.groups[index];
    let position = group
        .owners
        .iter()
        .position(|o| o.eq_ignore_ascii_case(owner))
        .ok_or_else(|| GraphError::ResourceNotFound(owner.to_string()))?;
    if group.owners.len() == 1 {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "The group must have at least one owner, hence this owner cannot be removed.",
        ));
    }
    group.owners.remove(position);
    Ok(Reply::no_content())
}
