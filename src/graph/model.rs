//! Graph resource models, named exactly as in the v1.0 CSDL
//! (`microsoft.graph.user`, `passwordProfile`, `verifiedDomain`,
//! `temporaryAccessPassAuthenticationMethod`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The user properties the issue panel shows (and lookups `$select`).
pub const USER_VIEW_SELECT: &str = "id,displayName,userPrincipalName,mail,accountEnabled,department,jobTitle,employeeId,employeeType,companyName,officeLocation,createdDateTime,lastPasswordChangeDateTime,onPremisesSyncEnabled,employeeHireDate,employeeLeaveDateTime";

/// `$expand` for the manager with the few properties the panel shows.
pub const MANAGER_EXPAND: &str = "manager($select=id,displayName,userPrincipalName,mail)";

/// A user as the panel and the operations read it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub account_enabled: Option<bool>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub job_title: Option<String>,
    #[serde(default)]
    pub employee_id: Option<String>,
    #[serde(default)]
    pub employee_type: Option<String>,
    #[serde(default)]
    pub company_name: Option<String>,
    #[serde(default)]
    pub office_location: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<String>,
    #[serde(default)]
    pub last_password_change_date_time: Option<String>,
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(default)]
    pub employee_hire_date: Option<String>,
    #[serde(default)]
    pub employee_leave_date_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<ManagerView>,
}

/// The expanded manager (a `directoryObject`, normally a user).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagerView {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
}

/// `passwordProfile`. Its `Debug` hides the password.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordProfile {
    pub password: String,
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
    pub account_enabled: bool,
    pub display_name: String,
    pub given_name: String,
    pub surname: String,
    pub mail_nickname: String,
    pub user_principal_name: String,
    pub password_profile: PasswordProfile,
    #[serde(flatten)]
    pub attributes: UserAttributes,
}

/// The writable profile attributes the app manages (all optional; only set
/// ones are sent). Shared by create, update and transfer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserAttributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_type: Option<String>,
    /// ISO 8601 date-time (`Edm.DateTimeOffset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_hire_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_location: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
}

/// `organization` with only `verifiedDomains` selected.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    #[serde(default)]
    pub verified_domains: Vec<VerifiedDomain>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    pub name: String,
}

/// Any directory object reduced to its id (memberships, lookups).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObjectId {
    pub id: String,
}

/// Body of `POST /users/{id}/authentication/temporaryAccessPassMethods`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTemporaryAccessPass {
    pub lifetime_in_minutes: u32,
    pub is_usable_once: bool,
}

/// The created TAP. Its `Debug` hides the pass.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemporaryAccessPassMethod {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub temporary_access_pass: Option<String>,
    #[serde(default)]
    pub start_date_time: Option<String>,
    #[serde(default)]
    pub lifetime_in_minutes: Option<u32>,
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
