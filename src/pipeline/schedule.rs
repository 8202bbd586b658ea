//! Work that waits for a date, decided around stage 5 (execute):
//! - a `user.create` whose `employeeHireDate` is further ahead than
//!   `provisioning.joinerLeadDays` makes the account disabled and without
//!   a credential now, and schedules its activation on the hire date at
//!   `provisioning.activationHour` in the site time zone;
//! - a `user.offboard` whose `leaveDateTime` is ahead records the leave
//!   date in Entra now and schedules the offboarding at that instant;
//! - a completed offboarding schedules the grace steps (licence removal
//!   after `provisioning.licenceRemovalGraceDays`, deletion after
//!   `provisioning.accountDeletionGraceDays`);
//! - contradicting work is cancelled, not raced: a leaver's pending
//!   activation is cancelled, and a re-enabled leaver's pending offboarding
//!   and grace steps are.
//!
//! Each person's lifecycle state ([`crate::schedule::state`]) moves with
//! the change. A dry run says what it would schedule and stores nothing.

use super::context::RouteContext;
use super::request::{Resolved, RouteRequest};
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::lifecycle::{FirstCredential, Outcome, RunMode};
use crate::policy::RequestContext;
use crate::route::Route;
use crate::schedule::state::{self, LifecycleState};
use crate::schedule::{self, ScheduledStep, StepKind, StepStatus};
use serde_json::{json, Map, Value};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// Which of a person's pending steps a change cancels.
type Cancels = fn(StepKind) -> bool;

/// What a call defers to a date, decided before it executes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deferral {
    /// Nothing: the call runs in full now.
    Nothing,
    /// A future joiner: created disabled now, activated at `due_ms`.
    Activation {
        /// When the activation runs (ms since the Unix epoch).
        due_ms: u64,
    },
    /// A future leaver: the leave date is recorded now, the offboarding
    /// runs at `due_ms` (the leave date).
    Offboarding {
        /// The leave date (ms since the Unix epoch).
        due_ms: u64,
        /// The leave date as RFC 3339 UTC.
        leave_utc: String,
    },
    /// An offboarding that runs now; the grace steps count from its leave
    /// date `leave_ms` (ms since the Unix epoch; the run's time without one).
    OffboardNow {
        /// The leave date.
        leave_ms: u64,
    },
}

/// Decides what `request` defers; for a future joiner it also switches
/// the first credential to [`FirstCredential::OnHireDate`], so the account
/// is made unusable and no credential is issued now.
pub fn decide<H: Host, T: Transport>(
    request: &mut RouteRequest<Resolved>,
    ctx: &RouteContext<'_, H, T>,
) -> Deferral {
    let now = ctx.host.now_ms();
    let provisioning = &ctx.config.provisioning;
    match request {
        RouteRequest::Create(create) => {
            let (Some(lead_days), Some(hire)) = (
                provisioning.joiner_lead_days,
                create.request.attributes.employee_hire_date.as_deref(),
            ) else {
                return Deferral::Nothing;
            };
            let Ok(hire_ms) = crate::dates::normalize(hire, &crate::dates::SiteZone::utc())
                .map(|d| u64::try_from(d.epoch_ms).unwrap_or(0))
            else {
                return Deferral::Nothing;
            };
            if hire_ms <= now + u64::from(lead_days) * DAY_MS {
                return Deferral::Nothing;
            }
            let due_ms = crate::dates::day_at_hour(
                &crate::dates::iso_ms(hire_ms),
                provisioning.activation_hour,
                &ctx.config.site_zone(),
            )
            .unwrap_or(hire_ms)
            .max(now);
            create.request.credential = FirstCredential::OnHireDate;
            Deferral::Activation { due_ms }
        }
        RouteRequest::Offboard(offboard) => {
            match crate::dates::normalize(&offboard.leave_date_time, &crate::dates::SiteZone::utc())
            {
                Ok(leave) if leave.epoch_ms > 0 && (leave.epoch_ms as u64) > now => {
                    Deferral::Offboarding {
                        due_ms: leave.epoch_ms as u64,
                        leave_utc: leave.utc,
                    }
                }
                Ok(leave) => Deferral::OffboardNow {
                    leave_ms: u64::try_from(leave.epoch_ms).unwrap_or(0),
                },
                _ => Deferral::OffboardNow { leave_ms: now },
            }
        }
        _ => Deferral::Nothing,
    }
}

