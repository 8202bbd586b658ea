//! `config.options`: the choices the admin page's editors offer, from the
//! code that enforces them, so a form never offers what a save would refuse.

use crate::config::policy::{
    MAX_AUDIT_RETENTION_DAYS, MAX_MANAGER_CHAIN_DEPTH, MAX_SECRET_LIFETIME_HOURS,
    SELF_SERVICE_CANDIDATES,
};
use crate::config::request_types::{REPORTER_ACCOUNT, REPORTER_EMAIL};
use crate::lifecycle::update::UPDATABLE_FIELDS;
use crate::service_api::openapi;
use serde_json::{json, Value};

pub fn options() -> Value {
    let routes: Vec<Value> = openapi::routes()
        .into_iter()
        .filter(|(route, _, _)| !route.is_read_only())
        .map(|(route, summary, inputs)| {
            let mut names: Vec<Value> = Vec::new();
            for input in inputs {
                // A mapping fills `changes` one attribute at a time.
                if input.name == "changes" {
                    names.extend(UPDATABLE_FIELDS.iter().map(|attr| {
                        json!({ "name": format!("changes.{attr}"), "required": false, "description": format!("New {attr}") })
                    }));
                } else {
                    names.push(json!({ "name": input.name, "required": input.required, "description": input.description }));
                }
            }
            json!({
                "route": route.name(),
                "summary": summary,
                "issuesCredential": route.issues_credential(),
                "inputs": names,
            })
        })
        .collect();
    json!({
        "routes": routes,
        "reporterSources": [REPORTER_EMAIL, REPORTER_ACCOUNT],
        "selfServiceAttributes": SELF_SERVICE_CANDIDATES,
        "secretRecipients": ["requester", "targetManager", "assignedAgent"],
        "maxManagerChainDepth": MAX_MANAGER_CHAIN_DEPTH,
        "maxSecretLifetimeHours": MAX_SECRET_LIFETIME_HOURS,
        "maxAuditRetentionDays": MAX_AUDIT_RETENTION_DAYS,
    })
}
