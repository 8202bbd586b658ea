//! JSON batching (`POST /v1.0/$batch`): up to 20 items, `dependsOn` with 424 for
//! dependants of failures, per-item throttling, each item authorized and logged
//! on its own. Graph promises no order among independent items
//! (<https://learn.microsoft.com/en-us/graph/json-batching#sequencing-requests-with-the-dependson-property>),
//! so the emulator runs them out of request order ([`run_order`]: the latest
//! ready item first) and answers in the order it ran them: a caller that
//! needs an order has to say so with `dependsOn`.
//!
//! Graph also refuses a batch that mixes independent items with dependent
//! ones: a batch "should be either fully sequential or fully parallel"
//! (Microsoft's answer on Q&A,
//! <https://learn.microsoft.com/en-us/answers/questions/1532547/regarding-batching-response-order>;
//! the Graph SDKs check the same rule before sending, citing the JSON
//! batching known issue,
//! <https://developer.microsoft.com/en-us/graph/docs/concepts/known_issues#json-batching>).
//! [`check_sequencing`] answers such a batch 400 `BadRequest` before any
//! item runs.

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{json, Map, Value};

use crate::clock;
use crate::dispatch::{batch_base_url, error_reply, execute, is_eventual, Ids, State};
use crate::errors::GraphError;
use crate::graph::{self, Call, Reply};
use crate::log::{loggable_body, LoggedRequest, RequestKind};
use crate::odata::QueryParams;
use crate::token::Claims;

const MAX_ITEMS: usize = 20;

struct Item {
    id: String,
    method: Method,
    url: String,
    headers: HeaderMap,
    body: Vec<u8>,
    depends_on: Vec<String>,
}

fn invalid(message: impl Into<String>) -> GraphError {
    GraphError::bad_request("BadRequest", message)
}

fn parse_items(body: &[u8]) -> Result<Vec<Item>, GraphError> {
    let root: Value = serde_json::from_slice(body).map_err(|_| GraphError::invalid_json())?;
    let requests = root
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            invalid("Invalid batch payload format: the 'requests' array is required.")
        })?;
    if requests.is_empty() {
        return Err(invalid(
            "Invalid batch payload format: the 'requests' array is empty.",
        ));
    }
    if requests.len() > MAX_ITEMS {
        return Err(invalid(format!(
            "Invalid batch payload format: the number of requests ({}) exceeds the limit of {MAX_ITEMS}.",
            requests.len()
        )));
    }
    let mut items: Vec<Item> = Vec::new();
    for request in requests {
        let text = |k: &str| request.get(k).and_then(Value::as_str).map(str::to_string);
        let id = match request.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(invalid(
                    "Invalid batch payload format: every request needs an 'id'.",
                ))
            }
        };
        if items.iter().any(|i| i.id == id) {
            return Err(invalid(format!(
                "Invalid batch payload format: request id '{id}' is used more than once."
            )));
        }
        let method = text("method")
            .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
            .ok_or_else(|| {
                invalid(format!(
                    "Invalid batch payload format: request '{id}' needs a 'method'."
                ))
            })?;
        let url = text("url").ok_or_else(|| {
            invalid(format!(
                "Invalid batch payload format: request '{id}' needs a 'url'."
            ))
        })?;
        let mut headers = HeaderMap::new();
        if let Some(h) = request.get("headers").and_then(Value::as_object) {
            for (k, v) in h {
                if let (Ok(name), Some(Ok(value))) = (
                    HeaderName::from_bytes(k.as_bytes()),
                    v.as_str().map(HeaderValue::from_str),
                ) {
                    headers.insert(name, value);
                }
            }
        }
        let body = match request.get("body") {
            None | Some(Value::Null) => Vec::new(),
            Some(b) => serde_json::to_vec(b).unwrap_or_default(),
        };
        let depends_on: Vec<String> = match request.get("dependsOn") {
            None => Vec::new(),
            Some(Value::Array(deps)) => deps
                .iter()
                .filter_map(|d| d.as_str().map(str::to_string))
                .collect(),
            Some(_) => {
                return Err(invalid(format!(
                    "Invalid batch payload format: 'dependsOn' of request '{id}' must be an array."
                )))
            }
        };
        for dep in &depends_on {
            if !items.iter().any(|i| &i.id == dep) {
                return Err(invalid(format!(
                    "Invalid batch payload format: request '{id}' depends on '{dep}', which is not an earlier request in the batch."
                )));
            }
        }
        items.push(Item {
            id,
            method,
            url,
            headers,
            body,
            depends_on,
        });
    }
    check_sequencing(&items)?;
    Ok(items)
}

