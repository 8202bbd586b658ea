//! What the app's features need from Entra: each feature is a set of the
//! Graph calls declared in [`super::resources::CALLS`], and what a feature
//! needs is the least permission (plus `also_needs`) of each of its calls.
//! The permission doctor, the README's permission table and the least-set
//! proof test all read this one list.
//!
//! Whether a granted permission *covers* a needed one is data too:
//! [`IMPLIED`] lists, for each broader application permission, the narrower
//! ones it includes, each from Microsoft's permissions reference
//! (<https://learn.microsoft.com/en-us/graph/permissions-reference>) and the
//! "higher privileged permissions" columns of the operations' Learn pages.
//! Some permissions have no broader form at all: `User-LifeCycleInfo.ReadWrite.All`
//! ("Higher privileged permissions: Not available" on
//! <https://learn.microsoft.com/en-us/graph/tutorial-lifecycle-workflows-set-employeeleavedatetime>)
//! and `UserAuthMethod-TAP.ReadWrite.All` (only
//! `UserAuthenticationMethod.ReadWrite.All`), so `User.ReadWrite.All` or
//! `Directory.ReadWrite.All` do not stand in for them.

use super::resources::{
    authentication_methods as auth, deleted_items, delta, groups, invitations, leave_dates,
    licenses, organization, role_management, users, GraphCall,
};
use std::collections::{BTreeMap, BTreeSet};

/// A feature an admin recognises: one line of the permission doctor and of
/// the README's permission table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    /// `user.get`, `user.groups`, the issue panel, pickers: read users,
    /// managers, groups and memberships.
    Lookups,
    /// `user.create`: UPN probe, verified domains, create, manager, groups.
    Onboarding,
    /// `user.offboard`: disable, revoke sessions, leave groups, remove
    /// licences, leave date, and the hand-over (the leaver's direct reports
    /// to the successor: `User.ReadWrite.All`, as for any manager change).
    Offboarding,
    /// `user.transfer` and `user.update`: profile, manager, re-derived groups.
    ProfileChanges,
    /// `user.disable` and `user.enable`.
    EnableDisable,
    /// `user.revokeSessions`.
    RevokeSessions,
    /// `user.resetPassword`.
    PasswordReset,
    /// `user.createTemporaryAccessPass`.
    TemporaryAccessPass,
    /// `group.addMember` and `group.removeMember`.
    GroupMembership,
    /// The privileged-target guard every change passes: directory roles of
    /// the target and of the app itself (for the doctor).
    PrivilegedTargetGuard,
    /// `user.assignLicenses` and `user.removeLicenses`: seats, usage
    /// location, the assignment and its states.
    Licences,
    /// `user.resetMfa`: list and delete a user's authentication methods,
    /// optionally a Temporary Access Pass to register again.
    MfaReset,
    /// `user.delete` and `user.restore`: soft delete, read and restore
    /// deleted users.
    AccountDeletion,
    /// `guest.invite`: B2B invitations with sponsors, and the guest's groups.
    GuestInvitation,
    /// The JSM Assets import: users with their managers and groups with
    /// their members, read by delta queries ([`crate::graph::delta`]).
    AssetsImport,
    /// Opt-in (`provisioning.handOverGroupOwnership`, off by default):
    /// `user.offboard` makes the successor an owner of each group the
    /// leaver owned and removes the leaver. Not in [`Feature::ALL`]: it
    /// needs `Group.ReadWrite.All`, broader than the least set, and without
    /// it the offboarding lists the owned groups as a remainder instead.
    GroupOwnershipHandover,
    /// Opt-in (`provisioning.scanEntraLeaveDates`, off by default): the
    /// hourly run reads the enabled accounts whose `employeeLeaveDateTime`
    /// HR set in Entra has passed and offboards each through the pipeline.
    /// Reading the date needs `User-LifeCycleInfo.Read.All`, which the
    /// offboarding's `User-LifeCycleInfo.ReadWrite.All` covers.
    LeaveDateScan,
}

