//! The admin's policy settings, validated on save. Every error names the
//! setting by its path (`policy.approvals.user.resetPassword`) so the admin
//! page can put the message beside the field.

use super::ConfigError;
use crate::graph::model::SENSITIVE_ATTRIBUTES;
use crate::lifecycle::ObjectId;
use crate::route::Route;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;

/// Root of every path in a [`ConfigError`].
const ROOT: &str = "policy";

/// Entra attributes a customer may ever be allowed to change on their own
/// profile. Identity, sign-in and organisation attributes are excluded.
pub const SELF_SERVICE_CANDIDATES: [&str; 6] = [
    "mobilePhone",
    "businessPhones",
    "officeLocation",
    "preferredLanguage",
    "streetAddress",
    "city",
];

/// Attributes that are never self-service, whatever the admin says.
const NEVER_SELF_SERVICE: [&str; 6] = [
    "department",
    "jobTitle",
    "employeeId",
    "manager",
    "companyName",
    "usageLocation",
];

/// Per-operation approval requirement: `true` means the operation runs only
/// once every JSM approval on the request is decided "approved".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct UserApprovals {
    /// `user.create`.
    pub create: bool,
    /// `user.update`.
    pub update: bool,
    /// `user.disable`.
    pub disable: bool,
    /// `user.enable`.
    pub enable: bool,
    /// `user.revokeSessions`.
    pub revoke_sessions: bool,
    /// `user.resetPassword`.
    pub reset_password: bool,
    /// `user.createTemporaryAccessPass`.
    pub create_temporary_access_pass: bool,
    /// `user.offboard`.
    pub offboard: bool,
    /// `user.transfer`.
    pub transfer: bool,
    /// `user.assignLicenses`.
    pub assign_licenses: bool,
    /// `user.removeLicenses`.
    pub remove_licenses: bool,
    /// `user.resetMfa`.
    pub reset_mfa: bool,
    /// `user.delete`.
    pub delete: bool,
    /// `user.restore`.
    pub restore: bool,
}

/// Approval requirements of the `guest.*` routes (same meaning as
/// [`UserApprovals`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GuestApprovals {
    /// `guest.invite`.
    pub invite: bool,
}

/// Approval requirements of the `group.*` routes (same meaning as
/// [`UserApprovals`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GroupApprovals {
    /// `group.addMember`.
    pub add_member: bool,
    /// `group.removeMember`.
    pub remove_member: bool,
}

/// `policy.approvals`: which operations wait for JSM approval, keyed like
/// the route names (`{"user": {"resetPassword": true}, "group": {...}}`).
/// Everything defaults to `false`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ApprovalSettings {
    /// The `user.*` routes.
    pub user: UserApprovals,
    /// The `group.*` routes.
    pub group: GroupApprovals,
    /// The `guest.*` routes.
    pub guest: GuestApprovals,
}

impl ApprovalSettings {
    /// Whether `kind` needs JSM approval first. Reads never do.
    pub fn required_for(&self, kind: Route) -> bool {
        let u = &self.user;
        match kind {
            Route::UserGet | Route::UserGroups => false,
            Route::UserCreate => u.create,
            Route::UserUpdate => u.update,
            Route::UserDisable => u.disable,
            Route::UserEnable => u.enable,
            Route::UserRevokeSessions => u.revoke_sessions,
            Route::UserResetPassword => u.reset_password,
            Route::UserCreateTemporaryAccessPass => u.create_temporary_access_pass,
            Route::UserOffboard => u.offboard,
            Route::UserTransfer => u.transfer,
            Route::UserAssignLicenses => u.assign_licenses,
            Route::UserRemoveLicenses => u.remove_licenses,
            Route::GroupAddMember => self.group.add_member,
            Route::GroupRemoveMember => self.group.remove_member,
            Route::UserResetMfa => u.reset_mfa,
            Route::UserDelete => u.delete,
            Route::UserRestore => u.restore,
            Route::GuestInvite => self.guest.invite,
        }
    }
}

