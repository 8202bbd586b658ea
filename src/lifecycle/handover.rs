//! A leaver's hand-over: the leaver's direct reports move to a successor
//! (named by the caller, else the leaver's manager), and the groups the
//! leaver owned are listed, so no team is left without a manager and no
//! group without a known owner. Changing a group's owners needs
//! `Group.ReadWrite.All`, broader than anything else the app needs, so it
//! is an opt-in (`provisioning.handOverGroupOwnership`, off by default);
//! without it the owned groups are a remainder naming the successor.
//! Reads ride in the offboarding's first batch (no extra round trip):
//! "List directReports"
//! (<https://learn.microsoft.com/en-us/graph/api/user-list-directreports>)
//! and "List ownedObjects"
//! (<https://learn.microsoft.com/en-us/graph/api/user-list-ownedobjects>).

use crate::graph::model::UserView;
use crate::graph::resources::{groups, users};
use crate::graph::GraphRequest;
use crate::lifecycle::outcome::{Remainder, RemainderKind};
use crate::lifecycle::plan::{AlreadyDoneWhen, Step, StepTarget, TargetKind};
use serde::Deserialize;

/// A person or group as the hand-over reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Directory {
    /// Object id (GUID).
    pub id: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `userPrincipalName` (people only).
    pub user_principal_name: Option<String>,
}

impl Directory {
    fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .or(self.user_principal_name.as_deref())
            .unwrap_or(&self.id)
    }
}

/// The two reads of the hand-over for a leaver addressed by id or UPN: the
/// direct reports, then the owned groups.
pub fn requests(key: &str) -> [GraphRequest; 2] {
    [
        users::list_direct_reports(key),
        users::list_owned_groups(key),
    ]
}

/// Who takes over, as read: the successor the caller named, else the
/// leaver's manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Successor {
    /// Object id.
    pub id: String,
    /// The name people read.
    pub target: StepTarget,
}

impl Successor {
    /// From a read user.
    pub fn of_user(user: &UserView) -> Self {
        Successor {
            id: user.id.clone(),
            target: StepTarget::person(TargetKind::Manager, user),
        }
    }

    /// From the leaver's expanded manager.
    pub fn of_manager(manager: &crate::graph::model::ManagerView) -> Self {
        Successor {
            id: manager.id.clone(),
            target: StepTarget {
                kind: TargetKind::Manager,
                id: manager.id.clone(),
                display_name: manager.display_name.clone(),
                user_principal_name: manager.user_principal_name.clone(),
                mail: manager.mail.clone(),
            },
        }
    }
}

/// The hand-over's steps and remainders: one manager change per direct
/// report (keyed `handover.manager:{reportId}`); with `hand_over_owners`
/// and a successor, per owned group the successor made an owner
/// (`handover.owner.add:{groupId}`) and then the leaver removed
/// (`handover.owner.remove:{groupId}`, after the add, so the group is never
/// without an owner); otherwise the owned groups as a remainder naming the
/// successor. Reports with no one to move to are a remainder too.
/// `graph_root` is the client's Graph root.
pub fn plan(
    leaver: &str,
    leaver_id: &str,
    successor: Option<&Successor>,
    reports: &[Directory],
    owned_groups: &[Directory],
    hand_over_owners: bool,
    graph_root: &str,
) -> (Vec<Step>, Vec<Remainder>) {
    let mut steps = Vec::new();
    let mut remainder = Vec::new();
    match successor {
        Some(s) => {
            for report in reports.iter().filter(|r| !r.id.eq_ignore_ascii_case(&s.id)) {
                let person = StepTarget {
                    kind: TargetKind::User,
                    id: report.id.clone(),
                    display_name: report.display_name.clone(),
                    user_principal_name: report.user_principal_name.clone(),
                    mail: None,
                };
                steps.push(
                    Step::new(
                        format!("handover.manager:{}", report.id),
                        format!("Move {} to report to {}", person.label(), s.target.label()),
                        users::set_manager(&report.id, graph_root, &s.id),
                    )
                    .with_targets(vec![person, s.target.clone()]),
                );
            }
        }
        None if !reports.is_empty() => remainder.push(Remainder::new(
            RemainderKind::NotObserved,
            format!(
                "{leaver} has no manager and no successor was named: give {} a new manager",
                names(reports)
            ),
        )),
        None => {}
    }
    match successor {
        Some(s) if hand_over_owners => {
            for group in owned_groups {
                let target = StepTarget::group(&group.id, group.display_name.as_deref());
                let add_key = format!("handover.owner.add:{}", group.id);
                steps.push(
                    Step::new(
                        add_key.clone(),
                        format!(
                            "Make {} an owner of group {}",
                            s.target.label(),
                            target.name()
                        ),
                        groups::add_owner(&group.id, &format!("{graph_root}/users/{}", s.id)),
                    )
                    .with_targets(vec![target.clone(), s.target.clone()])
                    .already_done_when(AlreadyDoneWhen::AlreadyMember),
                );
                steps.push(
                    Step::new(
                        format!("handover.owner.remove:{}", group.id),
                        format!("Remove {leaver} as an owner of group {}", target.name()),
                        groups::remove_owner(&group.id, leaver_id),
                    )
                    .with_targets(vec![target])
                    .after(add_key),
                );
            }
        }
        _ if !owned_groups.is_empty() => {
            let to = successor.map_or_else(|| "a new owner".to_string(), |s| s.target.label());
            remainder.push(Remainder::new(
                RemainderKind::GroupOwnership,
                format!(
                    "{leaver} owned the group{} {}: make {to} an owner in Entra (or turn on provisioning.handOverGroupOwnership, which needs Group.ReadWrite.All)",
                    if owned_groups.len() == 1 { "" } else { "s" },
                    names(owned_groups)
                ),
            ));
        }
        _ => {}
    }
    (steps, remainder)
}

fn names(items: &[Directory]) -> String {
    items
        .iter()
        .map(|i| format!("'{}'", i.name()))
        .collect::<Vec<_>>()
        .join(", ")
}
