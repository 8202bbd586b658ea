//! The permission doctor: the least Graph application permissions the app's
//! features need (from Microsoft's permission map, see
//! `doctor/least-permissions.json`), next to what the token actually holds.

use super::page_call::{from_api_error, PAGE_BUDGET_MS};
use super::{settings, ResolverError};
use crate::graph::resources::role_management;
use crate::host::Host;
use crate::http::Transport;
use crate::pipeline::context::RouteContext;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const LEAST_PERMISSIONS: &str = include_str!("doctor/least-permissions.json");

/// Directory roles (template ids) that may reset passwords of non-admins.
const PASSWORD_RESET_ROLES: [(&str, &str); 4] = [
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
];

#[derive(Deserialize)]
struct PermissionMap {
    features: BTreeMap<String, Feature>,
}

#[derive(Deserialize)]
struct Feature {
    label: String,
    least: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

fn permission_map() -> PermissionMap {
    serde_json::from_str(LEAST_PERMISSIONS).expect("least-permissions.json is valid")
}

/// Whether `granted` gives at least what `needed` does: the same
/// permission, its ReadWrite form, or Directory-wide read/write for reads.
pub fn satisfies(granted: &str, needed: &str) -> bool {
    if granted == needed {
        return true;
    }
    if let Some(base) = needed.strip_suffix(".Read.All") {
        if granted == format!("{base}.ReadWrite.All") {
            return true;
        }
        if granted == "Directory.Read.All" || granted == "Directory.ReadWrite.All" {
            return true;
        }
    }
    // User.ReadWrite.All covers the per-property user permissions
    // (User-PasswordProfile..., User.EnableDisableAccount.All), not session
    // revocation, which has its own permission.
    let user_property = needed.starts_with("User-") || needed == "User.EnableDisableAccount.All";
    user_property && (granted == "User.ReadWrite.All" || granted == "Directory.ReadWrite.All")
}

/// The doctor's verdict for a set of granted roles.
pub fn assess(granted: &[String]) -> Value {
    let map = permission_map();
    let mut required = BTreeSet::new();
    let features: Vec<Value> = map
        .features
        .iter()
        .map(|(key, f)| {
            required.extend(f.least.iter().cloned());
            let satisfied = f
                .least
                .iter()
                .all(|n| granted.iter().any(|g| satisfies(g, n)));
            json!({ "key": key, "label": f.label, "least": f.least, "note": f.note, "satisfied": satisfied })
        })
        .collect();
    let missing: Vec<&String> = required
        .iter()
        .filter(|n| !granted.iter().any(|g| satisfies(g, n)))
        .collect();
    let excessive: Vec<&String> = granted.iter().filter(|g| !required.contains(*g)).collect();
    json!({
        "features": features,
        "required": required,
        "granted": granted,
        "missing": missing,
        "excessive": excessive,
    })
}

/// `doctor.check`.
pub async fn check(host: &impl Host, transport: &impl Transport) -> Result<Value, ResolverError> {
    let connection = settings::test_connection(host, transport).await?;
    if connection["connected"] != Value::Bool(true) {
        return Ok(json!({ "connected": false, "problem": connection["problem"] }));
    }
    let granted: Vec<String> = connection["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect();
    let mut report = assess(&granted);
    report["connected"] = json!(true);
    report["temporaryAccessPassPolicy"] = tap_policy(host, transport).await?;
    report["directoryRole"] = match connection["servicePrincipalId"].as_str() {
        Some(principal) => directory_roles(principal, host, transport).await?,
        None => {
            json!({ "checked": false, "note": "The token names no service principal, so directory roles were not checked." })
        }
    };
    Ok(report)
}

/// The tenant's Temporary Access Pass policy, the range every pass the app
/// issues must fit. A refusal (the permission is missing) is reported.
async fn tap_policy(host: &impl Host, transport: &impl Transport) -> Result<Value, ResolverError> {
    let ctx = RouteContext::load(host, transport, PAGE_BUDGET_MS)
        .await
        .map_err(|e| from_api_error(&e))?;
    let client = ctx.graph().await.map_err(|e| from_api_error(&e))?;
    Ok(
        match crate::lifecycle::tap_policy::read_tap_policy(&client, ctx.deadline).await {
            Ok(Some(policy)) => json!({ "checked": true, "policy": policy }),
            Ok(None) => {
                json!({ "checked": false, "note": "The policy could not be read; grant Policy.Read.AuthenticationMethod so the app checks pass lifetimes before Entra refuses them." })
            }
            Err(e) => {
                json!({ "checked": false, "note": format!("The policy could not be read ({e}).") })
            }
        },
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleAssignment {
    role_definition_id: String,
}

/// Which password-reset roles the app's service principal holds. A refusal
/// (the app may not read role assignments) is reported, not an error.
async fn directory_roles(
    principal: &str,
    host: &impl Host,
    transport: &impl Transport,
) -> Result<Value, ResolverError> {
    let ctx = RouteContext::load(host, transport, PAGE_BUDGET_MS)
        .await
        .map_err(|e| from_api_error(&e))?;
    let client = ctx.graph().await.map_err(|e| from_api_error(&e))?;
    let request = role_management::list_role_assignments_of(principal);
    match client
        .get_all::<RoleAssignment>(request, 5, ctx.deadline)
        .await
    {
        Ok(assignments) => {
            let held: Vec<&str> = PASSWORD_RESET_ROLES
                .iter()
                .filter(|(id, _)| {
                    assignments
                        .iter()
                        .any(|a| a.role_definition_id.eq_ignore_ascii_case(id))
                })
                .map(|(_, name)| *name)
                .collect();
            Ok(json!({ "checked": true, "passwordResetRoles": held }))
        }
        Err(e) => Ok(json!({
            "checked": false,
            "note": format!("Role assignments could not be read ({e}); grant RoleManagement.Read.Directory to check."),
        })),
    }
}
