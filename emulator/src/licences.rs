//! Licences: the tenant's subscriptions (`GET /subscribedSkus`), direct
//! assignment (`POST /users/{id}/assignLicense`), group-based licensing (a
//! group's `assignedLicenses` inherited by its members), `licenseDetails`, and
//! the `assignedLicenses` / `licenseAssignmentStates` a user read returns.
//!
//! Sources:
//! - subscribedSku (seat counts: `prepaidUnits.enabled`, `consumedUnits`):
//!   <https://learn.microsoft.com/en-us/graph/api/resources/subscribedsku?view=graph-rest-1.0>
//! - assignLicense (both `addLicenses` and `removeLicenses` required; the
//!   user needs a `usageLocation`):
//!   <https://learn.microsoft.com/en-us/graph/api/user-assignlicense?view=graph-rest-1.0>
//! - licenseAssignmentState (`assignedByGroup`, `state` Active/Error,
//!   `error` None/CountViolation/MutuallyExclusiveViolation/DependencyViolation/...):
//!   <https://learn.microsoft.com/en-us/graph/api/resources/licenseassignmentstate?view=graph-rest-1.0>
//! - group-based licensing (inherited licences cannot be removed from the
//!   user directly; not enough seats leaves the assignment in error with
//!   CountViolation):
//!   <https://learn.microsoft.com/en-us/entra/identity/users/licensing-groups-resolve-problems>
//! - licenseDetails:
//!   <https://learn.microsoft.com/en-us/graph/api/user-list-licensedetails?view=graph-rest-1.0>

use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

use crate::clock;
use crate::errors::GraphError;
use crate::graph::{object_body, Call, GraphResult, Reply};
use crate::tenant::Tenant;

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata";

/// One licence a user holds, directly or through a group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LicenceAssignment {
    pub sku_id: String,
    pub disabled_plans: Vec<String>,
    /// The group the licence comes from; `None` for a direct assignment.
    pub assigned_by_group: Option<String>,
    /// `None` when active, else Graph's error value (`CountViolation`, ...).
    pub error: Option<&'static str>,
    pub last_updated_ms: u64,
}

impl LicenceAssignment {
    fn is_active(&self) -> bool {
        self.error.is_none()
    }
}

fn guid_eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn sku_field<'a>(sku: &'a Map<String, Value>, name: &str) -> &'a str {
    sku.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn enabled_units(sku: &Map<String, Value>) -> i64 {
    sku.get("prepaidUnits")
        .and_then(|p| p.get("enabled"))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

impl Tenant {
    fn sku(&self, sku_id: &str) -> Option<&Map<String, Value>> {
        self.skus
            .iter()
            .find(|s| guid_eq(sku_field(s, "skuId"), sku_id))
    }

    /// Active assignments of a SKU across users (a user counts once).
    pub(crate) fn consumed_units(&self, sku_id: &str) -> i64 {
        self.users
            .iter()
            .filter(|u| {
                u.licences
                    .iter()
                    .any(|l| guid_eq(&l.sku_id, sku_id) && l.is_active())
            })
            .count() as i64
    }

    fn free_units(&self, sku_id: &str) -> i64 {
        self.sku(sku_id).map_or(0, enabled_units) - self.consumed_units(sku_id)
    }

    /// Lower-case ids of every member of `group_id`, directly or through
    /// nested groups.
    fn transitive_members(&self, group_id: &str) -> HashSet<String> {
        let groups: HashMap<String, usize> = self
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id().to_ascii_lowercase(), i))
            .collect();
        let mut found = HashSet::new();
        let mut frontier = vec![group_id.to_ascii_lowercase()];
        let mut expanded = HashSet::new();
        while let Some(next) = frontier.pop() {
            let Some(&index) = groups.get(&next) else {
                continue;
            };
            if !expanded.insert(next) {
                continue;
            }
            for member in &self.groups[index].members {
                let member = member.to_ascii_lowercase();
                if found.insert(member.clone()) {
                    frontier.push(member);
                }
            }
        }
        found
    }

    /// Group-based licensing: every member (direct or nested) of a group
    /// with `assignedLicenses` inherits them; a user who stops being a
    /// member loses them. A new inherited licence takes a seat if one is
    /// free (or the user already holds the SKU another way), else it stays
    /// in error with `CountViolation`. Run after every change.
    pub(crate) fn reconcile_group_licences(&mut self, now_ms: u64) {
        let licensing: Vec<(String, Vec<SkuWithPlans>)> = self
            .groups
            .iter()
            .filter_map(|g| {
                let list = g.props.get("assignedLicenses")?.as_array()?;
                let skus = list
                    .iter()
                    .filter_map(|l| {
                        let sku = l.get("skuId")?.as_str()?.to_string();
                        let plans = plans_of(l.get("disabledPlans"));
                        Some((sku, plans))
                    })
                    .collect::<Vec<_>>();
                (!skus.is_empty()).then(|| (g.id().to_string(), skus))
            })
            .collect();
        // Nothing to grant and nothing granted to take back: skip the
        // per-user walk of memberships (costly in a large tenant).
        if licensing.is_empty()
            && self
                .users
                .iter()
                .all(|u| u.licences.iter().all(|l| l.assigned_by_group.is_none()))
        {
            return;
        }
        // Each licensing group's members, nested groups' included, found
        // once downwards: walking every user's containers upwards cost
        // users x groups x members on every write, and a bulk job of
        // hires spent its time here rather than in Graph's budget.
        let members_of: Vec<HashSet<String>> = licensing
            .iter()
            .map(|(g, _)| self.transitive_members(g))
            .collect();
        for index in 0..self.users.len() {
            let user_id = self.users[index].id().to_ascii_lowercase();
            let wanted: Vec<(String, String, Vec<String>)> = licensing
                .iter()
                .zip(&members_of)
                .filter(|(_, members)| members.contains(&user_id))
                .map(|(licensing, _)| licensing)
                .flat_map(|(g, skus)| {
                    skus.iter()
                        .map(move |(s, p)| (g.clone(), s.clone(), p.clone()))
                })
                .collect();
            self.users[index]
                .licences
                .retain(|l| match &l.assigned_by_group {
                    None => true,
                    Some(g) => wanted
                        .iter()
                        .any(|(wg, ws, _)| guid_eq(wg, g) && guid_eq(ws, &l.sku_id)),
                });
            for (group, sku, plans) in wanted {
                let held = &self.users[index].licences;
                if held.iter().any(|l| {
                    l.assigned_by_group
                        .as_deref()
                        .is_some_and(|g| guid_eq(g, &group))
                        && guid_eq(&l.sku_id, &sku)
                }) {
                    continue;
                }
                let seat = held
                    .iter()
                    .any(|l| guid_eq(&l.sku_id, &sku) && l.is_active())
                    || self.free_units(&sku) > 0;
                self.users[index].licences.push(LicenceAssignment {
                    sku_id: sku,
                    disabled_plans: plans,
                    assigned_by_group: Some(group),
                    error: (!seat).then_some("CountViolation"),
                    last_updated_ms: now_ms,
                });
            }
        }
    }
}

