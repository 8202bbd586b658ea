//! `user` resource: reads, searches, creation, updates, manager, sessions and
//! memberships. `key` is always an object id or a userPrincipalName, placed
//! in the path by [`user_path`] (percent-encoded; `$`-prefixed UPNs in the
//! `users('…')` form).
//!
//! Reads that `$select` more than the basic profile (id, displayName,
//! givenName, surname, mail, userPrincipalName) need `User.Read.All`:
//! `User.ReadBasic.All`, which the permission map marks as least for
//! `GET /users`, returns only the basic profile.

use crate::graph::model::NewUser;
use crate::graph::odata::{eq_filter, startswith_filter, string_literal, user_path};
use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;
use crate::secret::Secret;
use serde_json::{json, Map, Value};

/// Reads one user: `GET /users/{key}?$select={select}[&$expand={expand}]`.
/// `select` is a comma-separated property list, `expand` e.g.
/// `manager($select=id)`. A missing user answers 404 `Request_ResourceNotFound`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-get?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (the map's least, `User.ReadBasic.All`, does not
/// return `accountEnabled`, `onPremisesSyncEnabled` or the HR attributes the
/// callers select, nor the `manager` expansion).
pub fn get_user(key: &str, select: &str, expand: Option<&str>) -> GraphRequest {
    with_expand(
        GraphRequest::get(user_path(key)).query(&format!("$select={select}")),
        expand,
    )
}

/// Entry of [`get_user`] in [`super::CALLS`].
pub const GET_USER: GraphCall = GraphCall {
    name: "users::get_user",
    method: Method::Get,
    path_template: "/users/{id}",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-get?view=graph-rest-1.0",
};

