//! Test support shared by every module.
//!
//! - [`transport`]: the one in-process `Transport` over the emulator.
//! - this module: [`Harness`], the emulator behind that transport and a
//!   `Host` whose virtual clock drives the emulator's clock too, so
//!   replication delay, token expiry and `Retry-After` all run on virtual
//!   time (users and groups are the demo tenant's own, found by name); and
//!   the Service API and resolver helpers (a configured app, a Jira with an
//!   assigned request, web-trigger requests).
//! - [`policy`]: [`policy::Env`], the demo emulator with a plain
//!   `MemoryHost` and a fake Jira, request contexts and seed identities,
//!   for the policy, audit and delivery modules.

pub mod assets;
pub mod policy;
pub mod transport;

pub use transport::{InProcessTransport, BASE};

use entra_connect::config::{self, AppConfig};
use entra_connect::graph::{Deadline, GraphClient, GraphSettings};
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::{
    EntityQuery, Host, HostError, JiraRequest, KeyQuery, LogLevel, Page, TxOp,
};
use entra_connect::http::HttpResponse;
use entra_connect::lifecycle::ObjectId;
use entra_connect::secret::Secret;
use entra_connect::service_api::service_key;
use entra_connect::service_api::webtrigger::{WebTriggerRequest, WebTriggerResponse};
use entra_emulator::{Emulator, LoggedRequest, RequestKind};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Two extra assignable security groups beside the demo tenant's ten
/// serviceable ones, so an onboarding can join twelve groups.
pub const EXTRA_GROUPS: [(&str, &str); 2] = [
    ("5e0c7a1d-2f4b-4c8e-9a3d-7b6e1f0c2d91", "Project - Atlas"),
    ("6f1d8b2e-3a5c-4d9f-8b4e-8c7f2a1d3e02", "Project - Borealis"),
];

/// The demo tenant's groups an app may change membership of.
pub const SERVICEABLE: [&str; 10] = [
    "All Staff",
    "Sales Team",
    "Engineering",
    "Finance",
    "HR",
    "IT",
    "Marketing Team",
    "App - Salesforce Users",
    "App - GitHub Enterprise",
    "App - Jira Service Management Agents",
];

/// A [`MemoryHost`] whose `sleep_ms` also advances the emulator's clock.
pub struct EmulatorHost {
    pub inner: MemoryHost,
    emulator: Emulator,
}

impl EmulatorHost {
    /// `inner` (a configured app's host) in front of `emulator`, so the
    /// core's waits move the emulator's clock too.
    pub fn over(inner: MemoryHost, emulator: &Emulator) -> Self {
        EmulatorHost {
            inner,
            emulator: emulator.clone(),
        }
    }

    /// Moves both clocks (a pause between two runs, a token ageing).
    pub fn advance(&self, ms: u64) {
        self.inner.advance(ms);
        self.emulator.advance_time(ms);
    }

