//! `roleManagement/directory`: directory role assignments (RBAC).

use crate::graph::odata::eq_filter;
use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;

/// Directory role assignments held directly by `principal_id` (a user's or
/// service principal's object id):
/// `GET /roleManagement/directory/roleAssignments?$filter=principalId eq '{id}'`.
/// Each item's `roleDefinitionId` equals the role's template id for built-in
/// roles. Group-based and PIM-eligible assignments are not included.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/rbacapplication-list-roleassignments?view=graph-rest-1.0>.
/// Permission: `RoleManagement.Read.Directory` (the map's least).
pub fn list_role_assignments_of(principal_id: &str) -> GraphRequest {
    GraphRequest::get("/roleManagement/directory/roleAssignments")
        .query(&eq_filter("principalId", principal_id))
}

/// Entry of [`list_role_assignments_of`] in [`super::CALLS`].
pub const LIST_ROLE_ASSIGNMENTS_OF: GraphCall = GraphCall {
    name: "role_management::list_role_assignments_of",
    method: Method::Get,
    path_template: "/roleManagement/directory/roleAssignments",
    least_permission: "RoleManagement.Read.Directory",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/rbacapplication-list-roleassignments?view=graph-rest-1.0",
};
