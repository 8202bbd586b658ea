//! `reapply_group_rules`: a leaver enabled again gets the groups the
//! current group rules give for the attributes they hold now, not the
//! access they had before they left (which the offboarding removed and
//! the audit trail lists). Two round trips: one `$batch` reading the user
//! and their direct memberships, one `$batch` adding the missing groups.

use crate::graph::model::UserView;
use crate::graph::paging::Page;
use crate::graph::resources::users;
use crate::graph::{BatchItem, ClientError, Deadline, GraphClient};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::account::summary_of;
use crate::lifecycle::error::OpError;
use crate::lifecycle::exec::{finish, RunMode};
use crate::lifecycle::groups::add_member_change;
use crate::lifecycle::ids::ObjectId;
use crate::lifecycle::outcome::Outcome;
use crate::lifecycle::rules::{GroupRules, RuleSubject};
use serde::Deserialize;

const SELECT: &str =
    "id,userPrincipalName,displayName,department,jobTitle,companyName,employeeType";

#[derive(Deserialize)]
struct Membership {
    id: String,
}

/// Adds `user_id` to each group `rules` give for the user's current
/// `department`, `jobTitle`, `companyName` and `employeeType` that the
/// user is not a direct member of; groups already held are left alone,
/// so a re-run is no change.
pub async fn reapply_group_rules<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    rules: &GroupRules,
    user_id: &ObjectId,
    mode: RunMode,
    deadline: Deadline,
) -> Result<Outcome, OpError> {
    let items = [
        BatchItem::new("user", users::get_user(user_id.as_str(), SELECT, None)),
        BatchItem::new("groups", users::list_direct_groups(user_id.as_str(), "id")),
    ];
    let mut results = client.execute(&items, deadline).await.into_iter();
    let missing = || ClientError::Decode {
        what: "$batch",
        reason: "missing item".into(),
    };
    let user: UserView = results.next().unwrap_or(Err(missing()))?.json("user")?;
    let held: Page<Membership> = results.next().unwrap_or(Err(missing()))?.json("memberOf")?;
    let subject = RuleSubject {
        department: user.department.as_deref(),
        job_title: user.job_title.as_deref(),
        company_name: user.company_name.as_deref(),
        employee_type: user.employee_type.as_deref(),
    };
    let changes = rules
        .groups_for(&subject)
        .into_iter()
        .filter(|g| {
            !held
                .value
                .iter()
                .any(|m| m.id.eq_ignore_ascii_case(g.as_str()))
        })
        .map(|g| add_member_change(client, &g, None, &user.id, false))
        .collect();
    Ok(finish(
        client,
        mode,
        deadline,
        Vec::new(),
        changes,
        Some(summary_of(&user)),
    )
    .await)
}
