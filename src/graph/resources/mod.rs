//! Every Microsoft Graph call the app makes, one module per Graph resource.
//!
//! Each function builds the [`GraphRequest`] of one call (path, method,
//! query options and body, encoded through [`crate::graph::odata`]) and each
//! has a [`GraphCall`] entry in [`CALLS`] naming its Microsoft Learn page and
//! the least-privileged application permission that works for the call as the
//! app makes it. Permissions come from Microsoft's permission map
//! (microsoft-graph-devx-content `permissions/new/permissions.json`, commit
//! 6cbd6bb, Application scheme), checked against the Learn pages; where the
//! app's choice differs from the map's `least=` marker the function's doc says
//! why. `$batch` is in [`crate::graph::batch`], the token call in
//! [`crate::graph::token`].

pub mod authentication_methods;
pub mod deleted_items;
pub mod delta;
pub mod groups;
pub mod invitations;
pub mod leave_dates;
pub mod licenses;
pub mod organization;
pub mod role_management;
pub mod users;

use crate::graph::GraphRequest;
use crate::http::Method;

/// One Graph call, declared: what a permission check needs to know about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphCall {
    /// The resource function that builds the request, `module::function`
    /// (several calls share a path and differ in query or body).
    pub name: &'static str,
    /// HTTP method sent.
    pub method: Method,
    /// Path relative to `https://graph.microsoft.com/v1.0`, without query
    /// string; `{id}` stands for one path segment (an object id or UPN).
    /// Type casts (`microsoft.graph.group`) and `$ref` are kept as sent.
    pub path_template: &'static str,
    /// Least-privileged Graph *application* permission (app role) under
    /// which the call works as the app makes it (its `$select`, its body).
    pub least_permission: &'static str,
    /// Permissions needed *in addition* to `least_permission` (empty for
    /// most calls), e.g. `User.Read.All` next to
    /// `User-LifeCycleInfo.ReadWrite.All`. Directory roles the app's service
    /// principal must hold are not permissions and are not listed here.
    pub also_needs: &'static [&'static str],
    /// Microsoft Learn page of the operation (v1.0).
    pub learn_url: &'static str,
}

impl GraphCall {
    /// Whether `request` is an instance of this call: same method, and the
    /// path (query string ignored) fits the template segment by segment,
    /// `{id}` matching any one segment. The `users('$…')` key form of
    /// [`crate::graph::odata::user_path`] counts as `users/{id}`.
    pub fn matches(&self, request: &GraphRequest) -> bool {
        request.method == self.method && self.matches_path(request.path_only())
    }

    /// Whether a request sent with this call's method to `path` (relative
    /// to the `/v1.0` root, query string already removed, still
    /// percent-encoded as sent) is an instance of this call. For checks of
    /// what was actually sent, e.g. an emulator's request log.
    pub fn matches_sent(&self, method: &str, path: &str) -> bool {
        self.method.as_str().eq_ignore_ascii_case(method) && self.matches_path(path)
    }

    fn matches_path(&self, path: &str) -> bool {
        let path = match path.strip_prefix("/users(") {
            Some(rest) => match rest.split_once(')') {
                Some((_, tail)) => format!("/users/{{key}}{tail}"),
                None => return false,
            },
            None => path.to_string(),
        };
        let wanted: Vec<&str> = self.path_template.split('/').collect();
        let got: Vec<&str> = path.split('/').collect();
        wanted.len() == got.len()
            && wanted
                .iter()
                .zip(&got)
                .all(|(w, g)| if *w == "{id}" { !g.is_empty() } else { w == g })
    }
}

