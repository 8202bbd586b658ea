//! One item of a job: a Service API call without the envelope's transport
//! concerns. Every item is validated when the job is submitted, so a typo in
//! item 417 is refused before item 1 changes anything.

use crate::pipeline::call::{IdempotencyKey, IssueKey, OperationCall};
use crate::pipeline::error::ApiError;
use crate::pipeline::input::{printable, wrong_type};
use crate::pipeline::parse::parse;
use crate::route::Route;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const ITEM_FIELDS: &[&str] = &["route", "data", "idempotencyKey", "issueKey"];

/// One validated item, as stored in its chunk:
/// `{"route", "data", "idempotencyKey"?, "issueKey"?}`. Items never run as
/// a dry run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobItem {
    /// The operation to run.
    pub route: Route,
    /// The route's `data`, as for a single call.
    pub data: Map<String, Value>,
    /// The item's own idempotency key, if it gave one (already checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The JSM request the item belongs to, e.g. `HR-12` (already checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_key: Option<String>,
}

impl JobItem {
    /// The call the consumer runs. Without a key of its own, the item's key
    /// is the job id and its index: a redelivered event is the same call.
    pub fn to_call(&self, job_id: &str, index: usize) -> Result<OperationCall, ApiError> {
        let key = match &self.idempotency_key {
            Some(own) => own.clone(),
            None => format!("job-{job_id}-{index}"),
        };
        Ok(OperationCall {
            route: self.route,
            data: self.data.clone(),
            idempotency_key: Some(IdempotencyKey::parse("idempotencyKey", &key)?),
            issue_key: match &self.issue_key {
                Some(issue) => Some(IssueKey::parse("issueKey", issue)?),
                None => None,
            },
            dry_run: false,
        })
    }
}

/// Parses and validates `data.calls`: 1 to [`super::MAX_ITEMS`] items, each
/// a known operation route with data its parser accepts. Errors name the
/// item, e.g. `data.calls[3].data.user`.
pub fn parse_calls(data: &Map<String, Value>) -> Result<Vec<JobItem>, ApiError> {
    if let Some(unknown) = data.keys().find(|k| k.as_str() != "calls") {
        return Err(ApiError::invalid(
            format!("data.{unknown}"),
            format!(
                "Unknown field 'data.{}'. jobs.submit takes only 'data.calls'.",
                printable(unknown)
            ),
        ));
    }
    let calls = match data.get("calls") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid("data.calls", "'data.calls' is required."))
        }
        Some(Value::Array(calls)) => calls,
        Some(other) => return Err(wrong_type("data.calls", "an array", other)),
    };
    if calls.is_empty() || calls.len() > super::MAX_ITEMS {
        return Err(ApiError::invalid(
            "data.calls",
            format!(
                "'data.calls' must hold 1 to {} calls; it holds {}.",
                super::MAX_ITEMS,
                calls.len()
            ),
        ));
    }
    calls
        .iter()
        .enumerate()
        .map(|(index, call)| parse_item(&format!("data.calls[{index}]"), call))
        .collect()
}