/// Who may reveal a generated credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SecretRecipient {
    /// The Jira account that asked for the operation.
    Requester,
    /// The Jira account of the target's manager in Entra.
    TargetManager,
    /// The agent assigned to the JSM request.
    AssignedAgent,
}

/// Recipients per credential-issuing operation. Each set must name at
/// least one role (see [`PolicyConfig::validate`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct UserSecretRecipients {
    /// `user.create`: the first credential. Default: the new hire's manager.
    pub create: BTreeSet<SecretRecipient>,
    /// `user.resetPassword`. Default: the requester.
    pub reset_password: BTreeSet<SecretRecipient>,
    /// `user.createTemporaryAccessPass`. Default: the requester.
    pub create_temporary_access_pass: BTreeSet<SecretRecipient>,
}

impl Default for UserSecretRecipients {
    fn default() -> Self {
        UserSecretRecipients {
            create: [SecretRecipient::TargetManager].into(),
            reset_password: [SecretRecipient::Requester].into(),
            create_temporary_access_pass: [SecretRecipient::Requester].into(),
        }
    }
}

/// `policy.secretRecipients`: who may reveal each generated credential,
/// e.g. `{"user": {"create": ["targetManager"], "resetPassword":
/// ["requester", "assignedAgent"]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SecretRecipientSettings {
    /// The credential-issuing `user.*` routes.
    pub user: UserSecretRecipients,
}

impl SecretRecipientSettings {
    /// The recipients for `kind`; empty for operations that issue nothing.
    pub fn for_operation(&self, kind: Route) -> &BTreeSet<SecretRecipient> {
        static NONE: BTreeSet<SecretRecipient> = BTreeSet::new();
        match kind {
            Route::UserCreate => &self.user.create,
            Route::UserResetPassword => &self.user.reset_password,
            // An MFA reset's pass goes to whom any pass goes.
            Route::UserCreateTemporaryAccessPass | Route::UserResetMfa => {
                &self.user.create_temporary_access_pass
            }
            _ => &NONE,
        }
    }
}

/// The whole policy section of the app configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Groups the service desk may add members to or remove them from.
    pub serviceable_groups: Vec<ObjectId>,
    /// Members of these groups are protected targets.
    pub protected_groups: Vec<ObjectId>,
    /// These users are protected targets.
    pub protected_users: Vec<ObjectId>,
    /// Operations that wait for JSM approval.
    pub approvals: ApprovalSettings,
    /// Who may reveal each generated credential.
    pub secret_recipients: SecretRecipientSettings,
    /// How long a generated credential waits for its one reveal, in hours:
    /// 1 to [`MAX_SECRET_LIFETIME_HOURS`], default
    /// [`DEFAULT_SECRET_LIFETIME_HOURS`].
    pub secret_lifetime_hours: u32,
    /// Attributes a portal customer may change on their own profile.
    pub self_service_attributes: Vec<String>,
    /// 1 = only the direct manager may request; N = up to N levels above.
    /// 1 to [`MAX_MANAGER_CHAIN_DEPTH`], default 1.
    pub manager_chain_depth: u8,
    /// Jira groups (name or group id) whose members act as agents.
    pub agent_jira_groups: Vec<String>,
    /// Summaries of outcomes that carry no credential may be public comments.
    pub public_comments_for_non_secret_outcomes: bool,
    /// A signed HR integration (HMAC) may receive the credential in the
    /// Service API response. Never applies to any other caller.
    pub return_secret_in_response_for_signed_hr: bool,
    /// Refuse `user.disable`, `user.enable` and `user.offboard` of a user
    /// synced from on-premises AD (403, rule `syncedUserAccountChange`).
    /// Off (the default): they run, and the answer, comment and audit
    /// record say that AD must be changed too, since Entra Connect's next
    /// sync reverts `accountEnabled`.
    pub refuse_account_changes_of_synced_users: bool,
    /// Refuse `user.create` (403, rule `noSecretRecipient`) when nobody
    /// could receive the first credential. Off (the default): the account
    /// is created with a random password nobody sees, and the first
    /// credential is left pending for an agent or the manager to issue.
    pub require_first_credential_recipient: bool,
    /// Days an audit record is kept: the `retention_days` for
    /// [`crate::audit::purge`]. 1 to [`MAX_AUDIT_RETENTION_DAYS`], default
    /// 365.
    pub audit_retention_days: u32,
}

