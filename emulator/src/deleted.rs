//! `/directory/deletedItems`: soft-deleted users, listed, read and restored
//! within 30 days of their deletion on the emulator clock; after that they
//! are gone.
//!
//! Sources: "Delete a user"
//! (<https://learn.microsoft.com/en-us/graph/api/user-delete?view=graph-rest-1.0>:
//! "deleted user resources are moved to a temporary container and can be
//! restored within 30 days"), "List deleted items"
//! (<https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-list?view=graph-rest-1.0>:
//! the type cast `microsoft.graph.user` is required), "Get deleted item"
//! (<https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-get?view=graph-rest-1.0>)
//! and "Restore deleted item"
//! (<https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore?view=graph-rest-1.0>:
//! "A recently deleted item remains available for up to 30 days. After 30
//! days, the item is permanently deleted"; 200 with the directoryObject).
//! Group memberships removed at deletion are not given back here.

use serde_json::{json, Map, Value};

use crate::errors::GraphError;
use crate::graph::{Call, GraphResult, Reply};
use crate::odata::parse_select;
use crate::tenant::Tenant;
use crate::users::user_json;

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata";

/// How long a deleted user can be restored.
pub const RETENTION_MS: u64 = 30 * 24 * 60 * 60 * 1000;

/// Drops users deleted more than 30 days ago (Entra purges them).
fn purge(tenant: &mut Tenant, now_ms: u64) {
    tenant
        .deleted_users
        .retain(|(_, at)| now_ms.saturating_sub(*at) < RETENTION_MS);
}

fn find(tenant: &Tenant, id: &str) -> Result<usize, GraphError> {
    tenant
        .deleted_users
        .iter()
        .position(|(u, _)| u.id().eq_ignore_ascii_case(id))
        .ok_or_else(|| GraphError::ResourceNotFound(id.to_string()))
}

fn entry(user: &crate::tenant::User, select: Option<&[String]>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
    m.extend(user_json(user, select));
    if select.is_none() {
        m.insert(
            "deletedDateTime".into(),
            user.props
                .get("deletedDateTime")
                .cloned()
                .unwrap_or(Value::Null),
        );
    }
    m
}

/// `GET /directory/deletedItems/microsoft.graph.user`.
pub(crate) fn list_users(tenant: &mut Tenant, call: &Call, cast: &str) -> GraphResult {
    if !cast.eq_ignore_ascii_case("microsoft.graph.user") {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "Only the microsoft.graph.user, microsoft.graph.group, microsoft.graph.application, microsoft.graph.servicePrincipal and microsoft.graph.administrativeUnit casts are supported here.",
        ));
    }
    purge(tenant, call.now_ms);
    let select = parse_select(&call.params, "user")?;
    let value: Vec<Value> = tenant
        .deleted_users
        .iter()
        .map(|(u, _)| Value::Object(entry(u, select.as_deref())))
        .collect();
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#directoryObjects"), "value": value}),
    ))
}

/// `GET /directory/deletedItems/{id}`.
pub(crate) fn get(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    purge(tenant, call.now_ms);
    let index = find(tenant, id)?;
    let select = parse_select(&call.params, "user")?;
    let mut body = entry(&tenant.deleted_users[index].0, select.as_deref());
    body.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT}#directoryObjects/$entity")),
    );
    Ok(Reply::json(200, Value::Object(body)))
}

/// `POST /directory/deletedItems/{id}/restore`.
pub(crate) fn restore(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    purge(tenant, call.now_ms);
    let index = find(tenant, id)?;
    let upn = tenant.deleted_users[index].0.upn().to_string();
    if tenant.user_index_any(&upn).is_some() {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "Another object with the same value for property userPrincipalName already exists.",
        ));
    }
    let (mut user, _) = tenant.deleted_users.remove(index);
    user.props.insert("deletedDateTime".into(), Value::Null);
    // Role assignments ended at deletion, so a restored user is no
    // privileged target here.
    tenant.users.push(user);
    let restored = &tenant.users[tenant.users.len() - 1];
    let mut body = entry(restored, None);
    body.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT}#directoryObjects/$entity")),
    );
    Ok(Reply::json(200, Value::Object(body)))
}
