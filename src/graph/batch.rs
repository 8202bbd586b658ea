//! JSON batching: up to 20 requests per `POST /$batch`, with per-item
//! retry of throttled (and replication-delayed) items.
//!
//! Graph refuses a batch that mixes independent items with items carrying
//! `dependsOn`: a batch "should be either fully sequential or fully
//! parallel" (400 `BadRequest`; Microsoft's answer on Q&A,
//! <https://learn.microsoft.com/en-us/answers/questions/1532547/regarding-batching-response-order>;
//! the Graph SDKs check the same rule before sending, citing
//! <https://developer.microsoft.com/en-us/graph/docs/concepts/known_issues#json-batching>).
//! So a chunk with any dependency inside it is sent fully sequential
//! ([`sequenced`]): each item after the first depends on the one just
//! before it, and names only that one. The chain costs no round trip,
//! but it makes Graph answer 424 to every item after a failed one, even an item whose own dependencies
//! all succeeded; such a 424 says nothing about the item, so the item is
//! re-sent in the next round ([`chained_only`]) and partial failures stay
//! reported item by item. A chunk without dependencies goes unchanged, in
//! parallel.

use crate::graph::client::GraphClient;
use crate::graph::error::{ClientError, GraphError};
use crate::graph::request::{GraphRequest, GraphResponse};
use crate::graph::retry::{is_throttle_status, retry_after_ms, Deadline, Retries};
use crate::host::Host;
use crate::http::Transport;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Graph's limit on requests per batch.
pub const MAX_BATCH: usize = 20;

/// One request of a batch. `depends_on` names ids of earlier items; Graph
/// then runs it only after they succeed (a failed dependency answers 424).
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// Item id, unique within the batch (Graph's `requests[].id`); results
    /// are matched back to items by it.
    pub id: String,
    /// The request, sent as a batch entry (`url` relative to `/v1.0`).
    pub request: GraphRequest,
    /// Ids of items that must succeed first (`dependsOn`).
    pub depends_on: Vec<String>,
}

impl BatchItem {
    /// An item with no dependencies.
    pub fn new(id: impl Into<String>, request: GraphRequest) -> Self {
        BatchItem {
            id: id.into(),
            request,
            depends_on: Vec::new(),
        }
    }

    /// Adds `id` to [`BatchItem::depends_on`]: this item runs only after
    /// that one succeeded (otherwise it answers 424 Failed Dependency).
    pub fn after(mut self, id: impl Into<String>) -> Self {
        self.depends_on.push(id.into());
        self
    }
}

/// The result of each item, in the order the items were given.
pub type BatchResults = Vec<Result<GraphResponse, ClientError>>;

enum ItemState {
    Done(Result<GraphResponse, ClientError>),
    Retry { wait_ms: u64 },
}