/// Graph's message for a batch that mixes independent and dependent items.
const MIXED_SEQUENCING: &str = "Batch should be either fully sequential or fully parallel";

/// A batch is fully parallel (no item has `dependsOn`) or fully sequential
/// (every item after the first depends on earlier ones; `parse_items` has
/// already checked they are earlier). Anything else is refused whole.
fn check_sequencing(items: &[Item]) -> Result<(), GraphError> {
    let parallel = items.iter().all(|i| i.depends_on.is_empty());
    let sequential = items.iter().skip(1).all(|i| !i.depends_on.is_empty());
    if parallel || sequential {
        Ok(())
    } else {
        Err(invalid(MIXED_SEQUENCING))
    }
}

fn item_headers(reply: &Reply) -> Value {
    let mut headers = Map::new();
    if reply.body.is_some() {
        headers.insert("Content-Type".into(), json!("application/json"));
    }
    for (k, v) in &reply.headers {
        headers.insert(k.clone(), json!(v));
    }
    Value::Object(headers)
}

pub(crate) fn run(
    state: &mut State,
    claims: &Claims,
    body: &[u8],
    outer_headers: &HeaderMap,
    outer_uri: &http::Uri,
    parent_seq: u64,
    outer_ids: &Ids,
) -> Reply {
    let now_ms = state.clock.now_ms();
    let items = match parse_items(body) {
        Ok(items) => items,
        Err(e) => return error_reply(&e, now_ms, outer_ids),
    };
    let base_url = batch_base_url(outer_headers, outer_uri);
    let mut statuses: Vec<(String, u16)> = Vec::new();
    let mut responses: Vec<Value> = Vec::new();
    for item in run_order(&items).into_iter().map(|i| &items[i]) {
        let ids = Ids {
            request_id: uuid::Uuid::new_v4().to_string(),
            client_request_id: item
                .headers
                .get("client-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        };
        let relative = if item.url.starts_with('/') {
            item.url.clone()
        } else {
            format!("/{}", item.url)
        };
        let (path_part, query) = match relative.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (relative.clone(), None),
        };
        let logged_path = format!("/v1.0{path_part}");
        let seq = state.log.reserve_seq();
        let failed_dependency = item.depends_on.iter().any(|d| {
            statuses
                .iter()
                .any(|(id, status)| id == d && !(200..300).contains(status))
        });
        let reply = if failed_dependency {
            error_reply(&GraphError::FailedDependency, now_ms, &ids)
        } else if item.url.contains("://") {
            error_reply(
                &invalid("Batch request urls must be relative, such as '/users'."),
                now_ms,
                &ids,
            )
        } else {
            let call = Call {
                method: item.method.clone(),
                segments: graph::segments_of(&path_part),
                path: logged_path.clone(),
                params: QueryParams::parse(query.as_deref()),
                body: &item.body,
                eventual: is_eventual(&item.headers),
                base_url: base_url.clone(),
                claims,
                now_ms,
                replication_delay_ms: state.faults.faults.replication_delay_ms,
                max_page_size: crate::dispatch::max_page_size(&item.headers),
            };
            execute(state, &call, &ids)
        };
        state.log.push(LoggedRequest {
            seq,
            kind: RequestKind::BatchItem,
            method: item.method.to_string(),
            path: logged_path,
            query,
            body: loggable_body(&item.body, false),
            status: reply.status,
            batch_parent_seq: Some(parent_seq),
            timestamp: clock::iso(now_ms),
            client_request_id: ids.client_request_id.clone(),
            request_id: ids.request_id.clone(),
        });
        statuses.push((item.id.clone(), reply.status));
        let mut response = Map::new();
        response.insert("id".into(), json!(item.id));
        response.insert("status".into(), json!(reply.status));
        response.insert("headers".into(), item_headers(&reply));
        if let Some(body) = reply.body {
            response.insert("body".into(), body);
        }
        responses.push(Value::Object(response));
    }
    Reply::json(200, json!({ "responses": responses }))
}

/// The order items run in: each time, the last item (in request order) whose
/// dependencies have all run. Independent items thus run in reverse, and an
/// item never runs before one it depends on (`parse_items` only accepts
/// dependencies on earlier items, so every item becomes ready).
fn run_order(items: &[Item]) -> Vec<usize> {
    let mut done: Vec<usize> = Vec::with_capacity(items.len());
    while done.len() < items.len() {
        let ready = (0..items.len()).rev().find(|i| {
            !done.contains(i)
                && items[*i]
                    .depends_on
                    .iter()
                    .all(|d| done.iter().any(|j| &items[*j].id == d))
        });
        match ready {
            Some(i) => done.push(i),
            None => break,
        }
    }
    done
}
