//! Graph delta items as the records of a data chunk: flat objects whose
//! keys are exactly the mapping's locators ([`super::mapping::locators`];
//! a test holds the two together), values as Assets reads them (text,
//! JSON booleans and numbers, ISO 8601 date-times, id lists for the
//! references).

use crate::graph::delta::{DeltaGroup, DeltaUser};
use serde_json::{json, Map, Value};

/// The recommended maximum length of an Assets textarea.
/// <https://support.atlassian.com/jira-service-management-cloud/docs/recommended-data-structure-for-an-assets-schema/>
pub const TEXTAREA_MAX_CHARS: usize = 5_000;

fn text(value: &Option<String>) -> Value {
    value.as_ref().map_or(Value::Null, |s| json!(s))
}

fn flag(value: Option<bool>) -> Value {
    value.map_or(Value::Null, Value::Bool)
}

/// `"; "`-joined group names, cut to [`TEXTAREA_MAX_CHARS`] at a name
/// boundary.
pub fn group_names(names: &[String]) -> String {
    let mut out = String::new();
    for name in names {
        let extra = if out.is_empty() { 0 } else { 2 } + name.chars().count();
        if out.chars().count() + extra > TEXTAREA_MAX_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(name);
    }
    out
}

/// A user's record. `member_of` are the ids of the imported groups the
/// user is a direct member of, `names` their display names. The label
/// (`displayName`) falls back to the UPN, then the id: Assets counts a
/// record without one as an empty-label entry.
pub fn user_record(user: &DeltaUser, member_of: &[String], names: &[String]) -> Value {
    let display = user
        .display_name
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| user.user_principal_name.clone())
        .unwrap_or_else(|| user.id.clone());
    let status = match user.account_enabled {
        Some(false) => "Disabled",
        _ => "Enabled",
    };
    json!({
        "displayName": display,
        "id": user.id,
        "userPrincipalName": text(&user.user_principal_name),
        "mail": text(&user.mail),
        "givenName": text(&user.given_name),
        "surname": text(&user.surname),
        "jobTitle": text(&user.job_title),
        "department": text(&user.department),
        "companyName": text(&user.company_name),
        "officeLocation": text(&user.office_location),
        "employeeId": text(&user.employee_id),
        "employeeType": text(&user.employee_type),
        "userType": text(&user.user_type),
        "accountEnabled": flag(user.account_enabled),
        "status": status,
        "usageLocation": text(&user.usage_location),
        "createdDateTime": text(&user.created_date_time),
        "employeeHireDate": text(&user.employee_hire_date),
        "onPremisesSyncEnabled": flag(user.on_premises_sync_enabled),
        "managerId": user.manager_id.clone().flatten().map_or(Value::Null, Value::String),
        "memberOf": member_of,
        "groupNames": group_names(names),
    })
}

/// A user whose memberships changed but whose own properties did not (an
/// incremental run): only the id, the memberships and the status, so
/// Assets keeps the rest (empty values are ignored by default).
pub fn membership_record(id: &str, member_of: &[String], names: &[String]) -> Value {
    json!({
        "id": id,
        "memberOf": member_of,
        "groupNames": group_names(names),
    })
}

/// A user or group Entra reported removed (an incremental run): kept in
/// Assets with the status `Deleted`. `name` is its last known name.
pub fn removed_record(id: &str, name: Option<&str>, is_user: bool) -> Value {
    let mut record = json!({
        "id": id,
        "displayName": name.unwrap_or(id),
        "status": "Deleted",
    });
    if is_user {
        record["accountEnabled"] = json!(false);
    }
    record
}

/// Merges one sighting of a group (a large group appears on several
/// pages, later sightings often with only its id and members) into what
/// is kept of it: properties seen win, absent ones keep the earlier value.
pub fn merge_group(kept: &mut Map<String, Value>, group: &DeltaGroup) {
    let mut set = |key: &str, value: Value| {
        if !value.is_null() {
            kept.insert(key.to_string(), value);
        }
    };
    set("displayName", text(&group.display_name));
    set("description", text(&group.description));
    set("mail", text(&group.mail));
    set("mailEnabled", flag(group.mail_enabled));
    set("securityEnabled", flag(group.security_enabled));
    if let Some(types) = &group.group_types {
        set("groupTypes", json!(types));
    }
    set("membershipRule", text(&group.membership_rule));
    set("isAssignableToRole", flag(group.is_assignable_to_role));
    set(
        "onPremisesSyncEnabled",
        flag(group.on_premises_sync_enabled),
    );
    set("createdDateTime", text(&group.created_date_time));
}

/// Security, Mail-enabled security, Microsoft 365 or Distribution, as the
/// Entra admin center names them.
/// <https://learn.microsoft.com/en-us/graph/api/resources/groups-overview#group-types-in-microsoft-entra-id-and-microsoft-graph>
pub fn group_kind(kept: &Map<String, Value>) -> &'static str {
    let has_type = |t: &str| {
        kept.get("groupTypes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(t)))
    };
    let is = |k: &str| kept.get(k).and_then(Value::as_bool).unwrap_or(false);
    if has_type("Unified") {
        "Microsoft 365"
    } else if is("securityEnabled") && is("mailEnabled") {
        "Mail-enabled security"
    } else if is("securityEnabled") {
        "Security"
    } else {
        "Distribution"
    }
}

/// A group's record from what was kept of it, its direct member count and
/// the imported groups it is a member of.
pub fn group_record(
    id: &str,
    kept: &Map<String, Value>,
    member_count: u64,
    member_of: &[String],
) -> Value {
    let get = |k: &str| kept.get(k).cloned().unwrap_or(Value::Null);
    let dynamic = kept
        .get("groupTypes")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some("DynamicMembership")));
    let display = kept
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(id);
    json!({
        "displayName": display,
        "id": id,
        "description": get("description"),
        "mail": get("mail"),
        "kind": group_kind(kept),
        "dynamic": dynamic,
        "membershipRule": get("membershipRule"),
        "isAssignableToRole": kept.get("isAssignableToRole").cloned().unwrap_or(json!(false)),
        "onPremisesSyncEnabled": kept.get("onPremisesSyncEnabled").cloned().unwrap_or(json!(false)),
        "memberCount": member_count,
        "createdDateTime": get("createdDateTime"),
        "memberOf": member_of,
        "status": "Enabled",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_stop_at_a_name_boundary() {
        let names = vec!["x".repeat(3000), "y".repeat(3000)];
        assert_eq!(group_names(&names), "x".repeat(3000));
    }
}
