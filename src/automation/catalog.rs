//! The automation actions this app offers: each one's key, the route it
//! runs and its inputs. `manifest.yml` declares the same actions; a test
//! keeps the two identical.

use crate::route::Route;
use serde::Serialize;

/// One input of an action form. Automation passes every input as a string
/// (smart values already resolved); an empty string means "not given".
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ActionInput {
    /// The input's key, also the `data` field it fills (see [`Target`]).
    pub key: &'static str,
    /// The label on the rule builder's form.
    pub title: &'static str,
    /// The help text under the field.
    pub description: &'static str,
    /// Where its value goes in the call.
    pub target: Target,
}

/// Where an input's value goes in the operation call.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Target {
    /// `data.<key>` as a string.
    Data,
    /// `data.<key>`, a whole number. Passed on as its text; the route's
    /// parser reads numeric strings.
    DataNumber,
    /// `data.groups`: a comma- or newline-separated list.
    DataList,
    /// `data.changes.<key>` (attribute updates).
    Change,
    /// The call's issue key (the request the rule runs on).
    IssueKey,
}

/// One automation action, as the manifest's `action` module declares it.
/// <https://developer.atlassian.com/platform/forge/manifest-reference/modules/automation-action/>
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ActionDefinition {
    /// The manifest module key, e.g. `create-user`; also the `action_key`
    /// the shim passes to [`crate::automation::handle`].
    pub key: &'static str,
    /// The action's name in the rule builder.
    pub name: &'static str,
    /// One line under the name.
    pub description: &'static str,
    /// The manifest's `actionVerb`: `GET`, `CREATE` or `UPDATE`.
    pub verb: &'static str,
    /// The operation the action runs.
    pub route: Route,
    /// The form's inputs, in form order.
    pub inputs: &'static [ActionInput],
}

const fn input(
    key: &'static str,
    title: &'static str,
    description: &'static str,
    target: Target,
) -> ActionInput {
    ActionInput {
        key,
        title,
        description,
        target,
    }
}

const USER: ActionInput = input(
    "user",
    "User",
    "UPN or object id of the Entra user, e.g. {{reporter.emailAddress}}",
    Target::Data,
);
const ISSUE: ActionInput = input(
    "issueKey",
    "Request",
    "The request this change is for (audit, idempotency), e.g. {{issue.key}}",
    Target::IssueKey,
);
const GROUP: ActionInput = input(
    "group",
    "Group",
    "Object id or display name of a serviceable group",
    Target::Data,
);