impl Feature {
    /// Every feature, in the order the doctor and the README list them.
    pub const ALL: &'static [Feature] = &[
        Feature::Lookups,
        Feature::Onboarding,
        Feature::Offboarding,
        Feature::ProfileChanges,
        Feature::EnableDisable,
        Feature::RevokeSessions,
        Feature::PasswordReset,
        Feature::TemporaryAccessPass,
        Feature::GroupMembership,
        Feature::PrivilegedTargetGuard,
        Feature::Licences,
        Feature::MfaReset,
        Feature::AccountDeletion,
        Feature::GuestInvitation,
        Feature::AssetsImport,
    ];

    /// Features an admin turns on in the settings (each names its setting
    /// in [`Feature::setting`]): not in [`Feature::ALL`], so not in the
    /// least set; the doctor says what each needs beyond it.
    pub const OPT_IN: &'static [Feature] =
        &[Feature::GroupOwnershipHandover, Feature::LeaveDateScan];

    /// The setting that turns an opt-in feature on (`None` for the others).
    pub fn setting(self) -> Option<&'static str> {
        match self {
            Feature::GroupOwnershipHandover => Some("provisioning.handOverGroupOwnership"),
            Feature::LeaveDateScan => Some("provisioning.scanEntraLeaveDates"),
            _ => None,
        }
    }

    /// Stable key for JSON (`"offboarding"`).
    pub fn key(self) -> &'static str {
        match self {
            Feature::Lookups => "lookups",
            Feature::Onboarding => "onboarding",
            Feature::Offboarding => "offboarding",
            Feature::ProfileChanges => "profileChanges",
            Feature::EnableDisable => "enableDisable",
            Feature::RevokeSessions => "revokeSessions",
            Feature::PasswordReset => "passwordReset",
            Feature::TemporaryAccessPass => "temporaryAccessPass",
            Feature::GroupMembership => "groupMembership",
            Feature::PrivilegedTargetGuard => "privilegedTargetGuard",
            Feature::Licences => "licences",
            Feature::MfaReset => "mfaReset",
            Feature::AccountDeletion => "accountDeletion",
            Feature::GuestInvitation => "guestInvitation",
            Feature::AssetsImport => "assetsImport",
            Feature::GroupOwnershipHandover => "groupOwnershipHandover",
            Feature::LeaveDateScan => "leaveDateScan",
        }
    }

    /// One line for people.
    pub fn label(self) -> &'static str {
        match self {
            Feature::Lookups => "Look up users, managers, groups and memberships",
            Feature::Onboarding => "Onboarding (create accounts)",
            Feature::Offboarding => {
                "Offboarding (disable, revoke, leave groups, remove licences, leave date, direct reports to the successor)"
            }
            Feature::ProfileChanges => "Transfers and profile updates",
            Feature::EnableDisable => "Disable and enable accounts",
            Feature::RevokeSessions => "Revoke sign-in sessions",
            Feature::PasswordReset => "Reset passwords",
            Feature::TemporaryAccessPass => "Issue Temporary Access Passes",
            Feature::GroupMembership => "Add and remove group members",
            Feature::PrivilegedTargetGuard => "Privileged-target guard (directory roles)",
            Feature::Licences => "Assign and remove licences",
            Feature::MfaReset => "Reset MFA (remove authentication methods)",
            Feature::AccountDeletion => "Delete and restore accounts",
            Feature::GuestInvitation => "Invite guests",
            Feature::AssetsImport => "Import users and groups into JSM Assets",
            Feature::GroupOwnershipHandover => {
                "Opt-in: hand a leaver's groups over to the successor (provisioning.handOverGroupOwnership)"
            }
            Feature::LeaveDateScan => {
                "Opt-in: offboard enabled accounts whose employeeLeaveDateTime HR set in Entra has passed (provisioning.scanEntraLeaveDates)"
            }
        }
    }

    /// A note the doctor shows beside the feature: what permissions alone
    /// do not give.
    pub fn note(self) -> Option<&'static str> {
        match self {
            Feature::PasswordReset => Some("Entra also requires the app's service principal to hold a directory role that may reset the target: Helpdesk Administrator or User Administrator for non-administrators (Privileged Authentication Administrator only if administrators' passwords are to be reset). Synced users are refused (409 on_premises_mastered): issue a Temporary Access Pass instead."),
            Feature::TemporaryAccessPass => Some("The tenant's Temporary Access Pass policy must enable the method."),
            Feature::MfaReset => Some("Each method type has its own permission; UserAuthenticationMethod.ReadWrite.All covers them all. Administrators' methods also need the app to hold Privileged Authentication Administrator."),
            Feature::AccountDeletion => Some("Deleting or restoring an administrator also needs the app to hold Privileged Authentication Administrator; the app refuses privileged targets first."),
            Feature::GroupOwnershipHandover => Some("Off by default. Changing a group's owners needs Group.ReadWrite.All, which also lets the app change every group's properties; without the setting, offboarding lists the leaver's groups for a person to hand over."),
            Feature::LeaveDateScan => Some("Off by default. Each leaver found is offboarded as user.offboard is, so the scan also needs the offboarding's permissions; a protected account is refused and audited, never offboarded."),
            _ => None,
        }
    }

    /// The Graph calls the feature makes. Each one is in
    /// [`super::resources::CALLS`]; the tests in `tests/it/permissions.rs`
    /// run each feature against the emulator and fail if it makes a call
    /// not listed here.
    pub fn calls(self) -> &'static [GraphCall] {
        match self {
            Feature::Lookups => &[
                users::GET_USER,
                users::LIST_USERS_WHERE,
                users::LIST_USERS_BY_ADDRESS,
                users::SEARCH_USERS,
                users::GET_MANAGER,
                users::LIST_DIRECT_GROUPS,
                users::LIST_TRANSITIVE_GROUPS,
                groups::GET_GROUP,
                groups::SEARCH_GROUPS,
                groups::LIST_GROUPS_BY_ID,
                groups::FIND_GROUPS_BY_DISPLAY_NAME,
            ],
            Feature::Onboarding => &[
                users::LIST_USERS_WHERE,
                users::LIST_USERS_UPN_STARTING_WITH,
                organization::GET_VERIFIED_DOMAINS,
                auth::GET_TEMPORARY_ACCESS_PASS_POLICY,
                users::CREATE_USER,
                users::SET_MANAGER,
                groups::ADD_MEMBER,
                // Licence rules (provisioning.licenceRules).
                licenses::LIST_SUBSCRIBED_SKUS,
                licenses::ASSIGN_LICENSE,
                users::GET_USER,
                // Bulk jobs fold adds to one group (`jobs::bind`).
                groups::ADD_MEMBERS,
            ],
            Feature::Offboarding => &[
                users::SET_ACCOUNT_ENABLED,
                users::REVOKE_SIGN_IN_SESSIONS,
                users::LIST_DIRECT_GROUPS,
                users::LIST_TRANSITIVE_GROUPS,
                groups::LIST_MEMBER_GROUPS,
                groups::REMOVE_MEMBER,
                users::SET_EMPLOYEE_LEAVE_DATE,
                users::GET_USER,
                licenses::LIST_SUBSCRIBED_SKUS,
                licenses::ASSIGN_LICENSE,
                // The hand-over: the leaver's team moves to the successor.
                users::LIST_DIRECT_REPORTS,
                users::LIST_OWNED_GROUPS,
                users::SET_MANAGER,
            ],
            Feature::ProfileChanges => &[
                users::UPDATE_USER,
                users::SET_MANAGER,
                users::LIST_DIRECT_GROUPS,
                groups::ADD_MEMBER,
                groups::REMOVE_MEMBER,
                // Licence rules (provisioning.licenceRules).
                licenses::LIST_SUBSCRIBED_SKUS,
                licenses::ASSIGN_LICENSE,
            ],
            Feature::EnableDisable => &[users::SET_ACCOUNT_ENABLED],
            Feature::RevokeSessions => &[users::REVOKE_SIGN_IN_SESSIONS],
            Feature::PasswordReset => &[users::SET_PASSWORD],
            Feature::TemporaryAccessPass => &[
                auth::GET_TEMPORARY_ACCESS_PASS_POLICY,
                auth::CREATE_TEMPORARY_ACCESS_PASS,
            ],
            Feature::GroupMembership => &[
                users::LIST_DIRECT_GROUPS,
                users::LIST_TRANSITIVE_GROUPS,
                groups::LIST_MEMBER_GROUPS,
                groups::ADD_MEMBER,
                groups::REMOVE_MEMBER,
            ],
            Feature::PrivilegedTargetGuard => &[
                users::LIST_TRANSITIVE_DIRECTORY_ROLES,
                users::LIST_TRANSITIVE_GROUPS,
                role_management::LIST_ROLE_ASSIGNMENTS_OF,
            ],
            Feature::Licences => &[
                users::GET_USER,
                licenses::LIST_SUBSCRIBED_SKUS,
                users::UPDATE_USER,
                licenses::ASSIGN_LICENSE,
                groups::GET_GROUP,
            ],
            Feature::MfaReset => &[
                auth::LIST_METHODS,
                auth::DELETE_PHONE_METHOD,
                auth::DELETE_MICROSOFT_AUTHENTICATOR_METHOD,
                auth::DELETE_FIDO2_METHOD,
                auth::DELETE_SOFTWARE_OATH_METHOD,
                auth::DELETE_EMAIL_METHOD,
                auth::DELETE_WINDOWS_HELLO_METHOD,
                auth::GET_TEMPORARY_ACCESS_PASS_POLICY,
                auth::CREATE_TEMPORARY_ACCESS_PASS,
            ],
            Feature::AccountDeletion => &[
                deleted_items::DELETE_USER,
                deleted_items::GET_DELETED_USER,
                deleted_items::RESTORE_DELETED_USER,
                users::SET_ACCOUNT_ENABLED,
            ],
            Feature::GuestInvitation => &[invitations::CREATE_INVITATION, groups::ADD_MEMBER],
            Feature::AssetsImport => &[delta::USERS_DELTA, delta::GROUPS_DELTA],
            Feature::GroupOwnershipHandover => &[
                users::LIST_OWNED_GROUPS,
                groups::ADD_OWNER,
                groups::REMOVE_OWNER,
            ],
            Feature::LeaveDateScan => &[leave_dates::LIST_PASSED_LEAVERS],
        }
    }

    /// The feature with the ones its routes always use too: every route
    /// resolves the people and groups it names ([`Feature::Lookups`]), and
    /// every change passes the privileged-target guard. The Assets import
    /// is no route and needs neither.
    pub fn with_prerequisites(self) -> Vec<Feature> {
        match self {
            Feature::Lookups => vec![Feature::Lookups],
            // The import reads; it resolves no one and changes nothing.
            Feature::AssetsImport => vec![Feature::AssetsImport],
            // Each leaver found is offboarded.
            Feature::LeaveDateScan => vec![
                Feature::LeaveDateScan,
                Feature::Offboarding,
                Feature::Lookups,
                Feature::PrivilegedTargetGuard,
            ],
            Feature::PrivilegedTargetGuard => {
                vec![Feature::PrivilegedTargetGuard, Feature::Lookups]
            }
            other => vec![other, Feature::Lookups, Feature::PrivilegedTargetGuard],
        }
    }

    /// Every permission the feature's calls name (least plus `also_needs`),
    /// sorted.
    pub fn needs(self) -> BTreeSet<&'static str> {
        self.calls()
            .iter()
            .flat_map(|c| std::iter::once(c.least_permission).chain(c.also_needs.iter().copied()))
            .collect()
    }
}

