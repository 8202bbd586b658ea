//! A user's group memberships, read before any membership is removed: only
//! a direct membership can be removed, and a transitive one (through a
//! nested group) stays until the membership it comes through goes. So a
//! removal is planned only where the user really is a member, and what
//! stays is reported (a 409 for a single removal, remainders for an
//! offboarding) instead of a clean "no change".

use crate::graph::resources::{groups, users};
use crate::graph::{BatchItem, ClientError, Deadline, GraphClient, GraphRequest, GraphResponse};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::error::OpError;
use crate::lifecycle::ids::ObjectId;
use crate::lifecycle::outcome::{Remainder, RemainderKind};
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a direct membership needs to be told apart: dynamic, synced,
/// mail-enabled (Graph's property names).
pub const DIRECT_SELECT: &str =
    "id,displayName,groupTypes,membershipRule,mailEnabled,securityEnabled,onPremisesSyncEnabled,isAssignableToRole";

/// Bounds paging of membership lists (999 per page).
const MAX_PAGES: usize = 20;

/// One group the user belongs to, directly or through nesting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MemberGroup {
    /// Object id (GUID).
    pub id: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// `groupTypes` (`DynamicMembership`, `Unified`).
    pub group_types: Vec<String>,
    /// The dynamic membership rule, if any.
    pub membership_rule: Option<String>,
    /// `mailEnabled`.
    pub mail_enabled: Option<bool>,
    /// `securityEnabled`.
    pub security_enabled: Option<bool>,
    /// `onPremisesSyncEnabled`.
    pub on_premises_sync_enabled: Option<bool>,
    /// `isAssignableToRole`.
    pub is_assignable_to_role: Option<bool>,
}

impl MemberGroup {
    /// `'Display Name'`, or the id when the name is unknown.
    pub fn label(&self) -> String {
        match &self.display_name {
            Some(name) => format!("'{name}'"),
            None => self.id.clone(),
        }
    }

    fn has_type(&self, wanted: &str) -> bool {
        self.group_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(wanted))
    }

    /// Members come from a rule, not from anyone's hand.
    pub fn is_dynamic(&self) -> bool {
        self.has_type("DynamicMembership") || self.membership_rule.is_some()
    }

    /// Why nobody can take the user out of this group through the app, in
    /// words completing "which ...". Distribution lists and mail-enabled
    /// security groups are read-only in Graph: "Working with groups in
    /// Microsoft Graph" lists both as not manageable through the API
    /// (<https://learn.microsoft.com/en-us/graph/api/resources/groups-overview>),
    /// and Entra answers a membership write with `Request_BadRequest`
    /// ("Cannot Update a mail-enabled security groups and or distribution
    /// list."); Exchange Online manages them.
    fn why_kept(&self) -> &'static str {
        if self.on_premises_sync_enabled == Some(true) {
            "is synchronised from on-premises Active Directory: remove the membership there"
        } else if self.is_distribution_list() {
            "is a distribution list, which Graph cannot change: remove the membership in the Exchange admin center (Remove-DistributionGroupMember)"
        } else if self.mail_enabled == Some(true) && !self.has_type("Unified") {
            "is a mail-enabled security group, which Graph cannot change: remove the membership in the Exchange admin center (Remove-DistributionGroupMember)"
        } else if self.is_assignable_to_role == Some(true) {
            "can be assigned directory roles: a privileged administrator must remove the membership in Entra"
        } else {
            "is not one of the serviceable groups: remove the membership in Entra or ask the group's owner"
        }
    }

    /// A distribution list: mail-enabled, not a security group, not a
    /// Microsoft 365 group.
    pub fn is_distribution_list(&self) -> bool {
        self.mail_enabled == Some(true)
            && self.security_enabled != Some(true)
            && !self.has_type("Unified")
    }

    fn is(&self, id: &str) -> bool {
        self.id.eq_ignore_ascii_case(id)
    }
}

/// The user's direct and transitive group memberships.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memberships {
    /// Groups the user is a member of directly (`memberOf`).
    pub direct: Vec<MemberGroup>,
    /// Groups the user is a member of directly or through nesting
    /// (`transitiveMemberOf`).
    pub transitive: Vec<MemberGroup>,
}

impl Memberships {
    /// The two list requests for a user addressed by object id or UPN: the
    /// direct memberships, then the transitive ones.
    pub fn requests(key: &str) -> [GraphRequest; 2] {
        [
            users::list_direct_groups(key, DIRECT_SELECT),
            users::list_transitive_groups(key),
        ]
    }

