//! `user.assignLicenses` and `user.removeLicenses`: direct licence
//! assignment through `assignLicense`.
//!
//! One batch reads the user (`usageLocation`, `assignedLicenses`,
//! `licenseAssignmentStates`) and the tenant's subscriptions (seats and
//! service plans). Everything is checked before the first write: a SKU or
//! plan the tenant does not have is a 400 naming `skus[i]` or
//! `disabledPlans[i]`; a SKU with no free seat (`prepaidUnits.enabled -
//! consumedUnits`) a 409 naming it; removing a licence the user holds only
//! through a group a 409 naming the group. A user without `usageLocation`
//! gets the tenant default first (Entra refuses licences without one), in
//! the same batch with `dependsOn`, since Graph runs independent batch
//! items in no promised order. After the write, the user's
//! `licenseAssignmentStates` are read once more and any error
//! (`CountViolation`, `MutuallyExclusiveViolation`, `DependencyViolation`,
//! ...) becomes a [`Remainder`] in words.
//!
//! Round trips: assign = 1 read batch + 1 write (a `$batch` when
//! `usageLocation` is set too) + 1 state read; remove = 1 read batch
//! (+ 1 group-name read when a SKU is inherited) + 1 write.

use crate::graph::model::UserView;
use crate::graph::paging::Page;
use crate::graph::resources::groups;
use crate::graph::resources::licenses::{
    self, AssignedLicense, LicenseAssignmentState, SubscribedSku,
};
use crate::graph::resources::users;
use crate::graph::{BatchItem, ClientError, Deadline, GraphClient, GraphResponse};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::summary_of;
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, no_change, RunMode};
use crate::lifecycle::ids::{ObjectId, UserRef};
use crate::lifecycle::outcome::{Outcome, Remainder, RemainderKind, StepOutcome};
use crate::lifecycle::plan::Step;
use crate::lifecycle::resolve::{read_result, user_read};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The most SKUs (and disabled plans) one call may name.
pub const MAX_SKUS: usize = 20;

/// What the user read selects.
const LICENCE_SELECT: &str = "id,userPrincipalName,displayName,usageLocation,onPremisesSyncEnabled,assignedLicenses,licenseAssignmentStates";

/// Step keys.
const USAGE_LOCATION_KEY: &str = "usageLocation.set";
const ASSIGN_KEY: &str = "licences.assign";
const REMOVE_KEY: &str = "licences.remove";

/// How a caller names a SKU or a service plan: its id (a GUID), or its
/// name (`skuPartNumber` such as `ENTERPRISEPACK`, `servicePlanName` such
/// as `TEAMS1`; case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LicenceName {
    /// `skuId` / `servicePlanId`.
    Id(ObjectId),
    /// `skuPartNumber` / `servicePlanName`.
    Name(String),
}

impl LicenceName {
    /// Reads one name; `field` (e.g. `skus[1]`) is named in the error for
    /// an empty value or one longer than 128 characters.
    pub fn parse(text: &str, field: &str) -> Result<Self, OpError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(OpError::invalid(field, "must not be empty"));
        }
        if text.chars().count() > 128 || text.chars().any(char::is_control) {
            return Err(OpError::invalid(
                field,
                "must be a SKU or service plan id (GUID) or name such as ENTERPRISEPACK",
            ));
        }
        Ok(match ObjectId::parse(text, field) {
            Ok(id) => LicenceName::Id(id),
            Err(_) => LicenceName::Name(text.to_string()),
        })
    }

    fn shown(&self) -> &str {
        match self {
            LicenceName::Id(id) => id.as_str(),
            LicenceName::Name(n) => n,
        }
    }
}

/// A validated `user.assignLicenses` / `user.removeLicenses` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceRequest {
    /// The user.
    pub user: UserRef,
    /// The SKUs, in the order given (at least one, at most [`MAX_SKUS`]).
    pub skus: Vec<LicenceName>,
    /// Service plans to switch off in the assigned SKUs (assign only).
    pub disabled_plans: Vec<LicenceName>,
    /// The tenant default `usageLocation` (ISO 3166-1 alpha-2) set first
    /// on a user without one (`provisioning.defaultUsageLocation`).
    pub default_usage_location: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LicensedUser {
    #[serde(default)]
    usage_location: Option<String>,
    #[serde(default)]
    license_assignment_states: Vec<LicenseAssignmentState>,
}

/// The user and the tenant's subscriptions, read in one batch.
struct Facts {
    user: UserView,
    licensed: LicensedUser,
    skus: Vec<SubscribedSku>,
}

fn missing() -> ClientError {
    ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    }
}

