//! `offboard`: disable, revoke sessions, remove from the serviceable groups
//! the caller names that the user is really a direct member of, record the
//! leave date, and list the access that stays (dynamic, unserviceable and
//! nested memberships) as the remainder, and hand the leaver's direct
//! reports (and, as an opt-in, owned groups) to the successor
//! ([`crate::lifecycle::handover`]). Round trips: one read batch (the user,
//! their memberships, licences, manager, direct reports, owned groups and
//! the successor; through the pipeline it rides in the privileged-target
//! guard's batch, [`crate::graph::read_ahead`]) and one `$batch` of every
//! change, at whose end the read-back ([`crate::lifecycle::readback`]: a
//! 2xx does not prove the access gone) rides with `dependsOn` on the
//! changes. A leaver named by mail, or by an address that is not the UPN,
//! costs one lookup more; a change that fails, or changes that do not fit
//! one batch with the read-back, one read-back of its own; nested
//! memberships to trace, one more read. Steps already in place are reported
//! as no change, so a re-run resumes.

use crate::graph::model::UserView;
use crate::graph::paging::Page;
use crate::graph::resources::licenses::{self, SubscribedSku};
use crate::graph::resources::users;
use crate::graph::{BatchItem, GraphRequest, GraphResponse};
use crate::graph::{ClientError, Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{account_enabled_change, display_name, revoke_change, summary_of};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish_then_read, no_change_step, RunMode};
use crate::lifecycle::groups::{remove_member_change, AlsoRead};
use crate::lifecycle::handover;
use crate::lifecycle::ids::{ObjectId, UserRef};
use crate::lifecycle::memberships::{member_groups, remaining_access, Memberships};
use crate::lifecycle::outcome::{Outcome, Remainder, RemainderKind};
use crate::lifecycle::plan::Step;
use crate::lifecycle::resolve::{read_result, read_user, user_read};

/// What to do for a leaver.
#[derive(Debug, Clone, PartialEq)]
pub struct OffboardRequest {
    /// The leaver.
    pub user: UserRef,
    /// Who takes over the leaver's direct reports; the leaver's manager
    /// when `None`.
    pub successor: Option<UserRef>,
    /// Groups to leave (the caller decides which are serviceable).
    pub groups: Vec<ObjectId>,
    /// ISO 8601 date or date-time written to `employeeLeaveDateTime`.
    pub leave_date_time: String,
    /// Days after the leave date before directly assigned licences are
    /// removed: 0 removes them in this run; more leaves the removal as a
    /// [`crate::lifecycle::RemainderKind::Licence`] remainder naming the date.
    pub licence_removal_grace_days: u32,
    /// Make the successor an owner of the groups the leaver owned, and
    /// remove the leaver (`provisioning.handOverGroupOwnership`); otherwise
    /// they are listed as a remainder.
    pub hand_over_group_ownership: bool,
}

