//! `addToGroup` / `removeFromGroup`, idempotent: "already a member" and
//! "not a member" are reported as no change; a removal is sent only for a
//! direct membership, and a membership through a nested group is a 409.

use crate::graph::model::UserView;
use crate::graph::resources::groups;
use crate::graph::{BatchItem, ClientError, GraphRequest, GraphResponse};
use crate::graph::{Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::{summary_of, TARGET_SELECT};
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, no_change_step, RunMode};
use crate::lifecycle::ids::{ObjectId, UserRef};
use crate::lifecycle::memberships::{access_through, MemberGroup, Memberships};
use crate::lifecycle::outcome::{Outcome, Remainder, RemainderKind};
use crate::lifecycle::plan::{AlreadyDoneWhen, Step, StepTarget};
use crate::lifecycle::resolve::{read_result, read_user, user_read};

/// `POST /groups/{g}/members/$ref`, summarised "Add to group {name}" (the
/// id until the name is known, see [`Outcome::name_groups`]). `just_created`
/// marks a user created in this run, whose 404 is replication delay.
pub(crate) fn add_member_change<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    group: &ObjectId,
    group_name: Option<&str>,
    user_id: &str,
    just_created: bool,
) -> Step {
    let mut request = groups::add_member(group.as_str(), &client.directory_object_url(user_id));
    if just_created {
        request = request.just_created();
    }
    let target = StepTarget::group(group.as_str(), group_name);
    Step::new(
        format!("group.add:{group}"),
        format!("Add to group {}", target.name()),
        request,
    )
    .with_targets(vec![target])
    .already_done_when(AlreadyDoneWhen::AlreadyMember)
}

/// `DELETE /groups/{g}/members/{u}/$ref`, summarised "Remove from group {name}".
pub(crate) fn remove_member_change(
    group: &ObjectId,
    group_name: Option<&str>,
    user_id: &str,
) -> Step {
    let target = StepTarget::group(group.as_str(), group_name);
    Step::new(
        format!("group.remove:{group}"),
        format!("Remove from group {}", target.name()),
        groups::remove_member(group.as_str(), user_id),
    )
    .with_targets(vec![target])
    .already_done_when(AlreadyDoneWhen::NotAMemberOf {
        group_id: group.to_string(),
    })
}

/// The user's object id: given directly, or read in one request.
async fn target<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    deadline: Deadline,
) -> Result<(String, Option<crate::lifecycle::outcome::UserSummary>), OpError> {
    if let UserRef::Id(id) = user {
        return Ok((id.to_string(), None));
    }
    let view = read_user(client, user, TARGET_SELECT, None, deadline).await?;
    Ok((view.id.clone(), Some(summary_of(&view))))
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
    let (id, summary) = target(client, user, deadline).await?;
    let change = add_member_change(client, group, None, &id, false);
    Ok(finish(client, mode, deadline, vec![], vec![change], summary).await)
}

