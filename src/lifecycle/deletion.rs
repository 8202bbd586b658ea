//! `delete` and `restore`: a leaver's account is soft-deleted once it is
//! disabled, and can be restored by object id within Entra's 30 days.
//!
//! Sources: user-delete ("moved to a temporary container and can be
//! restored within 30 days") and directory-deleteditems-restore ("A
//! recently deleted item remains available for up to 30 days").

use crate::graph::model::UserView;
use crate::graph::resources::{deleted_items, users};
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{display_name, summary_of, TARGET_SELECT};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{no_change, run_changes, RunMode};
use crate::lifecycle::ids::{ObjectId, UserRef};
use crate::lifecycle::outcome::{Outcome, UserSummary};
use crate::lifecycle::plan::{Plan, Step};
use crate::lifecycle::resolve::read_user;

/// How long Entra keeps a deleted user, in days.
pub const SOFT_DELETE_DAYS: u64 = 30;

const DELETED_SELECT: &str = "id,userPrincipalName,displayName,accountEnabled,deletedDateTime";

/// The deleted user `id`, or `None` when it is not in deleted items (never
/// deleted, restored, or purged after 30 days).
async fn read_deleted<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    id: &str,
    deadline: Deadline,
) -> Result<Option<UserView>, OpError> {
    let request = deleted_items::get_deleted_user(id, DELETED_SELECT);
    match client.send(&request, deadline).await {
        Ok(response) => Ok(Some(
            response
                .json::<UserView>("deleted user")
                .map_err(OpError::from)?,
        )),
        Err(crate::graph::ClientError::Graph(g)) if g.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Soft-deletes `user` in two round trips (read, delete). An enabled
/// account is [`OpError::Conflict`] (409): disable or offboard it first,
/// so nobody loses access by a deletion alone. A user already deleted is
/// not found (404); the pipeline's idempotency key replays a repeated call.
pub async fn delete<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let target = read_user(client, user, TARGET_SELECT, None, deadline).await?;
    let label = display_name(&target).to_string();
    if target.account_enabled != Some(false) {
        return Err(OpError::Conflict {
            message: format!("{label} is enabled: disable the account (user.disable or user.offboard) before deleting it. Nothing was changed."),
        });
    }
    let change = Step::new(
        "account.delete",
        format!("Delete the account {label} (restorable for {SOFT_DELETE_DAYS} days)"),
        deleted_items::delete_user(&target.id),
    );
    Ok(crate::lifecycle::exec::finish(
        client,
        mode,
        deadline,
        Vec::new(),
        vec![change],
        Some(summary_of(&target)),
    )
    .await)
}

/// Restores the deleted user `id`: one read of deleted items, the restore,
/// then (a separate round trip, as the account must exist first) blocking
/// sign-in if the restored account would be enabled: a restored account
/// stays disabled until a person enables it. A user that is not deleted is
/// no change (a re-run after success); one that is in neither place (never
/// deleted, or purged after 30 days) is [`OpError::NotFound`].
pub async fn restore<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    id: &ObjectId,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let Some(deleted) = read_deleted(client, id.as_str(), deadline).await? else {
        let live = read_user(client, &UserRef::Id(id.clone()), TARGET_SELECT, None, deadline)
            .await
            .map_err(|e| match e {
                OpError::NotFound { .. } => OpError::NotFound {
                    what: format!("deleted user {id} (not in deleted items: never deleted, or deleted more than {SOFT_DELETE_DAYS} days ago and purged)"),
                },
                other => other,
            })?;
        let label = display_name(&live).to_string();
        let mut steps = vec![no_change(
            "account.restore",
            &format!("{label} is not deleted: nothing to restore"),
        )];
        if live.account_enabled == Some(true) {
            steps.push(no_change(
                "account.disable",
                &format!(
                    "{label} is enabled: the app leaves an account that is not deleted as it is"
                ),
            ));
        }
        return Ok(Outcome {
            dry_run: mode == RunMode::DryRun,
            plan: Plan::default(),
            steps,
            user: Some(summary_of(&live)),
            remainder: Vec::new(),
        });
    };
    let label = display_name(&deleted).to_string();
    let restore = Step::new(
        "account.restore",
        format!("Restore the deleted account {label}"),
        deleted_items::restore_deleted_user(id.as_str()),
    );
    let disable = (deleted.account_enabled != Some(false)).then(|| {
        Step::new(
            "account.disable",
            format!("Keep {label} disabled after the restore"),
            users::set_account_enabled(id.as_str(), false),
        )
    });
    let mut plan = Plan::from_changes([&restore]);
    if let Some(step) = &disable {
        plan.push(step);
    }
    let mut outcome = Outcome {
        dry_run: mode == RunMode::DryRun,
        plan,
        steps: Vec::new(),
        user: Some(UserSummary {
            id: id.to_string(),
            user_principal_name: deleted.user_principal_name.clone(),
            invite_redeem_url: None,
        }),
        remainder: Vec::new(),
    };
    if mode == RunMode::DryRun {
        return Ok(outcome);
    }
    outcome
        .steps
        .extend(run_changes(client, std::slice::from_ref(&restore), deadline).await);
    if let Some(step) = disable {
        if outcome.is_complete() {
            outcome
                .steps
                .extend(run_changes(client, &[step], deadline).await);
        }
    }
    Ok(outcome)
}