/// Offboards a leaver (one read batch, one `$batch` of changes carrying the
/// read-back a removal needs as proof): disable the account (no change if already disabled), revoke
/// sessions, leave those of the listed groups (at most 100) the user is a
/// direct member of (no request for the others), list every membership that
/// stays in [`Outcome::remainder`], and record `employeeLeaveDateTime` (a bare
/// date becomes midnight UTC; no change if already recorded). A date that
/// [`crate::dates::normalize`] refuses is [`OpError::InvalidInput`] on
/// `leaveDateTime`; a successor Entra does not know, who is the leaver or
/// whose account is disabled is [`OpError::InvalidInput`] on `successor`,
/// before any write.
pub async fn offboard<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    request: &OffboardRequest,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    // The pipeline normalises in the site time zone first; here a zone-less
    // date-time is UTC.
    let leave = crate::dates::normalize(&request.leave_date_time, &crate::dates::SiteZone::utc())
        .map_err(|e| OpError::invalid("leaveDateTime", &e.message))?
        .utc;
    if request.groups.len() > 100 {
        return Err(OpError::invalid("groups", "may list at most 100 groups"));
    }
    let (target, memberships, mut also) = read_leaver(client, request, deadline).await?;
    let missing = || ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    };
    let owned_read = also.pop().unwrap_or(Err(missing()));
    let reports_read = also.pop().unwrap_or(Err(missing()));
    let successor_read = match &request.successor {
        Some(successor) => {
            let read = also.pop().unwrap_or(Err(missing()));
            let view =
                crate::lifecycle::resolve::read_result(successor, read).map_err(|e| match e {
                    OpError::NotFound { .. } => OpError::invalid(
                        "successor",
                        &format!("no user {} in Entra", successor.value()),
                    ),
                    other => other,
                })?;
            if view.id.eq_ignore_ascii_case(&target.id) {
                return Err(OpError::invalid(
                    "successor",
                    "is the leaver: name someone else",
                ));
            }
            if view.account_enabled == Some(false) {
                // A team handed to a disabled account has no manager either.
                return Err(OpError::invalid(
                    "successor",
                    &format!(
                        "{} is disabled: name someone who can take over",
                        successor.value()
                    ),
                ));
            }
            Some(view)
        }
        None => None,
    };
    let reports: Vec<handover::Directory> = client.rest_of(reports_read, 20, deadline).await?;
    let owned_groups: Vec<handover::Directory> = client.rest_of(owned_read, 20, deadline).await?;
    let manager = also.first().and_then(|r| r.as_ref().ok()).and_then(|r| {
        let user = r
            .body
            .get("value")
            .and_then(|v| v.get(0))
            .unwrap_or(&r.body);
        serde_json::from_value::<crate::graph::model::ManagerView>(user.get("manager")?.clone())
            .ok()
    });
    let successor = successor_read
        .as_ref()
        .map(handover::Successor::of_user)
        .or_else(|| manager.as_ref().map(handover::Successor::of_manager));
    // A user with a `mail` address has a mailbox (or a mail user): its
    // leaver steps are Exchange's.
    let has_mailbox = also.first().and_then(|r| r.as_ref().ok()).is_some_and(|r| {
        let user = r
            .body
            .get("value")
            .and_then(|v| v.get(0))
            .unwrap_or(&r.body);
        user.get("mail")
            .and_then(serde_json::Value::as_str)
            .is_some()
    });
    let direct_licences = direct_licences(also)?;
    let label = display_name(&target).to_string();
    // Only real direct memberships are removed; what stays is listed.
    let leaving: Vec<ObjectId> = request
        .groups
        .iter()
        .filter(|g| memberships.direct_in(g).is_some())
        .cloned()
        .collect();
    let kept_any = memberships.direct.len() > leaving.len();
    let nested_only: Vec<&str> = memberships
        .nested_only()
        .iter()
        .map(|g| g.id.as_str())
        .collect();
    let nested = if kept_any && !nested_only.is_empty() {
        member_groups(client, &nested_only, deadline).await?
    } else {
        Default::default()
    };
    let remainder = remaining_access(&memberships, &leaving, &nested, &label);
    let mut settled = Vec::new();
    let mut changes = Vec::new();

    let disable = account_enabled_change(&target, false);
    if target.account_enabled == Some(false) {
        settled.push(no_change_step(&disable));
    } else {
        changes.push(disable);
    }
    changes.push(revoke_change(&target));
    for group in &leaving {
        let name = memberships
            .direct_in(group)
            .and_then(|g| g.display_name.clone());
        changes.push(remove_member_change(group, name.as_deref(), &target.id));
    }
    let leave_change = Step::new(
        "leaveDate.set",
        format!("Record {label}'s leave date {leave}"),
        users::set_employee_leave_date(&target.id, &leave),
    );
    let recorded = target
        .employee_leave_date_time
        .as_deref()
        // Graph may answer with fractions or another offset form: compare
        // instants through the one date reader, not characters.
        .and_then(|d| crate::dates::normalize(d, &crate::dates::SiteZone::utc()).ok())
        .is_some_and(|d| d.utc == leave);
    if recorded {
        settled.push(no_change_step(&leave_change));
    } else {
        changes.push(leave_change);
    }
    let (handover_steps, handover_remainder) = handover::plan(
        &label,
        &target.id,
        successor.as_ref(),
        &reports,
        &owned_groups,
        request.hand_over_group_ownership,
        &client.settings().graph_root(),
    );
    changes.extend(handover_steps);
    let mut licence_remainder = Vec::new();
    if !direct_licences.is_empty() {
        let names: Vec<&str> = direct_licences.iter().map(|(_, n)| n.as_str()).collect();
        let days = request.licence_removal_grace_days;
        if days == 0 {
            let ids: Vec<String> = direct_licences.iter().map(|(id, _)| id.clone()).collect();
            changes.push(Step::new(
                "licences.remove",
                format!("Remove {label}'s licences {}", names.join(", ")),
                licenses::assign_license(&target.id, &[], &ids),
            ));
        } else {
            let when = crate::dates::date_after_days(&leave, days).unwrap_or_else(|| leave.clone());
            licence_remainder.push(Remainder::new(
                RemainderKind::Licence,
                format!(
                    "Remove {label}'s licences {} on {when} ({days} days after the leave date, provisioning.licenceRemovalGraceDays)",
                    names.join(", ")
                ),
            ));
        }
    }
    let removed_skus = if request.licence_removal_grace_days == 0 {
        direct_licences.clone()
    } else {
        Vec::new()
    };
    let expected = crate::lifecycle::readback::Expected {
        user_id: target.id.clone(),
        label: label.clone(),
        left_groups: leaving
            .iter()
            .map(|g| {
                let name = memberships
                    .direct_in(g)
                    .and_then(|m| m.display_name.clone());
                (g.clone(), name)
            })
            .collect(),
        removed_skus,
        disabled: true,
    };
    // The read-back rides at the end of the changes' batch; `verify` below
    // then finds its answers (or, when a change failed, reads again).
    let read_back = crate::lifecycle::readback::requests(&expected);
    let mut outcome = finish_then_read(
        client,
        mode,
        deadline,
        settled,
        changes,
        Some(summary_of(&target)),
        &read_back,
    )
    .await;
    if mode == RunMode::Execute {
        // Done only when observed: one read-back where a 2xx cannot prove
        // the end state (a removal leaves nested access; a group licence
        // stays).
        let expected = crate::lifecycle::readback::done_in(&outcome, expected);
        outcome
            .remainder
            .extend(crate::lifecycle::readback::verify(client, &expected, deadline).await);
    }
    // An owner change Graph refused for want of permission: say which one
    // the opt-in needs, beside Graph's words.
    let refused_owners: Vec<String> = outcome
        .steps
        .iter()
        .filter(|s| {
            s.key.starts_with("handover.owner.add:") && s.outcome.refusal_status() == Some(403)
        })
        .flat_map(|s| s.targets.first().map(|t| format!("'{}'", t.name())))
        .collect();
    if !refused_owners.is_empty() {
        outcome.remainder.push(Remainder::new(
            RemainderKind::GroupOwnership,
            format!(
                "{label} still owns {}: Graph refused the owner change, which needs Group.ReadWrite.All (provisioning.handOverGroupOwnership; see the permission doctor); grant it and re-send, or change the owners in Entra",
                refused_owners.join(", ")
            ),
        ));
    }
    if has_mailbox {
        // Graph v1.0 has no call to convert a mailbox to a shared one, set
        // forwarding or a litigation hold: they are Exchange Online's
        // (Set-Mailbox -Type Shared, -ForwardingSmtpAddress,
        // -LitigationHoldEnabled).
        outcome.remainder.push(Remainder::new(
            RemainderKind::Mailbox,
            format!("{label}'s mailbox is left as it is: in Exchange Online, convert it to a shared mailbox, set forwarding or a litigation hold if your leaver process asks for them (Graph has no call for these)"),
        ));
    }
    outcome.remainder.extend(remainder);
    outcome.remainder.extend(licence_remainder);
    outcome.remainder.extend(handover_remainder);
    if target.user_type.as_deref() == Some("Guest") {
        // A guest is usually deleted once its grace period is over; the
        // app does not schedule that.
        outcome.remainder.push(crate::lifecycle::Remainder::new(
            crate::lifecycle::RemainderKind::DeletionPending,
            format!("{label} is a guest: delete the account with user.delete once its grace period is over (it is restorable for 30 days after)"),
        ));
    }
    // A synced leaver is re-enabled by the next sync unless AD disables it.
    outcome
        .remainder
        .extend(crate::lifecycle::hybrid::account_state_remainder(
            &target, false,
        ));
    Ok(outcome)
}

