//! `update` of allow-listed profile attributes; only changed values are
//! sent, and unchanged ones are reported as no change.

use crate::dates::{normalize, SiteZone};
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

/// What `update` writes: values to set, and fields to clear (Graph `null`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeChanges {
    /// New values, validated and trimmed; `None` leaves a field as it is.
    pub set: UserAttributes,
    /// Fields to clear (CSDL names from [`UPDATABLE_FIELDS`], all nullable
    /// in the v1.0 CSDL), sent to Graph as `null`.
    pub clear: Vec<String>,
}

impl AttributeChanges {
    /// The CSDL names this change writes, set or cleared, for the policy.
    pub fn names(&self) -> Vec<String> {
        let set = serde_json::to_value(&self.set).unwrap_or_default();
        let mut names: Vec<String> = set
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        names.extend(self.clear.iter().cloned());
        names
    }
}

/// Parses the caller's changes (a zone-less `employeeHireDate` is read in
/// UTC); see [`parse_changes_in`].
pub fn parse_changes(input: &Value) -> Result<AttributeChanges, OpError> {
    parse_changes_in(input, &SiteZone::utc())
}

/// Parses the caller's changes: a field outside the allow-list is refused
/// by name; a string sets the field (empty or blank means "not given" and
/// is left out); `null` clears it; dates are read by
/// [`crate::dates::normalize`] in `zone`. Nothing left to change is an
/// error on `changes`.
pub fn parse_changes_in(input: &Value, zone: &SiteZone) -> Result<AttributeChanges, OpError> {
    let object = input
        .as_object()
        .ok_or_else(|| OpError::invalid("changes", "must be an object"))?;
    let mut set = serde_json::Map::new();
    let mut clear = Vec::new();
    for (key, value) in object {
        if !UPDATABLE_FIELDS.contains(&key.as_str()) {
            return Err(OpError::invalid(key, "is not a field this app may update"));
        }
        match value {
            Value::Null => clear.push(key.clone()),
            Value::String(text) if text.trim().is_empty() => {}
            Value::String(text) if key == "employeeHireDate" => {
                let date = normalize(text, zone).map_err(|e| OpError::invalid(key, &e.message))?;
                set.insert(key.clone(), Value::String(date.utc));
            }
            Value::String(_) => {
                set.insert(key.clone(), value.clone());
            }
            _ => {
                return Err(OpError::invalid(
                    key,
                    "must be a string, or null to clear it",
                ))
            }
        }
    }
    if set.is_empty() && clear.is_empty() {
        return Err(OpError::invalid(
            "changes",
            "must name at least one field with a value (or null to clear it)",
        ));
    }
    let parsed: UserAttributes = serde_json::from_value(Value::Object(set))
        .map_err(|e| OpError::invalid("changes", &e.to_string()))?;
    Ok(AttributeChanges {
        set: validate_attributes(&parsed)?,
        clear,
    })
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
/// values that differ and `null` for fields to clear that hold a value
/// (none differing is a no-change step). For a user synced from
/// on-premises AD, a differing AD-mastered value is
/// [`OpError::OnPremisesMastered`] before any write; `usageLocation` is
/// cloud-mastered and written.
pub async fn update<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    changes: &AttributeChanges,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let wanted = validate_attributes(&changes.set)?;
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
    let current = attributes_of(&target, &raw);
    let mut body = diff(&current, &wanted);
    // Clearing what is already empty is no change.
    let current = serde_json::to_value(&current).unwrap_or_default();
    for field in &changes.clear {
        if current.get(field).is_some_and(|v| !v.is_null()) {
            body.insert(field.clone(), Value::Null);
        }
    }
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
    fn empty_is_not_given_and_null_clears() {
        let c = parse_changes(&json!({"jobTitle": "", "department": "  ", "officeLocation": null, "mobilePhone": "+1 425"})).unwrap();
        assert_eq!(c.set.job_title, None);
        assert_eq!(c.set.department, None);
        assert_eq!(c.set.mobile_phone.as_deref(), Some("+1 425"));
        assert_eq!(c.clear, vec!["officeLocation".to_string()]);
        assert_eq!(
            c.names(),
            vec!["mobilePhone".to_string(), "officeLocation".to_string()]
        );
        let e = parse_changes(&json!({"jobTitle": ""})).unwrap_err();
        assert_eq!(e.field(), Some("changes"));
        let e = parse_changes(&json!({"jobTitle": 5})).unwrap_err();
        assert_eq!(e.field(), Some("jobTitle"));
        let berlin = SiteZone::parse("Europe/Berlin").unwrap();
        let c =
            parse_changes_in(&json!({"employeeHireDate": "2027-01-04T09:00:00"}), &berlin).unwrap();
        assert_eq!(
            c.set.employee_hire_date.as_deref(),
            Some("2027-01-04T08:00:00Z")
        );
        let e = parse_changes(&json!({"employeeHireDate": "04/01/2027"})).unwrap_err();
        assert_eq!(e.field(), Some("employeeHireDate"));
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