    /// Reads the memberships from the answers to [`Memberships::requests`]
    /// (following further pages).
    pub async fn from_results<T: Transport, H: Host>(
        client: &GraphClient<'_, T, H>,
        direct: Result<GraphResponse, ClientError>,
        transitive: Result<GraphResponse, ClientError>,
        deadline: Deadline,
    ) -> Result<Self, OpError> {
        Ok(Memberships {
            direct: client.rest_of(direct, MAX_PAGES, deadline).await?,
            transitive: client.rest_of(transitive, MAX_PAGES, deadline).await?,
        })
    }

    /// Reads both lists in one round trip.
    pub async fn read<T: Transport, H: Host>(
        client: &GraphClient<'_, T, H>,
        key: &str,
        deadline: Deadline,
    ) -> Result<Self, OpError> {
        let [direct, transitive] = Self::requests(key);
        let items = [
            BatchItem::new("direct", direct),
            BatchItem::new("transitive", transitive),
        ];
        let mut results = client.execute(&items, deadline).await.into_iter();
        let (Some(direct), Some(transitive)) = (results.next(), results.next()) else {
            return Err(OpError::Unexpected {
                what: "$batch".into(),
                reason: "fewer responses than requests".into(),
            });
        };
        Self::from_results(client, direct, transitive, deadline).await
    }

    /// The direct membership of `group`, if there is one.
    pub fn direct_in(&self, group: &ObjectId) -> Option<&MemberGroup> {
        self.direct.iter().find(|g| g.is(group.as_str()))
    }

    /// The membership of `group`, direct or through nesting, if any.
    pub fn transitive_in(&self, group: &ObjectId) -> Option<&MemberGroup> {
        self.transitive.iter().find(|g| g.is(group.as_str()))
    }

    /// Groups the user is in only through nesting.
    pub fn nested_only(&self) -> Vec<&MemberGroup> {
        self.transitive
            .iter()
            .filter(|t| !self.direct.iter().any(|d| d.is(&t.id)))
            .collect()
    }
}

/// The groups nested directly in each of `groups` (one `$batch`).
pub async fn member_groups<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    groups: &[&str],
    deadline: Deadline,
) -> Result<BTreeMap<String, Vec<MemberGroup>>, OpError> {
    let items: Vec<BatchItem> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| BatchItem::new(i.to_string(), groups::list_member_groups(g)))
        .collect();
    let results = client.execute(&items, deadline).await;
    let mut nested = BTreeMap::new();
    for (group, result) in groups.iter().zip(results) {
        let members = client.rest_of(result, MAX_PAGES, deadline).await?;
        nested.insert(group.to_ascii_lowercase(), members);
    }
    Ok(nested)
}

/// The nested groups in `group` through which the user is a member of it:
/// those of its member groups the user belongs to (one more read).
pub async fn access_through<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    memberships: &Memberships,
    group: &ObjectId,
    deadline: Deadline,
) -> Result<Vec<MemberGroup>, OpError> {
    let nested = member_groups(client, &[group.as_str()], deadline).await?;
    Ok(nested
        .into_values()
        .flatten()
        .filter(|m| memberships.transitive.iter().any(|t| t.is(&m.id)))
        .collect())
}

/// What access stays after the direct memberships in `removed` are gone:
/// each other direct membership (dynamic, or outside the serviceable
/// groups), and each nested-only group still reached through one of them.
/// `nested` holds the member groups of the nested-only groups (see
/// [`member_groups`]); `user` names the user in the summaries.
pub fn remaining_access(
    memberships: &Memberships,
    removed: &[ObjectId],
    nested: &BTreeMap<String, Vec<MemberGroup>>,
    user: &str,
) -> Vec<Remainder> {
    let kept: Vec<&MemberGroup> = memberships
        .direct
        .iter()
        .filter(|d| !removed.iter().any(|r| d.is(r.as_str())))
        .collect();
    let mut remainder: Vec<Remainder> = kept
        .iter()
        .map(|g| match &g.membership_rule {
            _ if !g.is_dynamic() => Remainder::new(
                RemainderKind::UnserviceableGroup,
                format!(
                    "{user} is still a member of {}, which {}",
                    g.label(),
                    g.why_kept()
                ),
            ),
            Some(rule) => Remainder::new(
                RemainderKind::DynamicGroup,
                format!(
                    "{user} is still a member of the dynamic group {} while its rule ({rule}) matches: change {} (the attribute{} it tests)",
                    g.label(),
                    rule_attributes(rule).join(", "),
                    if rule_attributes(rule).len() == 1 { "" } else { "s" },
                ),
            ),
            None => Remainder::new(
                RemainderKind::DynamicGroup,
                format!(
                    "{user} is still a member of the dynamic group {} while its membership rule matches: change the attributes it tests",
                    g.label()
                ),
            ),
        })
        .collect();
    // Nested-only groups reached through a kept membership, directly or
    // through another such group: repeat until nothing new is reached.
    let nested_only = memberships.nested_only();
    let mut reached: Vec<(&MemberGroup, String)> = Vec::new();
    loop {
        let before = reached.len();
        for group in &nested_only {
            if reached.iter().any(|(r, _)| r.is(&group.id)) {
                continue;
            }
            let members = nested
                .get(&group.id.to_ascii_lowercase())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let via = members.iter().find_map(|m| {
                if kept.iter().any(|k| k.is(&m.id)) || reached.iter().any(|(r, _)| r.is(&m.id)) {
                    Some(
                        memberships
                            .transitive
                            .iter()
                            .find(|t| t.is(&m.id))
                            .unwrap_or(m)
                            .label(),
                    )
                } else {
                    None
                }
            });
            if let Some(via) = via {
                reached.push((group, via));
            }
        }
        if reached.len() == before {
            break;
        }
    }
    remainder.extend(reached.into_iter().map(|(group, via)| {
        Remainder::new(
            RemainderKind::NestedGroup,
            format!(
                "{user} keeps access to {} through the nested group {via}",
                group.label()
            ),
        )
    }));
    remainder
}

