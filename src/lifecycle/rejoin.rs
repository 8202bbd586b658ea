//! `reapply_rules`: a leaver enabled again gets the groups the current
//! group rules, and the licences the current licence rules, give for the
//! attributes they hold now, not the access they had before they left
//! (which the offboarding removed and the audit trail lists). Two round
//! trips: one `$batch` reading the user (with `usageLocation` and
//! `licenseAssignmentStates` when there are licence rules), their direct
//! memberships and the tenant's `/subscribedSkus`, then one `$batch` adding
//! the missing groups and assigning the missing rule licences (with their
//! assignment states read back in the same batch).

use crate::graph::model::UserView;
use crate::graph::paging::Page;
use crate::graph::resources::licenses::{self, SubscribedSku};
use crate::graph::resources::users;
use crate::graph::{BatchItem, ClientError, Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::summary_of;
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, RunMode};
use crate::lifecycle::groups::add_member_change;
use crate::lifecycle::ids::ObjectId;
use crate::lifecycle::licence_rules::{
    check_seats, rule_licences_step, run_with_state_check, LicenceRules, RuleLicence,
};
use crate::lifecycle::licences::licensed_states;
use crate::lifecycle::outcome::Outcome;
use crate::lifecycle::plan::{Plan, Step};
use crate::lifecycle::rules::{GroupRules, RuleSubject};
use serde::Deserialize;
use serde_json::{json, Map};

const SELECT: &str =
    "id,userPrincipalName,displayName,department,jobTitle,companyName,employeeType";

#[derive(Deserialize)]
struct Membership {
    id: String,
}

/// Adds `user_id` to each group `rules` give for the user's current
/// `department`, `jobTitle`, `companyName` and `employeeType` that the
/// user is not a direct member of, and assigns each SKU `licences` give
/// that the user holds in no way (directly or through a group); what is
/// already held is left alone, so a re-run is no change. A rule licence
/// needs a `usageLocation`: the default one is set first when the user
/// has none; with no default, or no free seat, it is a 409 before any
/// write. In a dry run the plan says all of it and nothing is sent after
/// the reads.
pub async fn reapply_rules<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    rules: &GroupRules,
    licences: &LicenceRules,
    user_id: &ObjectId,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let with_licences = !licences.is_empty();
    let select = if with_licences {
        format!("{SELECT},usageLocation,licenseAssignmentStates")
    } else {
        SELECT.to_string()
    };
    let mut items = vec![
        BatchItem::new("user", users::get_user(user_id.as_str(), &select, None)),
        BatchItem::new("groups", users::list_direct_groups(user_id.as_str(), "id")),
    ];
    if with_licences {
        items.push(BatchItem::new("skus", licenses::list_subscribed_skus()));
    }
    let mut results = client.execute(&items, deadline).await.into_iter();
    let missing = || ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    };
    let user_read = results.next().unwrap_or(Err(missing()))?;
    let user: UserView = user_read.json("user")?;
    let held: Page<Membership> = results.next().unwrap_or(Err(missing()))?.json("memberOf")?;
    let tenant: Vec<SubscribedSku> = if with_licences {
        results
            .next()
            .unwrap_or(Err(missing()))?
            .json::<Page<SubscribedSku>>("subscribedSkus")?
            .value
    } else {
        Vec::new()
    };
    let subject = RuleSubject {
        department: user.department.as_deref(),
        job_title: user.job_title.as_deref(),
        company_name: user.company_name.as_deref(),
        employee_type: user.employee_type.as_deref(),
    };
    let mut changes: Vec<Step> = rules
        .groups_for(&subject)
        .into_iter()
        .filter(|g| {
            !held
                .value
                .iter()
                .any(|m| m.id.eq_ignore_ascii_case(g.as_str()))
        })
        .map(|g| add_member_change(client, &g, None, &user.id, false))
        .collect();

    let label = user
        .user_principal_name
        .clone()
        .unwrap_or_else(|| user.id.clone());
    let given = licences.resolve(&licences.matching(&subject), &tenant)?;
    let states = licensed_states(&user_read);
    let adds: Vec<&RuleLicence> = given
        .iter()
        .filter(|l| {
            !states
                .iter()
                .any(|s| s.sku_id.eq_ignore_ascii_case(&l.sku.sku_id))
        })
        .collect();
    if !adds.is_empty() {
        check_seats(&adds, &label)?;
        let mut step = rule_licences_step(&user.id, &label, &adds, &[]);
        let has_location = user_read.body["usageLocation"]
            .as_str()
            .is_some_and(|c| !c.trim().is_empty());
        if !has_location {
            let Some(country) = licences.default_usage_location() else {
                return Err(OpError::Conflict {
                    message: format!(
                        "The licence rules give {label} a licence, which needs a usageLocation, and {label} has none and no default usage location is set (provisioning.defaultUsageLocation): set the user's usageLocation first."
                    ),
                });
            };
            let mut body = Map::new();
            body.insert("usageLocation".into(), json!(country));
            changes.push(Step::new(
                "profile.update",
                format!("Set the usage location of {label} to {country} (licences need one)"),
                users::update_user(&user.id, body),
            ));
            step = step.after("profile.update");
        }
        changes.push(step);
    }

    if mode == RunMode::DryRun || adds.is_empty() {
        return Ok(finish(
            client,
            mode,
            deadline,
            Vec::new(),
            changes,
            Some(summary_of(&user)),
        )
        .await);
    }
    let plan = Plan::from_changes(&changes);
    let (results, remainder) =
        run_with_state_check(client, &changes, &user.id, &label, &adds, deadline).await;
    Ok(Outcome {
        dry_run: false,
        plan,
        steps: results.into_iter().map(|(step, _)| step).collect(),
        user: Some(summary_of(&user)),
        remainder,
    })
}
