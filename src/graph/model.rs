//! Graph resource models, named exactly as in the v1.0 CSDL
//! (`microsoft.graph.user`, `passwordProfile`, `verifiedDomain`,
//! `temporaryAccessPassAuthenticationMethod`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The user properties the issue panel shows (and lookups `$select`).
pub const USER_VIEW_SELECT: &str = "id,displayName,userPrincipalName,mail,accountEnabled,department,jobTitle,employeeId,employeeType,companyName,officeLocation,createdDateTime,lastPasswordChangeDateTime,onPremisesSyncEnabled,employeeHireDate,employeeLeaveDateTime,userType,externalUserState";

/// `$expand` for the manager with the few properties the panel shows.
pub const MANAGER_EXPAND: &str = "manager($select=id,displayName,userPrincipalName,mail)";

/// A user as the panel and the operations read it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// Object id (GUID).
    pub id: String,
    /// `displayName`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `userPrincipalName` (sign-in name, `local@verified-domain`).
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// Primary SMTP address; `None` for users without a mailbox.
    #[serde(default)]
    pub mail: Option<String>,
    /// Whether sign-in is allowed; `None` unless selected.
    #[serde(default)]
    pub account_enabled: Option<bool>,
    /// `department`.
    #[serde(default)]
    pub department: Option<String>,
    /// `jobTitle`.
    #[serde(default)]
    pub job_title: Option<String>,
    /// HR employee id (at most 16 characters).
    #[serde(default)]
    pub employee_id: Option<String>,
    /// `employeeType`, free text such as `Employee`, `Contractor`.
    #[serde(default)]
    pub employee_type: Option<String>,
    /// `companyName`.
    #[serde(default)]
    pub company_name: Option<String>,
    /// `officeLocation`.
    #[serde(default)]
    pub office_location: Option<String>,
    /// ISO 8601 UTC, set by Entra at creation.
    #[serde(default)]
    pub created_date_time: Option<String>,
    /// ISO 8601 UTC of the last password change.
    #[serde(default)]
    pub last_password_change_date_time: Option<String>,
    /// `Some(true)` when synchronised from on-premises AD: its mastered
    /// attributes and password cannot be changed through Graph.
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// ISO 8601 date-time (`Edm.DateTimeOffset`).
    #[serde(default)]
    pub employee_hire_date: Option<String>,
    /// ISO 8601 date-time the user leaves (`Edm.DateTimeOffset`).
    #[serde(default)]
    pub employee_leave_date_time: Option<String>,
    /// `userType`: `Member` or `Guest` (B2B); `None` unless selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// `externalUserState` of a guest: `PendingAcceptance` or `Accepted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_user_state: Option<String>,
    /// The manager, when read with [`MANAGER_EXPAND`] (or another
    /// `$expand=manager`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<ManagerView>,
}

/// The expanded manager (a `directoryObject`, normally a user).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagerView {
    /// Object id (GUID).
    pub id: String,
    /// `displayName`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `userPrincipalName`.
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// Primary SMTP address, if any.
    #[serde(default)]
    pub mail: Option<String>,
}

/// `passwordProfile`. Its `Debug` hides the password.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordProfile {
    /// The new password in clear text (8 to 256 characters, 3 of 4
    /// character classes, not on the banned list).
    pub password: String,
    /// Whether the user must choose a new password at next sign-in.
    pub force_change_password_next_sign_in: bool,
}

impl fmt::Debug for PasswordProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordProfile")
            .field("password", &"[redacted]")
            .field(
                "forceChangePasswordNextSignIn",
                &self.force_change_password_next_sign_in,
            )
            .finish()
    }
}

/// Body of `POST /users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    /// Whether the account may sign in at once.
    pub account_enabled: bool,
    /// Up to 256 characters.
    pub display_name: String,
    /// `givenName`.
    pub given_name: String,
    /// `surname`.
    pub surname: String,
    /// Mail alias, up to 64 ASCII characters, no `@ () \ [] " ; : <> ,` or space.
    pub mail_nickname: String,
    /// `local@domain`, the domain one of the tenant's verified domains.
    pub user_principal_name: String,
    /// The first password.
    pub password_profile: PasswordProfile,
    /// Optional profile attributes, serialised flat into the body.
    #[serde(flatten)]
    pub attributes: UserAttributes,
}

/// The writable profile attributes the app manages (all optional; only set
/// ones are sent). Shared by create, update and transfer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserAttributes {
    /// Up to 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Up to 128 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Up to 16 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    /// Free text, e.g. `Employee`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_type: Option<String>,
    /// ISO 8601 date-time (`Edm.DateTimeOffset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_hire_date: Option<String>,
    /// Up to 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    /// `officeLocation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_location: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    /// Mobile number, e.g. `+1 425 555 0109`; a sensitive attribute (see
    /// [`SENSITIVE_ATTRIBUTES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
}

