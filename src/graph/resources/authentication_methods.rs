//! `authentication` (a user's authentication methods): Temporary Access Pass,
//! and the tenant's policy for it.

use crate::graph::model::NewTemporaryAccessPass;
use crate::graph::odata::user_path;
use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;

/// Creates a Temporary Access Pass for the user `key` (object id or UPN):
/// `POST /users/{key}/authentication/temporaryAccessPassMethods` with `pass`
/// as the body (lifetime in minutes, 10 to 43200 per the tenant policy;
/// usable once or not). 201 with the pass in `temporaryAccessPass`; a new
/// pass replaces the user's previous one. 400 when the tenant's
/// authentication-methods policy does not enable TAP.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/authentication-post-temporaryaccesspassmethods?view=graph-rest-1.0>.
/// Permission: `UserAuthMethod-TAP.ReadWrite.All` (the map's least; the
/// broader `UserAuthenticationMethod.ReadWrite.All` also works).
pub fn create_temporary_access_pass(key: &str, pass: &NewTemporaryAccessPass) -> GraphRequest {
    GraphRequest::post(
        format!(
            "{}/authentication/temporaryAccessPassMethods",
            user_path(key)
        ),
        Some(serde_json::to_value(pass).unwrap_or_default()),
    )
}

/// Entry of [`create_temporary_access_pass`] in [`super::CALLS`].
pub const CREATE_TEMPORARY_ACCESS_PASS: GraphCall = GraphCall {
    name: "authentication_methods::create_temporary_access_pass",
    method: Method::Post,
    path_template: "/users/{id}/authentication/temporaryAccessPassMethods",
    least_permission: "UserAuthMethod-TAP.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/authentication-post-temporaryaccesspassmethods?view=graph-rest-1.0",
};

/// The tenant's Temporary Access Pass policy:
/// `GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`,
/// a `temporaryAccessPassAuthenticationMethodConfiguration` (state, minimum,
/// maximum and default lifetime, one-time only or not).
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/temporaryaccesspassauthenticationmethodconfiguration-get?view=graph-rest-1.0>.
/// Permission: `Policy.Read.AuthenticationMethod` (the map's least for
/// this path).
pub fn get_temporary_access_pass_policy() -> GraphRequest {
    GraphRequest::get(
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
    )
}

/// Entry of [`get_temporary_access_pass_policy`] in [`super::CALLS`].
pub const GET_TEMPORARY_ACCESS_PASS_POLICY: GraphCall = GraphCall {
    name: "authentication_methods::get_temporary_access_pass_policy",
    method: Method::Get,
    path_template: "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
    least_permission: "Policy.Read.AuthenticationMethod",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/temporaryaccesspassauthenticationmethodconfiguration-get?view=graph-rest-1.0",
};