/// The `licenseAssignmentStates` of a user read (an entity, or a one-item
/// list for a lookup by address); empty when absent.
pub(crate) fn licensed_states(response: &GraphResponse) -> Vec<LicenseAssignmentState> {
    licensed_of(response).license_assignment_states
}

/// The licence properties of a user read (an entity, or a one-item list
/// for a lookup by address).
fn licensed_of(response: &GraphResponse) -> LicensedUser {
    let body = match response.body.get("value").and_then(Value::as_array) {
        Some(list) => list.first().cloned().unwrap_or(Value::Null),
        None => response.body.clone(),
    };
    serde_json::from_value(body).unwrap_or_default()
}

async fn read_facts<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    deadline: Deadline,
) -> Result<Facts, OpError> {
    let items = vec![
        BatchItem::new("user", user_read(user, LICENCE_SELECT, None)),
        BatchItem::new("skus", licenses::list_subscribed_skus()),
    ];
    let mut results = client.execute(&items, deadline).await.into_iter();
    let user_result = results.next().unwrap_or(Err(missing()));
    let licensed = user_result.as_ref().map(licensed_of).unwrap_or_default();
    let view = read_result(user, user_result)?;
    let skus: Page<SubscribedSku> = results
        .next()
        .unwrap_or(Err(missing()))?
        .json("subscribedSkus")?;
    Ok(Facts {
        user: view,
        licensed,
        skus: skus.value,
    })
}

fn label(user: &UserView) -> &str {
    user.user_principal_name.as_deref().unwrap_or(&user.id)
}

/// Each named SKU matched to a subscription (duplicates dropped), or a 400
/// naming `skus[i]` and listing what the tenant has.
fn match_skus<'s>(
    names: &[LicenceName],
    skus: &'s [SubscribedSku],
) -> Result<Vec<&'s SubscribedSku>, OpError> {
    let mut found: Vec<&SubscribedSku> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let sku = skus.iter().find(|s| match name {
            LicenceName::Id(id) => s.sku_id.eq_ignore_ascii_case(id.as_str()),
            LicenceName::Name(n) => s.sku_part_number.eq_ignore_ascii_case(n),
        });
        match sku {
            Some(s) if !found.iter().any(|f| f.sku_id == s.sku_id) => found.push(s),
            Some(_) => {}
            None => {
                let known: Vec<&str> = skus.iter().map(|s| s.sku_part_number.as_str()).collect();
                return Err(OpError::invalid(
                    &format!("skus[{i}]"),
                    &format!(
                        "names no subscription of the tenant: '{}' (the tenant has: {})",
                        name.shown(),
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
    }
    Ok(found)
}

/// The disabled plans of each chosen SKU, or a 400 naming
/// `disabledPlans[i]` for a plan none of them has.
fn match_plans(
    names: &[LicenceName],
    skus: &[&SubscribedSku],
) -> Result<BTreeMap<String, Vec<String>>, OpError> {
    let mut by_sku: BTreeMap<String, Vec<String>> = skus
        .iter()
        .map(|s| (s.sku_id.clone(), Vec::new()))
        .collect();
    for (i, name) in names.iter().enumerate() {
        let mut matched = false;
        for sku in skus {
            for plan in &sku.service_plans {
                let hit = match name {
                    LicenceName::Id(id) => plan.service_plan_id.eq_ignore_ascii_case(id.as_str()),
                    LicenceName::Name(n) => plan
                        .service_plan_name
                        .as_deref()
                        .is_some_and(|p| p.eq_ignore_ascii_case(n)),
                };
                if hit {
                    matched = true;
                    let list = by_sku.entry(sku.sku_id.clone()).or_default();
                    if !list.contains(&plan.service_plan_id) {
                        list.push(plan.service_plan_id.clone());
                    }
                }
            }
        }
        if !matched {
            let parts: Vec<&str> = skus.iter().map(|s| s.sku_part_number.as_str()).collect();
            return Err(OpError::invalid(
                &format!("disabledPlans[{i}]"),
                &format!(
                    "names no service plan of {}: '{}'",
                    parts.join(", "),
                    name.shown()
                ),
            ));
        }
    }
    Ok(by_sku)
}

fn plan_names(sku: &SubscribedSku, ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            sku.service_plans
                .iter()
                .find(|p| p.service_plan_id.eq_ignore_ascii_case(id))
                .and_then(|p| p.service_plan_name.clone())
                .unwrap_or_else(|| id.clone())
        })
        .collect()
}

fn same_plans(a: &[String], b: &[String]) -> bool {
    let norm = |v: &[String]| {
        let mut v: Vec<String> = v.iter().map(|s| s.to_ascii_lowercase()).collect();
        v.sort();
        v
    };
    norm(a) == norm(b)
}

fn states_of<'a>(
    licensed: &'a LicensedUser,
    sku_id: &'a str,
) -> impl Iterator<Item = &'a LicenseAssignmentState> + 'a {
    licensed
        .license_assignment_states
        .iter()
        .filter(move |s| s.sku_id.eq_ignore_ascii_case(sku_id))
}

