//! The admin page's pickers: JSM request types and Jira fields, read from
//! Jira as the app, so an admin picks them by name instead of typing ids.
//!
//! - `jira.requestTypes` -> `{requestTypes: [{id, name, description?,
//!   serviceDeskId, projectKey, projectName}], truncated}`: every service
//!   desk (`GET /rest/servicedeskapi/servicedesk`), then each desk's
//!   request types (`GET /rest/servicedeskapi/servicedesk/{id}/requesttype`),
//!   both paged with `start`, `limit` and `isLastPage`. Scope
//!   `read:servicedesk-request`.
//!   <https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-servicedesk/>
//! - `jira.fields` -> `{fields: [{id, name, custom}]}`, sorted by name, from
//!   `GET /rest/api/3/field` (one unpaged list). Scope `read:jira-work`.
//!   <https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-fields/#api-rest-api-3-field-get>
//!
//! A Jira refusal is answered as code `jira_error` naming the status and
//! the path; nothing is cached, so the picker shows what Jira has now.

use super::ResolverError;
use crate::graph::odata::encode_component;
use crate::host::{Host, JiraAs, JiraRequest};
use crate::http::Method;
use serde_json::{json, Value};

/// Items per page asked of JSM (its maximum is 100; 50 is its default).
const PAGE_LIMIT: usize = 50;
/// Pages read per listing at most, so a huge site cannot exhaust the
/// resolver's 25 s: 20 pages of 50 is 1,000 desks or request types.
const MAX_PAGES: usize = 20;

/// `jira.requestTypes`: see the module documentation.
pub async fn request_types(host: &impl Host) -> Result<Value, ResolverError> {
    let (desks, mut truncated) = paged(host, "/rest/servicedeskapi/servicedesk").await?;
    let mut types = Vec::new();
    for desk in &desks {
        let Some(desk_id) = id_of(desk) else {
            continue;
        };
        let path = format!(
            "/rest/servicedeskapi/servicedesk/{}/requesttype",
            encode_component(&desk_id)
        );
        let (values, cut) = paged(host, &path).await?;
        truncated |= cut;
        for t in values {
            let Some(id) = id_of(&t) else {
                continue;
            };
            let mut entry = json!({
                "id": id,
                "name": t["name"].as_str().unwrap_or(&id),
                "serviceDeskId": desk_id,
                "projectKey": desk["projectKey"],
                "projectName": desk["projectName"],
            });
            if let Some(description) = t["description"].as_str().filter(|d| !d.is_empty()) {
                entry["description"] = json!(description);
            }
            types.push(entry);
        }
    }
    Ok(json!({ "requestTypes": types, "truncated": truncated }))
}

/// `jira.fields`: see the module documentation.
pub async fn fields(host: &impl Host) -> Result<Value, ResolverError> {
    let body = get(host, "/rest/api/3/field").await?;
    let mut fields: Vec<Value> = body
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|f| {
                    let id = f["id"].as_str()?;
                    Some(json!({
                        "id": id,
                        "name": f["name"].as_str().unwrap_or(id),
                        "custom": f["custom"].as_bool().unwrap_or(false),
                    }))
                })
                .collect()
        })
        .unwrap_or_default();
    fields.sort_by_cached_key(|f| f["name"].as_str().unwrap_or_default().to_lowercase());
    Ok(json!({ "fields": fields }))
}

/// Every `values` entry of a JSM paged list, and whether [`MAX_PAGES`]
/// cut it short.
async fn paged(host: &impl Host, path: &str) -> Result<(Vec<Value>, bool), ResolverError> {
    let mut values = Vec::new();
    let mut start = 0usize;
    for _ in 0..MAX_PAGES {
        let page = get(host, &format!("{path}?start={start}&limit={PAGE_LIMIT}")).await?;
        let items = page["values"].as_array().cloned().unwrap_or_default();
        let count = items.len();
        values.extend(items);
        // An empty page ends the list even if `isLastPage` is missing.
        if page["isLastPage"].as_bool().unwrap_or(true) || count == 0 {
            return Ok((values, false));
        }
        start += count;
    }
    Ok((values, true))
}

async fn get(host: &impl Host, path: &str) -> Result<Value, ResolverError> {
    let response = host
        .jira(JiraRequest {
            method: Method::Get,
            path: path.to_string(),
            body: None,
            as_who: JiraAs::App,
        })
        .await
        .map_err(|e| super::internal(host, &format!("jira {path}: {e}")))?;
    let refused = |message: String| ResolverError::Operation {
        code: "jira_error".to_string(),
        message,
        field: None,
        detail: Value::Null,
    };
    if response.status != 200 {
        return Err(refused(format!(
            "Jira answered HTTP {} to GET {}.",
            response.status,
            path.split('?').next().unwrap_or(path)
        )));
    }
    serde_json::from_str(&response.body)
        .map_err(|e| refused(format!("Jira's answer to GET {path} is not JSON: {e}")))
}

/// JSM ids are numbers, sent as strings or numbers.
fn id_of(value: &Value) -> Option<String> {
    match &value["id"] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
