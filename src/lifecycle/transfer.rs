//! `transfer`: new department / job title / manager. Rule groups are
//! diffed (old rule groups removed, new ones added) and attributes updated.
//! Two round trips: a `$batch` of reads (user with manager, new manager,
//! direct memberships), then a `$batch` of every change. Licence rules
//! add no round trip: the user read selects its licences, `/subscribedSkus`
//! joins the first batch, and one `assignLicense` (removing the direct
//! licences the old rules gave and the new do not, adding the new ones)
//! joins the second, with the states read back after it (`dependsOn`).
//! Licences inherited from a group are never touched; a licence assigned
//! directly that no old rule gave is left alone.

use crate::graph::model::UserView;
use crate::graph::paging::Page;
use crate::graph::resources::licenses::{LicenseAssignmentState, SubscribedSku};
use crate::graph::resources::{groups, licenses, users};
use crate::graph::{BatchItem, ClientError, Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{display_name, summary_of};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish_then_read, no_change, no_change_step, RunMode};
use crate::lifecycle::groups::{add_member_change, remove_member_change};
use crate::lifecycle::hybrid::refuse_ad_mastered;
use crate::lifecycle::ids::{checked_text, ObjectId, UserRef};
use crate::lifecycle::licence_rules::{
    check_seats, rule_licences_step, run_with_state_check, RuleLicence, RULE_LICENCES_KEY,
};
use crate::lifecycle::licences::licensed_states;
use crate::lifecycle::outcome::{Outcome, Remainder, RemainderKind};
use crate::lifecycle::plan::Plan;
use crate::lifecycle::plan::{Step, StepTarget, TargetKind};
use crate::lifecycle::provisioning::ProvisioningRules;
use crate::lifecycle::readback;
use crate::lifecycle::resolve::{read_result, user_read};
use crate::lifecycle::rules::RuleSubject;
use serde::Deserialize;
use serde_json::{json, Map};
use std::collections::{BTreeMap, BTreeSet};

/// What a plan shows of the new manager.
const MANAGER_SELECT: &str = "id,displayName,userPrincipalName,mail";

const TRANSFER_SELECT: &str =
    "id,userPrincipalName,onPremisesSyncEnabled,department,jobTitle,companyName,employeeType";

/// A move to a new department, job title or manager; at least one is set.
#[derive(Debug, Clone)]
pub struct TransferRequest {
    /// Who moves.
    pub user: UserRef,
    /// New `department` (at most 64 characters); `None` keeps it.
    pub department: Option<String>,
    /// New `jobTitle` (at most 128 characters); `None` keeps it.
    pub job_title: Option<String>,
    /// New manager (must name exactly one user); `None` keeps it.
    pub manager: Option<UserRef>,
}

fn subject(u: &UserView) -> RuleSubject<'_> {
    RuleSubject {
        department: u.department.as_deref(),
        job_title: u.job_title.as_deref(),
        company_name: u.company_name.as_deref(),
        employee_type: u.employee_type.as_deref(),
    }
}