/// Removes the user from `group` (`DELETE /groups/{id}/members/{user}/$ref`)
/// only where the user is a direct member: one read round trip (the user,
/// their direct and transitive memberships) comes first. Not a member at
/// all is reported as no change, without a request. A user who is a member
/// only through a nested group cannot be removed here: that is
/// [`OpError::Conflict`] naming the nested group(s) the access comes
/// through (one more read), and nothing is written.
pub async fn remove_from_group<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    group: &ObjectId,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    // The group's nested groups come in the same batch: a 204 on the
    // removal proves only the direct membership gone, so whether access
    // stays through one of them is known before the write, not guessed.
    let (view, memberships, mut also) = read_with_memberships(
        client,
        user,
        &[
            groups::get_group(group.as_str(), "id,displayName"),
            groups::list_member_groups(group.as_str()),
        ],
        deadline,
    )
    .await?;
    let nested_read = also.pop();
    // A group that does not exist is an error, not "not a member".
    let group_name = match also.pop() {
        Some(Err(ClientError::Graph(g))) if g.is_not_found() => {
            return Err(OpError::NotFound {
                what: format!("group {group}"),
            })
        }
        Some(result) => result?
            .body
            .get("displayName")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string),
        None => None,
    };
    let label = match user {
        UserRef::Id(_) => view.id.clone(),
        _ => user.value().to_string(),
    };
    let change = remove_member_change(group, group_name.as_deref(), &view.id);
    let summary = Some(summary_of(&view));
    if memberships.direct_in(group).is_some() {
        let nested: Vec<MemberGroup> = match nested_read {
            Some(read) => client.rest_of(read, 20, deadline).await?,
            None => Vec::new(),
        };
        let through: Vec<String> = nested
            .iter()
            .filter(|n| {
                memberships
                    .transitive
                    .iter()
                    .any(|t| t.id.eq_ignore_ascii_case(&n.id))
            })
            .map(MemberGroup::label)
            .collect();
        let mut outcome = finish(client, mode, deadline, vec![], vec![change], summary).await;
        if !through.is_empty() {
            let name = group_name
                .as_deref()
                .map_or_else(|| group.to_string(), |n| format!("'{n}'"));
            outcome.remainder.push(Remainder::new(
                RemainderKind::NestedGroup,
                format!(
                    "{label} keeps access to {name} through the nested group{} {}: remove {label} from {} too",
                    if through.len() == 1 { "" } else { "s" },
                    through.join(", "),
                    if through.len() == 1 { "it" } else { "them" },
                ),
            ));
        }
        return Ok(outcome);
    }
    let Some(held) = memberships.transitive_in(group) else {
        let settled = vec![no_change_step(&change)];
        return Ok(finish(client, mode, deadline, settled, vec![], summary).await);
    };
    let through = access_through(client, &memberships, group, deadline).await?;
    let names: Vec<String> = through.iter().map(MemberGroup::label).collect();
    Err(OpError::Conflict {
        message: format!(
            "{label} is not a direct member of group {}: the access comes through the nested group{} {}. Remove {label} from {} (or {} from {}) instead",
            held.label(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" },
            if names.len() == 1 { "it" } else { "them" },
            held.label(),
        ),
    })
}

/// The answers to the extra reads of [`read_with_memberships`], in order.
pub(crate) type AlsoRead = Vec<Result<GraphResponse, ClientError>>;

/// The user (by [`TARGET_SELECT`]), their memberships and the answers to
/// `also` (reads the caller needs in the same round trip): one `$batch`
/// for an object id or UPN; an address, mail or employeeId is read first
/// (one more round trip), since only an id or UPN can address the
/// membership lists.
pub(crate) async fn read_with_memberships<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    also: &[GraphRequest],
    deadline: Deadline,
) -> Result<(UserView, Memberships, AlsoRead), OpError> {
    read_with_memberships_keyed(client, user, also, |_| Vec::new(), deadline).await
}

/// [`read_with_memberships`], plus reads that address the user by id or
/// UPN (`keyed` builds them from that key), answered after `also` in the
/// same round trip.
pub(crate) async fn read_with_memberships_keyed<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    user: &UserRef,
    also: &[GraphRequest],
    keyed: impl Fn(&str) -> Vec<GraphRequest>,
    deadline: Deadline,
) -> Result<(UserView, Memberships, AlsoRead), OpError> {
    let (known, key) = match user {
        UserRef::Id(_) | UserRef::Upn(_) => (None, user.value().to_string()),
        // An address may be a UPN, a mail or an alias: resolve it first.
        UserRef::Address(_) | UserRef::Mail(_) | UserRef::EmployeeId(_) => {
            let view = read_user(client, user, TARGET_SELECT, None, deadline).await?;
            let id = view.id.clone();
            (Some(view), id)
        }
    };
    let [direct, transitive] = Memberships::requests(&key);
    let mut items = vec![
        BatchItem::new("direct", direct),
        BatchItem::new("transitive", transitive),
    ];
    if known.is_none() {
        items.push(BatchItem::new("user", user_read(user, TARGET_SELECT, None)));
    }
    items.extend(
        also.iter()
            .cloned()
            .chain(keyed(&key))
            .enumerate()
            .map(|(i, r)| BatchItem::new(format!("also{i}"), r)),
    );
    let mut results = client.execute(&items, deadline).await.into_iter();
    let missing = || ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    };
    let direct = results.next().unwrap_or(Err(missing()));
    let transitive = results.next().unwrap_or(Err(missing()));
    let view = match known {
        Some(view) => view,
        // The user's 404 says more than the lists' 404 for the same user.
        None => read_result(user, results.next().unwrap_or(Err(missing())))?,
    };
    let memberships = Memberships::from_results(client, direct, transitive, deadline).await?;
    Ok((view, memberships, results.collect()))
}
