//! `resetMfa`: the "lost phone" reset. Lists the user's authentication
//! methods and deletes each one of the asked types at its own endpoint,
//! then optionally issues a Temporary Access Pass to register again.
//!
//! Entra refuses to delete the user's default MFA method while another
//! method remains ("Have the user change their default authentication
//! method, and then delete", phoneauthenticationmethod-delete), and Graph
//! v1.0 does not say which method is the default: every removal is sent in
//! one round trip, and those refused with a 400 while others went through
//! are sent once more after them, when the default is the last one left.

use crate::graph::resources::authentication_methods::{self, MethodType};
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{display_name, summary_of, TARGET_SELECT};
use crate::lifecycle::credentials::{issue_tap, tap_change, CredentialOutcome, TapOptions};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{no_change, run_changes, RunMode};
use crate::lifecycle::ids::UserRef;
use crate::lifecycle::outcome::{Outcome, Remainder, RemainderKind, StepOutcome, StepReport};
use crate::lifecycle::plan::{Plan, Step};
use crate::lifecycle::resolve::read_user;
use serde::Deserialize;
use std::collections::BTreeSet;

/// What to reset.
#[derive(Debug, Clone)]
pub struct MfaResetRequest {
    /// The user.
    pub user: UserRef,
    /// The method types to remove; `None` for every type the app removes.
    pub methods: Option<BTreeSet<MethodType>>,
    /// A Temporary Access Pass to issue after the removals, if asked for
    /// (options already held to the tenant's policy).
    pub tap: Option<TapOptions>,
}

/// One entry of `GET /users/{id}/authentication/methods`.
#[derive(Debug, Clone, Deserialize)]
struct Listed {
    #[serde(rename = "@odata.type", default)]
    odata_type: String,
    id: String,
    #[serde(rename = "displayName", default)]
    display_name: Option<String>,
}

/// Types Graph lists that need no removal: the password cannot be
/// deleted through Graph, and a pass is replaced by the next one.
const KEPT_TYPES: &[&str] = &[
    "passwordAuthenticationMethod",
    "temporaryAccessPassAuthenticationMethod",
];

fn delete_step(user_id: &str, label: &str, kind: MethodType, method: &Listed) -> Step {
    let device = method
        .display_name
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    Step::new(
        format!("authMethod.delete:{}", kind.name()),
        format!("Remove the {} method{device} of {label}", kind.label()),
        authentication_methods::delete_method(user_id, kind, &method.id),
    )
}

fn is_refused(step: &StepReport) -> bool {
    matches!(
        step.outcome,
        StepOutcome::Failed {
            http_status: Some(400),
            ..
        }
    )
}

/// Runs the removals: all at once, then those Entra refused while others
/// remained (the default method), once more. A method already gone (404)
/// is no change, so a re-run resumes.
async fn remove<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    changes: &[Step],
    deadline: Deadline,
) -> Vec<StepReport> {
    let mut reports = run_changes(client, changes, deadline).await;
    let any_done = reports.iter().any(|r| r.outcome == StepOutcome::Done);
    let refused: Vec<usize> = (0..reports.len())
        .filter(|&i| is_refused(&reports[i]))
        .collect();
    if any_done && !refused.is_empty() {
        let again: Vec<Step> = refused.iter().map(|&i| changes[i].clone()).collect();
        let retried = run_changes(client, &again, deadline).await;
        for (i, report) in refused.into_iter().zip(retried) {
            reports[i] = report;
        }
    }
    for report in &mut reports {
        if let StepOutcome::Failed {
            http_status: Some(404),
            ..
        } = report.outcome
        {
            report.outcome = StepOutcome::NoChange;
        }
    }
    // The default method stays while another removal failed for its own
    // reason: that failure is the one to fix, the default follows it.
    let other_failed = reports
        .iter()
        .any(|r| matches!(r.outcome, StepOutcome::Failed { .. }) && !is_refused(r));
    if other_failed {
        for report in reports.iter_mut().filter(|r| is_refused(r)) {
            report.outcome = StepOutcome::Skipped {
                reason: "Entra removes the default method last, and another removal did not succeed: fix that one and send the same call again".into(),
            };
        }
    }
    reports
}

/// Resets a user's MFA in three round trips at least (read the user, list
/// the methods, one `$batch` of removals; a fourth when the default method
/// must go last, a fifth for the pass). Methods of types the app does not
/// remove are listed in [`Outcome::remainder`] when every type was asked
/// for. The pass is issued only when every removal succeeded, so a re-run
/// after a failure resumes the removals and then issues it.
pub async fn reset_mfa<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    request: &MfaResetRequest,
    mode: RunMode,
    deadline: Deadline,
) -> Result<CredentialOutcome, OpError> {
    let target = read_user(client, &request.user, TARGET_SELECT, None, deadline).await?;
    let label = display_name(&target).to_string();
    let listed: Vec<Listed> = client
        .get_all(
            authentication_methods::list_methods(&target.id),
            5,
            deadline,
        )
        .await
        .map_err(OpError::from)?;
    let wanted = |t: MethodType| request.methods.as_ref().is_none_or(|set| set.contains(&t));
    let mut changes = Vec::new();
    let mut remainder = Vec::new();
    for method in &listed {
        match MethodType::from_odata_type(&method.odata_type) {
            Some(kind) if wanted(kind) => {
                changes.push(delete_step(&target.id, &label, kind, method));
            }
            Some(_) => {}
            None => {
                let name = method.odata_type.trim_start_matches("#microsoft.graph.");
                if request.methods.is_none() && !KEPT_TYPES.contains(&name) {
                    remainder.push(Remainder::new(
                        RemainderKind::AuthenticationMethod,
                        format!("{label} still has a {name} (id {}): the app does not remove this type; remove it in the Entra admin center (Users > {label} > Authentication methods)", method.id),
                    ));
                }
            }
        }
    }
    let tap = request
        .tap
        .map(|options| (tap_change(&target.id, &label, options), options));
    let mut plan = Plan::from_changes(&changes);
    if let Some((step, _)) = &tap {
        plan.push(step);
    }
    let mut outcome = Outcome {
        dry_run: mode == RunMode::DryRun,
        plan,
        steps: Vec::new(),
        user: Some(summary_of(&target)),
        remainder,
    };
    if changes.is_empty() {
        outcome.steps.push(no_change(
            "authMethod.delete",
            &format!("{label} has no authentication method of the asked types to remove"),
        ));
    }
    if mode == RunMode::DryRun {
        return Ok(CredentialOutcome {
            outcome,
            credential: None,
        });
    }
    outcome
        .steps
        .extend(remove(client, &changes, deadline).await);
    let mut credential = None;
    if let Some((step, options)) = tap {
        if outcome.is_complete() {
            let (report, issued) = issue_tap(client, &step, options, deadline).await;
            outcome.steps.push(report);
            credential = issued;
        } else {
            outcome.steps.push(StepReport::new(
                &step.key,
                &step.summary,
                StepOutcome::Skipped {
                    reason: "not issued while a method removal is unfinished: send the same call again to resume".into(),
                },
            ));
        }
    }
    Ok(CredentialOutcome {
        outcome,
        credential,
    })
}
