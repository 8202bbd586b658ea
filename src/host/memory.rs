//! An in-memory [`Host`] for native tests and tools: KVS, the Custom
//! Entity Store, secrets and a virtual clock in memory, log lines
//! captured, Jira answered by a closure, queue pushes recorded.
//!
//! Storage behaves as Forge documents it, so code proven here works there:
//! - keys written must match Forge's key rule ([`crate::layout::is_valid_key`]);
//!   reads, deletes and queries accept any key (data an older version
//!   wrote can be read back and moved, see [`MemoryHost::seed_kvs`]);
//! - entities must be declared in [`crate::layout::ENTITIES`] and their
//!   attributes of the declared type (`integer` 32-bit, `float` a number,
//!   `string` a string);
//! - key queries answer in ascending key order; entity queries in the
//!   index's range order, then key order; a cursor is the position after
//!   the page's last result, so an insert between pages is neither
//!   repeated nor (if it sorts later) missed;
//! - a transaction checks every condition and key before writing, then
//!   writes all of it: nothing partial is ever visible.
//!
//! With [`MemoryHost::interleaving`] every storage call first yields once
//! to the executor, so tasks joined on one thread interleave between any
//! two storage calls, as concurrent invocations do on Forge.

use super::storage::{compare, Condition, EntityQuery, Entry, KeyQuery, Page, Sort, TxOp};
use super::{Host, HostError, JiraRequest, LogLevel};
use crate::http::HttpResponse;
use crate::layout::{self, AttributeType};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

type JiraHandler = Box<dyn Fn(&JiraRequest) -> HttpResponse>;

/// A [`Host`] whose state lives in memory. Single-threaded (`Cell` and
/// `RefCell` inside), like the runtimes the core runs on.
pub struct MemoryHost {
    clock_ms: Cell<u64>,
    kvs: RefCell<BTreeMap<String, Value>>,
    entities: RefCell<BTreeMap<(String, String), Value>>,
    interleave: Cell<bool>,
    storage_calls: Cell<usize>,
    secrets: RefCell<BTreeMap<String, String>>,
    logs: RefCell<Vec<(LogLevel, String)>>,
    jira_calls: RefCell<Vec<JiraRequest>>,
    queue_pushes: RefCell<Vec<(String, Vec<Value>)>>,
    jira: JiraHandler,
}

impl Default for MemoryHost {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryHost {
    /// A host whose clock starts at 2026-01-01T00:00:00Z and whose Jira
    /// answers 404 to everything.
    pub fn new() -> Self {
        MemoryHost {
            clock_ms: Cell::new(1_767_225_600_000),
            kvs: RefCell::default(),
            entities: RefCell::default(),
            interleave: Cell::new(false),
            storage_calls: Cell::new(0),
            secrets: RefCell::default(),
            logs: RefCell::default(),
            jira_calls: RefCell::default(),
            queue_pushes: RefCell::default(),
            jira: Box::new(|_| HttpResponse {
                status: 404,
                headers: Vec::new(),
                body: String::new(),
            }),
        }
    }

    /// Answers every Jira call with `handler` (calls are still recorded; see
    /// [`MemoryHost::jira_calls`]).
    pub fn with_jira(mut self, handler: impl Fn(&JiraRequest) -> HttpResponse + 'static) -> Self {
        self.jira = Box::new(handler);
        self
    }

    /// Moves the virtual clock forward by `ms` milliseconds.
    /// [`Host::sleep_ms`] does the same instead of waiting.
    pub fn advance(&self, ms: u64) {
        self.clock_ms.set(self.clock_ms.get() + ms);
    }

    /// Every log line so far, in order.
    pub fn logs(&self) -> Vec<(LogLevel, String)> {
        self.logs.borrow().clone()
    }

    /// A copy of the KVS, key -> value, with every entity too, under
    /// `entity {name} {key}` (a space cannot start an app key, so the two
    /// never collide): what tests search for values that must not be
    /// stored.
    pub fn kvs_snapshot(&self) -> BTreeMap<String, Value> {
        let mut all = self.kvs.borrow().clone();
        for ((entity, key), value) in self.entities.borrow().iter() {
            all.insert(format!("entity {entity} {key}"), value.clone());
        }
        all
    }

    /// A copy of the plain KVS only, key -> value.
    pub fn kvs_keys_snapshot(&self) -> BTreeMap<String, Value> {
        self.kvs.borrow().clone()
    }

