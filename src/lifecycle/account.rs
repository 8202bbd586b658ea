//! `disable`, `enable` and `revokeSessions`.

use crate::graph::model::UserView;
use crate::graph::resources::users;
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, no_change_step, RunMode};
use crate::lifecycle::hybrid::account_state_remainder;
use crate::lifecycle::ids::UserRef;
use crate::lifecycle::outcome::{Outcome, UserSummary};
use crate::lifecycle::plan::Step;
use crate::lifecycle::resolve::read_user;

/// Properties every account operation reads about its target.
pub(crate) const TARGET_SELECT: &str =
    "id,userPrincipalName,accountEnabled,onPremisesSyncEnabled,employeeLeaveDateTime,userType";

pub(crate) fn summary_of(user: &UserView) -> UserSummary {
    UserSummary {
        id: user.id.clone(),
        user_principal_name: user.user_principal_name.clone(),
        invite_redeem_url: None,
    }
}

pub(crate) fn display_name(user: &UserView) -> &str {
    user.user_principal_name.as_deref().unwrap_or(&user.id)
}

/// The change that sets `accountEnabled`.
pub(crate) fn account_enabled_change(user: &UserView, enabled: bool) -> Step {
    let (key, verb) = if enabled {
        ("account.enable", "Enable")
    } else {
        ("account.disable", "Disable")
    };
    Step::new(
        key,
        format!("{verb} the account {}", display_name(user)),
        users::set_account_enabled(&user.id, enabled),
    )
}

/// The change that revokes all refresh tokens and session cookies.
pub(crate) fn revoke_change(user: &UserView) -> Step {
    Step::new(
        "sessions.revoke",
        format!("Revoke all sign-in sessions of {}", display_name(user)),
        // Marked repeatable: revoking twice is harmless.
        users::revoke_sign_in_sessions(&user.id),
    )
}

async fn set_enabled<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    enabled: bool,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let target = read_user(client, user, TARGET_SELECT, None, deadline).await?;
    let change = account_enabled_change(&target, enabled);
    let (settled, changes) = if target.account_enabled == Some(enabled) {
        (vec![no_change_step(&change)], vec![])
    } else {
        (vec![], vec![change])
    };
    let mut outcome = finish(
        client,
        mode,
        deadline,
        settled,
        changes,
        Some(summary_of(&target)),
    )
    .await;
    // Even when the cloud already holds the wanted state, AD decides at the
    // next sync: the remainder stays until AD is changed too.
    outcome
        .remainder
        .extend(account_state_remainder(&target, enabled));
    Ok(outcome)
}

/// Sets `accountEnabled: false` (no change if already disabled). For a user
/// synced from on-premises AD, Graph accepts it but the next sync reverts
/// it: the outcome carries an [`crate::lifecycle::RemainderKind::ActiveDirectory`]
/// remainder (the same for [`enable`]).
pub async fn disable<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    set_enabled(client, user, false, mode, deadline).await
}

/// Sets `accountEnabled: true` (no change if already enabled).
pub async fn enable<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    set_enabled(client, user, true, mode, deadline).await
}

/// `POST /users/{id}/revokeSignInSessions`.
pub async fn revoke_sessions<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let target = read_user(client, user, TARGET_SELECT, None, deadline).await?;
    let changes = vec![revoke_change(&target)];
    Ok(finish(
        client,
        mode,
        deadline,
        vec![],
        changes,
        Some(summary_of(&target)),
    )
    .await)
}