/// What offboarding reads of the leaver (beyond the memberships):
/// [`crate::lifecycle::account::TARGET_SELECT`], `mail` and the licence
/// states, with the manager.
const LEAVER_SELECT: &str = "id,userPrincipalName,accountEnabled,onPremisesSyncEnabled,employeeLeaveDateTime,userType,mail,licenseAssignmentStates";
const MANAGER_EXPAND: &str = "manager($select=id,displayName,userPrincipalName,mail)";

/// How the leaver's lists can be addressed before the leaver is read: an
/// id or UPN as given, an address tried as a UPN (Graph takes a UPN in the
/// path). A mail or employeeId is resolved first.
pub fn path_key(user: &UserRef) -> Option<&str> {
    match user {
        UserRef::Id(_) | UserRef::Upn(_) | UserRef::Address(_) => Some(user.value()),
        UserRef::Mail(_) | UserRef::EmployeeId(_) => None,
    }
}

/// Offboarding's one read round trip, with the leaver's lists addressed by
/// `key`: direct and transitive memberships, the leaver (for an address:
/// the lookup by UPN, mail or proxy address, which also proves the address
/// names one user), the tenant's SKUs, the successor, and the hand-over's
/// direct reports and owned groups. The policy's target check carries them
/// in its own round trip ([`crate::graph::read_ahead`]).
pub fn read_requests(request: &OffboardRequest, key: &str) -> Vec<GraphRequest> {
    let [direct, transitive] = Memberships::requests(key);
    let mut reads = vec![
        direct,
        transitive,
        user_read(&request.user, LEAVER_SELECT, Some(MANAGER_EXPAND)),
        licenses::list_subscribed_skus(),
    ];
    if let Some(successor) = &request.successor {
        reads.push(user_read(
            successor,
            "id,displayName,userPrincipalName,mail,accountEnabled",
            None,
        ));
    }
    reads.extend(handover::requests(key));
    reads
}

