//! `/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}`:
//! the Temporary Access Pass configuration of the authentication methods
//! policy, as seeded (`tenant.temporaryAccessPassPolicy`).

use serde_json::json;

use crate::errors::GraphError;
use crate::graph::{Call, GraphResult, Reply};
use crate::tenant::Tenant;

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata";

/// `GET .../authenticationMethodConfigurations/TemporaryAccessPass` (the id
/// is case-insensitive in Graph). Other methods' configurations are not
/// emulated: 404 as for an unknown id.
/// <https://learn.microsoft.com/en-us/graph/api/temporaryaccesspassauthenticationmethodconfiguration-get?view=graph-rest-1.0>
pub(crate) fn method_configuration(tenant: &Tenant, _call: &Call, id: &str) -> GraphResult {
    if !id.eq_ignore_ascii_case("TemporaryAccessPass") {
        return Err(GraphError::UnknownSegment(id.to_string()));
    }
    let p = &tenant.tap_policy;
    Ok(Reply::json(
        200,
        json!({
            "@odata.context": format!("{CONTEXT}#policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity"),
            "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
            "id": "TemporaryAccessPass",
            "state": p.state,
            "defaultLifetimeInMinutes": p.default_lifetime_in_minutes,
            "defaultLength": p.default_length,
            "minimumLifetimeInMinutes": p.minimum_lifetime_in_minutes,
            "maximumLifetimeInMinutes": p.maximum_lifetime_in_minutes,
            "isUsableOnce": p.is_usable_once,
            "excludeTargets": [],
        }),
    ))
}
