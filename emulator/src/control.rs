//! `/_emulator/...`: request log, reset, faults, virtual clock, tenant
//! summary, an Entra Connect sync cycle.

use std::collections::{HashMap, HashSet};

use http::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::dispatch::State;
use crate::faults::{FaultState, Faults};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdvanceTime {
    advance_ms: u64,
}

/// `POST /_emulator/seed/scale` body.
#[derive(Deserialize)]
struct ScaleSeed {
    users: usize,
    groups: usize,
}

fn bad(message: &str) -> (u16, Value) {
    (400, json!({"error": message}))
}

pub(crate) fn handle(state: &mut State, method: &Method, path: &str, body: &[u8]) -> (u16, Value) {
    match (method.as_str(), path.trim_end_matches('/')) {
        ("GET", "log") => (200, json!(state.log.entries())),
        ("DELETE", "log") => {
            state.log.clear();
            (200, json!({"cleared": true}))
        }
        ("POST", "reset") => {
            state.reset();
            (200, json!({"reset": true}))
        }
        ("GET", "faults") => (200, json!(state.faults.faults)),
        ("POST", "faults") | ("PUT", "faults") => match serde_json::from_slice::<Faults>(body) {
            Ok(faults) => {
                state.faults = FaultState::new(faults);
                (200, json!(state.faults.faults))
            }
            Err(e) => bad(&format!("invalid faults: {e}")),
        },
        ("DELETE", "faults") => {
            state.faults = FaultState::default();
            (200, json!(state.faults.faults))
        }
        ("GET", "time") => (200, time_json(state)),
        ("POST", "time") => match serde_json::from_slice::<AdvanceTime>(body) {
            Ok(advance) => {
                state.clock.advance(advance.advance_ms);
                (200, time_json(state))
            }
            Err(e) => bad(&format!("invalid time body: {e}")),
        },
        ("GET", "tenant") => (200, tenant_summary(state)),
        ("POST", "seed/scale") => match serde_json::from_slice::<ScaleSeed>(body) {
            Ok(scale) => {
                let seed = crate::scale::scaled(&state.seed, scale.users, scale.groups);
                match seed.validate() {
                    Ok(()) => {
                        state.seed = seed;
                        state.reset();
                        (200, json!({"users": scale.users, "groups": scale.groups}))
                    }
                    Err(e) => bad(&format!("invalid scaled seed: {e}")),
                }
            }
            Err(e) => bad(&format!("invalid scale body (want {{users, groups}}): {e}")),
        },
        ("POST", "groups") => add_groups(state, body),
        ("POST", "sync") => {
            let reverted: Vec<Value> = state
                .tenant
                .sync_cycle()
                .into_iter()
                .map(|(id, upn, properties)| {
                    json!({"id": id, "userPrincipalName": upn, "properties": properties})
                })
                .collect();
            // Reverted attributes move dynamic memberships back too.
            state.tenant.apply_membership_rules();
            (200, json!({"reverted": reverted}))
        }
        _ => (
            404,
            json!({"error": format!("no control endpoint {method} /_emulator/{path}")}),
        ),
    }
}

fn time_json(state: &State) -> Value {
    let now = state.clock.now_ms();
    json!({"nowMs": now, "now": crate::clock::iso(now), "offsetMs": state.clock.offset_ms()})
}

/// A compact view of the tenant for a UI.
pub(crate) fn tenant_summary(state: &State) -> Value {
    let t = &state.tenant;
    // Member id (lower case, as Entra's ids compare) -> its groups, in the
    // tenant's group order: one pass over the memberships, not one per
    // user (that was quadratic, minutes for a scaled tenant of 10,000).
    let mut groups_of: HashMap<String, Vec<&str>> = HashMap::new();
    for g in &t.groups {
        for m in &g.members {
            let of = groups_of.entry(m.to_ascii_lowercase()).or_default();
            if of.last() != Some(&g.id()) {
                of.push(g.id());
            }
        }
    }
    // The role templates a user holds, directly or through (nested)
    // role-assignable groups: `Tenant::role_templates_of`, from the index
    // above instead of a scan of every group per step.
    let mut roles_of: HashMap<String, Vec<String>> = HashMap::new();
    for r in &t.roles {
        for m in &r.members {
            roles_of
                .entry(m.to_ascii_lowercase())
                .or_default()
                .push(r.id.to_ascii_lowercase());
        }
    }
    let role_templates_of = |id: &str| -> Vec<String> {
        let mut seen = HashSet::new();
        let mut held = HashSet::new();
        let mut frontier = vec![id.to_ascii_lowercase()];
        while let Some(next) = frontier.pop() {
            held.extend(roles_of.get(&next).into_iter().flatten().cloned());
            for group in groups_of.get(&next).into_iter().flatten() {
                let group = group.to_ascii_lowercase();
                if seen.insert(group.clone()) {
                    frontier.push(group);
                }
            }
        }
        t.roles
            .iter()
            .filter(|r| held.contains(&r.id.to_ascii_lowercase()))
            .map(|r| r.role_template_id.to_ascii_lowercase())
            .collect()
    };
    let users: Vec<Value> = t
        .users
        .iter()
        .map(|u| {
            let p = &u.props;
            json!({
                "id": u.id(),
                "userPrincipalName": u.upn(),
                "displayName": p.get("displayName"),
                "accountEnabled": p.get("accountEnabled"),
                "department": p.get("department"),
                "jobTitle": p.get("jobTitle"),
                "managerId": u.manager,
                "onPremisesSyncEnabled": u.is_synced(),
                "groupIds": groups_of.get(&u.id().to_ascii_lowercase()).cloned().unwrap_or_default(),
                "roleTemplateIds": role_templates_of(u.id()),
                "userType": p.get("userType"),
            })
        })
        .collect();
    let groups: Vec<Value> = t
        .groups
        .iter()
        .map(|g| {
            json!({
                "id": g.id(),
                "displayName": g.display_name(),
                "securityEnabled": g.props.get("securityEnabled"),
                "mailEnabled": g.props.get("mailEnabled"),
                "unified": g.is_unified(),
                "dynamic": g.is_dynamic(),
                "onPremisesSynced": g.is_synced(),
                "roleAssignable": g.is_role_assignable(),
                "memberIds": g.members,
                "ownerIds": g.owners,
            })
        })
        .collect();
    let roles: Vec<Value> = t
        .roles
        .iter()
        .map(|r| json!({"id": r.id, "displayName": r.display_name, "roleTemplateId": r.role_template_id, "memberIds": r.members}))
        .collect();
    json!({
        "tenantId": t.id,
        "displayName": t.display_name,
        "domains": t.domain_names().collect::<Vec<_>>(),
        "app": {"clientId": t.app.client_id, "servicePrincipalId": t.app.service_principal_id, "applicationPermissions": t.app.application_permissions},
        "users": users,
        "groups": groups,
        "directoryRoles": roles,
    })
}

