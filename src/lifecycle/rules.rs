//! Group rules: "users whose department is Sales get these groups".

use crate::graph::model::UserAttributes;
use crate::lifecycle::error::OpError;
use crate::lifecycle::ids::ObjectId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The attributes a rule may test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RuleAttribute {
    /// The user's `department`.
    Department,
    /// The user's `jobTitle`.
    JobTitle,
    /// The user's `companyName`.
    CompanyName,
    /// The user's `employeeType`.
    EmployeeType,
}

/// `attribute` equals `equals`, compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    /// Which user attribute to test.
    pub attribute: RuleAttribute,
    /// The value it must equal (case-insensitive, surrounding spaces ignored).
    pub equals: String,
}

impl Condition {
    /// Whether `subject`'s attribute equals the value (case-insensitive,
    /// surrounding spaces ignored); an unset attribute never does.
    pub fn holds(&self, subject: &RuleSubject<'_>) -> bool {
        subject
            .get(self.attribute)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case(self.equals.trim()))
    }
}

/// A rule: when all conditions hold, the user belongs in `groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupRule {
    /// Label shown to admins; required.
    pub name: String,
    /// Conditions, all of which must hold; at least one.
    pub when: Vec<Condition>,
    /// Groups the user then belongs in; at least one.
    pub groups: Vec<ObjectId>,
}

/// The validated rule set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct GroupRules {
    rules: Vec<GroupRule>,
}

/// The values rules are evaluated against.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuleSubject<'a> {
    /// `department`, if set.
    pub department: Option<&'a str>,
    /// `jobTitle`, if set.
    pub job_title: Option<&'a str>,
    /// `companyName`, if set.
    pub company_name: Option<&'a str>,
    /// `employeeType`, if set.
    pub employee_type: Option<&'a str>,
}

impl<'a> RuleSubject<'a> {
    /// The rule-relevant attributes of a user's attributes.
    pub fn of(attributes: &'a UserAttributes) -> Self {
        RuleSubject {
            department: attributes.department.as_deref(),
            job_title: attributes.job_title.as_deref(),
            company_name: attributes.company_name.as_deref(),
            employee_type: attributes.employee_type.as_deref(),
        }
    }

    fn get(&self, attribute: RuleAttribute) -> Option<&str> {
        match attribute {
            RuleAttribute::Department => self.department,
            RuleAttribute::JobTitle => self.job_title,
            RuleAttribute::CompanyName => self.company_name,
            RuleAttribute::EmployeeType => self.employee_type,
        }
    }
}

const MAX_RULES: usize = 200;

impl GroupRules {
    /// Parses and validates the admin's rule list; errors name the field,
    /// e.g. `groupRules[2].groups[0]`.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, OpError> {
        let items = value
            .as_array()
            .ok_or_else(|| OpError::invalid("groupRules", "must be a list"))?;
        if items.len() > MAX_RULES {
            return Err(OpError::invalid(
                "groupRules",
                &format!("may hold at most {MAX_RULES} rules"),
            ));
        }
        let mut rules = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let field = format!("groupRules[{i}]");
            if let Some(groups) = item.get("groups").and_then(|g| g.as_array()) {
                for (j, g) in groups.iter().enumerate() {
                    ObjectId::parse(g.as_str().unwrap_or(""), &format!("{field}.groups[{j}]"))?;
                }
            }
            let rule: GroupRule = serde_json::from_value(item.clone())
                .map_err(|e| OpError::invalid(&field, &e.to_string()))?;
            rules.push(rule);
        }
        Self::new(rules)
    }

    /// Validates the rules: each needs a name, at least one condition with a
    /// non-empty value, and at least one group. The error names the first
    /// offending path, e.g. `groupRules[2].when[0].equals`.
    pub fn new(rules: Vec<GroupRule>) -> Result<Self, OpError> {
        for (i, rule) in rules.iter().enumerate() {
            let field = format!("groupRules[{i}]");
            check_rule_head(&field, &rule.name, &rule.when)?;
            if rule.groups.is_empty() {
                return Err(OpError::invalid(
                    &format!("{field}.groups"),
                    "needs at least one group",
                ));
            }
        }
        Ok(GroupRules { rules })
    }

    /// The groups a new hire ends up in: the `explicit` groups the caller
    /// named plus those the rules derive from `attributes`, each once. The
    /// one place that computes it, for the plan and for the policy check.
    pub fn groups_for_new_hire(
        &self,
        explicit: &[ObjectId],
        attributes: &UserAttributes,
    ) -> BTreeSet<ObjectId> {
        explicit
            .iter()
            .cloned()
            .chain(self.groups_for(&RuleSubject::of(attributes)))
            .collect()
    }

    /// Every group any rule names, each once.
    pub fn all_groups(&self) -> BTreeSet<ObjectId> {
        self.rules
            .iter()
            .flat_map(|rule| rule.groups.iter().cloned())
            .collect()
    }

    /// The groups every rule matching `subject` yields, each once.
    pub fn groups_for(&self, subject: &RuleSubject<'_>) -> BTreeSet<ObjectId> {
        self.rules
            .iter()
            .filter(|rule| rule.when.iter().all(|c| c.holds(subject)))
            .flat_map(|rule| rule.groups.iter().cloned())
            .collect()
    }
}