/// Transfers a user in two round trips: a `$batch` reading the user (with
/// manager), the new manager and the user's direct memberships, then a
/// `$batch` of the changes: attribute PATCH, manager PUT, removal from
/// groups the old attributes' rules gave (only where the user is a
/// member), addition to groups the new ones give (only where not yet).
/// Unchanged values are reported as no change. A user named by mail,
/// employeeId, or an address that is not their UPN needs one more read
/// for the memberships when rule groups change. For a user synced from on-premises AD, a changing department,
/// job title or manager is [`OpError::OnPremisesMastered`] naming them,
/// before any write; a manager naming no
/// user [`OpError::InvalidInput`] on `manager`.
pub async fn transfer<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    config: &ProvisioningRules,
    request: &TransferRequest,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let department = request
        .department
        .as_deref()
        .map(|d| checked_text(d, "department", 64))
        .transpose()?;
    let job_title = request
        .job_title
        .as_deref()
        .map(|j| checked_text(j, "jobTitle", 128))
        .transpose()?;
    if department.is_none() && job_title.is_none() && request.manager.is_none() {
        return Err(OpError::invalid(
            "transfer",
            "needs a new department, jobTitle or manager",
        ));
    }
    let with_licences = !config.licences.is_empty();
    let select = if with_licences {
        format!("{TRANSFER_SELECT},usageLocation,licenseAssignmentStates")
    } else {
        TRANSFER_SELECT.to_string()
    };
    let mut items = vec![BatchItem::new(
        "user",
        user_read(&request.user, &select, Some("manager($select=id)")),
    )];
    if let Some(m) = &request.manager {
        items.push(BatchItem::new("mgr", user_read(m, MANAGER_SELECT, None)));
    }
    // The direct memberships, so rule groups are left and joined only where
    // that changes something. An address is most often the user's UPN, which
    // addresses them in a path too ("Get user": `/users/{id |
    // userPrincipalName}`); the answer counts only when the user read finds
    // that UPN (below). A mail or employeeId cannot address them yet.
    let addressable = matches!(
        request.user,
        UserRef::Id(_) | UserRef::Upn(_) | UserRef::Address(_)
    );
    if addressable {
        items.push(BatchItem::new(
            "groups",
            users::list_direct_groups(request.user.value(), "id,displayName"),
        ));
    }
    // The rule groups' names, in the same round trip, so the plan names the
    // groups joined too (Graph's `in` takes at most 15 ids; past that the
    // id stands in for the name).
    let rule_groups: Vec<String> = config
        .rules
        .all_groups()
        .iter()
        .take(15)
        .map(|g| g.to_string())
        .collect();
    if !rule_groups.is_empty() {
        items.push(BatchItem::new(
            "names",
            groups::list_groups_by_id(&rule_groups, "id,displayName"),
        ));
    }
    if with_licences {
        items.push(BatchItem::new("skus", licenses::list_subscribed_skus()));
    }
    let mut results = client.execute(&items, deadline).await.into_iter();
    let missing = || ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    };
    let user_result = results.next().unwrap_or(Err(missing()));
    let states = user_result
        .as_ref()
        .map(licensed_states)
        .unwrap_or_default();
    let usage_location = user_result
        .as_ref()
        .ok()
        .and_then(|r| {
            r.body
                .get("value")
                .and_then(|v| v.get(0))
                .unwrap_or(&r.body)
                .get("usageLocation")
                .and_then(|u| u.as_str())
                .map(str::to_string)
        })
        .filter(|u| !u.trim().is_empty());
    let current = read_result(&request.user, user_result)?;
    let manager = match &request.manager {
        Some(m) => Some(
            read_result(m, results.next().unwrap_or(Err(missing()))).map_err(|e| match e {
                OpError::NotFound { what } => {
                    OpError::invalid("manager", &format!("names no user ({what})"))
                }
                other => other,
            })?,
        ),
        None => None,
    };
    let manager_id = manager.as_ref().map(|m| m.id.clone());
    let groups_read = if addressable { results.next() } else { None };
    // Another user's mail or proxy address may be this user's UPN: the
    // memberships read by path count only for the user found.
    let groups_read = match &request.user {
        UserRef::Address(a)
            if !current
                .user_principal_name
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(a)) =>
        {
            None
        }
        _ => groups_read,
    };
    // Names are a courtesy: a failed read leaves the ids in the plan.
    let names_read = if rule_groups.is_empty() {
        None
    } else {
        results.next()
    };
    let tenant: Vec<SubscribedSku> = if with_licences {
        results
            .next()
            .unwrap_or(Err(missing()))?
            .json::<Page<SubscribedSku>>("subscribedSkus")?
            .value
    } else {
        Vec::new()
    };
    let mut names: BTreeMap<String, String> = if rule_groups.is_empty() {
        BTreeMap::new()
    } else {
        names_read
            .and_then(Result::ok)
            .and_then(|r| r.json::<Page<NamedGroup>>("groups").ok())
            .map(|page| {
                page.value
                    .into_iter()
                    .filter_map(NamedGroup::entry)
                    .collect()
            })
            .unwrap_or_default()
    };
    // AD masters all three for a synced user: refuse the ones that would
    // change, naming them, before any write.
    let changing = [
        (
            "department",
            department.is_some() && !same_text(&current.department, &department),
        ),
        (
            "jobTitle",
            job_title.is_some() && !same_text(&current.job_title, &job_title),
        ),
        (
            "manager",
            manager_id.is_some() && current.manager.as_ref().map(|x| &x.id) != manager_id.as_ref(),
        ),
    ];
    refuse_ad_mastered(
        &current,
        changing.iter().filter(|(_, c)| *c).map(|(name, _)| *name),
    )?;
    let label = display_name(&current).to_string();
    let mut moved = current.clone();
    if department.is_some() {
        moved.department = department.clone();
    }
    if job_title.is_some() {
        moved.job_title = job_title.clone();
    }
    let old_groups: BTreeSet<_> = config.rules.groups_for(&subject(&current));
    let new_groups: BTreeSet<_> = config.rules.groups_for(&subject(&moved));

    let old_licences = config
        .licences
        .resolve(&config.licences.matching(&subject(&current)), &tenant)?;
    let new_licences = config
        .licences
        .resolve(&config.licences.matching(&subject(&moved)), &tenant)?;
    let diff = diff_licences(&old_licences, &new_licences, &states, &label);
    check_seats(&diff.adds, &label)?;

    let mut settled = Vec::new();
    let mut changes = Vec::new();
    let mut body = Map::new();
    if department.is_some() && !same_text(&current.department, &department) {
        body.insert("department".into(), json!(department));
    }
    if job_title.is_some() && !same_text(&current.job_title, &job_title) {
        body.insert("jobTitle".into(), json!(job_title));
    }
    let mut summary = format!("Update department/job title of {label}");
    if !diff.adds.is_empty() && usage_location.is_none() {
        let Some(country) = config.licences.default_usage_location() else {
            return Err(OpError::Conflict {
                message: format!(
                    "The licence rules give {label} a licence, which needs a usageLocation, and {label} has none and no default usage location is set (provisioning.defaultUsageLocation): set the user's usageLocation first."
                ),
            });
        };
        body.insert("usageLocation".into(), json!(country));
        summary = format!("{summary}; usage location {country} (licences need one)");
    }
    if body.is_empty() {
        if department.is_some() || job_title.is_some() {
            settled.push(no_change("profile.update", &summary));
        }
    } else {
        changes.push(Step::new(
            "profile.update",
            summary,
            users::update_user(&current.id, body),
        ));
    }
    if let Some(m) = &manager {
        let target = StepTarget::person(TargetKind::Manager, m);
        let change = Step::new(
            "manager.set",
            format!("Set manager to {}", target.label()),
            users::set_manager(&current.id, &client.settings().graph_root(), &m.id),
        )
        .with_targets(vec![target]);
        if current.manager.as_ref().map(|x| &x.id) == Some(&m.id) {
            settled.push(no_change_step(&change));
        } else {
            changes.push(change);
        }
    }
    if old_groups != new_groups {
        let first = match groups_read {
            Some(read) => read,
            None => {
                client
                    .send(&users::list_direct_groups(&current.id, "id"), deadline)
                    .await
            }
        };
        let direct: Vec<NamedGroup> = client.rest_of(first, 20, deadline).await?;
        names.extend(direct.iter().cloned().filter_map(NamedGroup::entry));
        let member = |g: &ObjectId| direct.iter().any(|d| d.id.eq_ignore_ascii_case(g.as_str()));
        let name = |g: &ObjectId| names.get(&g.as_str().to_ascii_lowercase()).cloned();
        for g in old_groups.difference(&new_groups) {
            let change = remove_member_change(g, name(g).as_deref(), &current.id);
            if member(g) {
                changes.push(change);
            } else {
                settled.push(no_change_step(&change));
            }
        }
        for g in new_groups.difference(&old_groups) {
            let change = add_member_change(client, g, name(g).as_deref(), &current.id, false);
            if member(g) {
                settled.push(no_change_step(&change));
            } else {
                changes.push(change);
            }
        }
    }
    if !diff.adds.is_empty() || !diff.removes.is_empty() {
        let mut step = rule_licences_step(&current.id, &label, &diff.adds, &diff.removes);
        if changes.iter().any(|c: &Step| c.key == "profile.update") {
            step = step.after("profile.update");
        }
        changes.push(step);
    }
    settled.extend(diff.settled);
    // Old rule groups the transfer leaves: a 204 proves only the direct
    // membership gone, so they are read back (in the writes' `$batch`, only
    // when one was removed).
    let expected = readback::Expected {
        user_id: current.id.clone(),
        label: label.clone(),
        left_groups: old_groups
            .difference(&new_groups)
            .map(|g| {
                (
                    g.clone(),
                    names.get(&g.as_str().to_ascii_lowercase()).cloned(),
                )
            })
            .collect(),
        ..Default::default()
    };
    // Without rule licences to check, the read-back rides at the end of the
    // writes' `$batch` (`dependsOn` on every write), so `verify` finds its
    // answers kept and sends nothing; a failed write answers it 424 and it
    // is sent alone.
    let mut outcome = if mode == RunMode::DryRun
        || !changes.iter().any(|c| c.key == RULE_LICENCES_KEY)
    {
        let read_back = readback::requests(&expected);
        let mut outcome = finish_then_read(
            client,
            mode,
            deadline,
            settled,
            changes,
            Some(summary_of(&current)),
            &read_back,
        )
        .await;
        outcome.remainder.extend(diff.remainder);
        outcome
    } else {
        let (results, mut remainder) =
            run_with_state_check(client, &changes, &current.id, &label, &diff.adds, deadline).await;
        remainder.extend(diff.remainder);
        settled.extend(results.into_iter().map(|(step, _)| step));
        Outcome {
            dry_run: false,
            plan: Plan::from_changes(&changes),
            steps: settled,
            user: Some(summary_of(&current)),
            remainder,
        }
    };
    if mode == RunMode::Execute {
        let expected = readback::done_in(&outcome, expected);
        outcome
            .remainder
            .extend(readback::verify(client, &expected, deadline).await);
    }
    Ok(outcome)
}