/// After the change: schedules and cancels steps and moves the person's
/// lifecycle state. Answers the steps scheduled (or, in a dry run, that
/// would be) as their views (see [`ScheduledStep::view`]). Storage
/// failures are logged and leave the change as made: a person must then
/// redo the step by hand, which the log says.
pub async fn after<H: Host, T: Transport>(
    route: Route,
    deferral: &Deferral,
    outcome: &Outcome,
    request: &RequestContext,
    mode: RunMode,
    ctx: &RouteContext<'_, H, T>,
) -> Vec<Value> {
    let host = ctx.host;
    let (user_id, label) = match &outcome.user {
        Some(u) => (
            u.id.clone(),
            u.user_principal_name
                .clone()
                .unwrap_or_else(|| u.id.clone()),
        ),
        // A dry run of a create has no id yet.
        None => ("{new-user-id}".to_string(), "the new account".to_string()),
    };
    let now = host.now_ms();
    let new_step = |step: StepKind, due_at_ms: u64, data: Map<String, Value>| ScheduledStep {
        user_id: user_id.clone(),
        user_label: label.clone(),
        step,
        due_at_ms,
        status: StepStatus::Pending,
        data,
        issue_key: request.issue_key.clone(),
        requester: request.requester.clone(),
        created_at_ms: now,
        attempts: 0,
        result: None,
    };
    let user_data = || {
        let mut data = Map::new();
        data.insert("user".into(), json!(user_id));
        data
    };
    let mut steps = Vec::new();
    let mut cancel: Option<(Cancels, &str)> = None;
    let mut next_state = None;
    match deferral {
        Deferral::Activation { due_ms } => {
            steps.push(new_step(StepKind::Activate, *due_ms, user_data()));
            next_state = Some(LifecycleState::Joining);
        }
        Deferral::Offboarding { due_ms, leave_utc } => {
            let mut data = user_data();
            data.insert("leaveDateTime".into(), json!(leave_utc));
            steps.push(new_step(StepKind::Offboard, *due_ms, data));
            cancel = Some((
                |k| k == StepKind::Activate,
                "the person is leaving: the activation is cancelled",
            ));
            next_state = Some(LifecycleState::Leaving);
        }
        Deferral::OffboardNow { leave_ms } => {
            let leave_ms = *leave_ms;
            let provisioning = &ctx.config.provisioning;
            if provisioning.licence_removal_grace_days > 0 {
                let days = u64::from(provisioning.licence_removal_grace_days);
                steps.push(new_step(
                    StepKind::RemoveLicences,
                    leave_ms + days * DAY_MS,
                    user_data(),
                ));
            }
            if let Some(days) = provisioning.account_deletion_grace_days {
                steps.push(new_step(
                    StepKind::Delete,
                    leave_ms + u64::from(days) * DAY_MS,
                    user_data(),
                ));
            }
            cancel = Some((
                |k| k == StepKind::Activate || k == StepKind::Offboard,
                "the person was offboarded: earlier scheduled work is cancelled",
            ));
            next_state = Some(LifecycleState::Left);
        }
        Deferral::Nothing if route == Route::UserEnable => {
            cancel = Some((
                StepKind::is_leaver_step,
                "the account was enabled again: the leaver's scheduled steps are cancelled",
            ));
            next_state = Some(LifecycleState::Active);
        }
        Deferral::Nothing => {}
    }
    if mode == RunMode::DryRun || !outcome.is_complete() || outcome.user.is_none() {
        // What would be scheduled; nothing is stored.
        return if outcome.dry_run {
            steps.iter().map(ScheduledStep::view).collect()
        } else {
            Vec::new()
        };
    }
    if let Some((which, reason)) = cancel {
        match schedule::cancel(host, &user_id, which, reason).await {
            Ok(gone) => {
                for step in gone {
                    host.log(
                        LogLevel::Info,
                        &format!("schedule: cancelled {} for {}: {reason}", step.step, label),
                    );
                }
            }
            Err(e) => host.log(
                LogLevel::Error,
                &format!("schedule: steps of {label} not cancelled: {e}"),
            ),
        }
    }
    let mut views = Vec::new();
    for step in &steps {
        match schedule::save(host, step).await {
            Ok(()) => views.push(step.view()),
            Err(e) => host.log(
                LogLevel::Error,
                &format!(
                    "schedule: {} for {label} not stored (do it by hand on {}): {e}",
                    step.step,
                    crate::dates::iso_ms(step.due_at_ms)
                ),
            ),
        }
    }
    if let (Some(issue), false) = (&request.issue_key, views.is_empty()) {
        // The request says what waits for a date, beside the change's summary.
        let lines: Vec<String> = views
            .iter()
            .map(|v| format!("Scheduled: {}", v["summary"].as_str().unwrap_or_default()))
            .collect();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        if let Err(e) =
            crate::audit::post_internal_comment(host, issue, crate::audit::note_comment(&lines))
                .await
        {
            host.log(
                LogLevel::Warn,
                &format!("schedule: comment not posted on {issue}: {e}"),
            );
        }
    }
    if let Some(next) = next_state {
        if let Err(e) = state::set(host, &user_id, &label, next).await {
            host.log(
                LogLevel::Warn,
                &format!("schedule: lifecycle state of {label} not stored: {e}"),
            );
        }
    }
    views
}