/// A SKU id and the ids of its disabled plans.
type SkuWithPlans = (String, Vec<String>);

fn plans_of(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The seeded direct licences of a user (`assignedLicenses` in the seed).
pub(crate) fn direct_from_seed(value: Option<Value>) -> Vec<LicenceAssignment> {
    value
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|l| {
            Some(LicenceAssignment {
                sku_id: l.get("skuId")?.as_str()?.to_string(),
                disabled_plans: plans_of(l.get("disabledPlans")),
                assigned_by_group: None,
                error: None,
                last_updated_ms: 0,
            })
        })
        .collect()
}

/// `assignedLicenses` (every active licence once, whatever its source) and
/// `licenseAssignmentStates` (one per source), as a user read returns them.
pub(crate) fn user_licence_properties(licences: &[LicenceAssignment]) -> [(String, Value); 2] {
    let mut assigned: Vec<Value> = Vec::new();
    for l in licences.iter().filter(|l| l.is_active()) {
        if !assigned.iter().any(|a| a["skuId"] == l.sku_id.as_str()) {
            assigned.push(json!({"skuId": l.sku_id, "disabledPlans": l.disabled_plans}));
        }
    }
    let states: Vec<Value> = licences
        .iter()
        .map(|l| {
            json!({
                "skuId": l.sku_id,
                "disabledPlans": l.disabled_plans,
                "assignedByGroup": l.assigned_by_group,
                "state": if l.is_active() { "Active" } else { "Error" },
                "error": l.error.unwrap_or("None"),
                "lastUpdatedDateTime": clock::iso(l.last_updated_ms),
            })
        })
        .collect();
    [
        ("assignedLicenses".to_string(), Value::Array(assigned)),
        ("licenseAssignmentStates".to_string(), Value::Array(states)),
    ]
}

fn sku_json(tenant: &Tenant, sku: &Map<String, Value>) -> Value {
    let mut out = sku.clone();
    let id = sku_field(sku, "skuId").to_string();
    out.insert("consumedUnits".into(), json!(tenant.consumed_units(&id)));
    Value::Object(out)
}

/// `GET /subscribedSkus`: every subscription with its seat counts.
pub(crate) fn list_skus(tenant: &mut Tenant, _call: &Call) -> GraphResult {
    let value: Vec<Value> = tenant.skus.iter().map(|s| sku_json(tenant, s)).collect();
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#subscribedSkus"), "value": value}),
    ))
}

