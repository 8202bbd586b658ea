//! `organization` resource: the tenant's verified domains.

use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;

/// The tenant's verified domains: `GET /organization?$select=verifiedDomains`
/// (a collection with exactly one organization).
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/organization-list?view=graph-rest-1.0>.
/// Permission: `Organization.Read.All`, Learn's least for applications. The
/// map marks `DeviceManagementServiceConfig.Read.All` (an Intune permission
/// with nothing to do with this app) as least, and also lists
/// `User.Read.All` for the path, which the app holds for its lookups anyway.
pub fn get_verified_domains() -> GraphRequest {
    GraphRequest::get("/organization").query("$select=verifiedDomains")
}

/// Entry of [`get_verified_domains`] in [`super::CALLS`].
pub const GET_VERIFIED_DOMAINS: GraphCall = GraphCall {
    name: "organization::get_verified_domains",
    method: Method::Get,
    path_template: "/organization",
    least_permission: "Organization.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/organization-list?view=graph-rest-1.0",
};