/// What an assignment error means, in words (licenseAssignmentState's
/// `error` values, <https://learn.microsoft.com/en-us/entra/identity/users/licensing-groups-resolve-problems>).
pub fn assignment_error_text(error: &str) -> &'static str {
    match error {
        "CountViolation" => "not enough licences: every seat of the subscription is assigned",
        "MutuallyExclusiveViolation" => {
            "the user holds another licence whose service plans cannot be combined with this one"
        }
        "DependencyViolation" => {
            "a service plan of this licence depends on a plan the user does not hold"
        }
        "ProhibitedInUsageLocationViolation" => {
            "a service plan of this licence is not available in the user's usage location"
        }
        "UniquenessViolation" => {
            "a property the licence needs (such as a proxy address) is not unique"
        }
        _ => "Entra could not apply the licence",
    }
}

/// Assigns the SKUs directly (see the module comment).
pub async fn assign_licences<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    request: &LicenceRequest,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let facts = read_facts(client, &request.user, deadline).await?;
    let skus = match_skus(&request.skus, &facts.skus)?;
    let plans = match_plans(&request.disabled_plans, &skus)?;
    let who = label(&facts.user).to_string();
    let mut settled = Vec::new();
    let mut adds: Vec<(&SubscribedSku, Vec<String>)> = Vec::new();
    for sku in &skus {
        let wanted = plans.get(&sku.sku_id).cloned().unwrap_or_default();
        let direct =
            states_of(&facts.licensed, &sku.sku_id).find(|s| s.assigned_by_group.is_none());
        if direct.is_some_and(|d| same_plans(&d.disabled_plans, &wanted)) {
            settled.push(no_change(
                &format!("{ASSIGN_KEY}:{}", sku.sku_part_number),
                &format!("{} is already assigned to {who}", sku.sku_part_number),
            ));
            continue;
        }
        let holds_seat = states_of(&facts.licensed, &sku.sku_id).any(|s| s.error().is_none());
        if !holds_seat && sku.free_units() == 0 {
            return Err(OpError::Conflict {
                message: format!(
                    "No licence of {} is free: all {} are assigned. Free one or buy more before assigning it to {who}.",
                    sku.sku_part_number, sku.prepaid_units.enabled
                ),
            });
        }
        adds.push((sku, wanted));
    }
    let mut changes = Vec::new();
    if !adds.is_empty() {
        let has_location = facts
            .licensed
            .usage_location
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty());
        if !has_location {
            let Some(country) = request.default_usage_location.as_deref() else {
                return Err(OpError::Conflict {
                    message: format!(
                        "{who} has no usageLocation, which Entra needs before it assigns licences, and no default usage location is set (provisioning.defaultUsageLocation): set the user's usageLocation first."
                    ),
                });
            };
            let mut attributes = Map::new();
            attributes.insert("usageLocation".into(), json!(country));
            changes.push(Step::new(
                USAGE_LOCATION_KEY,
                format!("Set the usage location of {who} to {country} (the tenant default; licences need one)"),
                users::update_user(&facts.user.id, attributes),
            ));
        }
        let body: Vec<AssignedLicense> = adds
            .iter()
            .map(|(sku, plans)| AssignedLicense {
                sku_id: sku.sku_id.clone(),
                disabled_plans: plans.clone(),
            })
            .collect();
        let named: Vec<String> = adds
            .iter()
            .map(|(sku, plans)| {
                if plans.is_empty() {
                    sku.sku_part_number.clone()
                } else {
                    format!(
                        "{} (without {})",
                        sku.sku_part_number,
                        plan_names(sku, plans).join(", ")
                    )
                }
            })
            .collect();
        let mut step = Step::new(
            ASSIGN_KEY,
            format!("Assign {} to {who}", named.join(", ")),
            licenses::assign_license(&facts.user.id, &body, &[]),
        );
        if !has_location {
            step = step.after(USAGE_LOCATION_KEY);
        }
        changes.push(step);
    }
    let sent = !changes.is_empty();
    let mut outcome = finish(
        client,
        mode,
        deadline,
        settled,
        changes,
        Some(summary_of(&facts.user)),
    )
    .await;
    let assigned = outcome
        .steps
        .iter()
        .any(|s| s.key == ASSIGN_KEY && s.outcome == StepOutcome::Done);
    if mode == RunMode::Execute && sent && assigned {
        outcome
            .remainder
            .extend(state_errors(client, &facts.user, &adds, deadline).await);
    }
    Ok(outcome)
}