impl<T: Transport, H: Host> GraphClient<'_, T, H> {
    /// Runs the items in as few round trips as possible: one item is sent
    /// directly, more go in `$batch` requests of at most 20. Items answered
    /// 429/503/504 (or 404 while a just-created target replicates) are
    /// re-sent alone, together, after the longest `Retry-After`, by the
    /// same rule as a single request ([`Retries`]: rounds that finish
    /// something do not use up attempts); when the next wait would pass the
    /// deadline they come back as [`ClientError::Deferred`].
    pub async fn execute(&self, items: &[BatchItem], deadline: Deadline) -> BatchResults {
        if items.len() == 1 {
            return vec![self.send(&items[0].request, deadline).await];
        }
        let started_ms = self.host().now_ms();
        let mut results: Vec<Option<Result<GraphResponse, ClientError>>> = vec![None; items.len()];
        // Reads answered ahead of time (crate::graph::read_ahead) are not
        // sent; a change makes them all stale.
        for (index, item) in items.iter().enumerate() {
            results[index] = self.read_ahead.take(&item.request).map(Ok);
        }
        for item in items {
            self.read_ahead.forget_before(&item.request);
        }
        let mut pending: Vec<usize> = (0..items.len()).filter(|i| results[*i].is_none()).collect();
        let mut attempt = 0u32;
        let mut retries = Retries::new();
        while !pending.is_empty() {
            attempt += 1;
            let mut retry: Vec<usize> = Vec::new();
            let mut wait_ms = 0u64;
            for chunk in pending.chunks(MAX_BATCH) {
                let states = self
                    .send_chunk(items, chunk, deadline, attempt, started_ms)
                    .await;
                for (index, state) in chunk.iter().zip(states) {
                    match state {
                        ItemState::Done(r) => results[*index] = Some(r),
                        ItemState::Retry { wait_ms: w } => {
                            wait_ms = wait_ms.max(w);
                            retry.push(*index);
                        }
                    }
                }
            }
            // A 424 whose dependency is being retried is retried with it.
            for (index, item) in items.iter().enumerate() {
                let failed_dependency =
                    matches!(&results[index], Some(Err(ClientError::Graph(e))) if e.status == 424);
                let dependency_retried = item
                    .depends_on
                    .iter()
                    .any(|d| retry.iter().any(|r| &items[*r].id == d));
                if failed_dependency && dependency_retried {
                    results[index] = None;
                    retry.push(index);
                }
            }
            if retry.is_empty() {
                break;
            }
            if retry.len() < pending.len() {
                retries.progressed();
            }
            let now = self.host().now_ms();
            if !retries.may_wait(self.policy(), deadline, now, wait_ms) {
                for index in retry {
                    results[index] = Some(Err(ClientError::Deferred {
                        retry_after_ms: wait_ms,
                    }));
                }
                break;
            }
            self.host().sleep_ms(wait_ms).await;
            retry.sort_unstable();
            pending = retry;
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or(Err(ClientError::Decode {
                    what: "$batch",
                    reason: "no response for item".to_string(),
                }))
            })
            .collect()
    }

    async fn send_chunk(
        &self,
        items: &[BatchItem],
        chunk: &[usize],
        deadline: Deadline,
        attempt: u32,
        started_ms: u64,
    ) -> Vec<ItemState> {
        if chunk.len() == 1 {
            let item = &items[chunk[0]];
            return vec![ItemState::Done(self.send(&item.request, deadline).await)];
        }
        let depends_on = sequenced(items, chunk);
        let sequential = depends_on.iter().any(|d| !d.is_empty());
        let in_chunk: Vec<&str> = chunk.iter().map(|i| items[*i].id.as_str()).collect();
        let requests: Vec<Value> = chunk
            .iter()
            .zip(&depends_on)
            .map(|(i, deps)| batch_entry(&items[*i], deps, &self.settings().graph_root()))
            .collect();
        let mut outer = GraphRequest::post("/$batch", Some(json!({ "requests": requests })));
        outer.idempotent = chunk.iter().all(|i| items[*i].request.idempotent);
        let response = match self.send(&outer, deadline).await {
            Ok(r) => r,
            Err(e) => {
                return chunk
                    .iter()
                    .map(|_| ItemState::Done(Err(e.clone())))
                    .collect()
            }
        };
        let mut by_id: HashMap<String, &Value> = HashMap::new();
        if let Some(list) = response.body.get("responses").and_then(Value::as_array) {
            for r in list {
                if let Some(id) = r.get("id").and_then(Value::as_str) {
                    by_id.insert(id.to_string(), r);
                }
            }
        }
        let status_of = |id: &str| {
            by_id
                .get(id)
                .and_then(|r| r.get("status"))
                .and_then(Value::as_u64)
        };
        chunk
            .iter()
            .map(|i| {
                let item = &items[*i];
                match by_id.get(&item.id) {
                    Some(r)
                        if sequential
                            && chained_only(
                                r.get("status").and_then(Value::as_u64).unwrap_or(0),
                                &declared_in_chunk(item, &in_chunk),
                                status_of,
                            ) =>
                    {
                        ItemState::Retry { wait_ms: 0 }
                    }
                    Some(r) => self.item_state(item, r, attempt, started_ms),
                    None => ItemState::Done(Err(ClientError::Decode {
                        what: "$batch",
                        reason: format!("no response for item {}", item.id),
                    })),
                }
            })
            .collect()
    }

    fn item_state(
        &self,
        item: &BatchItem,
        response: &Value,
        attempt: u32,
        started_ms: u64,
    ) -> ItemState {
        let status = response
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(0);
        let headers = response.get("headers").and_then(Value::as_object);
        let header = |name: &str| -> Option<String> {
            headers.and_then(|h| {
                h.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v.as_str().map(str::to_string))
            })
        };
        let body = response.get("body").cloned().unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return ItemState::Done(Ok(GraphResponse {
                status,
                body,
                request_id: header("request-id"),
            }));
        }
        if is_throttle_status(status) {
            let wait_ms = header("Retry-After")
                .as_deref()
                .and_then(|v| retry_after_ms(v, self.host().now_ms()))
                .unwrap_or_else(|| self.policy().backoff_ms(attempt));
            return ItemState::Retry { wait_ms };
        }
        if status == 404
            && item.request.retry_not_found
            && self.host().now_ms().saturating_sub(started_ms) < self.policy().replication_window_ms
        {
            return ItemState::Retry {
                wait_ms: self.policy().backoff_ms(attempt),
            };
        }
        ItemState::Done(Err(ClientError::Graph(Box::new(GraphError::from_json(
            status, &body, header,
        )))))
    }
}

