//! The [`Host`] port: the Forge capabilities the core may use.
//!
//! On Forge it is the JS `host` object that `src/index.js` builds from
//! `@forge/api`, `@forge/kvs` and `@forge/events`; in native tests it is an
//! in-memory fake. The core holds no other handle on the outside world.

use crate::http::{HttpResponse, Method};
use serde_json::Value;
use std::fmt;

/// Severity of a log line. Log lines never carry secrets; callers pass
/// already-redacted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
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
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
    pub as_who: JiraAs,
}

/// A failure of a host capability, with the capability named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    Storage {
        operation: &'static str,
        key: String,
        reason: String,
    },
    Secret {
        operation: &'static str,
        key: String,
        reason: String,
    },
    Jira {
        path: String,
        reason: String,
    },
    Queue {
        reason: String,
    },
    /// The host object handed to the core lacks a capability or returned a
    /// value of the wrong shape (a shim bug, never user input).
    Contract {
        capability: &'static str,
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
    fn log(&self, level: LogLevel, message: &str);

    async fn kvs_get(&self, key: &str) -> Result<Option<Value>, HostError>;
    async fn kvs_set(&self, key: &str, value: &Value) -> Result<(), HostError>;
    async fn kvs_delete(&self, key: &str) -> Result<(), HostError>;

    async fn secret_get(&self, key: &str) -> Result<Option<String>, HostError>;
    async fn secret_set(&self, key: &str, value: &str) -> Result<(), HostError>;
    async fn secret_delete(&self, key: &str) -> Result<(), HostError>;

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
