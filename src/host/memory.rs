//! An in-memory [`Host`] for native tests and tools: KVS, secrets and a
//! virtual clock in memory, log lines captured, Jira answered by a closure,
//! queue pushes recorded.

use super::{Host, HostError, JiraRequest, LogLevel};
use crate::http::HttpResponse;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

type JiraHandler = Box<dyn Fn(&JiraRequest) -> HttpResponse>;

/// A [`Host`] whose state lives in memory. Single-threaded (`Cell` and
/// `RefCell` inside), like the runtimes the core runs on.
pub struct MemoryHost {
    clock_ms: Cell<u64>,
    kvs: RefCell<BTreeMap<String, Value>>,
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

    /// A copy of the KVS, key -> value.
    pub fn kvs_snapshot(&self) -> BTreeMap<String, Value> {
        self.kvs.borrow().clone()
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
        Ok(self.kvs.borrow().get(key).cloned())
    }

    async fn kvs_set(&self, key: &str, value: &Value) -> Result<(), HostError> {
        self.kvs.borrow_mut().insert(key.to_string(), value.clone());
        Ok(())
    }

    async fn kvs_delete(&self, key: &str) -> Result<(), HostError> {
        self.kvs.borrow_mut().remove(key);
        Ok(())
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