    /// A copy of one entity's store, key -> value.
    pub fn entity_snapshot(&self, entity: &str) -> BTreeMap<String, Value> {
        self.entities
            .borrow()
            .iter()
            .filter(|((name, _), _)| name == entity)
            .map(|((_, key), value)| (key.clone(), value.clone()))
            .collect()
    }

    /// Writes a KVS value without Forge's key rule: data as an older
    /// version of the app stored it (for migration tests).
    pub fn seed_kvs(&self, key: &str, value: Value) {
        self.kvs.borrow_mut().insert(key.to_string(), value);
    }

    /// Writes a secret without going through [`Host::secret_set`]: secrets
    /// as an older version of the app stored them (for migration tests).
    pub fn secrets_insert(&self, key: &str, value: &str) {
        self.secrets
            .borrow_mut()
            .insert(key.to_string(), value.to_string());
    }

    /// Makes every storage call yield to the executor once before it runs,
    /// so joined tasks interleave between storage calls.
    pub fn interleaving(self, on: bool) -> Self {
        self.interleave.set(on);
        self
    }

    /// Storage calls (KVS and entity reads, writes, queries, transactions)
    /// made so far.
    pub fn storage_calls(&self) -> usize {
        self.storage_calls.get()
    }

    async fn storage_call(&self) {
        self.storage_calls.set(self.storage_calls.get() + 1);
        if self.interleave.get() {
            YieldOnce(false).await;
        }
    }

    /// A copy of secret storage, key -> value (tests use it to prove what
    /// is, and is not, stored).
    pub fn secrets_snapshot(&self) -> BTreeMap<String, String> {
        self.secrets.borrow().clone()
    }

    /// Every Jira call so far, in order.
    pub fn jira_calls(&self) -> Vec<JiraRequest> {
        self.jira_calls.borrow().clone()
    }

    /// Every queue push, in order: the queue key and its events.
    pub fn queue_pushes(&self) -> Vec<(String, Vec<Value>)> {
        self.queue_pushes.borrow().clone()
    }
}

impl Host for MemoryHost {
    fn now_ms(&self) -> u64 {
        self.clock_ms.get()
    }

    async fn sleep_ms(&self, ms: u64) {
        self.advance(ms);
    }

    fn log(&self, level: LogLevel, message: &str) {
        self.logs.borrow_mut().push((level, message.to_string()));
    }

    async fn kvs_get(&self, key: &str) -> Result<Option<Value>, HostError> {
        self.storage_call().await;
        Ok(self.kvs.borrow().get(key).cloned())
    }

    async fn kvs_set(&self, key: &str, value: &Value) -> Result<(), HostError> {
        self.storage_call().await;
        check_key("set", key)?;
        self.kvs.borrow_mut().insert(key.to_string(), value.clone());
        Ok(())
    }

    async fn kvs_delete(&self, key: &str) -> Result<(), HostError> {
        self.storage_call().await;
        self.kvs.borrow_mut().remove(key);
        Ok(())
    }

    async fn kvs_query(&self, query: &KeyQuery) -> Result<Page, HostError> {
        self.storage_call().await;
        let limit = check_limit("query", &query.begins_with, query.limit)?;
        let kvs = self.kvs.borrow();
        let after = query.cursor.clone();
        let mut matching = kvs
            .range(query.begins_with.clone()..)
            .take_while(|(k, _)| k.starts_with(&query.begins_with))
            .filter(|(k, _)| after.as_ref().is_none_or(|c| *k > c));
        let results: Vec<Entry> = matching
            .by_ref()
            .take(limit)
            .map(|(key, value)| Entry {
                key: key.clone(),
                value: value.clone(),
            })
            .collect();
        let more = matching.next().is_some();
        Ok(Page {
            next_cursor: more
                .then(|| results.last().map(|e| e.key.clone()))
                .flatten(),
            results,
        })
    }

