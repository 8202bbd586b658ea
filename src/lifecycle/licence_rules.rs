//! Licence rules: "users whose department is Sales get ENTERPRISEPACK".
//!
//! Same matching as the group rules ([`Condition`]: every condition holds,
//! case-insensitive). `user.create` assigns the SKUs of the matching rules
//! once the account exists; `user.transfer` removes the direct licences the
//! old attributes' rules gave and the new ones do not, and adds the new
//! ones. SKU and plan names are only checkable against the tenant's
//! `/subscribedSkus`: on save the shape is checked, at run time an unknown
//! name is a 409 naming the rule.
//!
//! Sources: assignLicense
//! <https://learn.microsoft.com/en-us/graph/api/user-assignlicense?view=graph-rest-1.0>,
//! subscribedSku <https://learn.microsoft.com/en-us/graph/api/resources/subscribedsku?view=graph-rest-1.0>.

use crate::graph::resources::licenses::{self, AssignedLicense, SubscribedSku};
use crate::graph::resources::users;
use crate::graph::{Deadline, GraphClient, GraphResponse};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::run_changes_keeping_responses;
use crate::lifecycle::licences::{assignment_error_text, licensed_states, LicenceName, MAX_SKUS};
use crate::lifecycle::outcome::{Remainder, RemainderKind, StepOutcome, StepReport};
use crate::lifecycle::plan::Step;
use crate::lifecycle::rules::{check_rule_head, Condition, RuleSubject};
use serde::{Deserialize, Serialize};

/// Key of the step that assigns (and removes) rule licences.
pub const RULE_LICENCES_KEY: &str = "licences.rules";
/// Key of the read of `licenseAssignmentStates` batched after it.
const STATE_CHECK_KEY: &str = "licences.rules.check";
const MAX_RULES: usize = 200;

/// A rule: when all conditions hold, the user gets `skus` directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LicenceRule {
    /// Label shown to admins and named in errors; required.
    pub name: String,
    /// Conditions, all of which must hold; at least one.
    pub when: Vec<Condition>,
    /// SKUs by `skuPartNumber` (`ENTERPRISEPACK`) or `skuId`; at least
    /// one, at most 20.
    pub skus: Vec<String>,
    /// Service plans (`servicePlanName` or `servicePlanId`) switched off in
    /// those SKUs; optional.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disabled_plans: Vec<String>,
}

/// The validated licence rules and the tenant default `usageLocation`
/// (ISO 3166-1 alpha-2) a user without one gets before licences.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LicenceRules {
    rules: Vec<LicenceRule>,
    default_usage_location: Option<String>,
}

/// A SKU the matching rules give, matched to the tenant's subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleLicence {
    /// The subscription.
    pub sku: SubscribedSku,
    /// `servicePlanId`s switched off (those every rule giving it disables).
    pub disabled_plans: Vec<String>,
    /// The names of the rules that give it.
    pub rules: Vec<String>,
}

impl RuleLicence {
    /// `ENTERPRISEPACK (rule Sales)`.
    pub fn label(&self) -> String {
        format!(
            "{} (rule {})",
            self.sku.sku_part_number,
            self.rules.join(", ")
        )
    }
}

impl LicenceRules {
    /// Validates the rules; the error names the first offending path, e.g.
    /// `licenceRules[1].skus[0]` or `licenceRules[0].when[0].equals`.
    pub fn new(rules: Vec<LicenceRule>) -> Result<Self, OpError> {
        if rules.len() > MAX_RULES {
            return Err(OpError::invalid(
                "licenceRules",
                &format!("may hold at most {MAX_RULES} rules"),
            ));
        }
        for (i, rule) in rules.iter().enumerate() {
            let field = format!("licenceRules[{i}]");
            check_rule_head(&field, &rule.name, &rule.when)?;
            if rule.skus.is_empty() {
                return Err(OpError::invalid(
                    &format!("{field}.skus"),
                    "needs at least one SKU",
                ));
            }
            for (list, names) in [
                ("skus", &rule.skus),
                ("disabledPlans", &rule.disabled_plans),
            ] {
                if names.len() > MAX_SKUS {
                    return Err(OpError::invalid(
                        &format!("{field}.{list}"),
                        &format!("may name at most {MAX_SKUS}"),
                    ));
                }
                for (j, name) in names.iter().enumerate() {
                    LicenceName::parse(name, &format!("{field}.{list}[{j}]"))?;
                }
            }
        }
        Ok(LicenceRules {
            rules,
            default_usage_location: None,
        })
    }

    /// Sets the tenant default `usageLocation` (already validated).
    pub fn with_default_usage_location(mut self, code: Option<String>) -> Self {
        self.default_usage_location = code;
        self
    }

    /// The tenant default `usageLocation`, if the admin set one.
    pub fn default_usage_location(&self) -> Option<&str> {
        self.default_usage_location.as_deref()
    }

