//! "Who can reset whom": sensitive actions (password, accountEnabled, UPN, phones,
//! otherMails, delete, Temporary Access Pass) on users holding directory roles
//! need a matching directory role on the app's service principal.
//! Source: entra-docs privileged-roles-permissions.md, "Who can reset passwords".

use crate::tenant::Tenant;

pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
pub const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
pub const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
pub const PASSWORD_ADMINISTRATOR: &str = "966707d0-3269-4727-9be2-8c3a10f19b9d";
pub const AUTHENTICATION_ADMINISTRATOR: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
pub const GROUPS_ADMINISTRATOR: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
pub const DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";
// Template ids of the reader roles named in the reset table (Entra built-in roles reference).
const GUEST_INVITER: &str = "95e79109-95c0-4d8e-aee3-d01accf2d47b";
const MESSAGE_CENTER_READER: &str = "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b";
const REPORTS_READER: &str = "4a5d8f65-41da-4de4-8968-e035b65339cf";
const USAGE_SUMMARY_REPORTS_READER: &str = "75934031-6c7e-415a-99d7-48dbd49e875e";
const USER_EXPERIENCE_SUCCESS_MANAGER: &str = "27460883-1df1-4691-b032-3b79643e5e63";

const PASSWORD_ADMIN_TARGETS: &[&str] = &[DIRECTORY_READERS, GUEST_INVITER, PASSWORD_ADMINISTRATOR];
const HELPDESK_ADMIN_TARGETS: &[&str] = &[
    DIRECTORY_READERS,
    GUEST_INVITER,
    PASSWORD_ADMINISTRATOR,
    HELPDESK_ADMINISTRATOR,
    MESSAGE_CENTER_READER,
    REPORTS_READER,
    USAGE_SUMMARY_REPORTS_READER,
    USER_EXPERIENCE_SUCCESS_MANAGER,
];
const USER_ADMIN_TARGETS: &[&str] = &[
    DIRECTORY_READERS,
    GUEST_INVITER,
    PASSWORD_ADMINISTRATOR,
    HELPDESK_ADMINISTRATOR,
    MESSAGE_CENTER_READER,
    REPORTS_READER,
    USAGE_SUMMARY_REPORTS_READER,
    USER_EXPERIENCE_SUCCESS_MANAGER,
    GROUPS_ADMINISTRATOR,
    USER_ADMINISTRATOR,
];
const AUTH_ADMIN_TARGETS: &[&str] = &[
    DIRECTORY_READERS,
    GUEST_INVITER,
    AUTHENTICATION_ADMINISTRATOR,
    MESSAGE_CENTER_READER,
    REPORTS_READER,
    USAGE_SUMMARY_REPORTS_READER,
    USER_EXPERIENCE_SUCCESS_MANAGER,
];

/// Role templates whose holders may perform sensitive actions on non-admins.
const RESET_CAPABLE: &[&str] = &[
    GLOBAL_ADMINISTRATOR,
    PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
    USER_ADMINISTRATOR,
    HELPDESK_ADMINISTRATOR,
    PASSWORD_ADMINISTRATOR,
    AUTHENTICATION_ADMINISTRATOR,
];

/// Which target roles an app role may act on; `None` means "all targets".
fn reach(app_role: &str) -> Option<&'static [&'static str]> {
    match app_role {
        GLOBAL_ADMINISTRATOR | PRIVILEGED_AUTHENTICATION_ADMINISTRATOR => None,
        USER_ADMINISTRATOR => Some(USER_ADMIN_TARGETS),
        HELPDESK_ADMINISTRATOR => Some(HELPDESK_ADMIN_TARGETS),
        PASSWORD_ADMINISTRATOR => Some(PASSWORD_ADMIN_TARGETS),
        AUTHENTICATION_ADMINISTRATOR => Some(AUTH_ADMIN_TARGETS),
        _ => Some(&[]),
    }
}

/// Is the target privileged, i.e. does it hold a role or belong to a role-assignable group?
pub fn is_privileged_target(tenant: &Tenant, user_id: &str) -> bool {
    !tenant.role_templates_of(user_id).is_empty() || tenant.in_role_assignable_group(user_id)
}

/// May the app perform a sensitive action on `target_id`?
/// `needs_role_for_anyone`: passwords need a directory role even for non-admin targets
/// (User-PasswordProfile.ReadWrite.All / User.ReadWrite.All alone are not enough).
pub fn app_may_act_on(tenant: &Tenant, target_id: &str, needs_role_for_anyone: bool) -> bool {
    let app_roles = tenant.role_templates_of(&tenant.app.service_principal_id);
    let target_roles = tenant.role_templates_of(target_id);
    let role_assignable_member = tenant.in_role_assignable_group(target_id);
    if target_roles.is_empty() && !role_assignable_member {
        return !needs_role_for_anyone
            || app_roles
                .iter()
                .any(|r| RESET_CAPABLE.contains(&r.as_str()));
    }
    app_roles.iter().any(|app_role| match reach(app_role) {
        None => true,
        // Members of role-assignable groups are reachable only by GA / PAA.
        Some(_) if role_assignable_member => false,
        Some(allowed) => target_roles.iter().all(|t| allowed.contains(&t.as_str())),
    })
}
