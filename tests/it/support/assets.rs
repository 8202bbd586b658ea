//! A small stateful fake of the Assets external-import API and the AQL
//! object search, answering the core's `Host::jira` calls as a site with
//! one workspace and one import source would: the mapping (PUT once, then
//! 409; PATCH), `configstatus`, one execution at a time (409
//! `IN_PROGRESS`), data chunks checked against the saved mapping's
//! selectors and locators and against the app's chunk limits, processing
//! on the `completed` chunk into objects keyed by `Entra Object ID` with
//! references resolved by it (empty values keep what the object had, as
//! Assets' default "ignore empty values" does), status, cancel, the
//! failure history, and injected faults. Jira's `mypermissions` answers
//! that the caller is an administrator and may edit requests; one request,
//! `ITSM-42`, can be given a reporter for the issue panel.

use entra_connect::host::JiraRequest;
use entra_connect::http::{HttpResponse, Method};
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

pub const WORKSPACE: &str = "514fd9bb-dedc-4512-b251-d72f56a09dc5";
pub const IMPORT: &str = "176494de-845d-449e-83ae-532c6ed97524";
pub const SCHEMA: &str = "75";
/// The Jira group whose members are agents.
pub const AGENT_GROUP: &str = "jira-servicedesk-agents";

/// One execution.
#[derive(Debug, Clone)]
pub struct Execution {
    pub id: String,
    pub status: String,
    pub chunks: Vec<Value>,
    /// Object type name -> [created, updated, identical].
    pub results: BTreeMap<String, [u64; 3]>,
}

#[derive(Debug, Clone)]
struct Fault {
    method: Method,
    path_contains: String,
    status: u16,
    times: u32,
}

#[derive(Default)]
struct State {
    mapping: Option<Value>,
    executions: Vec<Execution>,
    /// Object type name -> Entra Object ID -> attributes by locator.
    objects: BTreeMap<String, BTreeMap<String, Map<String, Value>>>,
    faults: Vec<Fault>,
    calls: Vec<(Method, String)>,
    /// Status reads an execution stays PROCESSING for after its last chunk.
    processing_reads: u32,
    pending_reads: u32,
    /// The reporter's email of the one Jira request `ITSM-42`, if any.
    reporter: Option<String>,
}

/// The fake; clones share one site.
#[derive(Clone, Default)]
pub struct FakeAssets(Rc<RefCell<State>>);

fn base() -> String {
    format!("/jsm/assets/workspace/{WORKSPACE}/v1/importsource/{IMPORT}")
}

fn respond(status: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![],
        body: if body.is_null() {
            String::new()
        } else {
            body.to_string()
        },
    }
}

impl FakeAssets {
    pub fn new() -> Self {
        Self::default()
    }