/// The `dependsOn` to send for each item of `chunk`, in chunk order.
/// Declared dependencies outside the chunk have already run (or are being
/// retried), so they are dropped. When any item keeps a dependency, Graph
/// wants the chunk fully sequential: every item after the first then
/// depends on the item just before it, and on that one only. The chunk is
/// in item order and declared dependencies name earlier items, so the
/// chain already makes each item wait for all of them; naming only the
/// previous id is also the one form every Microsoft example shows (the
/// json-batching page, the SDKs' sequential batches), so it holds whether
/// or not Graph accepts several ids in one `dependsOn`. The declared
/// dependencies still decide, client side, which 424s were caused by the
/// chain alone ([`chained_only`]). A chunk without dependencies stays
/// fully parallel.
fn sequenced<'a>(items: &'a [BatchItem], chunk: &[usize]) -> Vec<Vec<&'a str>> {
    let in_chunk: Vec<&'a str> = chunk.iter().map(|i| items[*i].id.as_str()).collect();
    let any_declared = chunk
        .iter()
        .any(|i| !declared_in_chunk(&items[*i], &in_chunk).is_empty());
    (0..chunk.len())
        .map(|k| match k {
            k if any_declared && k > 0 => vec![in_chunk[k - 1]],
            _ => Vec::new(),
        })
        .collect()
}

/// The item's own dependencies that are in the chunk.
fn declared_in_chunk<'a>(item: &'a BatchItem, in_chunk: &[&str]) -> Vec<&'a str> {
    item.depends_on
        .iter()
        .map(String::as_str)
        .filter(|d| in_chunk.contains(d))
        .collect()
}

/// Whether a 424 (`status`) in a chunk sent fully sequential was caused
/// only by the chaining of [`sequenced`]: the item's `declared`
/// dependencies in the chunk all succeeded (`status_of` gives each item's
/// status in the same response), so it failed because an item it never
/// asked to wait for did. A 424 whose declared dependency really failed is
/// the item's own answer and stays.
fn chained_only(status: u64, declared: &[&str], status_of: impl Fn(&str) -> Option<u64>) -> bool {
    status == 424
        && declared
            .iter()
            .all(|d| status_of(d).is_some_and(|s| (200..300).contains(&s)))
}