/// Users whose `property` equals `value` exactly:
/// `GET /users?$filter={property} eq '{value}'&$select={select}[&$expand={expand}]`.
/// `property` is a CSDL name chosen by the code (`mail`, `employeeId`); the
/// value is escaped by [`eq_filter`]. The answer is a page (`value` array).
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (not the map's `User.ReadBasic.All`: the
/// filter on `employeeId` and the selected properties are not basic).
pub fn list_users_where(
    property: &'static str,
    value: &str,
    select: &str,
    expand: Option<&str>,
) -> GraphRequest {
    with_expand(
        GraphRequest::get("/users")
            .query(&eq_filter(property, value))
            .query(&format!("$select={select}")),
        expand,
    )
}

/// Entry of [`list_users_where`] in [`super::CALLS`].
pub const LIST_USERS_WHERE: GraphCall = GraphCall {
    name: "users::list_users_where",
    method: Method::Get,
    path_template: "/users",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0",
};

/// Users whose UPN starts with `prefix` (to find a free UPN):
/// `GET /users?$filter=startswith(userPrincipalName,'{prefix}')&$select={select}`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (not the map's `User.ReadBasic.All`: the
/// onboarding probe selects `employeeId`).
pub fn list_users_upn_starting_with(prefix: &str, select: &str) -> GraphRequest {
    GraphRequest::get("/users")
        .query(&startswith_filter("userPrincipalName", prefix))
        .query(&format!("$select={select}"))
}

/// Entry of [`list_users_upn_starting_with`] in [`super::CALLS`].
pub const LIST_USERS_UPN_STARTING_WITH: GraphCall = GraphCall {
    name: "users::list_users_upn_starting_with",
    method: Method::Get,
    path_template: "/users",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0",
};

/// Users whose userPrincipalName, mail or an SMTP proxy address is `address`
/// (Graph compares case-insensitively, so `smtp:` also finds the primary
/// `SMTP:` address):
/// `GET /users?$filter=userPrincipalName eq '{a}' or mail eq '{a}' or proxyAddresses/any(p:p eq 'smtp:{a}')&$select={select}[&$expand={expand}]`.
/// All three work without `ConsistencyLevel: eventual` (the advanced-query
/// page lists `eq` on them and `any` on proxyAddresses as default), so
/// `$expand` stays allowed. The answer is a page; callers count the users.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0>;
/// filter support on <https://learn.microsoft.com/en-us/graph/aad-advanced-queries>.
/// Permission: `User.Read.All` (not the map's `User.ReadBasic.All`:
/// proxyAddresses is not part of the basic profile).
pub fn list_users_by_address(address: &str, select: &str, expand: Option<&str>) -> GraphRequest {
    let literal = string_literal(address);
    let proxy = string_literal(&format!("smtp:{address}"));
    with_expand(
        GraphRequest::get("/users")
            .query(&format!(
                "$filter=userPrincipalName%20eq%20{literal}%20or%20mail%20eq%20{literal}%20or%20proxyAddresses/any(p:p%20eq%20{proxy})"
            ))
            .query(&format!("$select={select}")),
        expand,
    )
}

/// Entry of [`list_users_by_address`] in [`super::CALLS`].
pub const LIST_USERS_BY_ADDRESS: GraphCall = GraphCall {
    name: "users::list_users_by_address",
    method: Method::Get,
    path_template: "/users",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0",
};

/// Users whose display name or UPN starts with `prefix`, first `top` only:
/// `GET /users?$filter=startswith(displayName,'{p}') or startswith(userPrincipalName,'{p}')&$select={select}&$top={top}`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (not the map's `User.ReadBasic.All`: the
/// search selects `accountEnabled`, `department` and `jobTitle`).
pub fn search_users(prefix: &str, select: &str, top: u32) -> GraphRequest {
    let by_name = startswith_filter("displayName", prefix);
    let by_upn = startswith_filter("userPrincipalName", prefix);
    let upn_clause = by_upn.strip_prefix("$filter=").unwrap_or(&by_upn);
    GraphRequest::get("/users")
        .query(&format!("{by_name}%20or%20{upn_clause}"))
        .query(&format!("$select={select}"))
        .query(&format!("$top={top}"))
}

/// Entry of [`search_users`] in [`super::CALLS`].
pub const SEARCH_USERS: GraphCall = GraphCall {
    name: "users::search_users",
    method: Method::Get,
    path_template: "/users",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0",
};

/// Creates a user: `POST /users` with `user` as the body (201 with the new
/// user). A taken UPN answers 400 with detail code `ObjectConflict`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-post-users?view=graph-rest-1.0>.
/// Permission: `User.ReadWrite.All` (the map's least).
pub fn create_user(user: &NewUser) -> GraphRequest {
    GraphRequest::post(
        "/users",
        Some(serde_json::to_value(user).unwrap_or_default()),
    )
}

/// Entry of [`create_user`] in [`super::CALLS`].
pub const CREATE_USER: GraphCall = GraphCall {
    name: "users::create_user",
    method: Method::Post,
    path_template: "/users",
    least_permission: "User.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-post-users?view=graph-rest-1.0",
};

/// Updates profile attributes: `PATCH /users/{key}` with `attributes` (only
/// the properties to change) as the body; 204 on success. Synced users answer
/// 400 for attributes mastered on-premises.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-update?view=graph-rest-1.0>.
/// Permission: `User.ReadWrite.All` (the map's least; one body may mix
/// attributes that no property-scoped permission covers together). Sensitive
/// attributes (e.g. `mobilePhone`) of a privileged target also need a
/// directory role on the app.
pub fn update_user(key: &str, attributes: Map<String, Value>) -> GraphRequest {
    GraphRequest::patch(user_path(key), Value::Object(attributes))
}

/// Entry of [`update_user`] in [`super::CALLS`].
pub const UPDATE_USER: GraphCall = GraphCall {
    name: "users::update_user",
    method: Method::Patch,
    path_template: "/users/{id}",
    least_permission: "User.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-update?view=graph-rest-1.0",
};

/// Enables or disables sign-in: `PATCH /users/{key}` with
/// `{"accountEnabled": enabled}`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-update?view=graph-rest-1.0>.
/// Permission: `User.EnableDisableAccount.All` with `User.Read.All`
/// (property-scoped; the map lists it for `PATCH /users/{id}` but marks the
/// broader `User.ReadWrite.All` as least for the path as a whole).
pub fn set_account_enabled(key: &str, enabled: bool) -> GraphRequest {
    GraphRequest::patch(user_path(key), json!({ "accountEnabled": enabled }))
}

/// Entry of [`set_account_enabled`] in [`super::CALLS`].
pub const SET_ACCOUNT_ENABLED: GraphCall = GraphCall {
    name: "users::set_account_enabled",
    method: Method::Patch,
    path_template: "/users/{id}",
    least_permission: "User.EnableDisableAccount.All",
    also_needs: &["User.Read.All"],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-update?view=graph-rest-1.0",
};

/// Sets a temporary password the user must change at next sign-in:
/// `PATCH /users/{key}` with
/// `{"passwordProfile": {"password": …, "forceChangePasswordNextSignIn": true}}`.
/// A weak password answers 400; a synced user 400 (password mastered
/// on-premises).
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-update?view=graph-rest-1.0>.
/// Permission: `User-PasswordProfile.ReadWrite.All` (property-scoped; listed
/// by the map for `PATCH /users/{id}`, whose path-wide least is
/// `User.ReadWrite.All`). Entra also requires a directory role on the app
/// that may reset the target (Helpdesk, User or Password Administrator);
/// without it the answer is 403 `Authorization_RequestDenied`.
pub fn set_password(key: &str, password: &Secret) -> GraphRequest {
    GraphRequest::patch(
        user_path(key),
        json!({"passwordProfile": {"password": password.expose(), "forceChangePasswordNextSignIn": true}}),
    )
}

/// Entry of [`set_password`] in [`super::CALLS`].
pub const SET_PASSWORD: GraphCall = GraphCall {
    name: "users::set_password",
    method: Method::Patch,
    path_template: "/users/{id}",
    least_permission: "User-PasswordProfile.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-update?view=graph-rest-1.0",
};

/// Records the leave date: `PATCH /users/{key}` with
/// `{"employeeLeaveDateTime": leave}` (`leave` an ISO 8601 date-time, UTC).
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-update?view=graph-rest-1.0>;
/// permissions on <https://learn.microsoft.com/en-us/graph/tutorial-lifecycle-workflows-set-employeeleavedatetime>.
/// Permission: `User-LifeCycleInfo.ReadWrite.All` with `User.Read.All`, as
/// that page says; the permission map has no entry for it.
pub fn set_employee_leave_date(key: &str, leave: &str) -> GraphRequest {
    GraphRequest::patch(user_path(key), json!({ "employeeLeaveDateTime": leave }))
}

/// Entry of [`set_employee_leave_date`] in [`super::CALLS`].
pub const SET_EMPLOYEE_LEAVE_DATE: GraphCall = GraphCall {
    name: "users::set_employee_leave_date",
    method: Method::Patch,
    path_template: "/users/{id}",
    least_permission: "User-LifeCycleInfo.ReadWrite.All",
    also_needs: &["User.Read.All"],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-update?view=graph-rest-1.0",
};

/// Invalidates all refresh tokens and session cookies:
/// `POST /users/{key}/revokeSignInSessions` (no body; 200 `{"value": true}`).
/// Marked repeatable: revoking twice is harmless, so a dropped connection
/// may be retried.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-revokesigninsessions?view=graph-rest-1.0>.
/// Permission: `User.RevokeSessions.All` (the map's least).
pub fn revoke_sign_in_sessions(key: &str) -> GraphRequest {
    GraphRequest::post(format!("{}/revokeSignInSessions", user_path(key)), None).repeatable()
}

/// Entry of [`revoke_sign_in_sessions`] in [`super::CALLS`].
pub const REVOKE_SIGN_IN_SESSIONS: GraphCall = GraphCall {
    name: "users::revoke_sign_in_sessions",
    method: Method::Post,
    path_template: "/users/{id}/revokeSignInSessions",
    least_permission: "User.RevokeSessions.All",
    also_needs: &[],
    learn_url:
        "https://learn.microsoft.com/en-us/graph/api/user-revokesigninsessions?view=graph-rest-1.0",
};

/// The user's manager, id only: `GET /users/{key}/manager?$select=id`.
/// No manager answers 404.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list-manager?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (the map's least).
pub fn get_manager(key: &str) -> GraphRequest {
    GraphRequest::get(format!("{}/manager", user_path(key))).query("$select=id")
}

/// Entry of [`get_manager`] in [`super::CALLS`].
pub const GET_MANAGER: GraphCall = GraphCall {
    name: "users::get_manager",
    method: Method::Get,
    path_template: "/users/{id}/manager",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-list-manager?view=graph-rest-1.0",
};

/// Sets the manager: `PUT /users/{key}/manager/$ref` with
/// `{"@odata.id": "{graph_root}/users/{manager_id}"}` (`graph_root` is
/// `https://graph.microsoft.com/v1.0` or the emulator's; the id is sent as
/// given). 204 on success.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-post-manager?view=graph-rest-1.0>.
/// Permission: `User.ReadWrite.All` (the map's least).
pub fn set_manager(key: &str, graph_root: &str, manager_id: &str) -> GraphRequest {
    GraphRequest::put(
        format!("{}/manager/$ref", user_path(key)),
        json!({ "@odata.id": format!("{}/users/{}", graph_root, manager_id) }),
    )
}

/// Entry of [`set_manager`] in [`super::CALLS`].
pub const SET_MANAGER: GraphCall = GraphCall {
    name: "users::set_manager",
    method: Method::Put,
    path_template: "/users/{id}/manager/$ref",
    least_permission: "User.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-post-manager?view=graph-rest-1.0",
};

/// Directory roles the user holds directly or through groups:
/// `GET /users/{key}/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId&$top=999`
/// (999 is the page maximum; further pages via `@odata.nextLink`).
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list-transitivememberof?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (the map's least) plus
/// `RoleManagement.Read.Directory`: without a permission to read role
/// objects Graph returns them with only `id` and `@odata.type`, and the
/// protected-target check needs `roleTemplateId`.
pub fn list_transitive_directory_roles(key: &str) -> GraphRequest {
    GraphRequest::get(format!(
        "{}/transitiveMemberOf/microsoft.graph.directoryRole",
        user_path(key)
    ))
    .query("$select=id,displayName,roleTemplateId&$top=999")
}

/// Entry of [`list_transitive_directory_roles`] in [`super::CALLS`].
pub const LIST_TRANSITIVE_DIRECTORY_ROLES: GraphCall = GraphCall {
    name: "users::list_transitive_directory_roles",
    method: Method::Get,
    path_template: "/users/{id}/transitiveMemberOf/microsoft.graph.directoryRole",
    least_permission: "User.Read.All",
    also_needs: &["RoleManagement.Read.Directory"],
    learn_url:
        "https://learn.microsoft.com/en-us/graph/api/user-list-transitivememberof?view=graph-rest-1.0",
};

/// Groups the user belongs to directly or through nesting:
/// `GET /users/{key}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName,isAssignableToRole&$top=999`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list-transitivememberof?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (the map's least) plus `GroupMember.Read.All`,
/// without which groups come back with only `id` and `@odata.type` (and the
/// check needs `isAssignableToRole`).
pub fn list_transitive_groups(key: &str) -> GraphRequest {
    GraphRequest::get(format!(
        "{}/transitiveMemberOf/microsoft.graph.group",
        user_path(key)
    ))
    .query("$select=id,displayName,isAssignableToRole&$top=999")
}

/// Entry of [`list_transitive_groups`] in [`super::CALLS`].
pub const LIST_TRANSITIVE_GROUPS: GraphCall = GraphCall {
    name: "users::list_transitive_groups",
    method: Method::Get,
    path_template: "/users/{id}/transitiveMemberOf/microsoft.graph.group",
    least_permission: "User.Read.All",
    also_needs: &["GroupMember.Read.All"],
    learn_url:
        "https://learn.microsoft.com/en-us/graph/api/user-list-transitivememberof?view=graph-rest-1.0",
};

/// Groups the user is a direct member of:
/// `GET /users/{key}/memberOf/microsoft.graph.group?$select={select}&$top=999`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list-memberof?view=graph-rest-1.0>.
/// Permission: `User.Read.All` plus `GroupMember.Read.All` (for the group
/// properties). The map marks `Directory.Read.All` as least for
/// `memberOf`; the Learn page lists `User.Read.All`, which is narrower.
pub fn list_direct_groups(key: &str, select: &str) -> GraphRequest {
    GraphRequest::get(format!("{}/memberOf/microsoft.graph.group", user_path(key)))
        .query(&format!("$select={select}"))
        .query("$top=999")
}

/// Entry of [`list_direct_groups`] in [`super::CALLS`].
pub const LIST_DIRECT_GROUPS: GraphCall = GraphCall {
    name: "users::list_direct_groups",
    method: Method::Get,
    path_template: "/users/{id}/memberOf/microsoft.graph.group",
    least_permission: "User.Read.All",
    also_needs: &["GroupMember.Read.All"],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-list-memberof?view=graph-rest-1.0",
};

fn with_expand(request: GraphRequest, expand: Option<&str>) -> GraphRequest {
    match expand {
        Some(e) => request.query(&format!("$expand={e}")),
        None => request,
    }
}

/// The users who report to the user (a leaver's team, to hand over):
/// `GET /users/{key}/directReports/microsoft.graph.user?$select=id,displayName,userPrincipalName&$top=999`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list-directreports?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (the map's least for application).
pub fn list_direct_reports(key: &str) -> GraphRequest {
    GraphRequest::get(format!(
        "{}/directReports/microsoft.graph.user",
        user_path(key)
    ))
    .query("$select=id,displayName,userPrincipalName&$top=999")
}

/// Entry of [`list_direct_reports`] in [`super::CALLS`].
pub const LIST_DIRECT_REPORTS: GraphCall = GraphCall {
    name: "users::list_direct_reports",
    method: Method::Get,
    path_template: "/users/{id}/directReports/microsoft.graph.user",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url:
        "https://learn.microsoft.com/en-us/graph/api/user-list-directreports?view=graph-rest-1.0",
};

/// The groups the user owns (a leaver's groups, to hand over):
/// `GET /users/{key}/ownedObjects/microsoft.graph.group?$select=id,displayName&$top=999`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list-ownedobjects?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (the map's least for application).
pub fn list_owned_groups(key: &str) -> GraphRequest {
    GraphRequest::get(format!(
        "{}/ownedObjects/microsoft.graph.group",
        user_path(key)
    ))
    .query("$select=id,displayName&$top=999")
}

/// Entry of [`list_owned_groups`] in [`super::CALLS`].
pub const LIST_OWNED_GROUPS: GraphCall = GraphCall {
    name: "users::list_owned_groups",
    method: Method::Get,
    path_template: "/users/{id}/ownedObjects/microsoft.graph.group",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url:
        "https://learn.microsoft.com/en-us/graph/api/user-list-ownedobjects?view=graph-rest-1.0",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_as_sent() {
        assert_eq!(
            get_user("a#EXT#@b.com", "id", Some("manager($select=id)")).path,
            "/users/a%23EXT%23%40b.com?$select=id&$expand=manager($select=id)"
        );
        assert_eq!(
            list_users_where("employeeId", "E'1", "id", None).path,
            "/users?$filter=employeeId%20eq%20'E%27%271'&$select=id"
        );
        assert_eq!(
            search_users("a b", "id", 25).path,
            "/users?$filter=startswith(displayName,'a%20b')%20or%20startswith(userPrincipalName,'a%20b')&$select=id&$top=25"
        );
        assert_eq!(
            list_users_by_address("a'b#c@d.e", "id", None).path,
            "/users?$filter=userPrincipalName%20eq%20'a%27%27b%23c%40d.e'%20or%20mail%20eq%20'a%27%27b%23c%40d.e'%20or%20proxyAddresses/any(p:p%20eq%20'smtp%3Aa%27%27b%23c%40d.e')&$select=id"
        );
        let r = set_manager("u", "https://g/v1.0", "m");
        assert_eq!(r.path, "/users/u/manager/$ref");
        assert_eq!(r.body, Some(json!({"@odata.id": "https://g/v1.0/users/m"})));
        assert!(revoke_sign_in_sessions("u").idempotent);
    }
}
