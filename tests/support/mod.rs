//! Test doubles: a `Host` with a virtual clock, and a small in-memory Graph
//! fake speaking the wire protocol (token, users, groups, `$batch`), with a
//! request log and fault switches.
#![allow(dead_code)]

use entra_connect::host::{Host, HostError, JiraRequest, LogLevel};
use entra_connect::http::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const CLIENT_ID: &str = "00000000-0000-0000-0000-0000000000c1";
pub const CLIENT_SECRET: &str = "client-secret-value-XYZ";
pub const BASE: &str = "http://fake";
pub const SALES: &str = "11111111-1111-1111-1111-111111111111";
pub const HR: &str = "22222222-2222-2222-2222-222222222222";

#[derive(Default)]
pub struct TestHost {
    pub now: Cell<u64>,
    pub logs: RefCell<Vec<String>>,
    pub kvs: RefCell<HashMap<String, Value>>,
}

impl TestHost {
    pub fn new() -> Self {
        let h = TestHost::default();
        h.now.set(1_700_000_000_000);
        h
    }
}

impl Host for TestHost {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }
    async fn sleep_ms(&self, ms: u64) {
        self.now.set(self.now.get() + ms);
    }
    fn log(&self, level: LogLevel, message: &str) {
        self.logs
            .borrow_mut()
            .push(format!("{}: {message}", level.as_str()));
    }
    async fn kvs_get(&self, key: &str) -> Result<Option<Value>, HostError> {
        Ok(self.kvs.borrow().get(key).cloned())
    }
    async fn kvs_set(&self, key: &str, value: &Value) -> Result<(), HostError> {
        self.kvs.borrow_mut().insert(key.into(), value.clone());
        Ok(())
    }
    async fn kvs_delete(&self, key: &str) -> Result<(), HostError> {
        self.kvs.borrow_mut().remove(key);
        Ok(())
    }
    async fn secret_get(&self, _: &str) -> Result<Option<String>, HostError> {
        Ok(None)
    }
    async fn secret_set(&self, _: &str, _: &str) -> Result<(), HostError> {
        Ok(())
    }
    async fn secret_delete(&self, _: &str) -> Result<(), HostError> {
        Ok(())
    }
    async fn jira(&self, request: JiraRequest) -> Result<HttpResponse, HostError> {
        Err(HostError::Jira {
            path: request.path,
            reason: "no Jira in tests".into(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    /// Path relative to the base, query included, exactly as received.
    pub path: String,
    pub kind: &'static str,
    pub status: u16,
}

/// Fault switches.
#[derive(Default)]
pub struct Faults {
    /// The next N Graph requests (or batch items) answer 429.
    pub throttle: Cell<u32>,
    pub retry_after: RefCell<String>,
    /// The next N requests touching a user created here answer 404.
    pub replication_404: Cell<u32>,
    /// The next token request fails with these error codes.
    pub token_error: RefCell<Option<(u16, u64)>>,
    /// Tokens issued so far are rejected (401).
    pub revoke_tokens: Cell<bool>,
    /// The next N Graph requests are dropped after being applied.
    pub drop_after_apply: Cell<u32>,
    /// The next request with this method and path is dropped after being applied.
    pub drop_on: RefCell<Option<(&'static str, &'static str)>>,
}

#[derive(Default)]
pub struct FakeGraph {
    pub users: RefCell<Vec<Value>>,
    pub members: RefCell<BTreeMap<String, BTreeSet<String>>>,
    pub managers: RefCell<HashMap<String, String>>,
    pub created: RefCell<BTreeSet<String>>,
    pub log: RefCell<Vec<Logged>>,
    pub faults: Faults,
    pub tokens_issued: Cell<u32>,
    valid_tokens: RefCell<BTreeSet<String>>,
    next_id: Cell<u32>,
}

fn resp(status: u16, body: Value) -> (u16, Value) {
    (status, body)
}

fn error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (
        status,
        json!({"error": {"code": code, "message": message, "innerError": {"request-id": "rid-fake", "client-request-id": "crid"}}}),
    )
}

impl FakeGraph {
    pub fn demo() -> Self {
        let g = FakeGraph::default();
        g.next_id.set(100);
        g.add_user("aaaaaaaa-0000-0000-0000-000000000001", "boss@contoso.com", json!({"displayName": "Big Boss", "employeeId": "E0001", "mail": "boss@contoso.com", "department": "Sales"}));
        g.add_user("aaaaaaaa-0000-0000-0000-000000000002", "jane.doe@contoso.com", json!({"displayName": "Jane Doe", "employeeId": "E0002", "mail": "jane@contoso.com", "department": "Sales", "jobTitle": "Rep"}));
        g.add_user(
            "aaaaaaaa-0000-0000-0000-000000000003",
            "twin1@contoso.com",
            json!({"mail": "shared@contoso.com"}),
        );
        g.add_user(
            "aaaaaaaa-0000-0000-0000-000000000004",
            "twin2@contoso.com",
            json!({"mail": "shared@contoso.com"}),
        );
        for gid in [SALES, HR] {
            g.members.borrow_mut().insert(gid.into(), BTreeSet::new());
        }
        for i in 0..12 {
            g.members.borrow_mut().insert(group_id(i), BTreeSet::new());
        }
        g.members
            .borrow_mut()
            .get_mut(SALES)
            .unwrap()
            .insert("aaaaaaaa-0000-0000-0000-000000000002".into());
        g.managers.borrow_mut().insert(
            "aaaaaaaa-0000-0000-0000-000000000002".into(),
            "aaaaaaaa-0000-0000-0000-000000000001".into(),
        );
        g
    }

    pub fn add_user(&self, id: &str, upn: &str, extra: Value) {
        let mut u = json!({"id": id, "userPrincipalName": upn, "accountEnabled": true});
        for (k, v) in extra.as_object().unwrap() {
            u[k] = v.clone();
        }
        self.users.borrow_mut().push(u);
    }

    pub fn user(&self, key: &str) -> Option<Value> {
        self.users
            .borrow()
            .iter()
            .find(|u| {
                u["id"] == key
                    || u["userPrincipalName"].as_str().map(str::to_lowercase)
                        == Some(key.to_lowercase())
            })
            .cloned()
    }

    pub fn graph_requests(&self) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|l| l.kind == "graph")
            .count()
    }

    pub fn clear_log(&self) {
        self.log.borrow_mut().clear();
    }

    fn handle(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        kind: &'static str,
    ) -> (u16, Value) {
        let (status, body) = self.route(method, path, body);
        self.log.borrow_mut().push(Logged {
            method: method.into(),
            path: path.into(),
            kind,
            status,
        });
        (status, body)
    }

    fn route(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        if self.faults.throttle.get() > 0 {
            self.faults.throttle.set(self.faults.throttle.get() - 1);
            return (
                429,
                json!({"error": {"code": "TooManyRequests", "message": "throttled"}}),
            );
        }
        let (p, query) = path.split_once('?').unwrap_or((path, ""));
        let segs: Vec<String> = p
            .trim_start_matches('/')
            .split('/')
            .map(|s| percent_decode_str(s).decode_utf8().unwrap().to_string())
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        if self.faults.replication_404.get() > 0 && segs.len() > 1 {
            let touches_new = self.created.borrow().iter().any(|id| {
                p.contains(id.as_str())
                    || body
                        .map(|b| b.to_string().contains(id.as_str()))
                        .unwrap_or(false)
            });
            if touches_new {
                self.faults
                    .replication_404
                    .set(self.faults.replication_404.get() - 1);
                return error(404, "Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present.");
            }
        }
        match (method, segs.as_slice()) {
            ("GET", ["organization"]) => resp(200, json!({"value": [{"verifiedDomains": [{"name": "contoso.com"}, {"name": TENANT}]}]})),
            ("GET", ["users"]) => match parse_filter(query) {
                Ok(Filter::Eq(prop, v)) => {
                    let found: Vec<Value> = self.users.borrow().iter().filter(|u| u[&prop].as_str().map(|s| s.eq_ignore_ascii_case(&v)).unwrap_or(false)).map(|u| self.shape(u, query)).collect();
                    resp(200, json!({"value": found}))
                }
                Ok(Filter::StartsWith(prop, v)) => {
                    let found: Vec<Value> = self.users.borrow().iter().filter(|u| u[&prop].as_str().map(|s| s.to_lowercase().starts_with(&v.to_lowercase())).unwrap_or(false)).map(|u| self.shape(u, query)).collect();
                    resp(200, json!({"value": found}))
                }
                Err(m) => error(400, "BadRequest", &m),
            },
            ("GET", ["users", key]) => match self.user(key) {
                Some(u) => resp(200, self.shape(&u, query)),
                None => error(404, "Request_ResourceNotFound", &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present.")),
            },
            ("POST", ["users"]) => {
                let b = body.unwrap();
                let upn = b["userPrincipalName"].as_str().unwrap();
                if self.user(upn).is_some() {
                    return (400, json!({"error": {"code": "Request_BadRequest", "message": "Another object with the same value for property userPrincipalName already exists.", "details": [{"code": "ObjectConflict", "target": "userPrincipalName"}]}}));
                }
                let n = self.next_id.get() + 1;
                self.next_id.set(n);
                let id = format!("bbbbbbbb-0000-0000-0000-{n:012}");
                let mut u = b.clone();
                u["id"] = json!(id);
                u.as_object_mut().unwrap().remove("passwordProfile");
                self.users.borrow_mut().push(u.clone());
                self.created.borrow_mut().insert(id);
                resp(201, u)
            }
            ("PATCH", ["users", key]) => {
                let mut users = self.users.borrow_mut();
                let Some(u) = users.iter_mut().find(|u| u["id"] == *key || u["userPrincipalName"] == *key) else {
                    return error(404, "Request_ResourceNotFound", "no such user");
                };
                for (k, v) in body.unwrap().as_object().unwrap() {
                    if k != "passwordProfile" {
                        u[k] = v.clone();
                    }
                }
                resp(204, Value::Null)
            }
            ("POST", ["users", key, "revokeSignInSessions"]) => match self.user(key) {
                Some(_) => resp(200, json!({"value": true})),
                None => error(404, "Request_ResourceNotFound", "no such user"),
            },
            ("POST", ["users", key, "authentication", "temporaryAccessPassMethods"]) => match self.user(key) {
                Some(_) => resp(201, json!({"id": "tap1", "temporaryAccessPass": "TAP-secret-123!", "lifetimeInMinutes": body.unwrap()["lifetimeInMinutes"], "isUsableOnce": true})),
                None => error(404, "Request_ResourceNotFound", "no such user"),
            },
            ("PUT", ["users", key, "manager", "$ref"]) => {
                let Some(u) = self.user(key) else { return error(404, "Request_ResourceNotFound", "no such user") };
                let mid = body.unwrap()["@odata.id"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
                self.managers.borrow_mut().insert(u["id"].as_str().unwrap().into(), mid);
                resp(204, Value::Null)
            }
            ("POST", ["groups", gid, "members", "$ref"]) => {
                let uid = body.unwrap()["@odata.id"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
                let mut groups = self.members.borrow_mut();
                let Some(g) = groups.get_mut(*gid) else { return error(404, "Request_ResourceNotFound", "no such group") };
                if !g.insert(uid) {
                    return error(400, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.");
                }
                resp(204, Value::Null)
            }
            ("DELETE", ["groups", gid, "members", uid, "$ref"]) => {
                let mut groups = self.members.borrow_mut();
                let removed = groups.get_mut(*gid).is_some_and(|g| g.remove(*uid));
                if removed {
                    resp(204, Value::Null)
                } else {
                    error(404, "Request_ResourceNotFound", "not a member")
                }
            }
            _ => error(400, "BadRequest", &format!("unsupported {method} {path}")),
        }
    }

    /// Applies `$select` and `$expand=manager`.
    fn shape(&self, u: &Value, query: &str) -> Value {
        let mut out = json!({});
        let select = query
            .split('&')
            .find_map(|p| p.strip_prefix("$select="))
            .unwrap_or("id,userPrincipalName");
        for f in select.split(',') {
            if let Some(v) = u.get(f) {
                out[f] = v.clone();
            }
        }
        if query.contains("$expand=manager") {
            if let Some(mid) = self.managers.borrow().get(u["id"].as_str().unwrap()) {
                let m = self.user(mid).unwrap();
                out["manager"] = json!({"id": m["id"], "displayName": m.get("displayName"), "userPrincipalName": m["userPrincipalName"]});
            }
        }
        out
    }
}

pub fn group_id(i: usize) -> String {
    format!("cccccccc-0000-0000-0000-{i:012}")
}

pub enum Filter {
    Eq(String, String),
    StartsWith(String, String),
}

/// Parses exactly one `$filter` that is a single equality or startswith
/// over a string literal; anything else is an error. This is what proves
/// hostile input arrived as one well-formed literal.
pub fn parse_filter(query: &str) -> Result<Filter, String> {
    let raw = query
        .split('&')
        .find_map(|p| p.strip_prefix("$filter="))
        .ok_or("no $filter")?;
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
        let mut chars = inner.chars().peekable();
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

impl Transport for FakeGraph {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let path = request.url.strip_prefix(BASE).unwrap().to_string();
        let reply = |status: u16, body: Value| {
            Ok(HttpResponse {
                status,
                headers: if status == 429 {
                    vec![(
                        "Retry-After".into(),
                        self.faults.retry_after.borrow().clone(),
                    )]
                } else {
                    vec![("request-id".into(), "rid-fake".into())]
                },
                body: if body.is_null() {
                    String::new()
                } else {
                    body.to_string()
                },
            })
        };
        if path.ends_with("/oauth2/v2.0/token") {
            self.log.borrow_mut().push(Logged {
                method: "POST".into(),
                path: path.clone(),
                kind: "token",
                status: 200,
            });
            if let Some((status, code)) = self.faults.token_error.borrow_mut().take() {
                return reply(
                    status,
                    json!({"error": "invalid_client", "error_description": "AADSTS", "error_codes": [code]}),
                );
            }
            let form = request.body.unwrap_or_default();
            assert!(form.contains(&format!("client_secret={}", CLIENT_SECRET)));
            let n = self.tokens_issued.get() + 1;
            self.tokens_issued.set(n);
            let token = format!("token-{n}-secretvalue");
            self.valid_tokens.borrow_mut().insert(token.clone());
            return reply(
                200,
                json!({"token_type": "Bearer", "expires_in": 3599, "access_token": token}),
            );
        }
        let path = path.strip_prefix("/v1.0").unwrap().to_string();
        let auth = request
            .headers
            .iter()
            .find(|(k, _)| k == "Authorization")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        assert!(request
            .headers
            .iter()
            .any(|(k, v)| k == "client-request-id" && v.len() == 36));
        if self.faults.revoke_tokens.get() {
            self.faults.revoke_tokens.set(false);
            self.valid_tokens.borrow_mut().clear();
        }
        if !self
            .valid_tokens
            .borrow()
            .contains(auth.trim_start_matches("Bearer "))
        {
            self.log.borrow_mut().push(Logged {
                method: request.method.as_str().into(),
                path,
                kind: "graph",
                status: 401,
            });
            return reply(
                401,
                json!({"error": {"code": "InvalidAuthenticationToken", "message": "expired"}}),
            );
        }
        let body: Option<Value> = request
            .body
            .as_deref()
            .map(|b| serde_json::from_str(b).unwrap());
        if request.method == Method::Post && path == "/$batch" {
            self.log.borrow_mut().push(Logged {
                method: "POST".into(),
                path: path.clone(),
                kind: "graph",
                status: 200,
            });
            let reqs = body.unwrap()["requests"].as_array().unwrap().clone();
            assert!(reqs.len() <= 20);
            let mut responses = Vec::new();
            for r in reqs {
                let (status, b) = self.handle(
                    r["method"].as_str().unwrap(),
                    r["url"].as_str().unwrap(),
                    r.get("body"),
                    "batch-item",
                );
                let mut item = json!({"id": r["id"], "status": status, "body": b});
                if status == 429 {
                    item["headers"] =
                        json!({"Retry-After": self.faults.retry_after.borrow().clone()});
                }
                responses.push(item);
            }
            responses.reverse(); // any order is allowed
            return reply(200, json!({"responses": responses}));
        }
        let (status, b) = self.handle(request.method.as_str(), &path, body.as_ref(), "graph");
        let targeted = self
            .faults
            .drop_on
            .borrow()
            .is_some_and(|(m, p)| m == request.method.as_str() && p == path);
        if targeted {
            self.faults.drop_on.replace(None);
            return Err(TransportError::Network {
                url: request.url,
                reason: "connection reset".into(),
            });
        }
        if self.faults.drop_after_apply.get() > 0 {
            self.faults
                .drop_after_apply
                .set(self.faults.drop_after_apply.get() - 1);
            return Err(TransportError::Network {
                url: request.url,
                reason: "connection reset".into(),
            });
        }
        reply(status, b)
    }
}
