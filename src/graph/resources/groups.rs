//! `group` resource: reading and finding groups, adding and removing members.
//!
//! Group reads use `GroupMember.Read.All`, the read-only permission Learn
//! lists for both `GET /groups/{id}` (as least) and `GET /groups`. The
//! permission map marks `Group-NestingSupport.ReadWrite.All` (a write
//! permission) as least for both paths, and `Group.ReadBasic.All` for the
//! list; the app selects non-basic properties (`membershipRule`,
//! `isAssignableToRole`, `onPremisesSyncEnabled`) and never needs to write
//! groups, so neither is used except where only `id` is read.

use crate::graph::odata::{encode_component, eq_filter, in_filter, startswith_filter};
use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;
use serde_json::json;

/// One group: `GET /groups/{id}?$select={select}`. An unknown id answers 404
/// `Request_ResourceNotFound`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-get?view=graph-rest-1.0>.
/// Permission: `GroupMember.Read.All` (Learn's least; see the module doc for
/// the map's `Group-NestingSupport.ReadWrite.All`).
pub fn get_group(id: &str, select: &str) -> GraphRequest {
    GraphRequest::get(format!("/groups/{}", encode_component(id)))
        .query(&format!("$select={select}"))
}

/// Entry of [`get_group`] in [`super::CALLS`].
pub const GET_GROUP: GraphCall = GraphCall {
    name: "groups::get_group",
    method: Method::Get,
    path_template: "/groups/{id}",
    least_permission: "GroupMember.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/group-get?view=graph-rest-1.0",
};

/// Groups whose display name starts with `prefix`, first `top` only:
/// `GET /groups?$filter=startswith(displayName,'{prefix}')&$select={select}&$top={top}`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0>.
/// Permission: `GroupMember.Read.All` (not the map's `Group.ReadBasic.All`:
/// the admin page selects non-basic properties).
pub fn search_groups(prefix: &str, select: &str, top: u32) -> GraphRequest {
    GraphRequest::get("/groups")
        .query(&startswith_filter("displayName", prefix))
        .query(&format!("$select={select}"))
        .query(&format!("$top={top}"))
}

/// Entry of [`search_groups`] in [`super::CALLS`].
pub const SEARCH_GROUPS: GraphCall = GraphCall {
    name: "groups::search_groups",
    method: Method::Get,
    path_template: "/groups",
    least_permission: "GroupMember.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0",
};

/// The groups with these ids (at most 15, Graph's limit for `in`; unknown
/// ids are simply absent): `GET /groups?$filter=id in ('a','b')&$select={select}`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0>.
/// Permission: `GroupMember.Read.All` (as [`search_groups`]).
pub fn list_groups_by_id(ids: &[String], select: &str) -> GraphRequest {
    GraphRequest::get("/groups")
        .query(&in_filter("id", ids))
        .query(&format!("$select={select}"))
}

/// Entry of [`list_groups_by_id`] in [`super::CALLS`].
pub const LIST_GROUPS_BY_ID: GraphCall = GraphCall {
    name: "groups::list_groups_by_id",
    method: Method::Get,
    path_template: "/groups",
    least_permission: "GroupMember.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0",
};

/// Ids of at most two groups named exactly `name` (two, to detect an
/// ambiguous name): `GET /groups?$filter=displayName eq '{name}'&$select=id&$top=2`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0>.
/// Permission: `Group.ReadBasic.All` (the map's least read permission; only
/// basic properties are filtered on and read).
pub fn find_groups_by_display_name(name: &str) -> GraphRequest {
    GraphRequest::get("/groups")
        .query(&eq_filter("displayName", name))
        .query("$select=id&$top=2")
}

/// Entry of [`find_groups_by_display_name`] in [`super::CALLS`].
pub const FIND_GROUPS_BY_DISPLAY_NAME: GraphCall = GraphCall {
    name: "groups::find_groups_by_display_name",
    method: Method::Get,
    path_template: "/groups",
    least_permission: "Group.ReadBasic.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0",
};