/// Permissions of the least set without which the app still works, less
/// well: each with what is lost. The doctor still names them as missing.
pub const DEGRADES_WITHOUT: &[(&str, &str)] = &[(
    "Policy.Read.AuthenticationMethod",
    "Temporary Access Pass lifetimes are then checked against Graph's own range (10 to 43,200 minutes) instead of the tenant's policy, and Entra refuses a pass the policy does not allow with a less precise error",
)];

/// Broader application permissions and the narrower ones each includes.
/// Transitive: a permission covers what the ones it includes cover.
/// Sources: Microsoft's permissions reference (the descriptions of each
/// permission) and the "higher privileged permissions" columns of the Learn
/// pages of the calls in [`super::resources::CALLS`]; the emulator
/// (`emulator/src/permissions.rs`) grants by the same rule, and
/// `tests/it/permissions.rs` checks every pair against Microsoft's
/// permission map where the map lists the call.
pub const IMPLIED: &[(&str, &[&str])] = &[
    (
        "Directory.ReadWrite.All",
        &[
            "Directory.Read.All",
            "User.ReadWrite.All",
            "GroupMember.ReadWrite.All",
        ],
    ),
    (
        "Directory.Read.All",
        &[
            "User.Read.All",
            "GroupMember.Read.All",
            "Group.Read.All",
            "Organization.Read.All",
            "RoleManagement.Read.Directory",
        ],
    ),
    // user-update: passwordProfile, accountEnabled and revokeSignInSessions
    // all list User.ReadWrite.All as a higher privileged permission.
    (
        "User.ReadWrite.All",
        &[
            "User.Read.All",
            "User-PasswordProfile.ReadWrite.All",
            "User.EnableDisableAccount.All",
            "User.RevokeSessions.All",
            // user-assignlicense lists User.ReadWrite.All as a higher
            // privileged permission (for users; the app assigns no group
            // licences).
            "LicenseAssignment.ReadWrite.All",
            // user-delete, directory-deleteditems-restore and
            // invitation-post list User.ReadWrite.All as higher privileged.
            "User.DeleteRestore.All",
            "User.Invite.All",
        ],
    ),
    ("User.Read.All", &["User.ReadBasic.All"]),
    (
        "Group.ReadWrite.All",
        &["Group.Read.All", "GroupMember.ReadWrite.All"],
    ),
    (
        "Group.Read.All",
        &["Group.ReadBasic.All", "GroupMember.Read.All"],
    ),
    ("GroupMember.ReadWrite.All", &["GroupMember.Read.All"]),
    // "Read all group memberships: list groups, read basic group
    // properties and read memberships of all groups".
    ("GroupMember.Read.All", &["Group.ReadBasic.All"]),
    ("Organization.ReadWrite.All", &["Organization.Read.All"]),
    (
        "RoleManagement.ReadWrite.Directory",
        &["RoleManagement.Read.Directory"],
    ),
    (
        "UserAuthenticationMethod.ReadWrite.All",
        &[
            "UserAuthMethod-TAP.ReadWrite.All",
            // Each per-type delete page lists UserAuthenticationMethod.ReadWrite.All
            // as higher privileged; the list page lists it beside the Read one.
            "UserAuthenticationMethod.Read.All",
            "UserAuthMethod-Phone.ReadWrite.All",
            "UserAuthMethod-MicrosoftAuthApp.ReadWrite.All",
            "UserAuthMethod-Passkey.ReadWrite.All",
            "UserAuthMethod-SoftwareOATH.ReadWrite.All",
            "UserAuthMethod-Email.ReadWrite.All",
            "UserAuthMethod-WindowsHello.ReadWrite.All",
        ],
    ),
    (
        "Policy.ReadWrite.AuthenticationMethod",
        &["Policy.Read.AuthenticationMethod"],
    ),
    ("Policy.Read.All", &["Policy.Read.AuthenticationMethod"]),
    // The lifecycle information's ReadWrite form includes reading it
    // (permissions reference: "Read and write all users' lifecycle
    // information").
    (
        "User-LifeCycleInfo.ReadWrite.All",
        &["User-LifeCycleInfo.Read.All"],
    ),
];

