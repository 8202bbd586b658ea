//! `/organization`, `/directoryRoles` and `/roleManagement/directory/roleAssignments`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::errors::GraphError;
use crate::graph::{Call, GraphResult, Reply};
use crate::odata::filter::{FilterTarget, PropertyKind};
use crate::odata::{self, parse_select, project};
use crate::tenant::{DirectoryRole, Tenant};

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata";

pub(crate) fn role_props(role: &DirectoryRole) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(role.id));
    m.insert("deletedDateTime".into(), Value::Null);
    m.insert("description".into(), json!(role.description));
    m.insert("displayName".into(), json!(role.display_name));
    m.insert("roleTemplateId".into(), json!(role.role_template_id));
    m
}

pub(crate) fn organization_props(tenant: &Tenant) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(tenant.id));
    m.insert("deletedDateTime".into(), Value::Null);
    m.insert("displayName".into(), json!(tenant.display_name));
    m.insert(
        "countryLetterCode".into(),
        json!(tenant.country_letter_code),
    );
    m.insert("city".into(), json!(tenant.city));
    m.insert("tenantType".into(), json!("AAD"));
    m.insert("verifiedDomains".into(), json!(tenant.verified_domains));
    m
}

pub(crate) fn organization(tenant: &mut Tenant, call: &Call) -> GraphResult {
    let select = parse_select(&call.params, "organization")?;
    let org = project(&organization_props(tenant), select.as_deref(), None);
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#organization"), "value": [org]}),
    ))
}

pub(crate) fn list_roles(tenant: &mut Tenant, call: &Call) -> GraphResult {
    let select = parse_select(&call.params, "directoryRole")?;
    let value: Vec<Value> = tenant
        .roles
        .iter()
        .map(|r| Value::Object(project(&role_props(r), select.as_deref(), None)))
        .collect();
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#directoryRoles"), "value": value}),
    ))
}

pub(crate) fn role_members(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = tenant
        .role_index(id)
        .or_else(|| {
            tenant
                .roles
                .iter()
                .position(|r| r.role_template_id.eq_ignore_ascii_case(id))
        })
        .ok_or_else(|| GraphError::ResourceNotFound(id.to_string()))?;
    let value: Vec<Value> = tenant.roles[index]
        .members
        .iter()
        .filter_map(|m| {
            if let Some(u) = tenant.user_index(m, call.now_ms) {
                let mut o = Map::new();
                o.insert("@odata.type".into(), json!("#microsoft.graph.user"));
                o.extend(crate::users::user_json(&tenant.users[u], None));
                return Some(Value::Object(o));
            }
            if let Some(g) = tenant.group_index(m) {
                let mut o = Map::new();
                o.insert("@odata.type".into(), json!("#microsoft.graph.group"));
                o.extend(tenant.groups[g].props.clone());
                return Some(Value::Object(o));
            }
            if m.eq_ignore_ascii_case(&tenant.app.service_principal_id) {
                return Some(json!({
                    "@odata.type": "#microsoft.graph.servicePrincipal",
                    "id": tenant.app.service_principal_id,
                    "appId": tenant.app.client_id,
                    "displayName": tenant.app.display_name,
                }));
            }
            None
        })
        .collect();
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#directoryObjects"), "value": value}),
    ))
}

const STRING: PropertyKind = PropertyKind::String { ends_with: false };
const ASSIGNMENT_FILTER: FilterTarget = FilterTarget {
    type_name: "unifiedRoleAssignment",
    resource: "UnifiedRoleAssignment",
    properties: &[
        ("principalId", STRING),
        ("roleDefinitionId", STRING),
        ("directoryScopeId", STRING),
    ],
};

pub(crate) fn role_assignments(tenant: &mut Tenant, call: &Call) -> GraphResult {
    let options = odata::list_options(&call.params, &ASSIGNMENT_FILTER, call.eventual)?;
    let items: Vec<Value> = tenant
        .roles
        .iter()
        .flat_map(|role| {
            role.members.iter().map(move |principal| {
                let mut m = Map::new();
                // Stable id derived from role and principal, opaque like Entra's.
                let id = URL_SAFE_NO_PAD.encode(format!("{}:{}", role.role_template_id, principal));
                m.insert("id".into(), json!(id));
                m.insert("principalId".into(), json!(principal));
                m.insert("roleDefinitionId".into(), json!(role.role_template_id));
                m.insert("directoryScopeId".into(), json!("/"));
                m
            })
        })
        .filter(|m| {
            options
                .filter
                .as_ref()
                .is_none_or(|f| odata::filter::matches(f, m))
        })
        .map(|m| Value::Object(project(&m, options.select.as_deref(), None)))
        .collect();
    let base = format!("{}/roleManagement/directory/roleAssignments", call.base_url);
    Ok(Reply::json(
        200,
        odata::page(
            items,
            &options,
            &format!("{CONTEXT}#roleManagement/directory/roleAssignments"),
            &base,
            &call.params,
        ),
    ))
}