    async fn kvs_transact(&self, ops: &[TxOp]) -> Result<(), HostError> {
        self.storage_call().await;
        let first = ops
            .first()
            .map(|op| op.key().to_string())
            .unwrap_or_default();
        let refuse = |reason: String| HostError::Storage {
            operation: "transact",
            key: first.clone(),
            reason,
        };
        if ops.is_empty() || ops.len() > super::storage::MAX_TRANSACTION_OPS {
            return Err(refuse(format!(
                "a transaction takes 1 to {} operations, not {}",
                super::storage::MAX_TRANSACTION_OPS,
                ops.len()
            )));
        }
        let mut seen = BTreeSet::new();
        for op in ops {
            let (key, entity, conditions) = match op {
                TxOp::Set {
                    key,
                    value,
                    entity,
                    conditions,
                } => {
                    check_key("transact", key)?;
                    if let Some(entity) = entity {
                        check_entity_value(entity, key, value)?;
                    }
                    (key, entity.as_deref(), conditions)
                }
                TxOp::Delete {
                    key,
                    entity,
                    conditions,
                } => (key, entity.as_deref(), conditions),
                TxOp::Check {
                    key,
                    entity,
                    conditions,
                } => (key, Some(entity.as_str()), conditions),
            };
            if !seen.insert((entity.map(str::to_string), key.clone())) {
                return Err(refuse(format!("key '{key}' appears twice")));
            }
            if !conditions.is_empty() {
                let Some(entity) = entity else {
                    return Err(refuse("conditions apply to entities only".into()));
                };
                let entities = self.entities.borrow();
                let stored = entities.get(&(entity.to_string(), key.clone()));
                if let Some(failed) = conditions.iter().find(|c| !c.holds(stored)) {
                    return Err(refuse(format!(
                        "condition {} failed on '{key}'",
                        Condition::to_json(failed)
                    )));
                }
            }
        }
        let mut kvs = self.kvs.borrow_mut();
        let mut entities = self.entities.borrow_mut();
        for op in ops {
            match op {
                TxOp::Set {
                    key, value, entity, ..
                } => match entity {
                    Some(entity) => {
                        entities.insert((entity.clone(), key.clone()), value.clone());
                    }
                    None => {
                        kvs.insert(key.clone(), value.clone());
                    }
                },
                TxOp::Delete { key, entity, .. } => match entity {
                    Some(entity) => {
                        entities.remove(&(entity.clone(), key.clone()));
                    }
                    None => {
                        kvs.remove(key);
                    }
                },
                TxOp::Check { .. } => {}
            }
        }
        Ok(())
    }

    async fn entity_get(&self, entity: &str, key: &str) -> Result<Option<Value>, HostError> {
        self.storage_call().await;
        declared("entity get", entity, key)?;
        Ok(self
            .entities
            .borrow()
            .get(&(entity.to_string(), key.to_string()))
            .cloned())
    }

    async fn entity_set(&self, entity: &str, key: &str, value: &Value) -> Result<(), HostError> {
        self.storage_call().await;
        check_key("entity set", key)?;
        check_entity_value(entity, key, value)?;
        self.entities
            .borrow_mut()
            .insert((entity.to_string(), key.to_string()), value.clone());
        Ok(())
    }

    async fn entity_delete(&self, entity: &str, key: &str) -> Result<(), HostError> {
        self.storage_call().await;
        declared("entity delete", entity, key)?;
        self.entities
            .borrow_mut()
            .remove(&(entity.to_string(), key.to_string()));
        Ok(())
    }

    async fn entity_query(&self, query: &EntityQuery) -> Result<Page, HostError> {
        self.storage_call().await;
        let what = format!("{} {}", query.entity_name, query.index_name);
        let refuse = |reason: String| HostError::Storage {
            operation: "entity query",
            key: what.clone(),
            reason,
        };
        let limit = check_limit("entity query", &what, query.limit)?;
        let decl = declared("entity query", &query.entity_name, "")?;
        let index = decl
            .index(&query.index_name)
            .ok_or_else(|| refuse("no such index".into()))?;
        if index.partition.len() != query.partition.len() {
            return Err(refuse(format!(
                "the index's partition takes {} values, not {}",
                index.partition.len(),
                query.partition.len()
            )));
        }
        let entities = self.entities.borrow();
        let mut rows: Vec<(Value, &String, &Value)> = entities
            .iter()
            .filter(|((name, _), _)| *name == query.entity_name)
            .filter_map(|((_, key), value)| {
                let in_partition =
                    index
                        .partition
                        .iter()
                        .zip(&query.partition)
                        .all(|(attribute, wanted)| {
                            value.get(*attribute).is_some_and(|v| {
                                compare(v, wanted) == Some(std::cmp::Ordering::Equal)
                            })
                        });
                let range = value.get(index.range).filter(|v| !v.is_null())?;
                (in_partition && query.range.as_ref().is_none_or(|r| r.admits(range)))
                    .then(|| (range.clone(), key, value))
            })
            .collect();
        rows.sort_by(|a, b| {
            compare(&a.0, &b.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.1.cmp(b.1))
        });
        if query.sort == Sort::Desc {
            rows.reverse();
        }
        let start = match &query.cursor {
            None => 0,
            Some(cursor) => {
                let (at, key): (Value, String) = serde_json::from_str(cursor)
                    .map_err(|e| refuse(format!("invalid cursor: {e}")))?;
                rows.iter()
                    .position(|(range, k, _)| {
                        let order = compare(range, &at)
                            .unwrap_or(std::cmp::Ordering::Equal)
                            .then_with(|| k.as_str().cmp(key.as_str()));
                        match query.sort {
                            Sort::Asc => order == std::cmp::Ordering::Greater,
                            Sort::Desc => order == std::cmp::Ordering::Less,
                        }
                    })
                    .unwrap_or(rows.len())
            }
        };
        let page: Vec<&(Value, &String, &Value)> = rows[start..].iter().take(limit).collect();
        let more = rows.len() > start + page.len();
        Ok(Page {
            next_cursor: more
                .then(|| page.last().map(|(at, key, _)| json_cursor(at, key)))
                .flatten(),
            results: page
                .into_iter()
                .map(|(_, key, value)| Entry {
                    key: (*key).clone(),
                    value: (*value).clone(),
                })
                .collect(),
        })
    }