/// The leaver, their memberships, and the rest of [`read_requests`]'s
/// answers in order from the leaver's read on. One round trip for an id, a
/// UPN, or an address that is the UPN; an address that is a mail or an
/// alias answers 404 on the lists by path and costs one more, by id; a mail
/// or employeeId is looked up first.
async fn read_leaver<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    request: &OffboardRequest,
    deadline: Deadline,
) -> Result<(UserView, Memberships, AlsoRead), OpError> {
    let mut key = match path_key(&request.user) {
        Some(key) => key.to_string(),
        None => {
            read_user(client, &request.user, "id", None, deadline)
                .await?
                .id
        }
    };
    // The policy's check may have read ahead by id (the address was not a UPN).
    if let Some(id) = client.read_ahead.resolved_key(&key) {
        key = id;
    }
    let mut results = run_reads(client, &read_requests(request, &key), deadline).await;
    let view = read_result(&request.user, results[2].clone())?;
    let not_found = |r: &Result<GraphResponse, ClientError>| matches!(r, Err(ClientError::Graph(g)) if g.is_not_found());
    if !view.id.eq_ignore_ascii_case(&key) && (not_found(&results[0]) || not_found(&results[1])) {
        // The address is a mail or an alias, not the UPN.
        key = view.id.clone();
        results = run_reads(client, &read_requests(request, &key), deadline).await;
    }
    let mut results = results.into_iter();
    let missing = || ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    };
    let direct = results.next().unwrap_or(Err(missing()));
    let transitive = results.next().unwrap_or(Err(missing()));
    let leaver = results.next().unwrap_or(Err(missing()));
    let view = read_result(&request.user, leaver.clone())?;
    let memberships = Memberships::from_results(client, direct, transitive, deadline).await?;
    // The leaver's read answers for the licences and the manager too.
    Ok((
        view,
        memberships,
        std::iter::once(leaver).chain(results).collect(),
    ))
}

async fn run_reads<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    reads: &[GraphRequest],
    deadline: Deadline,
) -> Vec<Result<GraphResponse, ClientError>> {
    let items: Vec<BatchItem> = reads
        .iter()
        .enumerate()
        .map(|(i, r)| BatchItem::new(i.to_string(), r.clone()))
        .collect();
    client.execute(&items, deadline).await
}

/// The leaver's directly assigned licences (SKU id, part number) from the
/// extra reads: the user's `licenseAssignmentStates` and `subscribedSkus`.
/// Inherited licences go with the group memberships.
fn direct_licences(
    also: crate::lifecycle::groups::AlsoRead,
) -> Result<Vec<(String, String)>, OpError> {
    let mut results = also.into_iter();
    let missing = || ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    };
    let licensed =
        crate::lifecycle::licences::licensed_states(&results.next().unwrap_or(Err(missing()))?);
    let skus: Page<SubscribedSku> = results
        .next()
        .unwrap_or(Err(missing()))?
        .json("subscribedSkus")?;
    let mut out: Vec<(String, String)> = Vec::new();
    for state in licensed.iter().filter(|s| s.assigned_by_group.is_none()) {
        if out
            .iter()
            .any(|(id, _)| id.eq_ignore_ascii_case(&state.sku_id))
        {
            continue;
        }
        let name = skus
            .value
            .iter()
            .find(|s| s.sku_id.eq_ignore_ascii_case(&state.sku_id))
            .map_or_else(|| state.sku_id.clone(), |s| s.sku_part_number.clone());
        out.push((state.sku_id.clone(), name));
    }
    Ok(out)
}