/// Every Graph call the app makes (outside `$batch` wrapping and the token
/// request), one entry per function of the resource modules.
pub const CALLS: &[GraphCall] = &[
    users::GET_USER,
    users::LIST_USERS_WHERE,
    users::LIST_USERS_UPN_STARTING_WITH,
    users::LIST_USERS_BY_ADDRESS,
    users::SEARCH_USERS,
    users::CREATE_USER,
    users::UPDATE_USER,
    users::SET_ACCOUNT_ENABLED,
    users::SET_PASSWORD,
    users::SET_EMPLOYEE_LEAVE_DATE,
    users::REVOKE_SIGN_IN_SESSIONS,
    users::GET_MANAGER,
    users::SET_MANAGER,
    users::LIST_TRANSITIVE_DIRECTORY_ROLES,
    users::LIST_TRANSITIVE_GROUPS,
    users::LIST_DIRECT_GROUPS,
    users::LIST_DIRECT_REPORTS,
    users::LIST_OWNED_GROUPS,
    groups::GET_GROUP,
    groups::SEARCH_GROUPS,
    groups::LIST_GROUPS_BY_ID,
    groups::FIND_GROUPS_BY_DISPLAY_NAME,
    groups::LIST_MEMBER_GROUPS,
    groups::ADD_MEMBER,
    groups::ADD_MEMBERS,
    groups::REMOVE_MEMBER,
    groups::ADD_OWNER,
    groups::REMOVE_OWNER,
    authentication_methods::CREATE_TEMPORARY_ACCESS_PASS,
    authentication_methods::GET_TEMPORARY_ACCESS_PASS_POLICY,
    organization::GET_VERIFIED_DOMAINS,
    role_management::LIST_ROLE_ASSIGNMENTS_OF,
    licenses::LIST_SUBSCRIBED_SKUS,
    licenses::ASSIGN_LICENSE,
    authentication_methods::LIST_METHODS,
    authentication_methods::DELETE_PHONE_METHOD,
    authentication_methods::DELETE_MICROSOFT_AUTHENTICATOR_METHOD,
    authentication_methods::DELETE_FIDO2_METHOD,
    authentication_methods::DELETE_SOFTWARE_OATH_METHOD,
    authentication_methods::DELETE_EMAIL_METHOD,
    authentication_methods::DELETE_WINDOWS_HELLO_METHOD,
    deleted_items::DELETE_USER,
    deleted_items::GET_DELETED_USER,
    deleted_items::RESTORE_DELETED_USER,
    invitations::CREATE_INVITATION,
    delta::USERS_DELTA,
    delta::GROUPS_DELTA,
    leave_dates::LIST_PASSED_LEAVERS,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::model::{NewTemporaryAccessPass, NewUser, PasswordProfile};
    use crate::secret::Secret;

    const ID: &str = "5b1c3a4e-0000-4000-8000-000000000001";

    #[test]
    fn every_entry_is_well_formed() {
        assert!(!CALLS.is_empty());
        for call in CALLS {
            assert!(
                call.learn_url.starts_with("https://learn.microsoft.com/"),
                "{call:?}"
            );
            assert!(
                call.learn_url
                    .starts_with("https://learn.microsoft.com/en-us/graph/api/")
                    && call.learn_url.ends_with("?view=graph-rest-1.0"),
                "{call:?}"
            );
            assert!(call.path_template.starts_with('/'), "{call:?}");
            assert!(!call.path_template.contains('?'), "{call:?}");
            assert!(!call.least_permission.is_empty(), "{call:?}");
        }
    }

    /// Each function's request is an instance of its own entry (and the
    /// table lists each function once).
    #[test]
    fn each_function_matches_its_entry() {
        let user = NewUser {
            account_enabled: true,
            display_name: "A".into(),
            given_name: "A".into(),
            surname: "B".into(),
            mail_nickname: "ab".into(),
            user_principal_name: "ab@contoso.com".into(),
            password_profile: PasswordProfile {
                password: "x".into(),
                force_change_password_next_sign_in: true,
            },
            attributes: Default::default(),
        };
        let tap = NewTemporaryAccessPass {
            lifetime_in_minutes: 60,
            is_usable_once: true,
        };
        let built: Vec<(GraphCall, GraphRequest)> = vec![
            (users::GET_USER, users::get_user(ID, "id", None)),
            (
                users::LIST_USERS_WHERE,
                users::list_users_where("mail", "a@b.c", "id", None),
            ),
            (
                users::LIST_USERS_UPN_STARTING_WITH,
                users::list_users_upn_starting_with("ab", "id"),
            ),
            (
                users::LIST_USERS_BY_ADDRESS,
                users::list_users_by_address("a@b.c", "id", None),
            ),
            (users::SEARCH_USERS, users::search_users("ab", "id", 25)),
            (users::CREATE_USER, users::create_user(&user)),
            (
                users::UPDATE_USER,
                users::update_user(ID, Default::default()),
            ),
            (
                users::SET_ACCOUNT_ENABLED,
                users::set_account_enabled(ID, false),
            ),
            (
                users::SET_PASSWORD,
                users::set_password(ID, &Secret::new("x")),
            ),
            (
                users::SET_EMPLOYEE_LEAVE_DATE,
                users::set_employee_leave_date(ID, "2026-01-01T00:00:00Z"),
            ),
            (
                users::REVOKE_SIGN_IN_SESSIONS,
                users::revoke_sign_in_sessions(ID),
            ),
            (users::GET_MANAGER, users::get_manager(ID)),
            (
                users::SET_MANAGER,
                users::set_manager(ID, "https://graph.microsoft.com/v1.0", ID),
            ),
            (
                users::LIST_TRANSITIVE_DIRECTORY_ROLES,
                users::list_transitive_directory_roles("$x@contoso.com"),
            ),
            (
                users::LIST_TRANSITIVE_GROUPS,
                users::list_transitive_groups(ID),
            ),
            (
                users::LIST_DIRECT_GROUPS,
                users::list_direct_groups(ID, "id"),
            ),
            (groups::GET_GROUP, groups::get_group(ID, "id")),
            (groups::SEARCH_GROUPS, groups::search_groups("x", "id", 25)),
            (
                groups::LIST_GROUPS_BY_ID,
                groups::list_groups_by_id(&[ID.to_string()], "id"),
            ),
            (
                groups::FIND_GROUPS_BY_DISPLAY_NAME,
                groups::find_groups_by_display_name("Sales"),
            ),
            (groups::LIST_MEMBER_GROUPS, groups::list_member_groups(ID)),
            (groups::ADD_MEMBER, groups::add_member(ID, "https://x/y")),
            (
                groups::ADD_MEMBERS,
                groups::add_members(ID, &["https://x/y".to_string()]),
            ),
            (groups::REMOVE_MEMBER, groups::remove_member(ID, ID)),
            (groups::ADD_OWNER, groups::add_owner(ID, "https://x/y")),
            (groups::REMOVE_OWNER, groups::remove_owner(ID, ID)),
            (users::LIST_DIRECT_REPORTS, users::list_direct_reports(ID)),
            (users::LIST_OWNED_GROUPS, users::list_owned_groups(ID)),
            (
                authentication_methods::CREATE_TEMPORARY_ACCESS_PASS,
                authentication_methods::create_temporary_access_pass(ID, &tap),
            ),
            (
                authentication_methods::GET_TEMPORARY_ACCESS_PASS_POLICY,
                authentication_methods::get_temporary_access_pass_policy(),
            ),
            (
                organization::GET_VERIFIED_DOMAINS,
                organization::get_verified_domains(),
            ),
            (
                role_management::LIST_ROLE_ASSIGNMENTS_OF,
                role_management::list_role_assignments_of(ID),
            ),
            (
                licenses::LIST_SUBSCRIBED_SKUS,
                licenses::list_subscribed_skus(),
            ),
            (
                licenses::ASSIGN_LICENSE,
                licenses::assign_license(ID, &[], &[ID.to_string()]),
            ),
            (
                authentication_methods::LIST_METHODS,
                authentication_methods::list_methods(ID),
            ),
            (deleted_items::DELETE_USER, deleted_items::delete_user(ID)),
            (
                deleted_items::GET_DELETED_USER,
                deleted_items::get_deleted_user(ID, "id"),
            ),
            (
                deleted_items::RESTORE_DELETED_USER,
                deleted_items::restore_deleted_user(ID),
            ),
            (
                invitations::CREATE_INVITATION,
                invitations::create_invitation(serde_json::json!({})),
            ),
            (delta::USERS_DELTA, delta::users_delta()),
            (delta::GROUPS_DELTA, delta::groups_delta()),
            (
                leave_dates::LIST_PASSED_LEAVERS,
                leave_dates::list_passed_leavers("2026-01-01T00:00:00Z"),
            ),
        ];
        let built: Vec<(GraphCall, GraphRequest)> = built
            .into_iter()
            .chain(authentication_methods::MethodType::ALL.iter().map(|t| {
                (
                    t.delete_call(),
                    authentication_methods::delete_method(ID, *t, "m1"),
                )
            }))
            .collect();
        assert_eq!(built.len(), CALLS.len());
        for (call, request) in &built {
            assert!(call.matches(request), "{call:?} vs {request:?}");
            assert!(CALLS.contains(call), "{call:?} not in CALLS");
        }
        for call in CALLS {
            assert_eq!(
                built.iter().filter(|(c, _)| c == call).count(),
                1,
                "{call:?} listed more than once"
            );
        }
    }
}
