//! `offboard`: disable, revoke sessions, remove from the serviceable groups
//! the caller names that the user is really a direct member of, record the
//! leave date, and list the access that stays (dynamic, unserviceable and
//! nested memberships) as the remainder. Two round trips: one read batch
//! (the user and their memberships), one `$batch` of every change; a third
//! read only when nested memberships must be traced. Steps already in place
//! are reported as no change, so a re-run resumes.

use crate::graph::resources::users;
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{account_enabled_change, display_name, revoke_change, summary_of};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, no_change, RunMode};
use crate::lifecycle::groups::{read_with_memberships, remove_member_change};
use crate::lifecycle::ids::{ObjectId, UserRef};
use crate::lifecycle::memberships::{member_groups, remaining_access};
use crate::lifecycle::outcome::Outcome;
use crate::lifecycle::plan::Step;

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

/// Offboards a leaver in two round trips (one read batch, one `$batch` of
/// changes): disable the account (no change if already disabled), revoke
/// sessions, leave those of the listed groups (at most 100) the user is a
/// direct member of (no request for the others), list every membership that
/// stays in [`Outcome::remainder`], and record `employeeLeaveDateTime` (a bare
/// date becomes midnight UTC; no change if already recorded). A date that
/// [`crate::dates::normalize`] refuses is [`OpError::InvalidInput`] on
/// `leaveDateTime`.
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
    let (target, memberships, _) =
        read_with_memberships(client, &request.user, &[], deadline).await?;
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
        settled.push(no_change(&disable.key, &disable.summary));
    } else {
        changes.push(disable);
    }
    changes.push(revoke_change(&target));
    for group in &leaving {
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
        // Graph may answer with fractions or another offset form: compare
        // instants through the one date reader, not characters.
        .and_then(|d| crate::dates::normalize(d, &crate::dates::SiteZone::utc()).ok())
        .is_some_and(|d| d.utc == leave);
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
    outcome.remainder.extend(remainder);
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
