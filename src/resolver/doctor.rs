//! The permission doctor: what the app's features need (the one list in
//! [`crate::graph::permissions`], built from the calls the code makes) next
//! to what the token actually holds, with the directory role for password
//! resets.

use super::page_call::{from_api_error, PAGE_BUDGET_MS};
use super::{settings, ResolverError};
use crate::graph::permissions::{covers, least_set, Feature, DEGRADES_WITHOUT};
use crate::graph::resources::role_management;
use crate::host::Host;
use crate::http::Transport;
use crate::pipeline::context::RouteContext;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;

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

/// The doctor's verdict for the permissions the token holds, from the one
/// list in [`crate::graph::permissions`]:
/// - `features`: per feature, its label, note, the permissions its calls
///   need, whether all are covered and which are not;
/// - `required`: the least set to grant for every feature;
/// - `missing`: `[{permission, features, withoutIt}]`, permissions of the
///   least set to add, each with the features that need it (`withoutIt`:
///   what still works, for the few the app can do without);
/// - `excessive`: `[{permission, reason}]`, granted permissions no feature
///   needs, or whose every use another granted permission already gives;
/// - `broader`: `[{permission, insteadOf}]`, granted permissions in use
///   that are broader than the least set's (grant `insteadOf`, then remove);
/// - `optIn`: `[{key, label, note, setting, needs, beyondLeastSet,
///   satisfied, uncovered}]`, the features an admin turns on in the
///   settings and the permissions each needs beyond the least set (a
///   permission granted for one is neither excessive nor broader);
/// - `grantList`: the least set, one per line, to copy.
pub fn assess(granted: &[String]) -> Value {
    let all = Feature::ALL;
    let required = least_set(all);
    let covered = |need: &str, by: &[&String]| by.iter().any(|g| covers(g, need));
    let granted_refs: Vec<&String> = granted.iter().collect();
    let features: Vec<Value> = all
        .iter()
        .map(|f| {
            let needs = f.needs();
            let uncovered: Vec<&str> = needs
                .iter()
                .copied()
                .filter(|n| !covered(n, &granted_refs))
                .collect();
            json!({
                "key": f.key(),
                "label": f.label(),
                "note": f.note(),
                "needs": needs,
                "satisfied": uncovered.is_empty(),
                "uncovered": uncovered,
            })
        })
        .collect();
    // A permission of the least set is missing when some need it covers is
    // not covered by anything granted.
    let missing: Vec<Value> = required
        .iter()
        .filter_map(|p| {
            let failing: Vec<&str> = all
                .iter()
                .filter(|f| {
                    f.needs()
                        .iter()
                        .any(|n| covers(p, n) && !covered(n, &granted_refs))
                })
                .map(|f| f.label())
                .collect();
            let without = DEGRADES_WITHOUT
                .iter()
                .find(|(d, _)| d == p)
                .map(|(_, w)| *w);
            (!failing.is_empty())
                .then(|| json!({"permission": p, "features": failing, "withoutIt": without}))
        })
        .collect();
    // Opt-in features: what each needs beyond the least set, whether the
    // grant covers it, and the setting that turns it on.
    let opt_in: Vec<Value> = Feature::OPT_IN
        .iter()
        .map(|f| {
            let needs = f.needs();
            let uncovered: Vec<&str> = needs
                .iter()
                .copied()
                .filter(|n| !covered(n, &granted_refs))
                .collect();
            let beyond: Vec<&str> = needs
                .iter()
                .copied()
                .filter(|n| !required.iter().any(|r| covers(r, n)))
                .collect();
            json!({
                "key": f.key(),
                "label": f.label(),
                "note": f.note(),
                "setting": f.setting(),
                "needs": needs,
                "beyondLeastSet": beyond,
                "satisfied": uncovered.is_empty(),
                "uncovered": uncovered,
            })
        })
        .collect();
    let opt_in_needs: BTreeSet<&str> = Feature::OPT_IN
        .iter()
        .flat_map(|f| f.needs())
        .filter(|n| !required.iter().any(|r| covers(r, n)))
        .collect();
    let needs: BTreeSet<&str> = all.iter().flat_map(|f| f.needs()).collect();
    let mut excessive = Vec::new();
    let mut broader = Vec::new();
    for g in granted {
        if opt_in_needs.iter().any(|n| covers(g, n)) {
            // Granted for an opt-in: reported under `optIn`, not as excess.
            continue;
        }
        let serves: Vec<&str> = needs.iter().copied().filter(|n| covers(g, n)).collect();
        if serves.is_empty() {
            excessive.push(json!({"permission": g, "reason": "No feature of the app needs it."}));
            continue;
        }
        // A grant held for an opt-in does not make a least-set permission
        // redundant: turning the opt-in off would leave a gap.
        let others: Vec<&String> = granted
            .iter()
            .filter(|o| *o != g && !opt_in_needs.iter().any(|n| covers(o, n)))
            .collect();
        let given_by_others: Vec<&String> = others
            .iter()
            .copied()
            .filter(|o| serves.iter().any(|n| covers(o, n)))
            .collect();
        if serves.iter().all(|n| covered(n, &others)) {
            let names: Vec<&str> = given_by_others.iter().map(|o| o.as_str()).collect();
            excessive.push(json!({
                "permission": g,
                "reason": format!("Everything it allows the app to do, {} already allows.", names.join(" and ")),
            }));
        } else if !required.iter().any(|r| r.eq_ignore_ascii_case(g)) {
            let instead: Vec<&str> = required
                .iter()
                .copied()
                .filter(|r| serves.iter().any(|n| covers(r, n)))
                .collect();
            broader.push(json!({"permission": g, "insteadOf": instead}));
        }
    }
    json!({
        "features": features,
        "required": required,
        "granted": granted,
        "missing": missing,
        "excessive": excessive,
        "broader": broader,
        "optIn": opt_in,
        "grantList": required.join("\n"),
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
