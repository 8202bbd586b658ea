//! The [`Host`] port: the Forge capabilities the core may use.
//!
//! On Forge it is the JS `host` object that `src/index.js` builds from
//! `@forge/api`, `@forge/kvs` and `@forge/events`; in native tests it is an
//! in-memory fake. The core holds no other handle on the outside world.

use crate::http::{HttpResponse, Method};
use serde_json::Value;
use std::fmt;
pub use storage::{Condition, EntityQuery, Entry, KeyQuery, Page, Range, Sort, TxOp};

/// Severity of a log line. Log lines never carry secrets; callers pass
/// already-redacted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Detail for tracing a flow; `console.debug` on Forge.
    Debug,
    /// Routine outcomes (a call answered, a job queued); `console.info`.
    Info,
    /// Something skipped or degraded that the flow survived; `console.warn`.
    Warn,
    /// A failure someone should look at; `console.error`.
    Error,
}

impl LogLevel {
    /// The name the JS host maps to a `console` method: `"debug"`, `"info"`,
    /// `"warn"` or `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// Whose authority a Jira REST call runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JiraAs {
    /// `api.asApp()`: the app's own account.
    App,
    /// `api.asUser()`: the user behind the invocation (resolvers only).
    User,
}

/// A Jira REST call. `path` is the product path (for example
/// `/rest/api/3/issue/ITSM-1/comment`), already percent-encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct JiraRequest {
    /// The HTTP method.
    pub method: Method,
    /// Path on the site, starting `/rest/`, query string included.
    pub path: String,
    /// JSON body; the host sends it with `Content-Type: application/json`.
    pub body: Option<Value>,
    /// App or user authority (`api.asApp()` / `api.asUser()`).
    pub as_who: JiraAs,
}

/// A failure of a host capability, with the capability named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// A Forge KVS or Custom Entity Store call (`kvs.get`, `kvs.set`,
    /// `kvs.delete`, `kvs.query`, `kvs.transact`, `kvs.entity(...)`) threw
    /// or returned a value the core could not read. A transaction whose
    /// condition does not hold is one of these, with nothing written.
    Storage {
        /// `"get"`, `"set"`, `"delete"`, `"query"`, `"transact"`,
        /// `"entity get"`, `"entity set"`, `"entity delete"` or
        /// `"entity query"`.
        operation: &'static str,
        /// The KVS key (for a query: its prefix or entity and index; for a
        /// transaction: its first key).
        key: String,
        /// The platform's error message.
        reason: String,
    },
    /// A Forge secret storage call (`kvs.getSecret`, `kvs.setSecret`,
    /// `kvs.deleteSecret`) threw.
    Secret {
        /// `"get"`, `"set"` or `"delete"`.
        operation: &'static str,
        /// The secret's key (never its value).
        key: String,
        /// The platform's error message.
        reason: String,
    },
    /// `requestJira` threw (no HTTP response). An HTTP error status is not
    /// this: it comes back as an `Ok` response.
    Jira {
        /// The request path.
        path: String,
        /// The platform's error message.
        reason: String,
    },
    /// `Queue.push` of `@forge/events` threw (for example Forge's
    /// `TooManyEventsError` or `PayloadTooBigError`), or the host has no
    /// queue.
    Queue {
        /// The platform's error message.
        reason: String,
    },
    /// The host object handed to the core lacks a capability or returned a
    /// value of the wrong shape (a shim bug, never user input).
    Contract {
        /// The capability, by its JS name (`"webTriggerUrl"`, `"kvsGet"`,
        /// `"secrets"`, ...).
        capability: &'static str,
        /// What was wrong with it.
        reason: String,
    },
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Storage {
                operation,
                key,
                reason,
            } => {
                write!(f, "storage {operation} of '{key}' failed: {reason}")
            }
            HostError::Secret {
                operation,
                key,
                reason,
            } => {
                write!(f, "secret storage {operation} of '{key}' failed: {reason}")
            }
            HostError::Jira { path, reason } => write!(f, "Jira call {path} failed: {reason}"),
            HostError::Queue { reason } => write!(f, "queue push failed: {reason}"),
            HostError::Contract { capability, reason } => {
                write!(f, "host capability '{capability}' misbehaved: {reason}")
            }
        }
    }
}

impl std::error::Error for HostError {}