/// Every action, in the order the rule builder lists them.
pub const ACTIONS: &[ActionDefinition] = &[
    ActionDefinition {
        key: "lookup-user",
        name: "Look up Entra user",
        description:
            "Reads an Entra ID user (status, UPN, department, job title, manager) into smart values",
        verb: "GET",
        route: Route::UserGet,
        inputs: &[USER],
    },
    ActionDefinition {
        key: "create-user",
        name: "Create Entra user",
        description:
            "Creates an Entra ID account with the naming template, manager and rule-derived groups",
        verb: "CREATE",
        route: Route::UserCreate,
        inputs: &[
            input(
                "givenName",
                "First name",
                "The new hire's first name",
                Target::Data,
            ),
            input(
                "surname",
                "Last name",
                "The new hire's last name",
                Target::Data,
            ),
            input(
                "department",
                "Department",
                "Department (drives group rules)",
                Target::Data,
            ),
            input(
                "jobTitle",
                "Job title",
                "Job title (drives group rules)",
                Target::Data,
            ),
            input(
                "employeeId",
                "Employee id",
                "HR employee id; the same id never creates two accounts",
                Target::Data,
            ),
            input(
                "manager",
                "Manager",
                "Manager's UPN or object id",
                Target::Data,
            ),
            input(
                "usageLocation",
                "Usage location",
                "Two-letter country code, e.g. US",
                Target::Data,
            ),
            input(
                "groups",
                "Extra groups",
                "Comma-separated serviceable group ids or names",
                Target::DataList,
            ),
            ISSUE,
        ],
    },
    ActionDefinition {
        key: "update-user",
        name: "Update Entra user",
        description:
            "Updates allow-listed attributes of an Entra ID user; empty inputs are left unchanged",
        verb: "UPDATE",
        route: Route::UserUpdate,
        inputs: &[
            USER,
            input("department", "Department", "New department", Target::Change),
            input("jobTitle", "Job title", "New job title", Target::Change),
            input(
                "officeLocation",
                "Office",
                "New office location",
                Target::Change,
            ),
            input(
                "mobilePhone",
                "Mobile phone",
                "New mobile phone number",
                Target::Change,
            ),
            input("companyName", "Company", "New company name", Target::Change),
            input(
                "employeeType",
                "Employee type",
                "New employee type",
                Target::Change,
            ),
            ISSUE,
        ],
    },
    ActionDefinition {
        key: "disable-user",
        name: "Disable Entra user",
        description: "Blocks sign-in for an Entra ID user",
        verb: "UPDATE",
        route: Route::UserDisable,
        inputs: &[USER, ISSUE],
    },
    ActionDefinition {
        key: "enable-user",
        name: "Enable Entra user",
        description: "Allows sign-in for an Entra ID user again",
        verb: "UPDATE",
        route: Route::UserEnable,
        inputs: &[USER, ISSUE],
    },
    ActionDefinition {
        key: "reset-password",
        name: "Reset Entra password",
        description:
            "Sets a generated temporary password; it is revealed once in the app, never in the rule",
        verb: "UPDATE",
        route: Route::UserResetPassword,
        inputs: &[USER, ISSUE],
    },
    ActionDefinition {
        key: "create-tap",
        name: "Create Temporary Access Pass",
        description:
            "Issues a Temporary Access Pass; it is revealed once in the app, never in the rule",
        verb: "CREATE",
        route: Route::UserCreateTemporaryAccessPass,
        inputs: &[
            USER,
            input(
                "lifetimeInMinutes",
                "Lifetime (minutes)",
                "10 to 43200; empty for the configured default",
                Target::DataNumber,
            ),
            ISSUE,
        ],
    },
    ActionDefinition {
        key: "add-to-group",
        name: "Add user to Entra group",
        description: "Adds an Entra ID user to a serviceable group (already a member: no change)",
        verb: "UPDATE",
        route: Route::GroupAddMember,
        inputs: &[USER, GROUP, ISSUE],
    },
    ActionDefinition {
        key: "remove-from-group",
        name: "Remove user from Entra group",
        description: "Removes an Entra ID user from a serviceable group (not a member: no change)",
        verb: "UPDATE",
        route: Route::GroupRemoveMember,
        inputs: &[USER, GROUP, ISSUE],
    },
    ActionDefinition {
        key: "offboard-user",
        name: "Offboard Entra user",
        description:
            "Disables, revokes sessions, leaves serviceable groups and records the leave date",
        verb: "UPDATE",
        route: Route::UserOffboard,
        inputs: &[
            USER,
            input(
                "leaveDateTime",
                "Leave date",
                "ISO 8601 date or date-time; empty for now",
                Target::Data,
            ),
            input(
                "successor",
                "Successor",
                "UPN or object id of who takes over the leaver's direct reports; empty for the leaver's manager",
                Target::Data,
            ),
            ISSUE,
        ],
    },
    ActionDefinition {
        key: "transfer-user",
        name: "Transfer Entra user",
        description:
            "Moves a user to a new department, job title or manager and re-derives rule groups",
        verb: "UPDATE",
        route: Route::UserTransfer,
        inputs: &[
            USER,
            input(
                "department",
                "New department",
                "Empty to keep",
                Target::Data,
            ),
            input("jobTitle", "New job title", "Empty to keep", Target::Data),
            input(
                "manager",
                "New manager",
                "UPN or object id; empty to keep",
                Target::Data,
            ),
            ISSUE,
        ],
    },
    ActionDefinition {
        key: "assign-licenses",
        name: "Assign licences to Entra user",
        description: "Assigns licences directly; sets the default usage location first if the user has none",
        verb: "UPDATE",
        route: Route::UserAssignLicenses,
        inputs: &[
            USER,
            input(
                "skus",
                "Licences",
                "SKU part numbers or ids, comma-separated, e.g. ENTERPRISEPACK",
                Target::DataList,
            ),
            input(
                "disabledPlans",
                "Service plans to switch off",
                "Service plan names or ids, comma-separated, e.g. TEAMS1; empty for none",
                Target::DataList,
            ),
            ISSUE,
        ],
    },
    ActionDefinition {
        key: "remove-licenses",
        name: "Remove licences from Entra user",
        description: "Removes directly assigned licences; one inherited from a group is refused, naming the group",
        verb: "UPDATE",
        route: Route::UserRemoveLicenses,
        inputs: &[
            USER,
            input(
                "skus",
                "Licences",
                "SKU part numbers or ids, comma-separated, e.g. ENTERPRISEPACK",
                Target::DataList,
            ),
            ISSUE,
        ],
    },
    ActionDefinition {
        key: "reset-mfa",
        name: "Reset Entra MFA",
        description: "Removes the user's authentication methods other than the password (a lost phone); optionally issues a Temporary Access Pass, revealed once in the app",
        verb: "UPDATE",
        route: Route::UserResetMfa,
        inputs: &[
            USER,
            input(
                "methods",
                "Method types",
                "Comma-separated: phone, microsoftAuthenticator, fido2, softwareOath, email, windowsHello; empty for all",
                Target::DataList,
            ),
            input(
                "issueTemporaryAccessPass",
                "Issue a Temporary Access Pass",
                "true or false (default false)",
                Target::Data,
            ),
            input(
                "lifetimeInMinutes",
                "Pass lifetime (minutes)",
                "Within the tenant's policy; empty for its default",
                Target::DataNumber,
            ),
            ISSUE,
        ],
    },
    ActionDefinition {
        key: "delete-user",
        name: "Delete Entra user",
        description: "Soft-deletes a disabled Entra ID user (restorable for 30 days)",
        verb: "UPDATE",
        route: Route::UserDelete,
        inputs: &[USER, ISSUE],
    },
    ActionDefinition {
        key: "restore-user",
        name: "Restore Entra user",
        description: "Restores a deleted Entra ID user by object id, disabled; lists the groups it had",
        verb: "UPDATE",
        route: Route::UserRestore,
        inputs: &[
            input(
                "user",
                "Deleted user",
                "Object id of the deleted user",
                Target::Data,
            ),
            ISSUE,
        ],
    },
    ActionDefinition {
        key: "invite-guest",
        name: "Invite Entra guest",
        description: "Invites a guest (B2B) with sponsors and serviceable groups; the redeem URL is a smart value",
        verb: "CREATE",
        route: Route::GuestInvite,
        inputs: &[
            input("email", "Email", "The guest's email address", Target::Data),
            input("displayName", "Display name", "Empty for the address", Target::Data),
            input(
                "sponsors",
                "Sponsors",
                "Comma-separated UPNs or object ids, at most 5",
                Target::DataList,
            ),
            input(
                "groups",
                "Groups",
                "Comma-separated serviceable groups (object id or display name)",
                Target::DataList,
            ),
            input(
                "redirectUrl",
                "Redirect URL",
                "https URL the guest lands on; empty for https://myapps.microsoft.com",
                Target::Data,
            ),
            input(
                "sendInvitationMessage",
                "Send invitation email",
                "true or false (default false)",
                Target::Data,
            ),
            ISSUE,
        ],
    },
];

/// The smart values every action returns (never a secret).
pub const OUTPUTS: &[(&str, &str)] = &[
    (
        "status",
        "done, no change, done with remainders (access or work is left for a person), or dry run",
    ),
    ("objectId", "Entra object id of the user"),
    ("userPrincipalName", "UPN of the user"),
    ("displayName", "Display name of the user"),
    ("accountEnabled", "true or false"),
    ("planSummary", "One line per Graph change"),
    (
        "credentialId",
        "One-time reveal id of a generated credential, if any",
    ),
    ("auditId", "Audit record id"),
    (
        "inviteRedeemUrl",
        "For an invited guest: the invitation's redeem URL (not a secret)",
    ),
];

/// The action with this module key.
pub fn find(key: &str) -> Option<&'static ActionDefinition> {
    ACTIONS.iter().find(|a| a.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_within_forge_limits() {
        let mut keys: Vec<_> = ACTIONS.iter().map(|a| a.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), ACTIONS.len());
        assert!(ACTIONS.len() <= 20, "Forge allows 20 actions per provider");
        for action in ACTIONS {
            assert!(
                action.inputs.len() <= 10,
                "{}: Forge allows 10 inputs",
                action.key
            );
        }
        assert!(OUTPUTS.len() <= 10);
    }
}