    async fn secret_get(&self, key: &str) -> Result<Option<String>, HostError> {
        Ok(self.secrets.borrow().get(key).cloned())
    }

    async fn secret_set(&self, key: &str, value: &str) -> Result<(), HostError> {
        self.secrets
            .borrow_mut()
            .insert(key.to_string(), value.to_string());
        Ok(())
    }

    async fn secret_delete(&self, key: &str) -> Result<(), HostError> {
        self.secrets.borrow_mut().remove(key);
        Ok(())
    }

    async fn jira(&self, request: JiraRequest) -> Result<HttpResponse, HostError> {
        let response = (self.jira)(&request);
        self.jira_calls.borrow_mut().push(request);
        Ok(response)
    }

    async fn queue_push(&self, queue_key: &str, events: &[Value]) -> Result<(), HostError> {
        self.queue_pushes
            .borrow_mut()
            .push((queue_key.to_string(), events.to_vec()));
        Ok(())
    }
}

/// Resolves on its second poll: one trip through the executor.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn json_cursor(at: &Value, key: &str) -> String {
    serde_json::json!([at, key]).to_string()
}

fn check_key(operation: &'static str, key: &str) -> Result<(), HostError> {
    if layout::is_valid_key(key) {
        Ok(())
    } else {
        Err(HostError::Storage {
            operation,
            key: key.to_string(),
            reason: format!(
                "INVALID_KEY: keys match ^(?!\\s+$)[a-zA-Z0-9:._\\s-#]+$ and are at most {} characters",
                layout::MAX_KEY_CHARS
            ),
        })
    }
}

fn check_limit(operation: &'static str, key: &str, limit: usize) -> Result<usize, HostError> {
    if (1..=super::storage::MAX_QUERY_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(HostError::Storage {
            operation,
            key: key.to_string(),
            reason: format!(
                "limit must be 1 to {}, not {limit}",
                super::storage::MAX_QUERY_LIMIT
            ),
        })
    }
}

fn declared(
    operation: &'static str,
    entity: &str,
    key: &str,
) -> Result<&'static layout::EntityDecl, HostError> {
    layout::entity(entity).ok_or_else(|| HostError::Storage {
        operation,
        key: key.to_string(),
        reason: format!("entity '{entity}' is not declared in the manifest"),
    })
}

/// An entity value is an object of declared attributes of their types.
fn check_entity_value(entity: &str, key: &str, value: &Value) -> Result<(), HostError> {
    let decl = declared("entity set", entity, key)?;
    let refuse = |reason: String| HostError::Storage {
        operation: "entity set",
        key: key.to_string(),
        reason,
    };
    let object = value
        .as_object()
        .ok_or_else(|| refuse("an entity value is an object of attributes".into()))?;
    for (name, attribute) in object {
        let Some((_, kind)) = decl.attributes.iter().find(|(n, _)| n == name) else {
            return Err(refuse(format!(
                "attribute '{name}' is not declared on '{entity}'"
            )));
        };
        let fits = match kind {
            AttributeType::Any => true,
            _ if attribute.is_null() => true,
            AttributeType::String => attribute.is_string(),
            AttributeType::Float => attribute.is_number(),
            AttributeType::Integer => attribute.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        };
        if !fits {
            return Err(refuse(format!(
                "attribute '{name}' must be a {}",
                kind.as_str()
            )));
        }
    }
    Ok(())
}