/// The groups nested directly in a group (its members of type group):
/// `GET /groups/{id}/members/microsoft.graph.group?$select=id,displayName&$top=999`.
/// Used to say through which nested group a user keeps access.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0>.
/// Permission: `GroupMember.Read.All` (Learn's least; the map also lists
/// `Group.ReadBasic.All`, but members of other types than basic groups are
/// not promised with it, and the app holds `GroupMember.Read.All` for
/// [`get_group`] anyway).
pub fn list_member_groups(group_id: &str) -> GraphRequest {
    GraphRequest::get(format!(
        "/groups/{}/members/microsoft.graph.group",
        encode_component(group_id)
    ))
    .query("$select=id,displayName&$top=999")
}

/// Entry of [`list_member_groups`] in [`super::CALLS`].
pub const LIST_MEMBER_GROUPS: GraphCall = GraphCall {
    name: "groups::list_member_groups",
    method: Method::Get,
    path_template: "/groups/{id}/members/microsoft.graph.group",
    least_permission: "GroupMember.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0",
};

/// Adds a member: `POST /groups/{group_id}/members/$ref` with
/// `{"@odata.id": member_url}` (a `…/directoryObjects/{id}` URL, see
/// [`crate::graph::GraphClient::directory_object_url`]); 204 on success.
/// "Already a member" answers 400 ("One or more added object references
/// already exist"), so the request is marked repeatable. Dynamic groups
/// answer 403, mail-enabled and synced groups 400.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0>.
/// Permission: `GroupMember.ReadWrite.All`, from the Learn page: the
/// permission map has no entry for this path. Role-assignable groups also
/// need `RoleManagement.ReadWrite.Directory`; the app refuses those groups
/// instead.
pub fn add_member(group_id: &str, member_url: &str) -> GraphRequest {
    GraphRequest::post(
        format!("/groups/{}/members/$ref", encode_component(group_id)),
        Some(json!({ "@odata.id": member_url })),
    )
    .repeatable()
}

/// Entry of [`add_member`] in [`super::CALLS`].
pub const ADD_MEMBER: GraphCall = GraphCall {
    name: "groups::add_member",
    method: Method::Post,
    path_template: "/groups/{id}/members/$ref",
    least_permission: "GroupMember.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0",
};

/// The group id and member URL of a request [`add_member`] built, as
/// `$batch` carries it (`method`, `url` relative to the version, `body`);
/// `None` for anything else, and for a group id that would need
/// percent-encoding (so [`add_members`] addresses the same group). Lets
/// the bulk job fold adds to one group without spelling the path.
pub fn add_member_target<'a>(
    method: &str,
    url: &str,
    body: &'a serde_json::Value,
) -> Option<(&'a str, String)> {
    if !method.eq_ignore_ascii_case(Method::Post.as_str()) {
        return None;
    }
    let group = url
        .strip_prefix("/groups/")?
        .strip_suffix("/members/$ref")?;
    if group.is_empty() || group.contains('/') || encode_component(group) != group {
        return None;
    }
    let object = body.as_object()?;
    let member = object.get("@odata.id")?.as_str()?;
    (object.len() == 1).then_some((member, group.to_string()))
}

/// Graph's limit on references in one [`add_members`] request ("When
/// using the API to add multiple members in one request, you can add up
/// to only 20 members", Learn's "Add members").
pub const MAX_MEMBERS_PER_PATCH: usize = 20;

/// Adds several members at once: `PATCH /groups/{group_id}` with
/// `{"members@odata.bind": member_urls}` (at most
/// [`MAX_MEMBERS_PER_PATCH`] `…/directoryObjects/{id}` URLs); 204 on
/// success. All or nothing: one member already in answers 400 ("One or
/// more added object references already exist"), one object that does
/// not exist 404, and then none is added. Only the bulk job sends it,
/// folding adds of different hires to the same group.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0>
/// (example "Add multiple members to a group in a single request").
/// Permission: `GroupMember.ReadWrite.All`, from that page: the permission
/// map's least for `PATCH /groups/{id}` is `Group-NestingSupport.ReadWrite.All`,
/// which covers other group properties, and lists no member permission.
pub fn add_members(group_id: &str, member_urls: &[String]) -> GraphRequest {
    GraphRequest::patch(
        format!("/groups/{}", encode_component(group_id)),
        json!({ "members@odata.bind": member_urls }),
    )
}