/// `GET /users/{id}/licenseDetails`: one entry per licence the user holds.
pub(crate) fn license_details(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = tenant
        .user_index(id, call.now_ms)
        .ok_or_else(|| GraphError::ResourceNotFound(id.to_string()))?;
    let user = &tenant.users[index];
    let mut value: Vec<Value> = Vec::new();
    for l in user.licences.iter().filter(|l| l.is_active()) {
        if value.iter().any(|v| v["skuId"] == l.sku_id.as_str()) {
            continue;
        }
        let Some(sku) = tenant.sku(&l.sku_id) else {
            continue;
        };
        value.push(json!({
            "id": format!("{}_{}", user.id(), l.sku_id),
            "skuId": l.sku_id,
            "skuPartNumber": sku_field(sku, "skuPartNumber"),
            "servicePlans": sku.get("servicePlans").cloned().unwrap_or(json!([])),
        }));
    }
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#users('{id}')/licenseDetails"), "value": value}),
    ))
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::bad_request("Request_BadRequest", message)
}

/// `POST /users/{id}/assignLicense` with `addLicenses` and `removeLicenses`
/// (both required, either may be empty). Refuses as Graph does: a user
/// without `usageLocation`, a SKU the tenant has no subscription for, a SKU
/// with no free seat, a disabled plan not in the SKU, and removing a
/// licence the user holds only through a group (or not at all). All checks
/// come before any change: the action applies entirely or not at all.
pub(crate) fn assign_license(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = tenant
        .user_index(id, call.now_ms)
        .ok_or_else(|| GraphError::ResourceNotFound(id.to_string()))?;
    let body = object_body(call.body)?;
    let add = body.get("addLicenses").and_then(Value::as_array).ok_or_else(|| {
        bad("Invalid request: the parameter 'addLicenses' is required and must be a collection.")
    })?;
    let remove = body.get("removeLicenses").and_then(Value::as_array).ok_or_else(|| {
        bad("Invalid request: the parameter 'removeLicenses' is required and must be a collection.")
    })?;
    let mut adds: Vec<(String, Vec<String>)> = Vec::new();
    for l in add {
        let sku = l
            .get("skuId")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("Invalid request: every entry of 'addLicenses' needs a 'skuId'."))?;
        let plans = plans_of(l.get("disabledPlans"));
        adds.push((sku.to_string(), plans));
    }
    let removes: Vec<String> = remove
        .iter()
        .map(|r| {
            r.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad("Invalid request: 'removeLicenses' holds SKU ids (GUIDs)."))
        })
        .collect::<Result<_, _>>()?;
    let user = &tenant.users[index];
    if !adds.is_empty()
        && user
            .props
            .get("usageLocation")
            .and_then(Value::as_str)
            .is_none_or(|u| u.trim().is_empty())
    {
        return Err(bad(
            "License assignment cannot be done for user with invalid usage location.",
        ));
    }
    for (sku_id, plans) in &adds {
        let sku = tenant.sku(sku_id).ok_or_else(|| {
            bad(format!(
                "License {sku_id} does not correspond to a valid company License."
            ))
        })?;
        let known: Vec<&str> = sku
            .get("servicePlans")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.get("servicePlanId").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(unknown) = plans.iter().find(|p| !known.iter().any(|k| guid_eq(k, p))) {
            return Err(bad(format!(
                "Service plan {unknown} is not part of the subscription {sku_id}."
            )));
        }
        let holds = user
            .licences
            .iter()
            .any(|l| guid_eq(&l.sku_id, sku_id) && l.is_active());
        if !holds && tenant.free_units(sku_id) <= 0 {
            return Err(bad(format!(
                "Subscription with SKU {sku_id} does not have any available licenses."
            )));
        }
    }
    for sku_id in &removes {
        let direct = user
            .licences
            .iter()
            .any(|l| l.assigned_by_group.is_none() && guid_eq(&l.sku_id, sku_id));
        if direct {
            continue;
        }
        if user.licences.iter().any(|l| guid_eq(&l.sku_id, sku_id)) {
            return Err(bad(
                "User license is inherited from a group membership and it cannot be removed directly from the user.",
            ));
        }
        return Err(bad(format!(
            "User does not have a corresponding license {sku_id}."
        )));
    }
    let user = &mut tenant.users[index];
    user.licences.retain(|l| {
        l.assigned_by_group.is_some() || !removes.iter().any(|r| guid_eq(r, &l.sku_id))
    });
    for (sku_id, plans) in adds {
        match user
            .licences
            .iter_mut()
            .find(|l| l.assigned_by_group.is_none() && guid_eq(&l.sku_id, &sku_id))
        {
            Some(existing) => {
                existing.disabled_plans = plans;
                existing.last_updated_ms = call.now_ms;
            }
            None => user.licences.push(LicenceAssignment {
                sku_id,
                disabled_plans: plans,
                assigned_by_group: None,
                error: None,
                last_updated_ms: call.now_ms,
            }),
        }
    }
    let user = &tenant.users[index];
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT}#users/$entity")),
    );
    out.extend(crate::users::user_json(user, None));
    Ok(Reply::json(200, Value::Object(out)))
}
