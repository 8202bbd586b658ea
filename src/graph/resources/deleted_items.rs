//! Deleting users and `directory/deletedItems`: the soft-deleted users
//! Entra keeps for 30 days, read and restored by object id (a deleted user
//! is found by id only, or by listing
//! `/directory/deletedItems/microsoft.graph.user`).

use crate::graph::odata::{encode_component, user_path};
use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;

/// Soft-deletes a user: `DELETE /users/{key}`, 204. The user moves to
/// deleted items for 30 days. Entra refuses administrators unless the app
/// holds a high enough directory role (403).
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-delete?view=graph-rest-1.0>.
/// Permission: `User.DeleteRestore.All` (the map's least).
pub fn delete_user(key: &str) -> GraphRequest {
    GraphRequest::delete(user_path(key))
}

/// Entry of [`delete_user`] in [`super::CALLS`].
pub const DELETE_USER: GraphCall = GraphCall {
    name: "deleted_items::delete_user",
    method: Method::Delete,
    path_template: "/users/{id}",
    least_permission: "User.DeleteRestore.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-delete?view=graph-rest-1.0",
};

/// One deleted user by object id:
/// `GET /directory/deletedItems/{id}?$select={select}`; 404 when the id is
/// not (or no longer) in deleted items.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-get?view=graph-rest-1.0>.
/// Permission: `User.Read.All` (the page's least for users; the permission
/// map has no entry for this path).
pub fn get_deleted_user(id: &str, select: &str) -> GraphRequest {
    GraphRequest::get(format!("/directory/deletedItems/{}", encode_component(id)))
        .query(&format!("$select={select}"))
}

/// Entry of [`get_deleted_user`] in [`super::CALLS`].
pub const GET_DELETED_USER: GraphCall = GraphCall {
    name: "deleted_items::get_deleted_user",
    method: Method::Get,
    path_template: "/directory/deletedItems/{id}",
    least_permission: "User.Read.All",
    also_needs: &[],
    learn_url:
        "https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-get?view=graph-rest-1.0",
};

/// Restores a deleted user: `POST /directory/deletedItems/{id}/restore`,
/// 200 with the user; 404 once the 30 days are over.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore?view=graph-rest-1.0>.
/// Permission: `User.DeleteRestore.All` (the map's least).
pub fn restore_deleted_user(id: &str) -> GraphRequest {
    GraphRequest::post(
        format!("/directory/deletedItems/{}/restore", encode_component(id)),
        None,
    )
}

/// Entry of [`restore_deleted_user`] in [`super::CALLS`].
pub const RESTORE_DELETED_USER: GraphCall = GraphCall {
    name: "deleted_items::restore_deleted_user",
    method: Method::Post,
    path_template: "/directory/deletedItems/{id}/restore",
    least_permission: "User.DeleteRestore.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/directory-deleteditems-restore?view=graph-rest-1.0",
};