/// After a `user.enable`: if the person was a leaver (state leaving or
/// left), the current group and licence rules are re-applied
/// (`execute::rejoin`) and their steps join the outcome (in a dry run,
/// their planned steps join the plan); one that cannot run is a remainder,
/// so the answer never implies the old access is back or the new is in
/// place.
pub async fn rejoin<H: Host, T: Transport>(
    client: &crate::graph::GraphClient<'_, T, H>,
    mut outcome: Outcome,
    mode: RunMode,
    ctx: &RouteContext<'_, H, T>,
) -> Outcome {
    let Some(user) = outcome.user.clone() else {
        return outcome;
    };
    if mode == RunMode::Execute && !outcome.is_complete() {
        return outcome;
    }
    let was_leaver = state::get(ctx.host, &user.id)
        .await
        .map(LifecycleState::is_leaver)
        .unwrap_or(false);
    if !was_leaver {
        return outcome;
    }
    match super::execute::rejoin(client, &user.id, mode, ctx).await {
        Ok((rules, _)) => {
            outcome.plan.changes.extend(rules.plan.changes);
            outcome.steps.extend(rules.steps);
            outcome.remainder.extend(rules.remainder);
        }
        Err(e) if mode == RunMode::DryRun => return outcome_with_note(outcome, &e),
        Err(e) => outcome.remainder.push(crate::lifecycle::Remainder::new(
            crate::lifecycle::RemainderKind::GroupsNotRestored,
            format!("The group and licence rules could not be re-applied after re-enabling a leaver ({e}): add the groups and licences the rules give by hand"),
        )),
    }
    outcome
}

/// A dry run whose re-application could not be planned says so as a
/// remainder, as the real run would.
fn outcome_with_note(mut outcome: Outcome, e: &crate::lifecycle::OpError) -> Outcome {
    outcome.remainder.push(crate::lifecycle::Remainder::new(
        crate::lifecycle::RemainderKind::GroupsNotRestored,
        format!("The group and licence rules could not be planned for re-applying after re-enabling a leaver ({e}): the groups and licences the rules give would have to be added by hand"),
    ));
    outcome
}
