//! Protected targets: users no service desk may reset, disable or change in
//! sensitive ways. One `$batch` round trip reads the user, their directory
//! roles and their groups (transitively, so roles held through a
//! role-assignable group count).

use crate::config::policy::PolicyConfig;
use crate::graph::paging::Page;
use crate::graph::resources::users;
use crate::graph::{BatchItem, ClientError, Deadline, GraphClient, GraphRequest, GraphResponse};
use crate::host::Host;
use crate::http::Transport;
use crate::lifecycle::resolve::{read_result, read_user, user_read};
use crate::lifecycle::{ObjectId, OpError, UserRef};
use crate::policy::operation::ReadAheadFor;
use crate::policy::refusal::{Denial, Refusal, RuleName};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// Privileged directory roles by template id (graph.md §9). Listed for
/// reference and messages; the check itself is stricter (see
/// [`is_privileged_role`]).
pub const PRIVILEGED_ROLE_TEMPLATE_IDS: [(&str, &str); 20] = [
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
    ),
    (
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "Groups Administrator",
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
    ),
    (
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        "Hybrid Identity Administrator",
    ),
    (
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
    ),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    ("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers"),
    (
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
        "License Administrator",
    ),
    (
        "e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8",
        "Partner Tier2 Support",
    ),
];

/// Roles that grant no power over others (Directory Readers). Every other
/// role, including custom and future ones, counts as privileged: an unknown
/// role fails safe.
pub const HARMLESS_ROLE_TEMPLATE_IDS: [&str; 1] = ["88d8e3e3-8f55-4a1e-953a-9b9898b8876b"];

/// Whether a directory role (by `roleTemplateId`, compared
/// case-insensitively) counts as privileged: every role not in
/// [`HARMLESS_ROLE_TEMPLATE_IDS`].
pub fn is_privileged_role(template_id: &str) -> bool {
    !HARMLESS_ROLE_TEMPLATE_IDS
        .iter()
        .any(|h| h.eq_ignore_ascii_case(template_id))
}

const TARGET_SELECT: &str = "id,displayName,userPrincipalName,mail,onPremisesSyncEnabled";
/// Bounds paging of role and group lists (999 per page).
const MAX_PAGES: usize = 20;

/// The user a policy check resolved, for the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResolvedUser {
    /// Object id (GUID).
    pub id: String,
    /// `displayName`, when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `userPrincipalName`, when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// `mail`, when read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    /// `onPremisesSyncEnabled`, when read: the user is mastered in
    /// on-premises AD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_premises_sync_enabled: Option<bool>,
}

impl ResolvedUser {
    /// The UPN, else the display name, else the id: how messages name the user.
    pub fn label(&self) -> String {
        self.user_principal_name
            .clone()
            .or_else(|| self.display_name.clone())
            .unwrap_or_else(|| self.id.clone())
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleEntry {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    role_template_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupEntry {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    is_assignable_to_role: Option<bool>,
}

/// How the user can be addressed in a path before being read: an id or
/// UPN as given, an address tried as a UPN.
fn path_key(user: &UserRef) -> Option<&str> {
    crate::lifecycle::offboard::path_key(user)
}

/// All items of a collection whose first page came from a batch.
async fn all_items<V: DeserializeOwned, T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    first: Result<GraphResponse, ClientError>,
    deadline: Deadline,
) -> Result<Vec<V>, OpError> {
    let page: Page<V> = first?.json("collection page")?;
    let mut items = page.value;
    if let Some(next) = page.next_link {
        items.extend(
            client
                .get_all::<V>(GraphRequest::get(next), MAX_PAGES, deadline)
                .await?,
        );
    }
    Ok(items)
}

/// Refuses a privileged or protected target; otherwise returns the user.
/// One `$batch`: the user, their directory roles and groups (transitively)
/// and the reads `ahead` names (answers kept for the operation,
/// [`crate::graph::read_ahead`]). An id or UPN is addressed as given; an
/// address is tried as a UPN with its lookup (UPN, mail or proxy address)
/// in the same batch, which proves it names one user; only an address that
/// is a mail or alias costs one more round trip, by id. A mail or
/// employeeId is looked up first.
pub async fn check_target<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    config: &PolicyConfig,
    target: &UserRef,
    ahead: Option<&ReadAheadFor>,
    deadline: Deadline,
) -> Result<ResolvedUser, Denial> {
    let key = match path_key(target) {
        Some(k) => k.to_string(),
        None => {
            read_user(client, target, TARGET_SELECT, None, deadline)
                .await?
                .id
        }
    };
    let lookup = matches!(target, UserRef::Address(_)).then(|| user_read(target, "id", None));
    let (first, lookup) = guard_reads(client, &key, lookup.as_ref(), ahead, deadline).await?;
    let (user, roles, groups) = match (first, lookup) {
        (Some(read), _) => read,
        // The address is a mail or an alias, not the UPN: by id.
        (None, Some(found)) => {
            let id = read_result(target, found)?.id;
            client.read_ahead.resolve(&key, &id);
            match guard_reads(client, &id, None, ahead, deadline).await?.0 {
                Some(read) => read,
                None => {
                    return Err(OpError::NotFound {
                        what: format!("user with {target}"),
                    }
                    .into())
                }
            }
        }
        (None, None) => {
            return Err(OpError::NotFound {
                what: format!("user with {target}"),
            }
            .into())
        }
    };
    let roles: Vec<RoleEntry> = all_items(client, roles, deadline).await?;
    let groups: Vec<GroupEntry> = all_items(client, groups, deadline).await?;
    judge(config, &user, &roles, &groups)?;
    Ok(user)
}

type GuardRead = (
    ResolvedUser,
    Result<GraphResponse, ClientError>,
    Result<GraphResponse, ClientError>,
);

/// One round trip: the user by `key`, their roles and groups, `lookup` (an
/// address's lookup, whose answer comes back) and the reads `ahead` (kept
/// in the client). `None` for the user when `key` names nobody.
async fn guard_reads<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    key: &str,
    lookup: Option<&GraphRequest>,
    ahead: Option<&ReadAheadFor>,
    deadline: Deadline,
) -> Result<
    (
        Option<GuardRead>,
        Option<Result<GraphResponse, ClientError>>,
    ),
    Denial,