/// The user attributes a dynamic membership rule tests (`user.department`,
/// `user.extension_..._costCenter`), in the order they first appear and
/// without repeats: the words of a rule outside its quoted values that start
/// with `user.`. Rule syntax: "Dynamic membership rules for groups"
/// (<https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership>).
/// A rule that names none (`device.` rules, a malformed rule) gives
/// `["the attributes of its rule"]`, so a summary still reads.
pub fn rule_attributes(rule: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut quoted = false;
    let mut word = String::new();
    let flush = |word: &mut String, found: &mut Vec<String>| {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("user.")
            && word.len() > 5
            && !found.iter().any(|f| f.eq_ignore_ascii_case(word))
        {
            found.push(std::mem::take(word));
        }
        word.clear();
    };
    for c in rule.chars() {
        if c == '"' {
            quoted = !quoted;
            flush(&mut word, &mut found);
        } else if !quoted && (c.is_ascii_alphanumeric() || c == '.' || c == '_') {
            word.push(c);
        } else {
            flush(&mut word, &mut found);
        }
    }
    flush(&mut word, &mut found);
    if found.is_empty() {
        found.push("the attributes of its rule".into());
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_rule_names_the_attributes_it_tests() {
        assert_eq!(
            super::rule_attributes(
                r#"(user.department -eq "Engineering") and (user.employeeType -eq "Contractor") or (user.department -eq "user.x")"#
            ),
            vec!["user.department", "user.employeeType"]
        );
        assert_eq!(
            super::rule_attributes(r#"user.memberOf -any (group.objectId -in ['x'])"#),
            vec!["user.memberOf"]
        );
        assert_eq!(
            super::rule_attributes("(device.deviceOSType -eq \"Windows\")"),
            vec!["the attributes of its rule"]
        );
    }

    use super::*;

    fn group(id: &str, name: &str) -> MemberGroup {
        MemberGroup {
            id: id.into(),
            display_name: Some(name.into()),
            ..MemberGroup::default()
        }
    }

    fn oid(n: u8) -> ObjectId {
        ObjectId::parse(&format!("00000000-0000-4000-8000-0000000000{n:02}"), "g").unwrap()
    }

    #[test]
    fn nested_access_stays_only_through_kept_memberships() {
        let (staff, eng, github, dynamic, sales) = (oid(1), oid(2), oid(3), oid(4), oid(5));
        let mut dyn_group = group(dynamic.as_str(), "Contractors");
        dyn_group.group_types = vec!["DynamicMembership".into()];
        dyn_group.membership_rule = Some("(user.department -eq \"Eng\")".into());
        let memberships = Memberships {
            direct: vec![
                group(staff.as_str(), "All Staff"),
                group(eng.as_str(), "Engineering"),
                dyn_group.clone(),
            ],
            transitive: vec![
                group(staff.as_str(), "All Staff"),
                group(eng.as_str(), "Engineering"),
                dyn_group,
                group(github.as_str(), "GitHub"),
                group(sales.as_str(), "Sales"),
            ],
        };
        let mut nested = BTreeMap::new();
        nested.insert(
            github.as_str().to_string(),
            vec![group(eng.as_str(), "Engineering")],
        );
        nested.insert(
            sales.as_str().to_string(),
            vec![group(dynamic.as_str(), "Contractors")],
        );
        let left = remaining_access(&memberships, &[staff, eng], &nested, "Raul");
        let kinds: Vec<_> = left.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            vec![RemainderKind::DynamicGroup, RemainderKind::NestedGroup]
        );
        assert!(left[1]
            .summary
            .contains("'Sales' through the nested group 'Contractors'"));
        assert!(
            !left.iter().any(|r| r.summary.contains("GitHub")),
            "GitHub came through Engineering, which is removed"
        );
    }
}