/// `organization` with only `verifiedDomains` selected.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// The tenant's verified domains (UPNs must use one).
    #[serde(default)]
    pub verified_domains: Vec<VerifiedDomain>,
}

/// One `verifiedDomain` of the organization.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    /// Domain name, e.g. `contoso.com` (compare case-insensitively).
    pub name: String,
}

/// Any directory object reduced to its id (memberships, lookups).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObjectId {
    /// Object id (GUID).
    pub id: String,
}

/// Body of `POST /users/{id}/authentication/temporaryAccessPassMethods`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTemporaryAccessPass {
    /// Validity in minutes (10 to 43200, within the tenant's TAP policy).
    pub lifetime_in_minutes: u32,
    /// Whether the pass is consumed by its first sign-in.
    pub is_usable_once: bool,
}

/// The created TAP. Its `Debug` hides the pass.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemporaryAccessPassMethod {
    /// Method id.
    #[serde(default)]
    pub id: Option<String>,
    /// The pass itself; returned only by the create call.
    #[serde(default)]
    pub temporary_access_pass: Option<String>,
    /// ISO 8601 UTC from when the pass is valid.
    #[serde(default)]
    pub start_date_time: Option<String>,
    /// Validity in minutes.
    #[serde(default)]
    pub lifetime_in_minutes: Option<u32>,
    /// Whether the first sign-in consumes it.
    #[serde(default)]
    pub is_usable_once: Option<bool>,
}

impl fmt::Debug for TemporaryAccessPassMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemporaryAccessPassMethod")
            .field("id", &self.id)
            .field("temporaryAccessPass", &"[redacted]")
            .field("lifetimeInMinutes", &self.lifetime_in_minutes)
            .finish()
    }
}

/// The tenant's Temporary Access Pass policy: the authentication methods
/// policy's `temporaryAccessPassAuthenticationMethodConfiguration`
/// (<https://learn.microsoft.com/en-us/graph/api/resources/temporaryaccesspassauthenticationmethodconfiguration?view=graph-rest-1.0>).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemporaryAccessPassPolicy {
    /// `enabled` or `disabled` for the tenant.
    pub state: String,
    /// Shortest lifetime a pass may have, in minutes.
    pub minimum_lifetime_in_minutes: u32,
    /// Longest lifetime a pass may have, in minutes.
    pub maximum_lifetime_in_minutes: u32,
    /// Lifetime of a pass created without one, in minutes.
    pub default_lifetime_in_minutes: u32,
    /// `true`: every pass is one-time; `false`: either kind may be created.
    pub is_usable_once: bool,
    /// Characters in a pass.
    #[serde(default)]
    pub default_length: Option<u32>,
}

impl TemporaryAccessPassPolicy {
    /// Whether the tenant lets passes be created at all.
    pub fn is_enabled(&self) -> bool {
        self.state.eq_ignore_ascii_case("enabled")
    }
}

/// Profile attributes whose change Entra treats as a sensitive action
/// (graph.md §6): only an administrator as privileged as the target may
/// change them, so they trigger the protected-target check.
pub const SENSITIVE_ATTRIBUTES: [&str; 8] = [
    "accountEnabled",
    "userPrincipalName",
    "mail",
    "otherMails",
    "mobilePhone",
    "businessPhones",
    "onPremisesImmutableId",
    "passwordProfile",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_user_serialises_camel_case_and_skips_unset() {
        let u = NewUser {
            account_enabled: true,
            display_name: "Jane Doe".into(),
            given_name: "Jane".into(),
            surname: "Doe".into(),
            mail_nickname: "jane.doe".into(),
            user_principal_name: "jane.doe@contoso.com".into(),
            password_profile: PasswordProfile {
                password: "x".into(),
                force_change_password_next_sign_in: true,
            },
            attributes: UserAttributes {
                department: Some("Sales".into()),
                ..Default::default()
            },
        };
        let v = serde_json::to_value(&u).unwrap();
        assert_eq!(v["passwordProfile"]["forceChangePasswordNextSignIn"], true);
        assert_eq!(v["department"], "Sales");
        assert!(v.get("jobTitle").is_none());
        assert!(!format!("{u:?}").contains("\"x\""));
    }

    #[test]
    fn user_view_reads_expanded_manager() {
        let v: UserView = serde_json::from_value(json!({"id": "1", "accountEnabled": false,
            "manager": {"@odata.type": "#microsoft.graph.user", "id": "2", "displayName": "Boss"}}))
        .unwrap();
        assert_eq!(v.manager.unwrap().display_name.as_deref(), Some("Boss"));
    }
}
