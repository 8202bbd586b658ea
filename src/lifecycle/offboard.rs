//! `offboard`: disable, revoke sessions, remove from the serviceable groups
//! the caller names, record the leave date. Two round trips: one read, one
//! `$batch` of every change. Steps already in place are reported as no
//! change, so a re-run resumes.

use crate::graph::resources::users;
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{
    account_enabled_change, display_name, revoke_change, summary_of, TARGET_SELECT,
};
use crate::lifecycle::create::{looks_like_iso_date, normalize_date};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, no_change, RunMode};
use crate::lifecycle::groups::remove_member_change;
use crate::lifecycle::ids::{ObjectId, UserRef};
use crate::lifecycle::outcome::Outcome;
use crate::lifecycle::plan::Step;
use crate::lifecycle::resolve::read_user;

/// What to do for a leaver.
#[derive(Debug, Clone)]
pub struct OffboardRequest {
    /// The leaver.
    pub user: UserRef,
    /// Groups to leave (the caller decides which are serviceable).
    pub groups: Vec<ObjectId>,
    /// ISO 8601 date or date-time written to `employeeLeaveDateTime`.
    pub leave_date_time: String,
}

/// Offboards a leaver in two round trips (one read, one `$batch`): disable
/// the account (no change if already disabled), revoke sessions, leave the
/// listed groups (at most 100), and record `employeeLeaveDateTime` (a bare
/// date becomes midnight UTC; no change if already recorded). A date that is
/// not ISO 8601 is [`OpError::InvalidInput`] on `leaveDateTime`.
pub async fn offboard<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    request: &OffboardRequest,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let leave = request.leave_date_time.trim();
    if !looks_like_iso_date(leave) {
        return Err(OpError::invalid(
            "leaveDateTime",
            "must be an ISO 8601 date or date-time",
        ));
    }
    let leave = normalize_date(leave);
    if request.groups.len() > 100 {
        return Err(OpError::invalid("groups", "may list at most 100 groups"));
    }
    let target = read_user(client, &request.user, TARGET_SELECT, None, deadline).await?;
    let label = display_name(&target).to_string();
    let mut settled = Vec::new();
    let mut changes = Vec::new();

    let disable = account_enabled_change(&target, false);
    if target.account_enabled == Some(false) {
        settled.push(no_change(&disable.key, &disable.summary));
    } else {
        changes.push(disable);
    }
    changes.push(revoke_change(&target));
    for group in &request.groups {
        changes.push(remove_member_change(group, &target.id, &label));
    }
    let leave_change = Step::new(
        "leaveDate.set",
        format!("Record {label}'s leave date {leave}"),
        users::set_employee_leave_date(&target.id, &leave),
    );
    let recorded = target
        .employee_leave_date_time
        .as_deref()
        .is_some_and(|d| d.get(..19) == leave.get(..19));
    if recorded {
        settled.push(no_change(&leave_change.key, &leave_change.summary));
    } else {
        changes.push(leave_change);
    }
    let mut outcome = finish(
        client,
        mode,
        deadline,
        settled,
        changes,
        Some(summary_of(&target)),
    )
    .await;
    // A synced leaver is re-enabled by the next sync unless AD disables it.
    outcome
        .remainder
        .extend(crate::lifecycle::hybrid::account_state_remainder(
            &target, false,
        ));
    Ok(outcome)
}
