//! `update` of allow-listed profile attributes; only changed values are
//! sent, and unchanged ones are reported as no change.

use crate::graph::model::{UserAttributes, UserView};
use crate::graph::resources::users;
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{display_name, summary_of};
use crate::lifecycle::create::validate_attributes;
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, no_change, RunMode};
use crate::lifecycle::hybrid::refuse_ad_mastered;
use crate::lifecycle::ids::UserRef;
use crate::lifecycle::outcome::Outcome;
use crate::lifecycle::plan::Step;
use serde_json::{Map, Value};

/// Fields `update` may change (CSDL names).
pub const UPDATABLE_FIELDS: [&str; 9] = [
    "department",
    "jobTitle",
    "employeeId",
    "employeeType",
    "employeeHireDate",
    "companyName",
    "officeLocation",
    "usageLocation",
    "mobilePhone",
];

const UPDATE_SELECT: &str = "id,userPrincipalName,onPremisesSyncEnabled,department,jobTitle,employeeId,employeeType,employeeHireDate,companyName,officeLocation,usageLocation,mobilePhone";

/// Parses the caller's changes; a field outside the allow-list is refused
/// by name.
pub fn parse_changes(input: &Value) -> Result<UserAttributes, OpError> {
    let object = input
        .as_object()
        .ok_or_else(|| OpError::invalid("changes", "must be an object"))?;
    if object.is_empty() {
        return Err(OpError::invalid("changes", "must name at least one field"));
    }
    for (key, value) in object {
        if !UPDATABLE_FIELDS.contains(&key.as_str()) {
            return Err(OpError::invalid(key, "is not a field this app may update"));
        }
        if !value.is_string() {
            return Err(OpError::invalid(key, "must be a string"));
        }
    }
    let parsed: UserAttributes = serde_json::from_value(input.clone())
        .map_err(|e| OpError::invalid("changes", &e.to_string()))?;
    validate_attributes(&parsed)
}

/// The fields of `wanted` that differ from `current`, as a PATCH body.
pub(crate) fn diff(current: &UserAttributes, wanted: &UserAttributes) -> Map<String, Value> {
    let current = serde_json::to_value(current).unwrap_or_default();
    let wanted = serde_json::to_value(wanted).unwrap_or_default();
    let mut body = Map::new();
    if let Some(w) = wanted.as_object() {
        for (k, v) in w {
            if !same_value(current.get(k), v) {
                body.insert(k.clone(), v.clone());
            }
        }
    }
    body
}

/// Equal, or the same date-time written differently.
fn same_value(current: Option<&Value>, wanted: &Value) -> bool {
    match (current.and_then(Value::as_str), wanted.as_str()) {
        (Some(c), Some(w)) => c == w || (c.len() >= 19 && w.len() >= 19 && c[..19] == w[..19]),
        _ => false,
    }
}

pub(crate) fn attributes_of(user: &UserView, extra: &Value) -> UserAttributes {
    let s = |k: &str| extra.get(k).and_then(Value::as_str).map(str::to_string);
    UserAttributes {
        department: user.department.clone(),
        job_title: user.job_title.clone(),
        employee_id: user.employee_id.clone(),
        employee_type: user.employee_type.clone(),
        employee_hire_date: user.employee_hire_date.clone(),
        company_name: user.company_name.clone(),
        office_location: user.office_location.clone(),
        usage_location: s("usageLocation"),
        mobile_phone: s("mobilePhone"),
    }
}

/// Updates allow-listed profile attributes ([`UPDATABLE_FIELDS`]) in two
/// round trips: one read, then one `PATCH /users/{id}` carrying only the
/// values that differ (none differing is a no-change step). For a user
/// synced from on-premises AD, a differing AD-mastered value is
/// [`OpError::OnPremisesMastered`] before any write; `usageLocation` is
/// cloud-mastered and written.
pub async fn update<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    changes: &UserAttributes,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let changes = validate_attributes(changes)?;
    let request = crate::lifecycle::resolve::user_read(user, UPDATE_SELECT, None);
    let response = client.send(&request, deadline).await;
    let raw = response
        .as_ref()
        .map(|r| r.body.clone())
        .unwrap_or_default();
    let target = crate::lifecycle::resolve::read_result(user, response)?;
    // Mail/employeeId reads return a collection; the extras live in item 0.
    let raw = raw
        .get("value")
        .and_then(|v| v.get(0))
        .cloned()
        .unwrap_or(raw);
    let body = diff(&attributes_of(&target, &raw), &changes);
    // Only values that would change count: an HR system re-sending a
    // synced user's unchanged department is not refused.
    refuse_ad_mastered(&target, body.keys().map(String::as_str))?;
    let summary = format!("Update the profile of {}", display_name(&target));
    let (settled, planned) = if body.is_empty() {
        (vec![no_change("profile.update", &summary)], vec![])
    } else {
        let fields: Vec<&str> = body.keys().map(String::as_str).collect();
        let change = Step::new(
            "profile.update",
            format!("{summary}: {}", fields.join(", ")),
            users::update_user(&target.id, body.clone()),
        );
        (vec![], vec![change])
    };
    Ok(finish(
        client,
        mode,
        deadline,
        settled,
        planned,
        Some(summary_of(&target)),
    )
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_field_is_named() {
        let e =
            parse_changes(&json!({"department": "Sales", "accountEnabled": "false"})).unwrap_err();
        assert_eq!(e.field(), Some("accountEnabled"));
        let e = parse_changes(&json!({"usageLocation": "USA"})).unwrap_err();
        assert_eq!(e.field(), Some("usageLocation"));
        assert!(parse_changes(&json!({"jobTitle": "Rep"})).is_ok());
    }

    #[test]
    fn diff_sends_only_changes() {
        let current = UserAttributes {
            department: Some("Sales".into()),
            job_title: Some("Rep".into()),
            ..Default::default()
        };
        let wanted = UserAttributes {
            department: Some("Sales".into()),
            job_title: Some("Lead".into()),
            ..Default::default()
        };
        let d = diff(&current, &wanted);
        assert_eq!(Value::Object(d), json!({"jobTitle": "Lead"}));
    }
}