    pub fn log_text(&self) -> String {
        self.inner
            .logs()
            .iter()
            .map(|(level, line)| format!("{}: {line}", level.as_str()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Host for EmulatorHost {
    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }
    async fn sleep_ms(&self, ms: u64) {
        self.advance(ms);
    }
    fn log(&self, level: LogLevel, message: &str) {
        self.inner.log(level, message);
    }
    async fn kvs_get(&self, key: &str) -> Result<Option<Value>, HostError> {
        self.inner.kvs_get(key).await
    }
    async fn kvs_set(&self, key: &str, value: &Value) -> Result<(), HostError> {
        self.inner.kvs_set(key, value).await
    }
    async fn kvs_delete(&self, key: &str) -> Result<(), HostError> {
        self.inner.kvs_delete(key).await
    }
    async fn kvs_query(&self, query: &KeyQuery) -> Result<Page, HostError> {
        self.inner.kvs_query(query).await
    }
    async fn kvs_transact(&self, ops: &[TxOp]) -> Result<(), HostError> {
        self.inner.kvs_transact(ops).await
    }
    async fn entity_get(&self, entity: &str, key: &str) -> Result<Option<Value>, HostError> {
        self.inner.entity_get(entity, key).await
    }
    async fn entity_set(&self, entity: &str, key: &str, value: &Value) -> Result<(), HostError> {
        self.inner.entity_set(entity, key, value).await
    }
    async fn entity_delete(&self, entity: &str, key: &str) -> Result<(), HostError> {
        self.inner.entity_delete(entity, key).await
    }
    async fn entity_query(&self, query: &EntityQuery) -> Result<Page, HostError> {
        self.inner.entity_query(query).await
    }
    async fn secret_get(&self, key: &str) -> Result<Option<String>, HostError> {
        self.inner.secret_get(key).await
    }
    async fn secret_set(&self, key: &str, value: &str) -> Result<(), HostError> {
        self.inner.secret_set(key, value).await
    }
    async fn secret_delete(&self, key: &str) -> Result<(), HostError> {
        self.inner.secret_delete(key).await
    }
    async fn jira(&self, request: JiraRequest) -> Result<HttpResponse, HostError> {
        self.inner.jira(request).await
    }
    async fn queue_push(&self, queue_key: &str, events: &[Value]) -> Result<(), HostError> {
        self.inner.queue_push(queue_key, events).await
    }
}

/// One emulator, the transport and host in front of it.
pub struct Harness {
    pub emu: Emulator,
    pub transport: InProcessTransport,
    pub host: EmulatorHost,
}

impl Harness {
    /// The demo tenant plus [`EXTRA_GROUPS`].
    pub fn new() -> Self {
        let mut seed: Value =
            serde_json::from_str(include_str!("../../../emulator/seed/demo-tenant.json"))
                .expect("demo seed is JSON");
        if let Some(groups) = seed["groups"].as_array_mut() {
            for (id, name) in EXTRA_GROUPS {
                groups.push(json!({
                    "id": id, "displayName": name, "mailNickname": name.replace([' ', '-'], ""),
                    "groupTypes": [], "mailEnabled": false, "securityEnabled": true,
                    "isAssignableToRole": false, "members": []
                }));
            }
        }
        let emu = Emulator::from_seed_json(&seed.to_string()).expect("extended demo seed");
        Self::on(emu)
    }

    pub fn on(emu: Emulator) -> Self {
        let host = EmulatorHost {
            inner: MemoryHost::new(),
            emulator: emu.clone(),
        };
        Harness {
            transport: InProcessTransport(emu.clone()),
            host,
            emu,
        }
    }

    pub fn client(&self) -> GraphClient<'_, InProcessTransport, EmulatorHost> {
        self.transport.client(&self.host)
    }

    pub fn client_secret(&self) -> String {
        self.emu.credentials().client_secret
    }

    /// The budget of a Forge web trigger.
    pub fn deadline(&self) -> Deadline {
        Deadline::after(self.host.now_ms(), 55_000)
    }

    /// A seeded user's object id by UPN.
    pub fn user_id(&self, upn: &str) -> String {
        self.emu.user(upn).expect(upn)["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    pub fn user_prop(&self, id_or_upn: &str, prop: &str) -> Value {
        self.emu.user(id_or_upn).expect(id_or_upn)[prop].clone()
    }

    pub fn group(&self, name: &str) -> ObjectId {
        let g = self.emu.find_group_by_name(name).expect(name);
        ObjectId::parse(g["id"].as_str().expect("id"), "group").expect("guid")
    }

    pub fn is_member(&self, group: &ObjectId, user_id: &str) -> bool {
        self.emu
            .group_member_ids(group.as_str())
            .iter()
            .any(|m| m.eq_ignore_ascii_case(user_id))
    }

    /// Groups the user is a direct member of.
    pub fn groups_of(&self, user_id: &str) -> Vec<String> {
        self.emu.tenant_summary()["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|g| {
                g["memberIds"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|x| x == user_id))
            })
            .filter_map(|g| g["displayName"].as_str().map(str::to_string))
            .collect()
    }

    pub fn user_count(&self) -> usize {
        self.emu.tenant_summary()["users"]
            .as_array()
            .map_or(0, Vec::len)
    }

    pub fn graph_log(&self) -> Vec<LoggedRequest> {
        self.emu
            .request_log()
            .into_iter()
            .filter(|l| l.kind == RequestKind::Graph)
            .collect()
    }

    /// Graph round trips: top-level Graph requests, a `$batch` envelope
    /// counting once; token calls excluded.
    pub fn round_trips(&self) -> usize {
        self.graph_log().len()
    }

    pub fn token_requests(&self) -> usize {
        self.emu
            .request_log()
            .iter()
            .filter(|l| l.kind == RequestKind::Token && l.status == 200)
            .count()
    }

    /// Every logged request, bodies included, as one string.
    pub fn log_dump(&self) -> String {
        serde_json::to_string(&self.emu.request_log()).unwrap_or_default()
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

pub enum Filter {
    Eq(String, String),
    StartsWith(String, String),
}

/// Parses exactly one `$filter` that is a single equality or startswith
/// over a string literal; anything else is an error. This is what proves
/// hostile input arrived as one well-formed literal.
pub fn parse_filter(query: &str) -> Result<Filter, String> {
    let mut filters = query.split('&').filter_map(|p| p.strip_prefix("$filter="));
    let raw = filters.next().ok_or("no $filter")?;
    if filters.next().is_some() {
        return Err("two $filter parameters".into());
    }
    let f = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|e| e.to_string())?
        .to_string();
    let literal = |s: &str| -> Result<String, String> {
        let inner = s
            .strip_prefix('\'')
            .and_then(|s| s.strip_suffix('\''))
            .ok_or("not a literal")?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\'' && chars.next() != Some('\'') {
                return Err("unescaped quote".into());
            }
            out.push(c);
        }
        Ok(out)
    };
    if let Some(rest) = f.strip_prefix("startswith(") {
        let (prop, lit) = rest
            .strip_suffix(')')
            .ok_or("bad startswith")?
            .split_once(',')
            .ok_or("bad startswith")?;
        return Ok(Filter::StartsWith(prop.into(), literal(lit)?));
    }
    let (prop, lit) = f.split_once(" eq ").ok_or("not an equality")?;
    if !prop.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("bad property".into());
    }
    Ok(Filter::Eq(prop.into(), literal(lit)?))
}