/// Reads the user's assignment states after the write; an error on an
/// assigned SKU becomes a remainder in words. A failed read is a remainder
/// too: the assignment was made, its state is unknown.
async fn state_errors<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserView,
    adds: &[(&SubscribedSku, Vec<String>)],
    deadline: Deadline,
) -> Vec<Remainder> {
    let who = label(user);
    let read = users::get_user(&user.id, "id,licenseAssignmentStates", None);
    let licensed = match client.send(&read, deadline).await {
        Ok(r) => licensed_of(&r),
        Err(e) => {
            return vec![Remainder::new(
                RemainderKind::Licence,
                format!("Check the licences of {who} in Entra: their state could not be read after the assignment ({e})."),
            )]
        }
    };
    let mut out = Vec::new();
    for (sku, _) in adds {
        for state in states_of(&licensed, &sku.sku_id) {
            if let Some(error) = state.error() {
                out.push(Remainder::new(
                    RemainderKind::Licence,
                    format!(
                        "{} for {who} is in error ({error}): {}.",
                        sku.sku_part_number,
                        assignment_error_text(error)
                    ),
                ));
            }
        }
    }
    out
}

/// Removes directly assigned SKUs (see the module comment).
pub async fn remove_licences<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    request: &LicenceRequest,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let facts = read_facts(client, &request.user, deadline).await?;
    let skus = match_skus(&request.skus, &facts.skus)?;
    let who = label(&facts.user).to_string();
    let inherited: Vec<String> = skus
        .iter()
        .flat_map(|s| states_of(&facts.licensed, &s.sku_id))
        .filter_map(|s| s.assigned_by_group.clone())
        .fold(Vec::new(), |mut acc, g| {
            if !acc.contains(&g) {
                acc.push(g);
            }
            acc
        });
    let names = group_names(client, &inherited, deadline).await?;
    let group_list = |sku: &SubscribedSku| -> String {
        states_of(&facts.licensed, &sku.sku_id)
            .filter_map(|s| s.assigned_by_group.as_deref())
            .map(|g| names.get(g).cloned().unwrap_or_else(|| g.to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut settled = Vec::new();
    let mut removes: Vec<&SubscribedSku> = Vec::new();
    for sku in &skus {
        let direct = states_of(&facts.licensed, &sku.sku_id).any(|s| s.assigned_by_group.is_none());
        let through = group_list(sku);
        match (direct, through.is_empty()) {
            (true, _) => removes.push(sku),
            (false, false) => {
                return Err(OpError::Conflict {
                    message: format!(
                        "{} of {who} is inherited from the group {through}: it cannot be removed from the user directly. Remove {who} from {through}, or the licence from the group.",
                        sku.sku_part_number
                    ),
                })
            }
            (false, true) => settled.push(no_change(
                &format!("{REMOVE_KEY}:{}", sku.sku_part_number),
                &format!("{} is not assigned to {who}", sku.sku_part_number),
            )),
        }
    }
    let mut changes = Vec::new();
    let mut remainder = Vec::new();
    if !removes.is_empty() {
        let ids: Vec<String> = removes.iter().map(|s| s.sku_id.clone()).collect();
        let parts: Vec<&str> = removes.iter().map(|s| s.sku_part_number.as_str()).collect();
        changes.push(Step::new(
            REMOVE_KEY,
            format!("Remove {} from {who}", parts.join(", ")),
            licenses::assign_license(&facts.user.id, &[], &ids),
        ));
        for sku in &removes {
            let through = group_list(sku);
            if !through.is_empty() {
                remainder.push(Remainder::new(
                    RemainderKind::Licence,
                    format!(
                        "{who} keeps {} through the group {through}: remove the membership or the group's licence.",
                        sku.sku_part_number
                    ),
                ));
            }
        }
    }
    let mut outcome = finish(
        client,
        mode,
        deadline,
        settled,
        changes,
        Some(summary_of(&facts.user)),
    )
    .await;
    outcome.remainder.extend(remainder);
    Ok(outcome)
}

/// Display names of licensing groups, read in one batch (none when `ids`
/// is empty); a group that cannot be read is named by its id.
async fn group_names<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    ids: &[String],
    deadline: Deadline,
) -> Result<BTreeMap<String, String>, OpError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let items: Vec<BatchItem> = ids
        .iter()
        .enumerate()
        .map(|(i, g)| BatchItem::new(i.to_string(), groups::get_group(g, "id,displayName")))
        .collect();
    let results = client.execute(&items, deadline).await;
    Ok(ids
        .iter()
        .zip(results)
        .filter_map(|(id, r)| {
            let name = r.ok()?.body.get("displayName")?.as_str()?.to_string();
            Some((id.clone(), name))
        })
        .collect())
}