#[derive(Deserialize)]
struct AddGroups {
    groups: Vec<serde_json::Map<String, Value>>,
}

/// `POST /_emulator/groups`: adds groups to the running tenant (until the next
/// reset), for scenarios that need more groups than the seed holds. Each is
/// a seed group: Graph properties (checked against the schema, as a seed's
/// are; `displayName`, `mailEnabled`, `mailNickname` and `securityEnabled`
/// required, as `POST /groups` requires them), an optional `id` (default: a
/// new GUID) and `members` (ids of existing users or groups). All or none.
fn add_groups(state: &mut State, body: &[u8]) -> (u16, Value) {
    let request: AddGroups = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(e) => return bad(&format!("invalid groups body: {e}")),
    };
    let mut added = Vec::new();
    let mut taken: std::collections::HashSet<String> = state
        .tenant
        .users
        .iter()
        .map(|u| u.id().to_ascii_lowercase())
        .chain(
            state
                .tenant
                .groups
                .iter()
                .map(|g| g.id().to_ascii_lowercase()),
        )
        .collect();
    for (index, mut props) in request.groups.into_iter().enumerate() {
        for required in [
            "displayName",
            "mailEnabled",
            "mailNickname",
            "securityEnabled",
        ] {
            if !props.contains_key(required) {
                return bad(&format!("groups[{index}]: {required} is required"));
            }
        }
        let members: Vec<String> = match props.remove("members") {
            None => Vec::new(),
            Some(Value::Array(ids)) => ids
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(_) => return bad(&format!("groups[{index}]: members must be an array of ids")),
        };
        if let Some(missing) = members.iter().find(|m| {
            state.tenant.user_index_any(m).is_none() && state.tenant.group_index(m).is_none()
        }) {
            return bad(&format!("groups[{index}]: no user or group {missing}"));
        }
        let id = props
            .entry("id")
            .or_insert_with(|| Value::String(uuid::Uuid::new_v4().to_string()))
            .as_str()
            .unwrap_or_default()
            .to_string();
        if id.is_empty() || !taken.insert(id.to_ascii_lowercase()) {
            return bad(&format!("groups[{index}]: id {id:?} is missing or taken"));
        }
        for (key, value) in &props {
            match crate::schema::property_type("group", key) {
                Some(edm) if crate::schema::value_fits(edm, value) => {}
                Some(_) => return bad(&format!("groups[{index}]: {key} has the wrong type")),
                None => return bad(&format!("groups[{index}]: unknown group property {key}")),
            }
        }
        // What `POST /groups` gives a new group for the properties not sent.
        let now = crate::clock::iso(state.clock.now_ms());
        for (key, default) in [
            ("description", Value::Null),
            ("mail", Value::Null),
            ("groupTypes", json!([])),
            ("createdDateTime", Value::String(now)),
            ("visibility", Value::Null),
            ("isAssignableToRole", json!(false)),
            ("onPremisesSyncEnabled", Value::Null),
            ("membershipRule", Value::Null),
            ("membershipRuleProcessingState", Value::Null),
        ] {
            props.entry(key).or_insert(default);
        }
        added.push(crate::tenant::Group {
            props,
            members,
            owners: Vec::new(),
        });
    }
    let answer: Vec<Value> = added
        .iter()
        .map(|g| json!({"id": g.id(), "displayName": g.display_name(), "memberIds": g.members}))
        .collect();
    state.tenant.groups.extend(added);
    (200, json!({"groups": answer}))
}