    /// The Jira responder for `MemoryHost::with_jira`.
    pub fn responder(&self) -> impl Fn(&JiraRequest) -> HttpResponse + 'static {
        let me = self.clone();
        move |request| me.handle(request)
    }

    /// The next `times` requests whose method is `method` and whose path
    /// contains `path_contains` answer `status`.
    pub fn fail_next(&self, method: Method, path_contains: &str, status: u16, times: u32) {
        self.0.borrow_mut().faults.push(Fault {
            method,
            path_contains: path_contains.to_string(),
            status,
            times,
        });
    }

    /// Executions stay PROCESSING for this many status reads.
    pub fn processing_for(&self, reads: u32) {
        self.0.borrow_mut().processing_reads = reads;
    }

    /// Jira knows `ITSM-42`, reported by `email`; the caller may edit it.
    pub fn with_request(&self, email: &str) {
        self.0.borrow_mut().reporter = Some(email.to_string());
    }

    pub fn mapping(&self) -> Option<Value> {
        self.0.borrow().mapping.clone()
    }

    pub fn executions(&self) -> Vec<Execution> {
        self.0.borrow().executions.clone()
    }

    /// Objects of one type, by Entra Object ID.
    pub fn objects(&self, object_type: &str) -> BTreeMap<String, Map<String, Value>> {
        self.0
            .borrow()
            .objects
            .get(object_type)
            .cloned()
            .unwrap_or_default()
    }

    pub fn calls(&self) -> Vec<(Method, String)> {
        self.0.borrow().calls.clone()
    }

    /// Every record sent in the execution, per selector, in order.
    pub fn records(&self, execution: usize, selector: &str) -> Vec<Value> {
        self.executions()[execution]
            .chunks
            .iter()
            .flat_map(|c| c["data"][selector].as_array().cloned().unwrap_or_default())
            .collect()
    }

    fn handle(&self, request: &JiraRequest) -> HttpResponse {
        let path = request.path.clone();
        let method = request.method;
        let mut state = self.0.borrow_mut();
        state.calls.push((method, path.clone()));
        if let Some(fault) = state
            .faults
            .iter_mut()
            .find(|f| f.times > 0 && f.method == method && path.contains(&f.path_contains))
        {
            fault.times -= 1;
            return respond(fault.status, json!({"errorMessages": ["injected"]}));
        }
        if path.starts_with("/rest/api/3/mypermissions") {
            return respond(
                200,
                json!({"permissions": {"ADMINISTER": {"havePermission": true},
                    "EDIT_ISSUES": {"havePermission": true}}}),
            );
        }
        if path.starts_with("/rest/api/3/user/groups") {
            return respond(200, json!([{"name": AGENT_GROUP}]));
        }
        if let (true, Some(email)) = (
            path.starts_with("/rest/api/3/issue/ITSM-42"),
            &state.reporter,
        ) {
            return respond(
                200,
                json!({"key": "ITSM-42", "fields": {"reporter": {"accountId": "r1",
                    "displayName": "Reporter", "emailAddress": email}}}),
            );
        }
        if path == format!("/jsm/assets/workspace/{WORKSPACE}/v1/object/aql?maxResults=1") {
            return state.aql(request.body.as_ref());
        }
        let Some(rest) = path.strip_prefix(&base()) else {
            return respond(404, json!({"errorMessages": ["no such import source"]}));
        };
        let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        match (method, parts.as_slice()) {
            (Method::Get, ["configstatus"]) => {
                let status = if state.mapping.is_none() {
                    "MISSING_MAPPING"
                } else if state.running().is_some() {
                    "RUNNING"
                } else {
                    "IDLE"
                };
                respond(200, json!({"status": status}))
            }
            (Method::Put, ["mapping?async=false"]) => {
                if state.mapping.is_some() {
                    return respond(
                        409,
                        json!({"errorMessages": ["A mapping already exists for this import"]}),
                    );
                }
                state.mapping = request.body.clone();
                respond(204, Value::Null)
            }
            (Method::Patch, ["mapping?async=false"]) => {
                state.mapping = request.body.clone();
                respond(204, Value::Null)
            }
            (Method::Post, ["executions"]) => {
                if state.mapping.is_none() {
                    return respond(
                        409,
                        json!({"result": "error", "errorCode": "MISSING_MAPPING"}),
                    );
                }
                if state.running().is_some() {
                    return respond(409, json!({"result": "error", "errorCode": "IN_PROGRESS"}));
                }
                let id = format!("exec-{}", state.executions.len() + 1);
                state.executions.push(Execution {
                    id: id.clone(),
                    status: "INGESTING".into(),
                    chunks: vec![],
                    results: BTreeMap::new(),
                });
                let link = |tail: &str| {
                    format!("https://api.atlassian.com/jsm/assets/workspace/{WORKSPACE}/v1/importsource/{IMPORT}/executions/{id}{tail}")
                };
                respond(
                    200,
                    json!({"links": {"submitProgress": link("/progress"), "submitResults": link("/data"),
                        "getExecutionStatus": link("/status"), "cancel": link("")}, "result": "success"}),
                )
            }
            (Method::Post, ["executions", exec, "data"]) => state.data(exec, request.body.as_ref()),
            (Method::Put, ["executions", exec, "progress"]) => match state.execution(exec) {
                Some(_) => respond(200, Value::Null),
                None => respond(404, Value::Null),
            },
            (Method::Get, ["executions", exec, "status"]) => {
                let pending = state.pending_reads;
                let Some(e) = state.execution(exec) else {
                    return respond(404, Value::Null);
                };
                let mut status = e.status.clone();
                let results = e.results.clone();
                if status == "PROCESSING" {
                    if pending == 0 {
                        status = "DONE".into();
                        state.execution(exec).unwrap().status = status.clone();
                    } else {
                        state.pending_reads -= 1;
                    }
                }
                let map: Map<String, Value> = results
                    .iter()
                    .enumerate()
                    .map(|(i, (name, [c, u, s]))| {
                        (i.to_string(), json!({"objectTypeName": name, "objectsCreated": c,
                            "objectsUpdated": u, "objectsIdentical": s, "objectsMissingDeleted": 0}))
                    })
                    .collect();
                respond(
                    200,
                    json!({"status": status, "progressResult": {"objectTypeResultMap": map}}),
                )
            }
            (Method::Delete, ["executions", exec]) => match state.execution(exec) {
                Some(e) => {
                    if e.status != "DONE" {
                        e.status = "CANCELLED".into();
                    }
                    respond(200, Value::Null)
                }
                None => respond(404, Value::Null),
            },
            (Method::Post, ["executions", exec, "history", "failed"]) => {
                match state.execution(exec) {
                    Some(_) => respond(204, Value::Null),
                    None => respond(404, Value::Null),
                }
            }
            _ => respond(404, json!({"errorMessages": ["no such resource"]})),
        }
    }
}

