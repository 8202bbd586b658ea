//! Live previews for the admin page: what a naming template makes of a
//! sample person, and which groups the group rules give a sample user.
//! Pure functions of the payload: nothing is read or stored.

use super::ResolverError;
use crate::lifecycle::naming::NameParts;
use crate::lifecycle::rules::RuleSubject;
use crate::lifecycle::OpError;
use crate::lifecycle::{GroupRules, NamingTemplate};
use serde_json::{json, Value};

const MAX_TEXT: usize = 256;

/// `preview.naming {template, domain?, sample: {givenName, surname, employeeId?}}`.
pub fn naming(payload: &Value) -> Result<Value, ResolverError> {
    let template = text(payload, "template")?.unwrap_or_default();
    let domain = text(payload, "domain")?;
    let sample = &payload["sample"];
    let given = text(sample, "givenName")?.unwrap_or_else(|| "Adele".into());
    let surname = text(sample, "surname")?.unwrap_or_else(|| "Vance".into());
    let employee_id = text(sample, "employeeId")?;
    let parsed = NamingTemplate::parse(&template, domain.as_deref().or(Some("contoso.example")))
        .map_err(|e| invalid("template", e))?;
    let local = parsed
        .local_part(NameParts {
            given: &given,
            surname: &surname,
            employee_id: employee_id.as_deref(),
        })
        .map_err(|e| invalid("sample", e))?;
    Ok(json!({
        "userPrincipalName": parsed.upn(&local),
        // What the next person with the same name would get.
        "onCollision": parsed.upn(&NamingTemplate::candidate(&local, 2)),
    }))
}

/// `preview.rules {rules, sample: {department, jobTitle, companyName, employeeType}}`.
pub fn rules(payload: &Value) -> Result<Value, ResolverError> {
    let rules = GroupRules::from_json(&payload["rules"]).map_err(|e| invalid("rules", e))?;
    let sample = &payload["sample"];
    let department = text(sample, "department")?;
    let job_title = text(sample, "jobTitle")?;
    let company_name = text(sample, "companyName")?;
    let employee_type = text(sample, "employeeType")?;
    let groups = rules.groups_for(&RuleSubject {
        department: department.as_deref(),
        job_title: job_title.as_deref(),
        company_name: company_name.as_deref(),
        employee_type: employee_type.as_deref(),
    });
    Ok(json!({ "groups": groups.iter().map(|g| g.as_str()).collect::<Vec<_>>() }))
}

fn text(value: &Value, key: &str) -> Result<Option<String>, ResolverError> {
    match &value[key] {
        Value::Null => Ok(None),
        Value::String(s) if s.chars().count() <= MAX_TEXT => Ok(Some(s.clone())),
        _ => Err(ResolverError::Invalid {
            field: key.into(),
            message: format!("'{key}' must be text of at most {MAX_TEXT} characters."),
        }),
    }
}

fn invalid(prefix: &str, error: OpError) -> ResolverError {
    let field = match error.field() {
        Some(f) if !f.is_empty() => format!("{prefix}.{f}"),
        _ => prefix.to_string(),
    };
    ResolverError::Invalid {
        field,
        message: error.to_string(),
    }
}
