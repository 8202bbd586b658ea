//! Serviceable groups: which groups the service desk may change, and a
//! plain-words explanation of why Graph cannot or should not change the
//! others this way.

use crate::config::policy::PolicyConfig;
use crate::graph::resources::groups;
use crate::graph::{BatchItem, ClientError, Deadline, GraphClient, GraphRequest};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::{ObjectId, OpError};
use crate::policy::refusal::{Denial, Refusal, RuleName};
use serde::{Deserialize, Serialize};

/// The properties that decide whether a group is serviceable.
pub const GROUP_FACTS_SELECT: &str = "id,displayName,description,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,onPremisesSyncEnabled,membershipRule";

/// A group as Graph describes it: what classification needs, and what the
/// pages and `user.groups` show of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupFacts {
    /// Object id (GUID).
    pub id: String,
    /// `displayName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Shown to admins choosing groups; no bearing on classification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `groupTypes`: `Unified` for Microsoft 365 groups, `DynamicMembership`
    /// for rule-based membership (see the group resource,
    /// <https://learn.microsoft.com/en-us/graph/api/resources/group?view=graph-rest-1.0>).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_types: Vec<String>,
    /// `mailEnabled`: with `securityEnabled` tells security, mail-enabled
    /// security, distribution and Microsoft 365 groups apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_enabled: Option<bool>,
    /// `securityEnabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_enabled: Option<bool>,
    /// `isAssignableToRole`: members may hold directory roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_assignable_to_role: Option<bool>,
    /// `Some(true)` when synchronised from on-premises AD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_sync_enabled: Option<bool>,
    /// The dynamic membership rule, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership_rule: Option<String>,
}

/// Why a group can never be serviceable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupProblem {
    /// Members come from a rule; Graph refuses direct changes.
    DynamicMembership,
    /// Mail-enabled security groups are managed in Exchange.
    MailEnabledSecurityGroup,
    /// Distribution lists are managed in Exchange.
    DistributionList,
    /// Mastered in on-premises Active Directory.
    OnPremisesSynced,
    /// Membership grants directory roles: a privilege-escalation path.
    RoleAssignable,
}

impl GroupProblem {
    /// Why, in plain words completing "this group cannot be serviceable
    /// because ...".
    pub fn explain(self) -> &'static str {
        match self {
            GroupProblem::DynamicMembership => {
                "its members come from a dynamic membership rule, so they cannot be added or removed by hand"
            }
            GroupProblem::MailEnabledSecurityGroup => {
                "it is a mail-enabled security group, which only Exchange can change"
            }
            GroupProblem::DistributionList => {
                "it is a distribution list, which only Exchange can change"
            }
            GroupProblem::OnPremisesSynced => {
                "it is synchronised from on-premises Active Directory and must be changed there"
            }
            GroupProblem::RoleAssignable => {
                "it can be assigned directory roles, so its members hold administrator rights; it is never serviceable"
            }
        }
    }
}

/// The verdict on one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupClassification {
    /// Object id (GUID).
    pub id: String,
    /// `displayName`, when Graph returned it.
    pub display_name: Option<String>,
    /// Empty when the group may be marked serviceable.
    pub problems: Vec<GroupProblem>,
}

impl GroupClassification {
    /// No problem found: an admin may list it as serviceable.
    pub fn can_be_serviceable(&self) -> bool {
        self.problems.is_empty()
    }

    /// `'Display Name'` in quotes, or the id when the name is unknown.
    pub fn label(&self) -> String {
        match &self.display_name {
            Some(name) => format!("'{name}'"),
            None => self.id.clone(),
        }
    }

    /// One sentence for the admin page and the 403 message.
    pub fn explanation(&self) -> String {
        if self.problems.is_empty() {
            return format!(
                "Group {} can be serviced by the service desk.",
                self.label()
            );
        }
        let reasons: Vec<&str> = self.problems.iter().map(|p| p.explain()).collect();
        format!(
            "Group {} cannot be serviced: {}.",
            self.label(),
            reasons.join("; ")
        )
    }
}

/// Classifies a group from its Graph properties.
pub fn classify(facts: &GroupFacts) -> GroupClassification {
    let mut problems = Vec::new();
    let has_type = |t: &str| facts.group_types.iter().any(|g| g.eq_ignore_ascii_case(t));
    if has_type("DynamicMembership") || facts.membership_rule.is_some() {
        problems.push(GroupProblem::DynamicMembership);
    }
    // Microsoft 365 groups are mail-enabled too, yet Graph manages them.
    if facts.mail_enabled == Some(true) && !has_type("Unified") {
        problems.push(if facts.security_enabled == Some(true) {
            GroupProblem::MailEnabledSecurityGroup
        } else {
            GroupProblem::DistributionList
        });
    }
    if facts.on_premises_sync_enabled == Some(true) {
        problems.push(GroupProblem::OnPremisesSynced);
    }
    if facts.is_assignable_to_role == Some(true) {
        problems.push(GroupProblem::RoleAssignable);
    }
    GroupClassification {
        id: facts.id.clone(),
        display_name: facts.display_name.clone(),
        problems,
    }
}

