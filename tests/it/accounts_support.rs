//! Shared by the `mfa_reset`, `delete_restore` and `guests` modules: one
//! configured app over the demo tenant, calls through the Service API, and
//! the Graph round trips a call made (top-level requests, a `$batch` being
//! one; token requests left out).

use crate::support::{configure, jira_with_assigned_request, json_body, post, InProcessTransport};
use entra_connect::host::memory::MemoryHost;
use entra_connect::service_api::handle;
use entra_emulator::{Emulator, RequestKind};
use serde_json::Value;

pub struct App {
    pub emulator: Emulator,
    pub host: MemoryHost,
    pub key: String,
}

impl App {
    pub async fn new() -> App {
        App::on(Emulator::demo()).await
    }

    pub async fn on(emulator: Emulator) -> App {
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        App {
            emulator,
            host,
            key,
        }
    }

    /// Sends `call` to the Service API: (status, body).
    pub async fn call(&self, call: &Value) -> (u16, Value) {
        let transport = InProcessTransport(self.emulator.clone());
        let res = handle(&post(&self.key, call), &self.host, &transport).await;
        let body = json_body(&res);
        if body["error"]["code"] == "internal_error" {
            println!("app log: {:?}", self.host.logs());
        }
        (res.status_code, body)
    }

    /// Graph round trips since the log was last cleared.
    pub fn round_trips(&self) -> usize {
        self.emulator
            .request_log()
            .iter()
            .filter(|r| r.kind == RequestKind::Graph && r.batch_parent_seq.is_none())
            .count()
    }

    /// Writes (anything but GET) sent since the log was last cleared,
    /// `$batch` items counted one by one.
    pub fn writes(&self) -> usize {
        self.emulator
            .request_log()
            .iter()
            .filter(|r| {
                r.kind == RequestKind::Graph && r.method != "GET" && !r.path.ends_with("/$batch")
            })
            .count()
    }

    /// The audit record an answer's `auditId` names.
    pub async fn audit(&self, id: &str) -> entra_connect::audit::AuditRecord {
        let records = entra_connect::audit::query(
            &self.host,
            &entra_connect::audit::AuditFilter {
                limit: Some(200),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
        records
            .into_iter()
            .find(|r| r.id == id || entra_connect::audit::store::record_key(r) == id)
            .unwrap_or_else(|| panic!("audit record {id} not among {ids:?}"))
    }
}

/// Step statuses of an answer, in order.
pub fn statuses(body: &Value) -> Vec<String> {
    body["result"]["steps"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|s| {
            s["outcome"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}
