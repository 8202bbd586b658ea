//! `record_leave_date`: a future leaver's `employeeLeaveDateTime` written
//! at once (so Entra, HR reports and Lifecycle Workflows know it), with
//! nothing else changed: the offboarding itself is a step scheduled on
//! that date. One read, one write (no change if already recorded).

use crate::graph::resources::users;
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{display_name, summary_of};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, no_change_step, RunMode};
use crate::lifecycle::ids::UserRef;
use crate::lifecycle::outcome::Outcome;
use crate::lifecycle::plan::Step;
use crate::lifecycle::resolve::{read_result, user_read};

const SELECT: &str = "id,displayName,userPrincipalName,accountEnabled,employeeLeaveDateTime";

/// Records `leave_utc` (RFC 3339 UTC, already normalised) as the user's
/// `employeeLeaveDateTime`; a date-time that is not RFC 3339 is
/// [`OpError::InvalidInput`] on `leaveDateTime`.
pub async fn record_leave_date<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    leave_utc: &str,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let leave = crate::dates::normalize(leave_utc, &crate::dates::SiteZone::utc())
        .map_err(|e| OpError::invalid("leaveDateTime", &e.message))?
        .utc;
    let target = read_result(
        user,
        client.send(&user_read(user, SELECT, None), deadline).await,
    )?;
    let label = display_name(&target).to_string();
    let change = Step::new(
        "leaveDate.set",
        format!("Record {label}'s leave date {leave}"),
        users::set_employee_leave_date(&target.id, &leave),
    );
    let recorded = target
        .employee_leave_date_time
        .as_deref()
        .and_then(|d| crate::dates::normalize(d, &crate::dates::SiteZone::utc()).ok())
        .is_some_and(|d| d.utc == leave);
    let (settled, changes) = if recorded {
        (vec![no_change_step(&change)], Vec::new())
    } else {
        (Vec::new(), vec![change])
    };
    Ok(finish(
        client,
        mode,
        deadline,
        settled,
        changes,
        Some(summary_of(&target)),
    )
    .await)
}