/// Forge capabilities. All methods are async because every one of them is a
/// network call on Forge.
// Single-threaded everywhere (wasm; current-thread runtimes in tests).
#[allow(async_fn_in_trait)]
pub trait Host {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Waits; used by retry back-off. Fakes may advance a virtual clock.
    async fn sleep_ms(&self, ms: u64);
    /// Writes one log line (`console.*` on Forge, so it shows in
    /// `forge logs`). Forge caps log lines per invocation (100 per runtime
    /// minute) and their size (200 KB): log outcomes, not loops.
    /// <https://developer.atlassian.com/platform/forge/limits-invocation/>
    fn log(&self, level: LogLevel, message: &str);

    /// Reads a Forge KVS value (`kvs.get`); `Ok(None)` when the key is
    /// absent. Keys must match `^(?!\s+$)[a-zA-Z0-9:._\s-#]+$` and be at
    /// most 500 characters; a value is at most 240 KiB.
    /// <https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs/>
    async fn kvs_get(&self, key: &str) -> Result<Option<Value>, HostError>;
    /// Writes a Forge KVS value (`kvs.set`), replacing any previous one.
    /// There is no compare-and-set: two invocations writing one key race,
    /// and the last write wins.
    async fn kvs_set(&self, key: &str, value: &Value) -> Result<(), HostError>;
    /// Deletes a Forge KVS value (`kvs.delete`).
    async fn kvs_delete(&self, key: &str) -> Result<(), HostError>;

    /// One page of KVS keys starting with a prefix, in ascending key order
    /// (`kvs.query().where('key', WhereConditions.beginsWith(p))
    /// .limit(n).cursor(c).getMany()`). A key written after the page was
    /// read appears on a later page if it sorts after the cursor.
    async fn kvs_query(&self, query: &KeyQuery) -> Result<Page, HostError>;
    /// Runs `ops` all or nothing (`kvs.transact()...execute()`): if any
    /// condition fails or any write is refused, nothing is written. At
    /// most [`storage::MAX_TRANSACTION_OPS`] operations, each key at most
    /// once.
    async fn kvs_transact(&self, ops: &[TxOp]) -> Result<(), HostError>;

    /// Reads a Custom Entity Store entity (`kvs.entity(name).get(key)`);
    /// `Ok(None)` when absent.
    async fn entity_get(&self, entity: &str, key: &str) -> Result<Option<Value>, HostError>;
    /// Writes an entity (`kvs.entity(name).set(key, value)`), replacing any
    /// previous one. `value` is the object of its attributes, as declared in
    /// `manifest.yml` (see [`crate::layout::ENTITIES`]).
    async fn entity_set(&self, entity: &str, key: &str, value: &Value) -> Result<(), HostError>;
    /// Deletes an entity (`kvs.entity(name).delete(key)`).
    async fn entity_delete(&self, entity: &str, key: &str) -> Result<(), HostError>;
    /// One page of an entity index: entities whose partition attributes
    /// equal the query's values and whose range attribute meets its
    /// condition, ordered by the range attribute (then by key). An entity
    /// without one of the index's attributes is not in the index.
    async fn entity_query(&self, query: &EntityQuery) -> Result<Page, HostError>;

    /// Reads from Forge secret storage (`kvs.getSecret`); `Ok(None)` when
    /// the key is absent. Same key rules as [`Host::kvs_get`].
    async fn secret_get(&self, key: &str) -> Result<Option<String>, HostError>;
    /// Writes to Forge secret storage (`kvs.setSecret`), replacing any
    /// previous value.
    async fn secret_set(&self, key: &str, value: &str) -> Result<(), HostError>;
    /// Deletes from Forge secret storage (`kvs.deleteSecret`).
    async fn secret_delete(&self, key: &str) -> Result<(), HostError>;

    /// One Jira or JSM REST call through `requestJira`, with
    /// `Accept: application/json`. Every HTTP status comes back as `Ok`;
    /// `Err` only when no response arrived.
    async fn jira(&self, request: JiraRequest) -> Result<HttpResponse, HostError>;

    /// Pushes events (each `{"body": {...}, ...}` as `@forge/events` takes
    /// them) to the Forge queue `queue_key`. Hosts without a queue refuse.
    async fn queue_push(&self, queue_key: &str, events: &[Value]) -> Result<(), HostError> {
        let _ = events;
        Err(HostError::Queue {
            reason: format!("this host has no queue '{queue_key}'"),
        })
    }

    /// The URL of one of the app's web triggers (Forge creates it on first
    /// ask). `None` where the host has no web triggers.
    async fn web_trigger_url(&self, module_key: &str) -> Result<Option<String>, HostError> {
        let _ = module_key;
        Ok(None)
    }
}

pub mod memory;
pub mod storage;