/// `GET /groups/{id}?$select=...`
pub fn group_facts_request(id: &ObjectId) -> GraphRequest {
    groups::get_group(id.as_str(), GROUP_FACTS_SELECT)
}

/// One group read's answer as facts: a 404 is [`OpError::NotFound`].
pub(crate) fn facts_of(
    id: &ObjectId,
    result: Result<crate::graph::GraphResponse, ClientError>,
) -> Result<GroupFacts, OpError> {
    match result {
        Err(ClientError::Graph(g)) if g.is_not_found() => Err(OpError::NotFound {
            what: format!("group {id}"),
        }),
        other => Ok(other?.json("group")?),
    }
}

/// Reads and classifies one group (for the admin page).
pub async fn classify_group<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    id: &ObjectId,
    deadline: Deadline,
) -> Result<GroupClassification, OpError> {
    let result = client.send(&group_facts_request(id), deadline).await;
    Ok(classify(&facts_of(id, result)?))
}

/// Reads and classifies several groups in one round trip (`$batch`).
pub async fn classify_groups<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    ids: &[ObjectId],
    deadline: Deadline,
) -> Result<Vec<GroupClassification>, OpError> {
    Ok(read_group_facts(client, ids, deadline)
        .await?
        .iter()
        .map(classify)
        .collect())
}

/// Reads what classification needs of several groups, live, in one round
/// trip (`$batch`; more than 20 ids take one per 20), in the order of `ids`.
/// Errors: the first group Graph could not read, as [`facts_of`] names it.
pub(crate) async fn read_group_facts<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    ids: &[ObjectId],
    deadline: Deadline,
) -> Result<Vec<GroupFacts>, OpError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<BatchItem> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| BatchItem::new(i.to_string(), group_facts_request(id)))
        .collect();
    let results = client.execute(&items, deadline).await;
    ids.iter()
        .zip(results)
        .map(|(id, result)| facts_of(id, result))
        .collect()
}

/// The run-time check for every group an operation changes: it must be on
/// the admin's list (read from the configuration every time), and Graph
/// must describe it as serviceable (a group can become dynamic or synced
/// after it was listed). What Graph says comes from the tenant facts cache
/// ([`super::tenant_facts`], which argues why a stale entry is safe) or, for
/// groups it does not hold, one `$batch`. Returns the classification of
/// each group (names for the plan).
pub async fn check_groups<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    config: &PolicyConfig,
    groups: &[ObjectId],
    deadline: Deadline,
) -> Result<Vec<GroupClassification>, Denial> {
    if let Some(unlisted) = groups
        .iter()
        .find(|g| !config.serviceable_groups.contains(g))
    {
        return Err(Refusal::new(
            RuleName::GroupNotServiceable,
            format!(
                "group {unlisted} is not one of the groups the administrator marked serviceable"
            ),
        )
        .into());
    }
    let classes: Vec<GroupClassification> =
        super::tenant_facts::group_facts(client, groups, deadline)
            .await?
            .iter()
            .map(classify)
            .collect();
    if let Some(bad) = classes.iter().find(|c| !c.can_be_serviceable()) {
        return Err(Refusal::new(RuleName::GroupKindNotServiceable, bad.explanation()).into());
    }
    Ok(classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(types: &[&str], mail: bool, security: bool) -> GroupFacts {
        GroupFacts {
            id: "g".into(),
            display_name: Some("G".into()),
            group_types: types.iter().map(|t| t.to_string()).collect(),
            mail_enabled: Some(mail),
            security_enabled: Some(security),
            ..GroupFacts::default()
        }
    }

    #[test]
    fn kinds() {
        assert!(classify(&facts(&[], false, true)).can_be_serviceable());
        assert!(classify(&facts(&["Unified"], true, false)).can_be_serviceable());
        assert_eq!(
            classify(&facts(&[], true, true)).problems,
            vec![GroupProblem::MailEnabledSecurityGroup]
        );
        assert_eq!(
            classify(&facts(&[], true, false)).problems,
            vec![GroupProblem::DistributionList]
        );
        assert_eq!(
            classify(&facts(&["DynamicMembership"], false, true)).problems,
            vec![GroupProblem::DynamicMembership]
        );
        let mut role = facts(&[], false, true);
        role.is_assignable_to_role = Some(true);
        assert!(classify(&role).explanation().contains("never serviceable"));
    }
}