impl State {
    fn running(&self) -> Option<&Execution> {
        self.executions
            .iter()
            .find(|e| e.status == "INGESTING" || e.status == "PROCESSING")
    }

    fn execution(&mut self, id: &str) -> Option<&mut Execution> {
        self.executions.iter_mut().find(|e| e.id == id)
    }

    fn locators(&self) -> BTreeMap<String, (String, BTreeSet<String>)> {
        let mut out = BTreeMap::new();
        for m in self.mapping.as_ref().unwrap()["mapping"]["objectTypeMappings"]
            .as_array()
            .unwrap()
        {
            let locators = m["attributesMapping"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|a| a["attributeLocators"].as_array().unwrap().iter())
                .map(|l| l.as_str().unwrap().to_string())
                .collect();
            out.insert(
                m["selector"].as_str().unwrap().to_string(),
                (m["objectTypeName"].as_str().unwrap().to_string(), locators),
            );
        }
        out
    }

    fn data(&mut self, exec: &str, body: Option<&Value>) -> HttpResponse {
        let Some(body) = body else {
            return respond(400, json!({"errorMessages": ["no body"]}));
        };
        let locators = self.locators();
        let Some(e) = self.execution(exec) else {
            return respond(404, Value::Null);
        };
        if e.status != "INGESTING" {
            return respond(
                400,
                json!({"errorMessages": [format!("execution is {}", e.status)]}),
            );
        }
        if body.to_string().len() > 512 * 1024 {
            return respond(400, json!({"errorMessages": ["chunk over 512 KiB"]}));
        }
        let Some(data) = body["data"].as_object() else {
            return respond(400, json!({"errorMessages": ["data must be an object"]}));
        };
        for (selector, records) in data {
            let Some((_, known)) = locators.get(selector) else {
                return respond(
                    400,
                    json!({"errorMessages": [format!("unknown selector {selector}")]}),
                );
            };
            let records = records.as_array().cloned().unwrap_or_default();
            if records.len() > 250 {
                return respond(400, json!({"errorMessages": ["more than 250 records"]}));
            }
            for record in &records {
                for key in record.as_object().into_iter().flatten().map(|(k, _)| k) {
                    if !known.contains(key) {
                        return respond(
                            400,
                            json!({"errorMessages": [format!("unknown locator {key}")]}),
                        );
                    }
                }
            }
        }
        e.chunks.push(body.clone());
        if body["completed"] == json!(true) {
            e.status = "PROCESSING".into();
            let chunks = e.chunks.clone();
            self.pending_reads = self.processing_reads;
            let results = self.process(&chunks, &locators);
            self.execution(exec).unwrap().results = results;
        }
        respond(200, Value::Null)
    }

    /// Objects from every record of the execution: attributes by locator,
    /// empty values keep what was there, references kept only when the
    /// referenced object exists (resolved by `Entra Object ID`).
    fn process(
        &mut self,
        chunks: &[Value],
        locators: &BTreeMap<String, (String, BTreeSet<String>)>,
    ) -> BTreeMap<String, [u64; 3]> {
        let mut results: BTreeMap<String, [u64; 3]> = BTreeMap::new();
        for chunk in chunks {
            for (selector, records) in chunk["data"].as_object().into_iter().flatten() {
                let type_name = locators[selector].0.clone();
                for record in records.as_array().into_iter().flatten() {
                    let id = record["id"].as_str().unwrap().to_string();
                    let objects = self.objects.entry(type_name.clone()).or_default();
                    let slot = results.entry(type_name.clone()).or_default();
                    let before = objects.get(&id).cloned();
                    let object = objects.entry(id).or_default();
                    for (key, value) in record.as_object().unwrap() {
                        let empty = value.is_null()
                            || value.as_str() == Some("")
                            || value.as_array().is_some_and(|a| a.is_empty()) && key != "memberOf";
                        if !empty {
                            object.insert(key.clone(), value.clone());
                        }
                    }
                    match before {
                        None => slot[0] += 1,
                        Some(b) if &b != object => slot[1] += 1,
                        Some(_) => slot[2] += 1,
                    }
                }
            }
        }
        results
    }

    fn aql(&self, body: Option<&Value>) -> HttpResponse {
        let query = body.and_then(|b| b["qlQuery"].as_str()).unwrap_or_default();
        let id = query.rsplit('"').nth(1).unwrap_or_default();
        let found = self
            .objects
            .get("Entra User")
            .and_then(|o| o.get(id))
            .map(|o| {
                json!({"id": "101", "label": o["displayName"], "objectKey": "EID-101",
                    "objectType": {"id": "7", "name": "Entra User"},
                    "_links": {"self": format!("https://site.example/jira/servicedesk/assets/object/101")}})
            });
        let values: Vec<Value> = found.into_iter().collect();
        respond(
            200,
            json!({"startAt": 0, "maxResults": 1, "total": values.len(), "values": values}),
        )
    }
}