fn parse_item(at: &str, value: &Value) -> Result<JobItem, ApiError> {
    let Value::Object(object) = value else {
        return Err(wrong_type(at, "an object", value));
    };
    if let Some(unknown) = object.keys().find(|k| !ITEM_FIELDS.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            format!("{at}.{unknown}"),
            format!(
                "Unknown field '{at}.{}'. Allowed fields: {}.",
                printable(unknown),
                ITEM_FIELDS.join(", ")
            ),
        ));
    }
    let field = |name: &str| format!("{at}.{name}");
    let route = match object.get("route") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid(
                field("route"),
                format!("'{}' is required.", field("route")),
            ))
        }
        Some(Value::String(name)) => Route::parse(name).ok_or_else(|| {
            ApiError::invalid(
                field("route"),
                format!(
                    "Unknown route '{}' in '{}': a job holds operation routes such as user.create.",
                    printable(name),
                    field("route")
                ),
            )
        })?,
        Some(other) => return Err(wrong_type(&field("route"), "a string", other)),
    };
    let data = match object.get("data") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(other) => return Err(wrong_type(&field("data"), "an object", other)),
    };
    let idempotency_key = match object.get("idempotencyKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            IdempotencyKey::parse(&field("idempotencyKey"), s)?
                .as_str()
                .to_string(),
        ),
        Some(other) => return Err(wrong_type(&field("idempotencyKey"), "a string", other)),
    };
    let issue_key = match object.get("issueKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            Some(IssueKey::parse(&field("issueKey"), s)?.as_str().to_string())
        }
        Some(other) => return Err(wrong_type(&field("issueKey"), "a string", other)),
    };
    let item = JobItem {
        route,
        data,
        idempotency_key,
        issue_key,
    };
    // The operation's own parser, so an item is refused for exactly what the
    // route would refuse; its field path is moved under the item's.
    let probe = item.to_call("validation", 0)?;
    parse(&probe).map_err(|error| match error {
        ApiError::InvalidInput { field: f, message } => ApiError::InvalidInput {
            field: Some(match f {
                Some(inner) if inner.starts_with("data.") => format!("{at}.{inner}"),
                Some(inner) => format!("{at}.data.{inner}"),
                None => at.to_string(),
            }),
            message: format!("{at}: {message}"),
        },
        other => other,
    })?;
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn field(result: Result<Vec<JobItem>, ApiError>) -> String {
        match result {
            Err(ApiError::InvalidInput { field: Some(f), .. }) => f,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_valid_items() {
        let items = parse_calls(&data(json!({"calls": [
            {"route": "user.disable", "data": {"user": "a@contoso.example"}},
            {"route": "user.create", "data": {"givenName": "A", "surname": "B"}, "issueKey": "HR-1", "idempotencyKey": "HR-1-hire"},
        ]})))
        .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].route, Route::UserCreate);
        let call = items[0].to_call("JOB", 0).unwrap();
        assert_eq!(call.idempotency_key.unwrap().as_str(), "job-JOB-0");
        let own = items[1].to_call("JOB", 1).unwrap();
        assert_eq!(own.idempotency_key.unwrap().as_str(), "HR-1-hire");
    }

    #[test]
    fn names_the_item_and_field_at_fault() {
        assert_eq!(field(parse_calls(&data(json!({})))), "data.calls");
        assert_eq!(
            field(parse_calls(&data(json!({"calls": []})))),
            "data.calls"
        );
        assert_eq!(
            field(parse_calls(&data(json!({"calls": {}})))),
            "data.calls"
        );
        assert_eq!(
            field(parse_calls(&data(json!({"calls": [], "x": 1})))),
            "data.x"
        );
        let many: Vec<Value> = (0..501)
            .map(|_| json!({"route": "user.get", "data": {"user": "a@b.c"}}))
            .collect();
        assert_eq!(
            field(parse_calls(&data(json!({ "calls": many })))),
            "data.calls"
        );
        let ok = json!({"route": "user.get", "data": {"user": "a@contoso.example"}});
        for (bad, expected) in [
            (json!(5), "data.calls[1]"),
            (json!({"route": "jobs.submit"}), "data.calls[1].route"),
            (json!({"route": "user.get"}), "data.calls[1].data.user"),
            (
                json!({"route": "user.get", "data": {"user": "a@contoso.example"}, "dryRun": true}),
                "data.calls[1].dryRun",
            ),
            (
                json!({"route": "user.get", "data": {"user": "a@contoso.example"}, "issueKey": "x"}),
                "data.calls[1].issueKey",
            ),
            (
                json!({"route": "user.create", "data": {"givenName": "A"}}),
                "data.calls[1].data.surname",
            ),
        ] {
            let calls = json!({"calls": [ok.clone(), bad.clone()]});
            assert_eq!(field(parse_calls(&data(calls))), expected, "{bad}");
        }
    }
}