/// Checks what every rule shares, group rule or licence rule: a name and at
/// least one condition, each with a value. `field` is the rule's path (e.g.
/// `groupRules[2]`); the error names the first offending path under it.
pub fn check_rule_head(field: &str, name: &str, when: &[Condition]) -> Result<(), OpError> {
    if name.trim().is_empty() {
        return Err(OpError::invalid(&format!("{field}.name"), "is required"));
    }
    if when.is_empty() {
        return Err(OpError::invalid(
            &format!("{field}.when"),
            "needs at least one condition",
        ));
    }
    if let Some(j) = when.iter().position(|c| c.equals.trim().is_empty()) {
        return Err(OpError::invalid(
            &format!("{field}.when[{j}].equals"),
            "is required",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const G1: &str = "11111111-1111-1111-1111-111111111111";
    const G2: &str = "22222222-2222-2222-2222-222222222222";

    fn rules() -> GroupRules {
        GroupRules::from_json(&json!([
            {"name": "sales", "when": [{"attribute": "department", "equals": "Sales"}], "groups": [G1]},
            {"name": "sales managers", "when": [{"attribute": "department", "equals": "sales"},
                {"attribute": "jobTitle", "equals": "Manager"}], "groups": [G2]}
        ]))
        .unwrap()
    }

    #[test]
    fn matches_case_insensitively_and_all_conditions() {
        let r = rules();
        let rep = r.groups_for(&RuleSubject {
            department: Some("SALES"),
            ..Default::default()
        });
        assert_eq!(rep.len(), 1);
        let mgr = r.groups_for(&RuleSubject {
            department: Some("sales"),
            job_title: Some("manager"),
            ..Default::default()
        });
        assert_eq!(mgr.len(), 2);
        assert!(r.groups_for(&RuleSubject::default()).is_empty());
    }

    #[test]
    fn validation_names_field() {
        let e = GroupRules::from_json(&json!([{"name": "x", "when": [{"attribute": "department", "equals": "a"}], "groups": ["nope"]}])).unwrap_err();
        assert_eq!(e.field(), Some("groupRules[0].groups[0]"));
        let e =
            GroupRules::from_json(&json!([{"name": "x", "when": [], "groups": [G1]}])).unwrap_err();
        assert_eq!(e.field(), Some("groupRules[0].when"));
        let e = GroupRules::from_json(&json!([{"name": "x", "when": [{"attribute": "shoeSize", "equals": "a"}], "groups": [G1]}])).unwrap_err();
        assert_eq!(e.field(), Some("groupRules[0]"));
    }

    #[test]
    fn serde_refusals_keep_serde_message_alone() {
        let e =
            GroupRules::from_json(&json!([{"name": "x", "when": [], "groups": [G1], "extra": 1}]))
                .unwrap_err();
        assert_eq!(e.field(), Some("groupRules[0]"));
        assert_eq!(
            e,
            OpError::invalid(
                "groupRules[0]",
                "unknown field `extra`, expected one of `name`, `when`, `groups`"
            )
        );
    }
}