    /// Whether there are no rules (nothing to read, nothing to assign).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The indices of the rules matching `subject`.
    pub fn matching(&self, subject: &RuleSubject<'_>) -> Vec<usize> {
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.when.iter().all(|c| c.holds(subject)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The SKUs the rules at `indices` give, matched against the tenant's
    /// subscriptions, each once. A SKU or plan the tenant does not have is
    /// a 409 naming the rule (`provisioning.licenceRules[i].skus[j]`): the
    /// admin's to fix, not the caller's.
    pub fn resolve(
        &self,
        indices: &[usize],
        tenant: &[SubscribedSku],
    ) -> Result<Vec<RuleLicence>, OpError> {
        let known = || {
            let names: Vec<&str> = tenant.iter().map(|s| s.sku_part_number.as_str()).collect();
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        let mut out: Vec<RuleLicence> = Vec::new();
        for &i in indices {
            let rule = &self.rules[i];
            let mut skus: Vec<&SubscribedSku> = Vec::new();
            for (j, text) in rule.skus.iter().enumerate() {
                let name = LicenceName::parse(text, "sku")?;
                let sku = tenant.iter().find(|s| match &name {
                    LicenceName::Id(id) => s.sku_id.eq_ignore_ascii_case(id.as_str()),
                    LicenceName::Name(n) => s.sku_part_number.eq_ignore_ascii_case(n),
                });
                match sku {
                    Some(s) => skus.push(s),
                    None => {
                        return Err(OpError::Conflict {
                            message: format!(
                                "The licence rule '{}' (provisioning.licenceRules[{i}].skus[{j}]) names '{}', which is no subscription of the tenant (the tenant has: {}). Correct the rule on the admin page.",
                                rule.name, text.trim(), known()
                            ),
                        })
                    }
                }
            }
            let mut disabled: Vec<Vec<String>> = vec![Vec::new(); skus.len()];
            for (j, text) in rule.disabled_plans.iter().enumerate() {
                let name = LicenceName::parse(text, "plan")?;
                let mut hit = false;
                for (k, sku) in skus.iter().enumerate() {
                    for plan in &sku.service_plans {
                        let matches = match &name {
                            LicenceName::Id(id) => {
                                plan.service_plan_id.eq_ignore_ascii_case(id.as_str())
                            }
                            LicenceName::Name(n) => plan
                                .service_plan_name
                                .as_deref()
                                .is_some_and(|p| p.eq_ignore_ascii_case(n)),
                        };
                        if matches {
                            hit = true;
                            disabled[k].push(plan.service_plan_id.clone());
                        }
                    }
                }
                if !hit {
                    return Err(OpError::Conflict {
                        message: format!(
                            "The licence rule '{}' (provisioning.licenceRules[{i}].disabledPlans[{j}]) names '{}', which is no service plan of its SKUs. Correct the rule on the admin page.",
                            rule.name, text.trim()
                        ),
                    });
                }
            }
            for (sku, plans) in skus.into_iter().zip(disabled) {
                match out.iter_mut().find(|o| o.sku.sku_id == sku.sku_id) {
                    // Two rules give it: a plan stays off only if both say so.
                    Some(o) => {
                        o.disabled_plans.retain(|p| plans.contains(p));
                        if !o.rules.contains(&rule.name) {
                            o.rules.push(rule.name.clone());
                        }
                    }
                    None => out.push(RuleLicence {
                        sku: sku.clone(),
                        disabled_plans: plans,
                        rules: vec![rule.name.clone()],
                    }),
                }
            }
        }
        Ok(out)
    }
}

/// A 409 when a licence to add has no free seat, before any write.
pub fn check_seats(adds: &[&RuleLicence], who: &str) -> Result<(), OpError> {
    match adds.iter().find(|l| l.sku.free_units() <= 0) {
        Some(l) => Err(OpError::Conflict {
            message: format!(
                "No licence of {} is free: all {} are assigned. The licence rule {} gives it to {who}: free a seat or buy more first.",
                l.sku.sku_part_number,
                l.sku.prepaid_units.enabled,
                l.rules.join(", ")
            ),
        }),
        None => Ok(()),
    }
}

/// The one `assignLicense` call of the rule licences: `adds` assigned
/// (with their disabled plans), `removes` (SKU part numbers and ids)
/// removed. The summary names every SKU and the rules.
pub fn rule_licences_step(
    user_id: &str,
    who: &str,
    adds: &[&RuleLicence],
    removes: &[&RuleLicence],
) -> Step {
    let body: Vec<AssignedLicense> = adds
        .iter()
        .map(|l| AssignedLicense {
            sku_id: l.sku.sku_id.clone(),
            disabled_plans: l.disabled_plans.clone(),
        })
        .collect();
    let ids: Vec<String> = removes.iter().map(|l| l.sku.sku_id.clone()).collect();
    let list = |ls: &[&RuleLicence]| ls.iter().map(|l| l.label()).collect::<Vec<_>>().join(", ");
    let summary = match (adds.is_empty(), removes.is_empty()) {
        (false, true) => format!("Assign {} to {who}", list(adds)),
        (true, false) => format!("Remove {} from {who}", list(removes)),
        _ => format!(
            "Assign {} to {who} and remove {}",
            list(adds),
            list(removes)
        ),
    };
    Step::new(
        RULE_LICENCES_KEY,
        summary,
        licenses::assign_license(user_id, &body, &ids),
    )
}

/// Runs `changes` in one `$batch`, with a read of the user's
/// `licenseAssignmentStates` after the rule-licence step (`dependsOn`), so
/// checking the assignment costs no round trip of its own. Returns each
/// change's report and response, and the assignment errors of `adds` as
/// remainders (in words, as in the licence routes).
pub async fn run_with_state_check<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    changes: &[Step],
    user_id: &str,
    who: &str,
    adds: &[&RuleLicence],
    deadline: Deadline,
) -> (Vec<(StepReport, Option<GraphResponse>)>, Vec<Remainder>) {
    let assigns = !adds.is_empty() && changes.iter().any(|c| c.key == RULE_LICENCES_KEY);
    if !assigns {
        return (
            run_changes_keeping_responses(client, changes, deadline).await,
            Vec::new(),
        );
    }
    let mut request = users::get_user(user_id, "id,licenseAssignmentStates", None);
    if changes
        .iter()
        .any(|c| c.key == RULE_LICENCES_KEY && c.request.retry_not_found)
    {
        request = request.just_created();
    }
    let mut all = changes.to_vec();
    all.push(
        Step::new(STATE_CHECK_KEY, "Read the licence states back", request)
            .after(RULE_LICENCES_KEY),
    );
    let mut results = run_changes_keeping_responses(client, &all, deadline).await;
    let (check, response) = results.pop().unwrap_or_else(|| {
        (
            StepReport::new(
                STATE_CHECK_KEY,
                "",
                StepOutcome::Skipped {
                    reason: String::new(),
                },
            ),
            None,
        )
    });
    let assigned = results
        .iter()
        .any(|(s, _)| s.key == RULE_LICENCES_KEY && s.outcome == StepOutcome::Done);
    let mut remainder = Vec::new();
    if assigned {
        match (check.outcome, response) {
            (StepOutcome::Done, Some(r)) => {
                let states = licensed_states(&r);
                for l in adds {
                    for state in states
                        .iter()
                        .filter(|s| s.sku_id.eq_ignore_ascii_case(&l.sku.sku_id))
                    {
                        if let Some(error) = state.error() {
                            remainder.push(Remainder::new(
                                RemainderKind::Licence,
                                format!(
                                    "{} for {who} is in error ({error}): {}.",
                                    l.sku.sku_part_number,
                                    assignment_error_text(error)
                                ),
                            ));
                        }
                    }
                }
            }
            _ => remainder.push(Remainder::new(
                RemainderKind::Licence,
                format!("Check the licences of {who} in Entra: their state could not be read after the assignment."),
            )),
        }
    }
    (results, remainder)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(v: serde_json::Value) -> Result<LicenceRules, OpError> {
        LicenceRules::new(serde_json::from_value(v).unwrap())
    }

    #[test]
    fn validation_names_the_field() {
        let e = rules(json!([{"name": "x", "when": [{"attribute": "department", "equals": "a"}], "skus": []}])).unwrap_err();
        assert_eq!(e.field(), Some("licenceRules[0].skus"));
        let e = rules(json!([{"name": "x", "when": [{"attribute": "department", "equals": "a"}], "skus": ["E3", " "]}])).unwrap_err();
        assert_eq!(e.field(), Some("licenceRules[0].skus[1]"));
        let e = rules(json!([{"name": " ", "when": [], "skus": ["E3"]}])).unwrap_err();
        assert_eq!(e.field(), Some("licenceRules[0].name"));
        let e = rules(json!([{"name": "x", "when": [{"attribute": "jobTitle", "equals": ""}], "skus": ["E3"]}])).unwrap_err();
        assert_eq!(e.field(), Some("licenceRules[0].when[0].equals"));
    }

    #[test]
    fn matches_like_group_rules() {
        let r = rules(json!([
            {"name": "sales", "when": [{"attribute": "department", "equals": "Sales"}], "skus": ["ENTERPRISEPACK"]},
            {"name": "mgr", "when": [{"attribute": "department", "equals": "sales"}, {"attribute": "jobTitle", "equals": "Manager"}], "skus": ["SPE_E5"]}
        ]))
        .unwrap();
        let rep = RuleSubject {
            department: Some(" SALES "),
            ..Default::default()
        };
        assert_eq!(r.matching(&rep), vec![0]);
        let mgr = RuleSubject {
            department: Some("Sales"),
            job_title: Some("manager"),
            ..Default::default()
        };
        assert_eq!(r.matching(&mgr), vec![0, 1]);
        assert!(r.resolve(&[0], &[]).is_err());
    }
}
