//! A chunk's hires joining the same groups: their adds travel as one
//! `PATCH /groups/{id}` with `members@odata.bind` per group (at most 20
//! members; Learn's "Add members",
//! <https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0>,
//! example "Add multiple members to a group in a single request"), which
//! is all or nothing: one member already in answers 400 "One or more added
//! object references already exist", a throttled one 429
//! (<https://learn.microsoft.com/graph/throttling>), and nothing is added.
//! Then each hire's add goes again on its own, and every hire still ends
//! in every group exactly once.

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, InProcessTransport,
};
use entra_connect::host::memory::MemoryHost;
use entra_connect::http::{HttpRequest, HttpResponse, Transport, TransportError};
use entra_connect::jobs::consume::{handle_event, EventResult};
use entra_connect::service_api::handle;
use entra_emulator::{Emulator, RequestKind};
use serde_json::{json, Value};
use std::cell::Cell;

const GROUPS: [&str; 3] = ["Finance", "HR", "IT"];

fn group_ids(emulator: &Emulator) -> Vec<String> {
    GROUPS
        .iter()
        .map(|name| {
            emulator.find_group_by_name(name).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// `count` hires, each joining every group of `groups`.
fn hires(count: usize, groups: &[String]) -> Vec<Value> {
    (0..count)
        .map(|i| {
            json!({"route": "user.create", "issueKey": "ITSM-1", "data": {
                "givenName": "Bind", "surname": format!("Hire{i:03}"), "employeeId": format!("BD{i:04}"),
                "department": "Sales", "groups": groups,
            }})
        })
        .collect()
}

/// Submits `calls` as one job and delivers its one event until it finishes.
async fn run_job(
    host: &MemoryHost,
    transport: &impl Transport,
    key: &str,
    calls: Vec<Value>,
) -> Value {
    let submit = json!({"route": "jobs.submit", "data": {"calls": calls}});
    let submitted = handle(&post(key, &submit), host, transport).await;
    let body = json_body(&submitted);
    assert_eq!(submitted.status_code, 202, "{body}");
    let job_id = body["result"]["jobId"].as_str().unwrap().to_string();
    let events: Vec<Value> = host
        .queue_pushes()
        .into_iter()
        .flat_map(|(_, events)| events)
        .collect();
    assert_eq!(events.len(), 1);
    let mut finished = false;
    for _ in 0..4 {
        if let EventResult::Finished { .. } = handle_event(&events[0], host, transport).await {
            finished = true;
            break;
        }
    }
    assert!(finished, "the chunk finished");
    let status = json!({"route": "job.status", "data": {"jobId": job_id}});
    json_body(&handle(&post(key, &status), host, transport).await)["result"].clone()
}

/// The hires' object ids, each name checked to have exactly one account.
fn hire_ids(emulator: &Emulator, count: usize) -> Vec<String> {
    let users = emulator.tenant_summary()["users"]
        .as_array()
        .unwrap()
        .clone();
    let mut ids = Vec::new();
    for i in 0..count {
        let name = format!("Bind Hire{i:03}");
        let found: Vec<&Value> = users.iter().filter(|u| u["displayName"] == name).collect();
        assert_eq!(
            found.len(),
            1,
            "{name}: one account, none lost or duplicated"
        );
        ids.push(found[0]["id"].as_str().unwrap().to_string());
    }
    ids
}

/// Every hire is in every group exactly once.
fn assert_every_hire_in_every_group_once(emulator: &Emulator, hires: &[String], groups: &[String]) {
    for group in groups {
        let members = emulator.group_member_ids(group);
        for hire in hires {
            let times = members
                .iter()
                .filter(|m| m.eq_ignore_ascii_case(hire))
                .count();
            assert_eq!(times, 1, "{hire} in {group}");
        }
    }
}

/// The job's Graph calls (`$batch` items: it sends nothing else) by
/// method and a path test.
fn calls(emulator: &Emulator, method: &str, path: impl Fn(&str) -> bool) -> Vec<(String, u16)> {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.kind == RequestKind::BatchItem)
        .filter(|r| r.method == method && path(&r.path))
        .map(|r| (r.path.clone(), r.status))
        .collect()
}

fn patches(emulator: &Emulator, groups: &[String]) -> Vec<(String, u16)> {
    calls(emulator, "PATCH", |p| {
        groups.iter().any(|g| p == format!("/v1.0/groups/{g}"))
    })
}

fn ref_adds(emulator: &Emulator, groups: &[String]) -> Vec<(String, u16)> {
    calls(emulator, "POST", |p| {
        groups
            .iter()
            .any(|g| p == format!("/v1.0/groups/{g}/members/$ref"))
    })
}

fn assert_all_done(result: &Value, count: usize) {
    assert_eq!(result["counts"]["done"], count, "{result}");
    for outcome in result["outcomes"].as_array().unwrap() {
        assert_eq!(outcome["status"], "done", "{outcome}");
    }
}

#[test]
fn hires_sharing_groups_join_them_by_one_patch_per_group() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let groups = group_ids(&emulator);
        let result = run_job(&host, &transport, &key, hires(10, &groups)).await;
        assert_all_done(&result, 10);
        let hires = hire_ids(&emulator, 10);
        assert_every_hire_in_every_group_once(&emulator, &hires, &groups);
        // 30 adds as 3 requests: one PATCH of 10 members per group.
        let patches = patches(&emulator, &groups);
        assert_eq!(patches.len(), 3, "{patches:?}");
        assert!(patches.iter().all(|(_, s)| *s == 204), "{patches:?}");
        assert_eq!(ref_adds(&emulator, &groups), vec![]);
    });
}

