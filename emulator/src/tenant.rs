//! The in-memory directory: organization, app, roles, users and groups.

use serde_json::{Map, Value};

use crate::seed::{Seed, SeedTapPolicy};

/// Properties Entra Connect does not master: a cloud write sticks on a
/// synced user and a sync cycle leaves it alone. From the user resource
/// ("Returned only on $select ... can be updated for synced users") and
/// Entra Connect's synchronised-attribute list:
/// <https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized>.
/// `accountEnabled` is not here: Graph accepts it on a synced user, but it
/// is mastered by `userAccountControl` in AD and the next cycle reverts it.
pub(crate) const CLOUD_MASTERED_WHEN_SYNCED: &[&str] = &[
    "usageLocation",
    "employeeLeaveDateTime",
    "preferredLanguage",
];

#[derive(Debug, Clone)]
pub(crate) struct App {
    pub display_name: String,
    pub client_id: String,
    pub client_secret: String,
    pub service_principal_id: String,
    pub application_permissions: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct DirectoryRole {
    pub id: String,
    pub display_name: String,
    pub description: String,
    pub role_template_id: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct TemporaryAccessPass {
    pub id: String,
    pub pass: String,
    pub created_ms: u64,
    pub start_ms: u64,
    pub lifetime_minutes: i64,
    pub usable_once: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    /// Graph properties as Graph spells them (never `passwordProfile`).
    pub props: Map<String, Value>,
    pub manager: Option<String>,
    /// Kept so behaviour that depends on a password being set can be checked;
    /// never logged or returned.
    pub password: Option<String>,
    pub tap: Option<TemporaryAccessPass>,
    /// Registered authentication methods other than the password and the
    /// Temporary Access Pass, as Graph serialises them (`@odata.type`,
    /// `id`, the type's properties); the first is the user's default
    /// sign-in method ([`crate::auth_methods`]).
    pub auth_methods: Vec<Map<String, Value>>,
    /// Object ids of the user's sponsors (`/users/{id}/sponsors`).
    pub sponsors: Vec<String>,
    /// For a user synced from on-premises AD: the values AD holds for the
    /// properties it masters (taken from the seed), which a sync cycle
    /// (`POST /_emulator/sync`) writes back over any cloud change.
    pub on_premises: Option<Map<String, Value>>,
    /// Replication delay: reads before this instant behave as if the object is absent.
    pub visible_at_ms: u64,
    /// Licences held directly and through licensing groups ([`crate::licences`]).
    pub licences: Vec<crate::licences::LicenceAssignment>,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub props: Map<String, Value>,
    pub members: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    pub id: String,
    pub display_name: String,
    pub verified_domains: Vec<Map<String, Value>>,
    pub country_letter_code: Option<String>,
    pub city: Option<String>,
    pub tap_policy: SeedTapPolicy,
    pub token_lifetime_seconds: u64,
    pub app: App,
    pub roles: Vec<DirectoryRole>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// The tenant's subscriptions as `subscribedSku` objects (without
    /// `consumedUnits`, which is counted from the assignments).
    pub skus: Vec<Map<String, Value>>,
    /// Soft-deleted users with the instant they were deleted
    /// ([`crate::deleted`]).
    pub deleted_users: Vec<(User, u64)>,
    /// Delta query state: snapshots behind deltaLinks, sweeps under way
    /// ([`crate::delta`]). A tenant built from the seed starts with none.
    pub delta: crate::delta::DeltaState,
}

pub(crate) fn str_prop<'a>(props: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    props.get(name).and_then(Value::as_str)
}

fn bool_prop(props: &Map<String, Value>, name: &str) -> bool {
    props.get(name).and_then(Value::as_bool).unwrap_or(false)
}

impl User {
    pub fn id(&self) -> &str {
        str_prop(&self.props, "id").unwrap_or_default()
    }
    pub fn upn(&self) -> &str {
        str_prop(&self.props, "userPrincipalName").unwrap_or_default()
    }
    pub fn is_synced(&self) -> bool {
        bool_prop(&self.props, "onPremisesSyncEnabled")
    }
}

impl Group {
    pub fn id(&self) -> &str {
        str_prop(&self.props, "id").unwrap_or_default()
    }
    pub fn display_name(&self) -> &str {
        str_prop(&self.props, "displayName").unwrap_or_default()
    }
    pub fn group_types(&self) -> Vec<&str> {
        self.props
            .get("groupTypes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
    pub fn is_dynamic(&self) -> bool {
        self.group_types()
            .iter()
            .any(|t| t.eq_ignore_ascii_case("DynamicMembership"))
    }
    pub fn is_unified(&self) -> bool {
        self.group_types()
            .iter()
            .any(|t| t.eq_ignore_ascii_case("Unified"))
    }
    /// Mail-enabled security groups and distribution lists are managed in Exchange.
    pub fn is_exchange_managed(&self) -> bool {
        bool_prop(&self.props, "mailEnabled") && !self.is_unified()
    }
    pub fn is_synced(&self) -> bool {
        bool_prop(&self.props, "onPremisesSyncEnabled")
    }
    pub fn is_role_assignable(&self) -> bool {
        bool_prop(&self.props, "isAssignableToRole")
    }
}

impl Tenant {
    pub fn from_seed(seed: &Seed) -> Tenant {
        let users = seed
            .users
            .iter()
            .map(|raw| {
                let mut props = raw.clone();
                let manager = props
                    .remove("manager")
                    .and_then(|v| v.as_str().map(str::to_string));
                let password = props
                    .remove("password")
                    .and_then(|v| v.as_str().map(str::to_string));
                let licences = crate::licences::direct_from_seed(props.remove("assignedLicenses"));
                let auth_methods = props
                    .remove("authenticationMethods")
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|m| m.as_object().cloned())
                    .collect();
                let on_premises = bool_prop(&props, "onPremisesSyncEnabled").then(|| {
                    props
                        .iter()
                        .filter(|(k, _)| !CLOUD_MASTERED_WHEN_SYNCED.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                });
                User {
                    props,
                    manager: manager.clone(),
                    password,
                    tap: None,
                    auth_methods,
                    sponsors: Vec::new(),
                    on_premises: on_premises.map(|mut ad: Map<String, Value>| {
                        // The manager is mastered in AD too.
                        ad.insert("manager".into(), manager.map_or(Value::Null, Value::String));
                        ad
                    }),
                    visible_at_ms: 0,
                    licences,
                }
            })
            .collect();
        let groups = seed
            .groups
            .iter()
            .map(|raw| {
                let mut props = raw.clone();
                let members = props
                    .remove("members")
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                Group { props, members }
            })
            .collect();
        let mut tenant = Tenant {
            id: seed.tenant.id.clone(),
            display_name: seed.tenant.display_name.clone(),
            verified_domains: seed.tenant.verified_domains.clone(),
            country_letter_code: seed.tenant.country_letter_code.clone(),
            city: seed.tenant.city.clone(),
            tap_policy: seed.tenant.temporary_access_pass_policy.clone(),
            token_lifetime_seconds: seed.tenant.token_lifetime_seconds,
            app: App {
                display_name: seed.app.display_name.clone(),
                client_id: seed.app.client_id.clone(),
                client_secret: seed.app.client_secret.clone(),
                service_principal_id: seed.app.service_principal_id.clone(),
                application_permissions: seed.app.application_permissions.clone(),
            },
            roles: seed
                .directory_roles
                .iter()
                .map(|r| DirectoryRole {
                    id: r.id.clone(),
                    display_name: r.display_name.clone(),
                    description: r.description.clone(),
                    role_template_id: r.role_template_id.clone(),
                    members: r.members.clone(),
                })
                .collect(),
            users,
            groups,
            skus: seed.subscribed_skus.clone(),
            deleted_users: Vec::new(),
            delta: Default::default(),
        };
        tenant.reconcile_group_licences(0);
        tenant
    }

    pub fn domain_names(&self) -> impl Iterator<Item = &str> {
        self.verified_domains
            .iter()
            .filter_map(|d| str_prop(d, "name"))
    }

    pub fn is_verified_domain(&self, domain: &str) -> bool {
        self.domain_names().any(|d| d.eq_ignore_ascii_case(domain))
    }

    /// A user by object id or UPN, ignoring replication visibility.
    pub fn user_index_any(&self, id_or_upn: &str) -> Option<usize> {
        self.users.iter().position(|u| {
            u.id().eq_ignore_ascii_case(id_or_upn) || u.upn().eq_ignore_ascii_case(id_or_upn)
        })
    }

    /// A user as Graph would see it at `now_ms` (newly created users may not have replicated).
    pub fn user_index(&self, id_or_upn: &str, now_ms: u64) -> Option<usize> {
        self.user_index_any(id_or_upn)
            .filter(|&i| self.users[i].visible_at_ms <= now_ms)
    }

    pub fn group_index(&self, id: &str) -> Option<usize> {
        self.groups
            .iter()
            .position(|g| g.id().eq_ignore_ascii_case(id))
    }

    pub fn role_index(&self, id: &str) -> Option<usize> {
        self.roles
            .iter()
            .position(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// Ids of groups and roles that directly contain `member_id`.
    pub fn direct_containers(&self, member_id: &str) -> Vec<String> {
        let groups = self
            .groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m.eq_ignore_ascii_case(member_id)))
            .map(|g| g.id().to_string());
        let roles = self
            .roles
            .iter()
            .filter(|r| r.members.iter().any(|m| m.eq_ignore_ascii_case(member_id)))
            .map(|r| r.id.clone());
        groups.chain(roles).collect()
    }

    /// Ids of every group and role containing `member_id`, directly or through nested groups.
    pub fn transitive_containers(&self, member_id: &str) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        let mut frontier = vec![member_id.to_string()];
        while let Some(next) = frontier.pop() {
            for container in self.direct_containers(&next) {
                if !found.iter().any(|f| f.eq_ignore_ascii_case(&container)) {
                    found.push(container.clone());
                    frontier.push(container);
                }
            }
        }
        found
    }

    /// Role template ids held by a principal, including through role-assignable groups.
    pub fn role_templates_of(&self, principal_id: &str) -> Vec<String> {
        let containers = self.transitive_containers(principal_id);
        self.roles
            .iter()
            .filter(|r| containers.iter().any(|c| c.eq_ignore_ascii_case(&r.id)))
            .map(|r| r.role_template_id.to_ascii_lowercase())
            .collect()
    }

    /// One Entra Connect sync cycle: every synced user's AD-mastered
    /// properties (and manager) are set back to the values AD holds.
    /// Returns, per user changed, the properties it reverted.
    pub fn sync_cycle(&mut self) -> Vec<(String, String, Vec<String>)> {
        let mut changed = Vec::new();
        for user in &mut self.users {
            let Some(ad) = user.on_premises.clone() else {
                continue;
            };
            let mut reverted = Vec::new();
            for (key, value) in ad {
                if key == "manager" {
                    let wanted = value.as_str().map(str::to_string);
                    if user.manager != wanted {
                        user.manager = wanted;
                        reverted.push(key);
                    }
                } else if user.props.get(&key) != Some(&value) {
                    user.props.insert(key.clone(), value);
                    reverted.push(key);
                }
            }
            if !reverted.is_empty() {
                changed.push((user.id().to_string(), user.upn().to_string(), reverted));
            }
        }
        changed
    }

    /// Is the user a member of a role-assignable group (a privileged target in Entra)?
    pub fn in_role_assignable_group(&self, user_id: &str) -> bool {
        self.groups.iter().any(|g| {
            g.is_role_assignable() && g.members.iter().any(|m| m.eq_ignore_ascii_case(user_id))
        })
    }
}