/// Entry of [`add_members`] in [`super::CALLS`].
pub const ADD_MEMBERS: GraphCall = GraphCall {
    name: "groups::add_members",
    method: Method::Patch,
    path_template: "/groups/{id}",
    least_permission: "GroupMember.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0",
};

/// Removes a member: `DELETE /groups/{group_id}/members/{member_id}/$ref`;
/// 204 on success, 404 when not a member.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-delete-members?view=graph-rest-1.0>.
/// Permission: `GroupMember.ReadWrite.All` (the map's least).
pub fn remove_member(group_id: &str, member_id: &str) -> GraphRequest {
    GraphRequest::delete(format!(
        "/groups/{}/members/{}/$ref",
        encode_component(group_id),
        encode_component(member_id)
    ))
}

/// Entry of [`remove_member`] in [`super::CALLS`].
pub const REMOVE_MEMBER: GraphCall = GraphCall {
    name: "groups::remove_member",
    method: Method::Delete,
    path_template: "/groups/{id}/members/{id}/$ref",
    least_permission: "GroupMember.ReadWrite.All",
    also_needs: &[],
    learn_url:
        "https://learn.microsoft.com/en-us/graph/api/group-delete-members?view=graph-rest-1.0",
};

/// Adds an owner: `POST /groups/{group_id}/owners/$ref` with
/// `{"@odata.id": owner_url}` (a `…/users/{id}` URL); 204 on success, 400
/// ("One or more added object references already exist") when the user
/// already owns the group, so the request is marked repeatable.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-post-owners?view=graph-rest-1.0>.
/// Permission: `Group.ReadWrite.All` (the map's least for application):
/// broader than anything else the app needs, so only the opt-in
/// `provisioning.handOverGroupOwnership` uses it.
pub fn add_owner(group_id: &str, owner_url: &str) -> GraphRequest {
    GraphRequest::post(
        format!("/groups/{}/owners/$ref", encode_component(group_id)),
        Some(json!({ "@odata.id": owner_url })),
    )
    .repeatable()
}

/// Entry of [`add_owner`] in [`super::CALLS`].
pub const ADD_OWNER: GraphCall = GraphCall {
    name: "groups::add_owner",
    method: Method::Post,
    path_template: "/groups/{id}/owners/$ref",
    least_permission: "Group.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/group-post-owners?view=graph-rest-1.0",
};

/// Removes an owner: `DELETE /groups/{group_id}/owners/{owner_id}/$ref`;
/// 204 on success, 404 when the user does not own the group.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/group-delete-owners?view=graph-rest-1.0>.
/// Permission: `Group.ReadWrite.All` (the map's least for application).
pub fn remove_owner(group_id: &str, owner_id: &str) -> GraphRequest {
    GraphRequest::delete(format!(
        "/groups/{}/owners/{}/$ref",
        encode_component(group_id),
        encode_component(owner_id)
    ))
}

/// Entry of [`remove_owner`] in [`super::CALLS`].
pub const REMOVE_OWNER: GraphCall = GraphCall {
    name: "groups::remove_owner",
    method: Method::Delete,
    path_template: "/groups/{id}/owners/{id}/$ref",
    least_permission: "Group.ReadWrite.All",
    also_needs: &[],
    learn_url:
        "https://learn.microsoft.com/en-us/graph/api/group-delete-owners?view=graph-rest-1.0",
};

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "0f0e0d0c-0000-4000-8000-00000000000a";

    #[test]
    fn paths_as_sent() {
        assert_eq!(get_group(G, "id").path, format!("/groups/{G}?$select=id"));
        assert_eq!(
            list_groups_by_id(&[G.to_string()], "id").path,
            format!("/groups?$filter=id%20in%20('{G}')&$select=id")
        );
        assert_eq!(
            find_groups_by_display_name("R&D").path,
            "/groups?$filter=displayName%20eq%20'R%26D'&$select=id&$top=2"
        );
        let add = add_member(G, "https://g/v1.0/directoryObjects/u");
        assert_eq!(add.path, format!("/groups/{G}/members/$ref"));
        assert!(add.idempotent);
        assert_eq!(
            remove_member(G, "u#1").path,
            format!("/groups/{G}/members/u%231/$ref")
        );
    }
}