/// One entry of the `requests` array, with `depends_on` as [`sequenced`]
/// chose it (omitted when empty).
fn batch_entry(item: &BatchItem, depends_on: &[&str], graph_root: &str) -> Value {
    let mut entry = Map::new();
    entry.insert("id".into(), json!(item.id));
    entry.insert("method".into(), json!(item.request.method.as_str()));
    let url = item
        .request
        .path
        .strip_prefix(graph_root)
        .unwrap_or(&item.request.path);
    entry.insert("url".into(), json!(url));
    let mut headers = Map::new();
    for (k, v) in &item.request.headers {
        headers.insert(k.clone(), json!(v));
    }
    if let Some(body) = &item.request.body {
        headers.insert("Content-Type".into(), json!("application/json"));
        entry.insert("body".into(), body.clone());
    }
    if !headers.is_empty() {
        entry.insert("headers".into(), Value::Object(headers));
    }
    if !depends_on.is_empty() {
        entry.insert("dependsOn".into(), json!(depends_on));
    }
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(id: &str) -> BatchItem {
        BatchItem::new(id, GraphRequest::get(format!("/users/{id}")))
    }

    #[test]
    fn entry_shape() {
        let item = BatchItem::new(
            "2",
            GraphRequest::put("/users/u/manager/$ref", json!({"@odata.id": "x"})),
        );
        let e = batch_entry(&item, &["1"], "https://graph.microsoft.com/v1.0");
        assert_eq!(e["method"], "PUT");
        assert_eq!(e["url"], "/users/u/manager/$ref");
        assert_eq!(e["dependsOn"], json!(["1"]));
        assert_eq!(e["headers"]["Content-Type"], "application/json");
        assert!(batch_entry(&item, &[], "").get("dependsOn").is_none());
    }

    #[test]
    fn a_chunk_without_dependencies_stays_fully_parallel() {
        let items = vec![read("a"), read("b"), read("c")];
        let deps = sequenced(&items, &[0, 1, 2]);
        assert!(deps.iter().all(Vec::is_empty));
    }

    #[test]
    fn a_chunk_with_a_dependency_is_sent_fully_sequential() {
        // Reads and a write that waits for the second read: Graph refuses the
        // mix, so every item after the first also waits for the one before.
        let items = vec![
            read("manager"),
            read("name"),
            read("taken"),
            read("create").after("name"),
            read("later").after("manager").after("outside"),
        ];
        let deps = sequenced(&items, &[0, 1, 2, 3, 4]);
        assert_eq!(
            deps,
            vec![
                vec![],
                vec!["manager"],
                vec!["name"],
                vec!["taken"],
                vec!["create"],
            ]
        );
        // A declared dependency that is also the one just before is named once.
        let items = vec![read("a"), read("b").after("a")];
        assert_eq!(sequenced(&items, &[0, 1]), vec![vec![], vec!["a"]]);
        // In a later round only the chunk's items count.
        let items = vec![read("a"), read("b"), read("c").after("a")];
        assert_eq!(sequenced(&items, &[1, 2]), vec![Vec::<&str>::new(), vec![]]);
    }

    #[test]
    fn a_424_is_chained_only_when_every_declared_dependency_succeeded() {
        let statuses = |id: &str| match id {
            "ok" => Some(200),
            "created" => Some(201),
            "failed" => Some(404),
            "waited" => Some(424),
            _ => None,
        };
        assert!(chained_only(424, &[], statuses));
        assert!(chained_only(424, &["ok", "created"], statuses));
        assert!(!chained_only(424, &["ok", "failed"], statuses));
        assert!(!chained_only(424, &["waited"], statuses));
        assert!(!chained_only(424, &["unanswered"], statuses));
        assert!(!chained_only(404, &[], statuses));
        assert!(!chained_only(200, &[], statuses));
    }
}
