//! `/users/{id}/authentication`: the list of a user's methods and the
//! per-type delete of the methods an MFA reset removes.
//!
//! Sources: "List methods"
//! (<https://learn.microsoft.com/en-us/graph/api/authentication-list-methods?view=graph-rest-1.0>):
//! every user with a password lists a `passwordAuthenticationMethod` under
//! the well-known id [`PASSWORD_METHOD_ID`]; the password cannot be deleted
//! through Graph ("Delete ... is not supported for password methods").
//! Each other type is deleted at its own endpoint, e.g. "Delete
//! phoneAuthenticationMethod"
//! (<https://learn.microsoft.com/en-us/graph/api/phoneauthenticationmethod-delete?view=graph-rest-1.0>),
//! which refuses the user's default MFA method: "If a phone number is the
//! user's default Azure multi-factor authentication (MFA) authentication
//! method, it can't be deleted. Have the user change their default
//! authentication method, and then delete the number." The emulator holds
//! the first seeded method as the default and lets it go once no other
//! method is left to become the default.

use serde_json::{json, Map, Value};

use crate::errors::GraphError;
use crate::graph::{Call, GraphResult, Reply};
use crate::privileged;
use crate::tenant::Tenant;

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata";

/// The id Graph gives every user's password method.
pub const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";

/// Navigation property of `authentication` -> the method's CSDL type.
pub const METHOD_SETS: &[(&str, &str)] = &[
    ("phoneMethods", "phoneAuthenticationMethod"),
    (
        "microsoftAuthenticatorMethods",
        "microsoftAuthenticatorAuthenticationMethod",
    ),
    ("fido2Methods", "fido2AuthenticationMethod"),
    ("softwareOathMethods", "softwareOathAuthenticationMethod"),
    ("emailMethods", "emailAuthenticationMethod"),
    (
        "windowsHelloForBusinessMethods",
        "windowsHelloForBusinessAuthenticationMethod",
    ),
];

/// The CSDL type of a method set segment (case-insensitive), if it is one.
pub fn method_type(set: &str) -> Option<&'static str> {
    METHOD_SETS
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(set))
        .map(|(_, t)| *t)
}

fn odata_type(method: &Map<String, Value>) -> &str {
    method
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim_start_matches("#microsoft.graph.")
}

fn find_user(tenant: &Tenant, call: &Call, id: &str) -> Result<usize, GraphError> {
    tenant
        .user_index(id, call.now_ms)
        .ok_or_else(|| GraphError::ResourceNotFound(id.to_string()))
}

/// `GET /users/{id}/authentication/methods`.
pub(crate) fn list(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find_user(tenant, call, id)?;
    let user = &tenant.users[index];
    let mut value = vec![json!({
        "@odata.type": "#microsoft.graph.passwordAuthenticationMethod",
        "id": PASSWORD_METHOD_ID,
        "password": null,
        "createdDateTime": user.props.get("createdDateTime").cloned().unwrap_or(Value::Null),
    })];
    value.extend(user.auth_methods.iter().cloned().map(Value::Object));
    if let Some(tap) = &user.tap {
        value.push(json!({
            "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
            "id": tap.id,
            "temporaryAccessPass": null,
            "createdDateTime": crate::clock::iso(tap.created_ms),
            "lifetimeInMinutes": tap.lifetime_minutes,
            "isUsableOnce": tap.usable_once,
        }));
    }
    Ok(Reply::json(
        200,
        json!({
            "@odata.context": format!("{CONTEXT}#users('{}')/authentication/methods", user.id()),
            "value": value,
        }),
    ))
}

/// `DELETE /users/{id}/authentication/{set}/{methodId}`.
pub(crate) fn delete(
    tenant: &mut Tenant,
    call: &Call,
    id: &str,
    set: &str,
    method_id: &str,
) -> GraphResult {
    let index = find_user(tenant, call, id)?;
    let wanted = method_type(set).ok_or(GraphError::MethodNotAllowed)?;
    let user_id = tenant.users[index].id().to_string();
    // Authentication methods of administrators are sensitive: an app needs
    // a directory role that may manage them (user-delete and the
    // authentication method pages: "Privileged Authentication Administrator"
    // for administrators).
    if privileged::is_privileged_target(tenant, &user_id)
        && !privileged::app_may_act_on(tenant, &user_id, false)
    {
        return Err(GraphError::AccessDenied);
    }
    let methods = &mut tenant.users[index].auth_methods;
    let position = methods
        .iter()
        .position(|m| {
            odata_type(m).eq_ignore_ascii_case(wanted)
                && m.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.eq_ignore_ascii_case(method_id))
        })
        .ok_or_else(|| GraphError::ResourceNotFound(method_id.to_string()))?;
    if position == 0 && methods.len() > 1 {
        return Err(GraphError::bad_request(
            "badRequest",
            "The method is the user's default multi-factor authentication method and can't be deleted. Have the user change their default authentication method, and then delete the method.",
        ));
    }
    methods.remove(position);
    Ok(Reply::no_content())
}
