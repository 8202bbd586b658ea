//! Change tracking of the `user` and `group` resources: the `delta`
//! function of each collection, as the Assets import reads them.
//!
//! A first call without a state token is a full snapshot in pages
//! (`@odata.nextLink`), ending with an `@odata.deltaLink` that a later call
//! follows to get only what changed since
//! (<https://learn.microsoft.com/en-us/graph/delta-query-overview>). Only the
//! first request is built here: next and delta links are opaque URLs that
//! carry the `$select` and are followed verbatim ([`follow`]).
//!
//! Page size: Graph chooses it; `Prefer: odata.maxpagesize` may lower it but
//! not raise it past 200 directory objects (Microsoft Q&A answer on delta
//! page sizes, <https://learn.microsoft.com/en-us/answers/a/2052165>: "200 for
//! objects, such as users and contacts; 500 for directory link objects"), so
//! the import asks for that maximum on every page.

use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;

/// The largest page Graph serves for users and groups delta queries, asked
/// for with `Prefer: odata.maxpagesize` on every page.
pub const MAX_PAGE_SIZE: u32 = 200;

/// The user properties the Assets import reads (the attributes issue 16
/// lists), as Graph spells them, without the `manager` relationship. Every
/// one is readable with `User.Read.All`; `employeeLeaveDateTime` is left out
/// because it also needs `User-LifeCycleInfo.Read.All`.
pub const USER_DELTA_SELECT: &str = "id,userPrincipalName,displayName,givenName,surname,mail,accountEnabled,userType,department,jobTitle,companyName,officeLocation,employeeId,employeeType,employeeHireDate,usageLocation,createdDateTime,onPremisesSyncEnabled";

/// The group properties the Assets import reads, without the `members`
/// relationship.
pub const GROUP_DELTA_SELECT: &str = "id,displayName,description,mail,mailNickname,mailEnabled,securityEnabled,groupTypes,membershipRule,isAssignableToRole,onPremisesSyncEnabled,createdDateTime";

fn with_page_size(request: GraphRequest) -> GraphRequest {
    let mut request = request;
    request.headers.push((
        "Prefer".to_string(),
        format!("odata.maxpagesize={MAX_PAGE_SIZE}"),
    ));
    request
}

/// The first page of a full sweep of users with their managers:
/// `GET /users/delta?$select={USER_DELTA_SELECT},manager`, with
/// `Prefer: odata.maxpagesize=200`. `manager` comes back as
/// `manager@delta` (Learn: "$select ... also supports the manager and
/// members navigation properties for users and groups respectively").
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-delta?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (the map's least for `/users/delta`).
pub fn users_delta() -> GraphRequest {
    with_page_size(
        GraphRequest::get("/users/delta").query(&format!("$select={USER_DELTA_SELECT},manager")),
    )
}

/// Entry of [`users_delta`] in [`super::CALLS`].
pub const USERS_DELTA: GraphCall = GraphCall {
    name: "delta::users_delta",
    method: Method::Get,
    path_template: "/users/delta",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-delta?view=graph-rest-1.0",
};

/// The first page of a full sweep of groups with their direct members:
/// `GET /groups/delta?$select={GROUP_DELTA_SELECT},members`, with
/// `Prefer: odata.maxpagesize=200`. Members come back as `members@delta`
/// (`@odata.type` and `id` only); a large group repeats on several pages,
/// each with a slice of its members.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-delta?view=graph-rest-1.0>.
/// Permission: `GroupMember.Read.All`. The permission map marks
/// `Group.ReadBasic.All` as least for bare `/groups/delta`, but that does not
/// return memberships; the Learn page lists `GroupMember.Read.All` as least
/// for Application.
pub fn groups_delta() -> GraphRequest {
    with_page_size(
        GraphRequest::get("/groups/delta").query(&format!("$select={GROUP_DELTA_SELECT},members")),
    )
}

/// Entry of [`groups_delta`] in [`super::CALLS`].
pub const GROUPS_DELTA: GraphCall = GraphCall {
    name: "delta::groups_delta",
    method: Method::Get,
    path_template: "/groups/delta",
    least_permission: "GroupMember.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/group-delta?view=graph-rest-1.0",
};

/// A saved `@odata.nextLink` or `@odata.deltaLink`, followed verbatim (the
/// link already carries the `$select`; Learn: "subsequent requests can't be
/// modified"), with the same page-size preference. It is an instance of the
/// call that started the sweep ([`USERS_DELTA`] or [`GROUPS_DELTA`]).
pub fn follow(link: &str) -> GraphRequest {
    with_page_size(GraphRequest::get(link))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_pages_select_the_relationship_and_ask_for_the_largest_page() {
        let users = users_delta();
        assert!(users.path.starts_with("/users/delta?$select=id,"));
        assert!(users.path.ends_with(",manager"));
        let groups = groups_delta();
        assert!(groups.path.ends_with(",members"));
        for r in [
            users,
            groups,
            follow("https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x"),
        ] {
            assert!(r.idempotent);
            assert!(r
                .headers
                .contains(&("Prefer".to_string(), "odata.maxpagesize=200".to_string())));
        }
    }
}