/// Whether holding `granted` gives what `needed` does: the same permission
/// or one that includes it through [`IMPLIED`] (case-insensitive, as Entra
/// compares role values).
pub fn covers(granted: &str, needed: &str) -> bool {
    if granted.eq_ignore_ascii_case(needed) {
        return true;
    }
    IMPLIED
        .iter()
        .filter(|(broad, _)| broad.eq_ignore_ascii_case(granted))
        .flat_map(|(_, narrower)| narrower.iter())
        .any(|n| covers(n, needed))
}

/// The smallest list of permissions to grant for `features`: every needed
/// permission, less those another needed permission covers. Sorted.
pub fn least_set(features: &[Feature]) -> Vec<&'static str> {
    let needed: BTreeSet<&'static str> = features.iter().flat_map(|f| f.needs()).collect();
    needed
        .iter()
        .copied()
        .filter(|n| !needed.iter().any(|other| other != n && covers(other, n)))
        .collect()
}

/// Which features need each permission of [`least_set`], for the doctor
/// and the README table.
pub fn features_by_permission(features: &[Feature]) -> BTreeMap<&'static str, Vec<Feature>> {
    let mut map: BTreeMap<&'static str, Vec<Feature>> = BTreeMap::new();
    for permission in least_set(features) {
        let served = features
            .iter()
            .copied()
            .filter(|f| f.needs().iter().any(|n| covers(permission, n)))
            .collect();
        map.insert(permission, served);
    }
    map
}