/// Default of [`PolicyConfig::secret_lifetime_hours`]: one day.
pub const DEFAULT_SECRET_LIFETIME_HOURS: u32 = 24;
/// Longest allowed secret lifetime, in hours: one week.
pub const MAX_SECRET_LIFETIME_HOURS: u32 = 168;
/// Deepest allowed [`PolicyConfig::manager_chain_depth`].
pub const MAX_MANAGER_CHAIN_DEPTH: u8 = 5;
/// Longest allowed audit retention, in days (about ten years). Audit
/// queries never read day indexes older than this.
pub const MAX_AUDIT_RETENTION_DAYS: u32 = 3650;
/// Bounds each id list so the config stays far below a KVS value's size.
pub const MAX_LIST_LEN: usize = 500;

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            serviceable_groups: Vec::new(),
            protected_groups: Vec::new(),
            protected_users: Vec::new(),
            approvals: ApprovalSettings::default(),
            secret_recipients: SecretRecipientSettings::default(),
            secret_lifetime_hours: DEFAULT_SECRET_LIFETIME_HOURS,
            self_service_attributes: Vec::new(),
            manager_chain_depth: 1,
            agent_jira_groups: Vec::new(),
            public_comments_for_non_secret_outcomes: false,
            return_secret_in_response_for_signed_hr: false,
            refuse_account_changes_of_synced_users: false,
            require_first_credential_recipient: false,
            audit_retention_days: 365,
        }
    }
}