/// What a transfer does with the rule licences.
struct LicenceDiff<'a> {
    adds: Vec<&'a RuleLicence>,
    removes: Vec<&'a RuleLicence>,
    settled: Vec<crate::lifecycle::outcome::StepReport>,
    remainder: Vec<Remainder>,
}

/// Old rules' SKUs the new rules do not give are removed where the user
/// holds them directly; a SKU the user holds only through a group stays
/// (a remainder says so). New rules' SKUs the user does not hold yet are
/// added. Licences no old rule gives are never looked at.
fn diff_licences<'a>(
    old: &'a [RuleLicence],
    new: &'a [RuleLicence],
    states: &[LicenseAssignmentState],
    who: &str,
) -> LicenceDiff<'a> {
    let held = |l: &RuleLicence, direct: bool| {
        states.iter().any(|s| {
            s.sku_id.eq_ignore_ascii_case(&l.sku.sku_id) && s.assigned_by_group.is_none() == direct
        })
    };
    let given_by =
        |list: &[RuleLicence], l: &RuleLicence| list.iter().any(|o| o.sku.sku_id == l.sku.sku_id);
    let mut diff = LicenceDiff {
        adds: Vec::new(),
        removes: Vec::new(),
        settled: Vec::new(),
        remainder: Vec::new(),
    };
    for l in old.iter().filter(|l| !given_by(new, l)) {
        if held(l, true) {
            diff.removes.push(l);
        } else if held(l, false) {
            diff.remainder.push(Remainder::new(
                RemainderKind::Licence,
                format!(
                    "{who} keeps {} through a group although the new attributes' rules do not give it: remove the membership or the group's licence if it should go.",
                    l.sku.sku_part_number
                ),
            ));
        }
    }
    for l in new {
        if held(l, true) || held(l, false) {
            diff.settled.push(no_change(
                &format!("{RULE_LICENCES_KEY}:{}", l.sku.sku_part_number),
                &format!("{who} already holds {}", l.label()),
            ));
        } else {
            diff.adds.push(l);
        }
    }
    diff
}

/// A group as listed with `$select=id,displayName`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct NamedGroup {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
}

impl NamedGroup {
    /// The lower-cased id and the name, when there is one.
    fn entry(self) -> Option<(String, String)> {
        Some((self.id.to_ascii_lowercase(), self.display_name?))
    }
}

fn same_text(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.trim() == b.trim(),
        (None, None) => true,
        _ => false,
    }
}
