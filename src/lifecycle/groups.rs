//! `addToGroup` / `removeFromGroup`, idempotent: "already a member" and
//! "not a member" are reported as no change.

use crate::graph::resources::groups;
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{summary_of, TARGET_SELECT};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, RunMode};
use crate::lifecycle::ids::{ObjectId, UserRef};
use crate::lifecycle::outcome::Outcome;
use crate::lifecycle::plan::{AlreadyDoneWhen, Step};
use crate::lifecycle::resolve::read_user;

/// `POST /groups/{g}/members/$ref`. `just_created` marks a user created in
/// this run, whose 404 is replication delay.
pub(crate) fn add_member_change<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    group: &ObjectId,
    user_id: &str,
    user_label: &str,
    just_created: bool,
) -> Step {
    let mut request = groups::add_member(group.as_str(), &client.directory_object_url(user_id));
    if just_created {
        request = request.just_created();
    }
    Step::new(
        format!("group.add:{group}"),
        format!("Add {user_label} to group {group}"),
        request,
    )
    .already_done_when(AlreadyDoneWhen::AlreadyMember)
}

/// `DELETE /groups/{g}/members/{u}/$ref`.
pub(crate) fn remove_member_change(group: &ObjectId, user_id: &str, user_label: &str) -> Step {
    Step::new(
        format!("group.remove:{group}"),
        format!("Remove {user_label} from group {group}"),
        groups::remove_member(group.as_str(), user_id),
    )
    .already_done_when(AlreadyDoneWhen::NotAMemberOf {
        group_id: group.to_string(),
    })
}

/// The user's object id: given directly, or read in one request.
async fn target<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    deadline: Deadline,
) -> Result<
    (
        String,
        String,
        Option<crate::lifecycle::outcome::UserSummary>,
    ),
    OpError,
> {
    if let UserRef::Id(id) = user {
        return Ok((id.to_string(), id.to_string(), None));
    }
    let view = read_user(client, user, TARGET_SELECT, None, deadline).await?;
    let label = user.value().to_string();
    Ok((view.id.clone(), label, Some(summary_of(&view))))
}

/// Adds the user to `group` (`POST /groups/{id}/members/$ref`). A user named
/// by mail or employeeId is read first (one more round trip); "already a
/// member" is reported as no change. Dynamic, mail-enabled or synced groups
/// fail with the Graph error (403 or 400) in the step report.
pub async fn add_to_group<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    group: &ObjectId,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let (id, label, summary) = target(client, user, deadline).await?;
    let change = add_member_change(client, group, &id, &label, false);
    Ok(finish(client, mode, deadline, vec![], vec![change], summary).await)
}

/// Removes the user from `group` (`DELETE /groups/{id}/members/{user}/$ref`);
/// "not a member" (404 naming the user) is reported as no change.
pub async fn remove_from_group<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    group: &ObjectId,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let (id, label, summary) = target(client, user, deadline).await?;
    let change = remove_member_change(group, &id, &label);
    Ok(finish(client, mode, deadline, vec![], vec![change], summary).await)
}