> {
    let mut items = vec![
        BatchItem::new("user", users::get_user(key, TARGET_SELECT, None)),
        BatchItem::new("roles", users::list_transitive_directory_roles(key)),
        BatchItem::new("groups", users::list_transitive_groups(key)),
    ];
    if let Some(lookup) = lookup {
        items.push(BatchItem::new("lookup", lookup.clone()));
    }
    let fixed = items.len();
    // A read ahead the check makes itself is sent once and kept as well.
    let ahead: Vec<GraphRequest> = ahead.map(|a| a.requests(key)).unwrap_or_default();
    let mut extra = Vec::new();
    for request in &ahead {
        match items[..fixed]
            .iter()
            .position(|i| i.request.path == request.path)
        {
            Some(same) => extra.push(Err(same)),
            None => {
                extra.push(Ok(items.len()));
                items.push(BatchItem::new(
                    format!("ahead{}", items.len()),
                    request.clone(),
                ));
            }
        }
    }
    let results = client.execute(&items, deadline).await;
    if results.len() != items.len() {
        return Err(OpError::Unexpected {
            what: "$batch".into(),
            reason: "fewer responses than requests".into(),
        }
        .into());
    }
    let user_found = !matches!(&results[0], Err(ClientError::Graph(g)) if g.is_not_found());
    if user_found {
        for (request, at) in ahead.iter().zip(&extra) {
            let index = match at {
                Ok(i) | Err(i) => *i,
            };
            if let Ok(response) = &results[index] {
                client.read_ahead.keep(request, response.clone());
            }
        }
    }
    let mut results = results.into_iter();
    let (Some(user), Some(roles), Some(groups)) = (results.next(), results.next(), results.next())
    else {
        return Err(OpError::Unexpected {
            what: "$batch".into(),
            reason: "fewer responses than requests".into(),
        }
        .into());
    };
    let lookup = lookup.and(results.next());
    if !user_found {
        return Ok((None, lookup));
    }
    let view = read_result(&UserRef::Upn(key.to_string()), user)?;
    let user = ResolvedUser {
        id: view.id,
        display_name: view.display_name,
        user_principal_name: view.user_principal_name,
        mail: view.mail,
        on_premises_sync_enabled: view.on_premises_sync_enabled,
    };
    if let Some(found) = &lookup {
        // An address must name one user (no other's mail or alias): the
        // lookup is the proof, and without it nothing is decided.
        read_result(&UserRef::Address(key.to_string()), found.clone())?;
    }
    Ok((Some((user, roles, groups)), lookup))
}

fn judge(
    config: &PolicyConfig,
    user: &ResolvedUser,
    roles: &[RoleEntry],
    groups: &[GroupEntry],
) -> Result<(), Refusal> {
    let label = user.label();
    if config
        .protected_users
        .iter()
        .any(|p| p.as_str().eq_ignore_ascii_case(&user.id))
    {
        return Err(Refusal::new(
            RuleName::ProtectedUserTarget,
            format!("{label} is on the administrator's list of protected users"),
        ));
    }
    if let Some(role) = roles
        .iter()
        .find(|r| r.role_template_id.as_deref().is_none_or(is_privileged_role))
    {
        return Err(Refusal::new(
            RuleName::PrivilegedRoleTarget,
            format!(
                "{label} holds the privileged directory role '{}'; only a Global or Privileged Authentication Administrator may do this, in Entra itself",
                role.display_name.as_deref().unwrap_or("unknown role")
            ),
        ));
    }
    if let Some(group) = groups
        .iter()
        .find(|g| g.is_assignable_to_role == Some(true))
    {
        return Err(Refusal::new(
            RuleName::RoleAssignableGroupTarget,
            format!(
                "{label} is a member of the role-assignable group '{}'",
                group.display_name.as_deref().unwrap_or(&group.id)
            ),
        ));
    }
    if let Some(group) = groups.iter().find(|g| {
        ObjectId::parse(&g.id, "id").is_ok_and(|id| config.protected_groups.contains(&id))
    }) {
        return Err(Refusal::new(
            RuleName::ProtectedGroupTarget,
            format!(
                "{label} is a member of the protected group '{}'",
                group.display_name.as_deref().unwrap_or(&group.id)
            ),
        ));
    }
    Ok(())
}