// ---- Service API and resolver tests ----

/// A host whose app is connected to `emulator` and has a service key.
pub async fn configured_host(emulator: &Emulator) -> (MemoryHost, String) {
    configure(MemoryHost::new(), emulator).await
}

/// A Jira that knows one request, `ITSM-1`, assigned to [`AGENT`], and
/// accepts comments on it (recorded by the host).
pub fn jira_with_assigned_request() -> MemoryHost {
    MemoryHost::new().with_jira(|request| {
        let path = request.path.as_str();
        let (status, body) = if path.starts_with("/rest/api/3/issue/ITSM-1?") {
            (
                200,
                json!({"key": "ITSM-1", "fields": {"assignee": {"accountId": AGENT}}}),
            )
        } else if path == "/rest/api/3/issue/ITSM-1/comment" {
            (201, json!({"id": "10001"}))
        } else {
            (404, json!({"errorMessages": ["not found"]}))
        };
        HttpResponse {
            status,
            headers: vec![],
            body: body.to_string(),
        }
    })
}

/// The Jira account of the agent assigned to `ITSM-1`.
pub const AGENT: &str = "agent-0001";

/// Connects `host`'s app to the emulator the way an admin would: the ten
/// serviceable demo groups, credentials revealed to the assigned agent.
pub async fn configure(host: MemoryHost, emulator: &Emulator) -> (MemoryHost, String) {
    let creds = emulator.credentials();
    let mut app = AppConfig {
        connection: Some(
            GraphSettings::new(&creds.tenant_id, &creds.client_id).with_bases(BASE, BASE),
        ),
        ..AppConfig::default()
    };
    app.provisioning.default_domain = Some("contoso.example".into());
    app.policy.serviceable_groups = SERVICEABLE
        .iter()
        .map(|name| {
            let id = emulator.find_group_by_name(name).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
            ObjectId::parse(&id, "group").unwrap()
        })
        .collect();
    let agent_only: std::collections::BTreeSet<_> =
        [entra_connect::config::policy::SecretRecipient::AssignedAgent].into();
    app.policy.secret_recipients.user.create = agent_only.clone();
    app.policy.secret_recipients.user.reset_password = agent_only.clone();
    app.policy
        .secret_recipients
        .user
        .create_temporary_access_pass = agent_only;
    config::save(&host, &app).await.unwrap();
    config::save_client_secret(&host, &Secret::new(creds.client_secret.clone()))
        .await
        .unwrap();
    let (key, _) = service_key::rotate(&host).await.unwrap();
    (host, key.expose().to_string())
}

pub fn post(key: &str, body: &Value) -> WebTriggerRequest {
    let mut headers = BTreeMap::new();
    headers.insert("authorization".to_string(), vec![format!("Bearer {key}")]);
    WebTriggerRequest {
        method: "POST".into(),
        path: "/".into(),
        headers,
        query_parameters: BTreeMap::new(),
        body: Some(body.to_string()),
    }
}

pub fn json_body(response: &WebTriggerResponse) -> Value {
    serde_json::from_str(&response.body).expect("JSON body")
}

pub fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}