impl PolicyConfig {
    /// Parses the admin page's JSON, reporting every problem with its path
    /// (serde alone would stop at the first and not say where).
    pub fn from_json(value: &Value) -> Result<PolicyConfig, Vec<ConfigError>> {
        let mut errors = Vec::new();
        check_shape(value, &schema(), ROOT, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let config: PolicyConfig = serde_json::from_value(value.clone())
            .map_err(|e| vec![ConfigError::new(ROOT, e.to_string())])?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the semantic rules the types cannot express.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let mut errors = Vec::new();
        for (name, list) in [
            ("serviceableGroups", &self.serviceable_groups),
            ("protectedGroups", &self.protected_groups),
            ("protectedUsers", &self.protected_users),
        ] {
            check_list(name, list, &mut errors);
        }
        for group in &self.serviceable_groups {
            if let Some(i) = self.protected_groups.iter().position(|g| g == group) {
                errors.push(ConfigError::new(
                    format!("{ROOT}.protectedGroups[{i}]"),
                    format!("group {group} is also marked serviceable; a protected group cannot be serviceable"),
                ));
            }
        }
        for kind in [
            Route::UserCreate,
            Route::UserResetPassword,
            Route::UserCreateTemporaryAccessPass,
        ] {
            if self.secret_recipients.for_operation(kind).is_empty() {
                errors.push(ConfigError::new(
                    format!("{ROOT}.secretRecipients.{}", kind.route()),
                    "must name at least one person who may reveal the credential",
                ));
            }
        }
        if !(1..=MAX_SECRET_LIFETIME_HOURS).contains(&self.secret_lifetime_hours) {
            errors.push(ConfigError::new(
                format!("{ROOT}.secretLifetimeHours"),
                format!("must be between 1 and {MAX_SECRET_LIFETIME_HOURS}"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, attribute) in self.self_service_attributes.iter().enumerate() {
            let path = format!("{ROOT}.selfServiceAttributes[{i}]");
            if SENSITIVE_ATTRIBUTES.contains(&attribute.as_str())
                && !SELF_SERVICE_CANDIDATES.contains(&attribute.as_str())
                || NEVER_SELF_SERVICE.contains(&attribute.as_str())
            {
                errors.push(ConfigError::new(
                    path,
                    format!("'{attribute}' can never be changed through self-service"),
                ));
            } else if !SELF_SERVICE_CANDIDATES.contains(&attribute.as_str()) {
                errors.push(ConfigError::new(
                    path,
                    format!(
                        "'{attribute}' is not a self-service attribute (allowed: {})",
                        SELF_SERVICE_CANDIDATES.join(", ")
                    ),
                ));
            } else if !seen.insert(attribute.as_str()) {
                errors.push(ConfigError::new(
                    path,
                    format!("'{attribute}' is listed twice"),
                ));
            }
        }
        if !(1..=MAX_MANAGER_CHAIN_DEPTH).contains(&self.manager_chain_depth) {
            errors.push(ConfigError::new(
                format!("{ROOT}.managerChainDepth"),
                format!("must be between 1 and {MAX_MANAGER_CHAIN_DEPTH}"),
            ));
        }
        for (i, group) in self.agent_jira_groups.iter().enumerate() {
            if group.trim().is_empty() || group.chars().count() > 255 {
                errors.push(ConfigError::new(
                    format!("{ROOT}.agentJiraGroups[{i}]"),
                    "must be a Jira group name or id of 1 to 255 characters",
                ));
            }
        }
        if !(1..=MAX_AUDIT_RETENTION_DAYS).contains(&self.audit_retention_days) {
            errors.push(ConfigError::new(
                format!("{ROOT}.auditRetentionDays"),
                format!("must be between 1 and {MAX_AUDIT_RETENTION_DAYS}"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The secret lifetime in milliseconds.
    pub fn secret_lifetime_ms(&self) -> u64 {
        u64::from(self.secret_lifetime_hours) * 3_600_000
    }
}

fn check_list(name: &str, list: &[ObjectId], errors: &mut Vec<ConfigError>) {
    if list.len() > MAX_LIST_LEN {
        errors.push(ConfigError::new(
            format!("{ROOT}.{name}"),
            format!("holds more than {MAX_LIST_LEN} entries"),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, id) in list.iter().enumerate() {
        if !seen.insert(id) {
            errors.push(ConfigError::new(
                format!("{ROOT}.{name}[{i}]"),
                format!("{id} is listed twice"),
            ));
        }
    }
}

/// The expected JSON shape, for path-precise parse errors.
enum Shape {
    Bool,
    Number,
    IdList,
    StringList,
    /// A list of [`SecretRecipient`] names.
    RecipientList,
    Object(Vec<(&'static str, Shape)>),
}

fn schema() -> Shape {
    use Shape::*;
    let flags = |names: &[&'static str]| Object(names.iter().map(|n| (*n, Bool)).collect());
    Object(vec![
        ("serviceableGroups", IdList),
        ("protectedGroups", IdList),
        ("protectedUsers", IdList),
        (
            "approvals",
            Object(vec![
                (
                    "user",
                    flags(&[
                        "create",
                        "update",
                        "disable",
                        "enable",
                        "revokeSessions",
                        "resetPassword",
                        "createTemporaryAccessPass",
                        "offboard",
                        "transfer",
                        "assignLicenses",
                        "removeLicenses",
                        "resetMfa",
                        "delete",
                        "restore",
                    ]),
                ),
                ("group", flags(&["addMember", "removeMember"])),
                ("guest", flags(&["invite"])),
            ]),
        ),
        (
            "secretRecipients",
            Object(vec![(
                "user",
                Object(vec![
                    ("create", RecipientList),
                    ("resetPassword", RecipientList),
                    ("createTemporaryAccessPass", RecipientList),
                ]),
            )]),
        ),
        ("secretLifetimeHours", Number),
        ("selfServiceAttributes", StringList),
        ("managerChainDepth", Number),
        ("agentJiraGroups", StringList),
        ("publicCommentsForNonSecretOutcomes", Bool),
        ("returnSecretInResponseForSignedHr", Bool),
        ("refuseAccountChangesOfSyncedUsers", Bool),
        ("requireFirstCredentialRecipient", Bool),
        ("auditRetentionDays", Number),
    ])
}

fn check_shape(value: &Value, shape: &Shape, path: &str, errors: &mut Vec<ConfigError>) {
    let mut fail = |message: &str| errors.push(ConfigError::new(path, message));
    match (shape, value) {
        (Shape::Bool, Value::Bool(_)) => {}
        (Shape::Bool, _) => fail("must be true or false"),
        (Shape::Number, Value::Number(n)) if n.as_u64().is_some_and(|n| n <= u32::MAX as u64) => {}
        (Shape::Number, _) => fail("must be a whole number"),
        (Shape::IdList | Shape::StringList | Shape::RecipientList, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let item_path = format!("{path}[{i}]");
                let problem = match (shape, item.as_str()) {
                    (_, None) => Some("must be a string".to_string()),
                    (Shape::IdList, Some(s)) => ObjectId::parse(s, &item_path)
                        .err()
                        .map(|_| "must be an object id (GUID)".to_string()),
                    (Shape::RecipientList, Some(s)) => {
                        serde_json::from_value::<SecretRecipient>(Value::String(s.into()))
                            .err()
                            .map(|_| {
                                "must be one of requester, targetManager, assignedAgent".into()
                            })
                    }
                    _ => None,
                };
                if let Some(message) = problem {
                    errors.push(ConfigError::new(item_path, message));
                }
            }
        }
        (Shape::IdList | Shape::StringList | Shape::RecipientList, _) => fail("must be a list"),
        (Shape::Object(fields), Value::Object(map)) => {
            for (key, item) in map {
                let item_path = format!("{path}.{key}");
                match fields.iter().find(|(name, _)| name == key) {
                    Some((_, inner)) => check_shape(item, inner, &item_path, errors),
                    None => errors.push(ConfigError::new(item_path, "is not a known setting")),
                }
            }
        }
        (Shape::Object(_), _) => fail("must be an object"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let config = PolicyConfig::default();
        assert_eq!(config.validate(), Ok(()));
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(PolicyConfig::from_json(&json).unwrap(), config);
        assert_eq!(PolicyConfig::from_json(&json!({})).unwrap(), config);
    }

    #[test]
    fn shape_errors_name_the_path() {
        let errors = PolicyConfig::from_json(&json!({
            "approvals": {"user": {"resetPassword": "yes", "explode": true}},
            "serviceableGroups": ["not-a-guid"],
            "secretRecipients": {"user": {"create": ["everyone"]}},
            "colour": 1
        }))
        .unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "policy.approvals.user.resetPassword",
            "policy.approvals.user.explode",
            "policy.serviceableGroups[0]",
            "policy.secretRecipients.user.create[0]",
            "policy.colour",
        ] {
            assert!(
                paths.contains(&expected),
                "{expected} missing from {paths:?}"
            );
        }
    }

    #[test]
    fn semantic_errors_name_the_path() {
        let g = "0c288728-6125-4718-9bca-70d96f316501";
        let errors = PolicyConfig::from_json(&json!({
            "serviceableGroups": [g, g],
            "protectedGroups": [g],
            "selfServiceAttributes": ["mobilePhone", "userPrincipalName", "department", "shoeSize"],
            "secretRecipients": {"user": {"resetPassword": []}},
            "managerChainDepth": 9,
            "auditRetentionDays": 0,
            "secretLifetimeHours": 0
        }))
        .unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "policy.serviceableGroups[1]",
            "policy.protectedGroups[0]",
            "policy.selfServiceAttributes[1]",
            "policy.selfServiceAttributes[2]",
            "policy.selfServiceAttributes[3]",
            "policy.secretRecipients.user.resetPassword",
            "policy.managerChainDepth",
            "policy.auditRetentionDays",
            "policy.secretLifetimeHours",
        ] {
            assert!(
                paths.contains(&expected),
                "{expected} missing from {paths:?}"
            );
        }
        assert!(!paths.contains(&"policy.selfServiceAttributes[0]"));
    }

    #[test]
    fn approvals_by_kind() {
        let mut a = ApprovalSettings::default();
        a.user.reset_password = true;
        assert!(a.required_for(Route::UserResetPassword));
        assert!(!a.required_for(Route::UserDisable));
        assert!(!a.required_for(Route::UserGet));
    }
}