/// The README's permission table, Markdown, generated from the list: one
/// row per feature with the least permissions it needs on its own (with its
/// [`Feature::with_prerequisites`]), then the
/// least set for all features together (fewer than the rows' union: one
/// broader permission can serve several features).
pub fn readme_table() -> String {
    let code = |set: Vec<&str>| {
        set.iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::from("| Feature | Least application permissions |\n|---|---|\n");
    for feature in Feature::ALL {
        out.push_str(&format!(
            "| {} | {} |\n",
            feature.label(),
            code(least_set(&feature.with_prerequisites()))
        ));
    }
    out.push_str(&format!(
        "| **All features** | {} |\n",
        code(least_set(Feature::ALL))
    ));
    for feature in Feature::OPT_IN {
        // What the opt-in needs beyond the least set of all features.
        let base = least_set(Feature::ALL);
        let extra: Vec<&str> = feature
            .needs()
            .into_iter()
            .filter(|n| !base.iter().any(|b| covers(b, n)))
            .collect();
        let more = if extra.is_empty() {
            "nothing more: the least set covers it".to_string()
        } else {
            format!("{} more", code(extra))
        };
        out.push_str(&format!("| {} | {more} |\n", feature.label()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::resources::CALLS;

    #[test]
    fn covering_follows_the_table_transitively() {
        assert!(covers("User.ReadWrite.All", "User.ReadBasic.All"));
        assert!(covers("Directory.ReadWrite.All", "Group.ReadBasic.All"));
        assert!(covers("GroupMember.ReadWrite.All", "Group.ReadBasic.All"));
        assert!(!covers(
            "User.ReadWrite.All",
            "User-LifeCycleInfo.ReadWrite.All"
        ));
        assert!(!covers(
            "Directory.ReadWrite.All",
            "UserAuthMethod-TAP.ReadWrite.All"
        ));
        assert!(!covers("Group.Read.All", "GroupMember.ReadWrite.All"));
        assert!(!covers("User.Read.All", "Organization.Read.All"));
    }

    #[test]
    fn every_feature_call_is_declared_and_every_call_serves_a_feature() {
        for feature in Feature::ALL.iter().chain(Feature::OPT_IN) {
            for call in feature.calls() {
                assert!(
                    CALLS.contains(call),
                    "{feature:?}: {} not in CALLS",
                    call.name
                );
            }
        }
        for call in CALLS {
            assert!(
                Feature::ALL
                    .iter()
                    .chain(Feature::OPT_IN)
                    .any(|f| f.calls().contains(call)),
                "{} serves no feature",
                call.name
            );
        }
    }

    #[test]
    fn the_least_set_needs_no_directory_wide_permission() {
        let set = least_set(Feature::ALL);
        assert!(set.iter().all(|p| !p.starts_with("Directory.")), "{set:?}");
        assert!(set.contains(&"User-LifeCycleInfo.ReadWrite.All"));
        assert!(set.contains(&"Organization.Read.All"));
        assert!(
            !set.contains(&"User.Read.All"),
            "User.ReadWrite.All covers it"
        );
    }
}