/// Before the envelope carrying the PATCHes leaves, someone else adds the
/// first member of the first PATCH to its group (as a redelivered chunk
/// whose earlier delivery got that far would have).
struct AddsOneFirst {
    inner: InProcessTransport,
    done: Cell<bool>,
}

impl Transport for AddsOneFirst {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if !self.done.get() && request.url.ends_with("/$batch") {
            let body: Value =
                serde_json::from_str(request.body.as_deref().unwrap_or("{}")).unwrap();
            let patch = body["requests"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["method"] == "PATCH");
            if let Some(patch) = patch {
                self.done.set(true);
                let member = patch["body"]["members@odata.bind"][0].clone();
                let root = request.url.trim_end_matches("/$batch");
                let url = format!("{root}{}/members/$ref", patch["url"].as_str().unwrap());
                let mut add = HttpRequest::new(entra_connect::http::Method::Post, url)
                    .header("Content-Type", "application/json")
                    .body(json!({ "@odata.id": member }).to_string());
                for (name, value) in &request.headers {
                    if name.eq_ignore_ascii_case("authorization") {
                        add = add.header(name, value.clone());
                    }
                }
                let added = self.inner.send(add).await?;
                assert_eq!(added.status, 204, "{}", added.body);
            }
        }
        self.inner.send(request).await
    }
}

#[test]
fn a_patch_refused_for_a_member_already_in_falls_back_to_each_hires_own_add() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = AddsOneFirst {
            inner: InProcessTransport(emulator.clone()),
            done: Cell::new(false),
        };
        let groups = group_ids(&emulator);
        let result = run_job(&host, &transport, &key, hires(10, &groups)).await;
        assert!(transport.done.get(), "a PATCH was sent");
        assert_all_done(&result, 10);
        let hires = hire_ids(&emulator, 10);
        assert_every_hire_in_every_group_once(&emulator, &hires, &groups);
        let patches = patches(&emulator, &groups);
        let refused: Vec<_> = patches.iter().filter(|(_, s)| *s == 400).collect();
        assert_eq!(refused.len(), 1, "{patches:?}");
        // That PATCH's 10 members were each added on their own: 9 added,
        // the one already in answered 400, which its hire reads as done.
        let adds = ref_adds(&emulator, &groups);
        assert_eq!(adds.len(), 10, "{adds:?}");
        assert!(adds
            .iter()
            .all(|(p, _)| *p == format!("{}/members/$ref", refused[0].0)));
        assert_eq!(
            adds.iter().filter(|(_, s)| *s == 400).count(),
            1,
            "{adds:?}"
        );
        assert_eq!(
            adds.iter().filter(|(_, s)| *s == 204).count(),
            9,
            "{adds:?}"
        );
    });
}

/// Graph throttles the first PATCH it is sent: the item is answered 429
/// with `Retry-After` and not carried out.
struct ThrottlesOnePatch {
    inner: InProcessTransport,
    throttled: Cell<bool>,
}

impl Transport for ThrottlesOnePatch {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut refused = None;
        if !self.throttled.get() && request.url.ends_with("/$batch") {
            let mut body: Value =
                serde_json::from_str(request.body.as_deref().unwrap_or("{}")).unwrap();
            if let Some(list) = body["requests"].as_array_mut() {
                if let Some(at) = list.iter().position(|r| r["method"] == "PATCH") {
                    refused = Some(list.remove(at)["id"].clone());
                    self.throttled.set(true);
                }
            }
            request.body = Some(body.to_string());
        }
        let mut response = self.inner.send(request).await?;
        if let Some(id) = refused {
            let mut body: Value = serde_json::from_str(&response.body).unwrap();
            body["responses"].as_array_mut().unwrap().push(json!({
                "id": id, "status": 429, "headers": {"Retry-After": "1"},
                "body": {"error": {"code": "TooManyRequests", "message": "Too many requests."}},
            }));
            response.body = body.to_string();
        }
        Ok(response)
    }
}

#[test]
fn a_throttled_patch_falls_back_and_adds_each_hire_once() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = ThrottlesOnePatch {
            inner: InProcessTransport(emulator.clone()),
            throttled: Cell::new(false),
        };
        let groups = group_ids(&emulator);
        let before: Vec<usize> = groups
            .iter()
            .map(|g| emulator.group_member_ids(g).len())
            .collect();
        let result = run_job(&host, &transport, &key, hires(10, &groups)).await;
        assert!(transport.throttled.get(), "a PATCH was sent");
        assert_all_done(&result, 10);
        let hires = hire_ids(&emulator, 10);
        assert_every_hire_in_every_group_once(&emulator, &hires, &groups);
        for (group, before) in groups.iter().zip(before) {
            assert_eq!(emulator.group_member_ids(group).len(), before + 10);
        }
        // The two PATCHes Graph served, and the throttled one's 10 members
        // added one by one.
        assert_eq!(patches(&emulator, &groups).len(), 2);
        let adds = ref_adds(&emulator, &groups);
        assert_eq!(adds.len(), 10, "{adds:?}");
        assert!(adds.iter().all(|(_, s)| *s == 204), "{adds:?}");
    });
}
