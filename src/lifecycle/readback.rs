//! The read-back after the writes: an operation is done only when its end
//! state is observed. A 204 on a membership removal proves the *direct*
//! membership is gone, not that the access is: the user may still reach
//! the group through another group nested in it, and a licence the user
//! also holds through a group stays. So, where the write answers cannot
//! prove the end state, one `$batch` reads it back (the user's
//! `accountEnabled` and `licenseAssignmentStates`, and their transitive
//! group memberships), and whatever still holds becomes a
//! [`RemainderKind::NotObserved`] remainder instead of a clean "done".
//! Transitive membership: "List a user's transitive memberships"
//! (<https://learn.microsoft.com/en-us/graph/api/user-list-transitivememberof>);
//! licence states: "licenseAssignmentState resource type"
//! (<https://learn.microsoft.com/en-us/graph/api/resources/licenseassignmentstate>).

use crate::graph::resources::users;
use crate::graph::{BatchItem, ClientError, Deadline, GraphClient, GraphRequest};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::error::OpError;
use crate::lifecycle::ids::ObjectId;
use crate::lifecycle::memberships::MemberGroup;
use crate::lifecycle::outcome::{Outcome, Remainder, RemainderKind};

/// Bounds paging of the transitive membership list (999 per page).
const MAX_PAGES: usize = 20;

/// What the writes of an operation meant to leave behind, for the steps
/// that ran (`Done`): only those are read back.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    /// The user's object id.
    pub user_id: String,
    /// The user in words, for the summaries.
    pub label: String,
    /// Groups the user was removed from (id, name): none may stay, not even
    /// through nesting.
    pub left_groups: Vec<(ObjectId, Option<String>)>,
    /// SKUs removed (id, part number): none may stay active.
    pub removed_skus: Vec<(String, String)>,
    /// The account was disabled (`accountEnabled` must read `false`).
    pub disabled: bool,
}

impl Expected {
    /// Whether the write answers alone prove the end state: nothing left
    /// that a 2xx cannot prove (no membership removal, no licence removal),
    /// so no read-back is sent. A disable is proven by its 204 for a cloud
    /// user (a synced user's revert is the Active Directory remainder).
    pub fn proven_by_writes(&self) -> bool {
        self.left_groups.is_empty() && self.removed_skus.is_empty()
    }
}

/// The key of the step whose `Done` means "removed from this group" (the
/// key `groups::remove_member_change` gives it).
pub fn removal_key(group: &ObjectId) -> String {
    format!("group.remove:{group}")
}

/// Reads the end state back in one `$batch` (nothing is sent when
/// [`Expected::proven_by_writes`]) and returns a remainder for each part of
/// it that does not hold. A failed read is itself a remainder (the state
/// could not be observed), never an error: the writes are done.
pub async fn verify<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    expected: &Expected,
    deadline: Deadline,
) -> Vec<Remainder> {
    if expected.proven_by_writes() {
        return Vec::new();
    }
    match read(client, expected, deadline).await {
        Ok(remainder) => remainder,
        Err(e) => vec![Remainder::new(
            RemainderKind::NotObserved,
            format!(
                "The changes to {} were sent, but reading them back failed ({e}): check the user's groups and licences in Entra",
                expected.label
            ),
        )],
    }
}

/// The read-back's requests: the user's account state and licences, and
/// their transitive groups (none when [`Expected::proven_by_writes`]). An
/// operation may send them at the end of its changes' `$batch`
/// ([`crate::lifecycle::exec::finish_then_read`]); [`verify`] then finds
/// their answers kept and sends nothing.
pub fn requests(expected: &Expected) -> Vec<GraphRequest> {
    if expected.proven_by_writes() {
        return Vec::new();
    }
    vec![
        users::get_user(
            &expected.user_id,
            "id,accountEnabled,licenseAssignmentStates",
            None,
        ),
        users::list_transitive_groups(&expected.user_id),
    ]
}

async fn read<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    expected: &Expected,
    deadline: Deadline,
) -> Result<Vec<Remainder>, OpError> {
    let items: Vec<BatchItem> = requests(expected)
        .into_iter()
        .enumerate()
        .map(|(i, r)| BatchItem::new(i.to_string(), r))
        .collect();
    let mut results = client.execute(&items, deadline).await.into_iter();
    let missing = || ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    };
    let user = results.next().unwrap_or(Err(missing()))?;
    let transitive: Vec<MemberGroup> = client
        .rest_of(
            results.next().unwrap_or(Err(missing())),
            MAX_PAGES,
            deadline,
        )
        .await?;
    let label = &expected.label;
    let mut remainder = Vec::new();
    if expected.disabled && user.body.get("accountEnabled") == Some(&serde_json::Value::Bool(true))
    {
        remainder.push(Remainder::new(
            RemainderKind::NotObserved,
            format!("{label}'s account still reads as enabled after it was disabled: disable it in Entra (or in Active Directory for a synced user)"),
        ));
    }
    for (group, name) in &expected.left_groups {
        if let Some(held) = transitive
            .iter()
            .find(|g| g.id.eq_ignore_ascii_case(group.as_str()))
        {
            let label_of = name
                .as_ref()
                .map(|n| format!("'{n}'"))
                .unwrap_or_else(|| held.label());
            remainder.push(Remainder::new(
                RemainderKind::NotObserved,
                format!("{label} was removed from {label_of} but is still a member through a nested group: remove the membership that leads to it"),
            ));
        }
    }
    let states = crate::lifecycle::licences::licensed_states(&user);
    for (sku, name) in &expected.removed_skus {
        if states.iter().any(|s| s.sku_id.eq_ignore_ascii_case(sku)) {
            remainder.push(Remainder::new(
                RemainderKind::NotObserved,
                format!("{label} still holds the licence {name} after its removal (through a group or pending): check the user's licences in Entra"),
            ));
        }
    }
    Ok(remainder)
}

/// The parts of `expected` whose steps are `Done` in `outcome`: a step that
/// failed is already reported, and one already in place needs no proof.
pub fn done_in(outcome: &Outcome, expected: Expected) -> Expected {
    let done = |key: &str| {
        outcome
            .steps
            .iter()
            .any(|s| s.key == key && s.outcome == crate::lifecycle::StepOutcome::Done)
    };
    Expected {
        left_groups: expected
            .left_groups
            .into_iter()
            .filter(|(g, _)| done(&removal_key(g)))
            .collect(),
        removed_skus: if done("licences.remove") {
            expected.removed_skus
        } else {
            Vec::new()
        },
        disabled: expected.disabled && done("account.disable"),
        ..expected
    }
}
