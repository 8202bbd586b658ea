//! A chunk of hires runs side by side and its Graph requests travel
//! together in `$batch` envelopes (`jobs::batch`): about one round trip per
//! hire, and still one outcome, audit record and idempotency key per item;
//! no duplicate and no lost hire through a consumer killed mid-chunk or a
//! storm of 429s. Graph answers each item of a `$batch` on its own, a
//! throttled one with its own 429 and `Retry-After`
//! (<https://learn.microsoft.com/graph/json-batching>,
//! <https://learn.microsoft.com/graph/throttling>).

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, EmulatorHost, InProcessTransport,
};
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::http::{HttpRequest, HttpResponse, Transport, TransportError};
use entra_connect::jobs::consume::{handle_event, EventResult};
use entra_connect::service_api::handle;
use entra_emulator::{BudgetFault, Emulator, Faults, RequestKind};
use serde_json::{json, Value};
use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::task::{Context, Waker};

fn hires(count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            json!({"route": "user.create", "issueKey": "ITSM-1", "data": {
                "givenName": "Batch", "surname": format!("Hire{i:03}"), "employeeId": format!("BT{i:04}"),
                "department": "Sales",
            }})
        })
        .collect()
}

async fn submit(
    host: &impl Host,
    transport: &impl Transport,
    key: &str,
    calls: Vec<Value>,
) -> String {
    let submitted = handle(
        &post(
            key,
            &json!({"route": "jobs.submit", "data": {"calls": calls}}),
        ),
        host,
        transport,
    )
    .await;
    let body = json_body(&submitted);
    assert_eq!(submitted.status_code, 202, "{body}");
    body["result"]["jobId"].as_str().unwrap().to_string()
}

fn pushed(host: &MemoryHost) -> Vec<Value> {
    host.queue_pushes()
        .into_iter()
        .flat_map(|(_, events)| events)
        .collect()
}

async fn status(host: &impl Host, transport: &impl Transport, key: &str, job_id: &str) -> Value {
    let call = json!({"route": "job.status", "data": {"jobId": job_id}});
    json_body(&handle(&post(key, &call), host, transport).await)["result"].clone()
}

/// Accounts per display name among the job's hires.
fn hires_by_name(emulator: &Emulator) -> HashMap<String, usize> {
    let mut names = HashMap::new();
    for user in emulator.tenant_summary()["users"].as_array().unwrap() {
        let name = user["displayName"].as_str().unwrap_or_default();
        if name.starts_with("Batch Hire") {
            *names.entry(name.to_string()).or_insert(0) += 1;
        }
    }
    names
}

/// Every one of `count` hires has exactly one account: none lost, none
/// duplicated.
fn assert_each_hire_once(emulator: &Emulator, count: usize) {
    let names = hires_by_name(emulator);
    assert_eq!(names.len(), count, "none lost: {names:?}");
    assert!(names.values().all(|n| *n == 1), "no duplicate: {names:?}");
}

fn graph_round_trips(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.kind == RequestKind::Graph)
        .count()
}

#[test]
fn a_chunk_of_hires_costs_at_most_one_round_trip_per_hire() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let job_id = submit(&host, &transport, &key, hires(25)).await;
        let events = pushed(&host);
        assert_eq!(events.len(), 1);
        emulator.clear_log();
        assert!(matches!(
            handle_event(&events[0], &host, &transport).await,
            EventResult::Finished { ran: 25, .. }
        ));
        let round_trips = graph_round_trips(&emulator);
        // One after another, each hire took 4 round trips (100 for 25);
        // side by side they take 7 (every item reaches Graph at once here).
        assert!(
            round_trips <= 10,
            "{round_trips} Graph round trips for 25 hires"
        );
        let names = hires_by_name(&emulator);
        assert_eq!(names.len(), 25);
        assert!(names.values().all(|n| *n == 1), "{names:?}");
        let result = status(&host, &transport, &key, &job_id).await;
        assert_eq!(result["counts"]["done"], 25, "{result}");
        let outcomes = result["outcomes"].as_array().unwrap();
        let audits: std::collections::HashSet<_> =
            outcomes.iter().map(|o| o["auditId"].to_string()).collect();
        assert_eq!(audits.len(), 25, "one audit record per item");
    });
}

#[test]
fn a_refused_hire_fails_alone_among_good_ones() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let outside = emulator.find_group_by_name("Security Alerts").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut calls = hires(6);
        calls[2]["data"]["groups"] = json!([outside]);
        let job_id = submit(&host, &transport, &key, calls).await;
        let events = pushed(&host);
        assert!(matches!(
            handle_event(&events[0], &host, &transport).await,
            EventResult::Finished { ran: 6, .. }
        ));
        let result = status(&host, &transport, &key, &job_id).await;
        assert_eq!(result["counts"]["done"], 5, "{result}");
        let refused = &result["outcomes"][2];
        assert_eq!(refused["status"], "refused", "{refused}");
        assert!(
            refused["errorMessage"]
                .as_str()
                .unwrap_or_default()
                .contains("Security Alerts")
                || refused["errorMessage"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(&outside),
            "the refusal names the group: {refused}"
        );
        let names = hires_by_name(&emulator);
        assert_eq!(names.len(), 5);
        assert!(!names.contains_key("Batch Hire002"));
    });
}

/// Sends until the first envelope carrying account creations has been
/// answered; after that nothing is ever answered, as when Forge ends an
/// invocation at its time limit.
struct DiesAfterCreates {
    inner: InProcessTransport,
    dead: Cell<bool>,
}

impl Transport for DiesAfterCreates {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if self.dead.get() {
            return std::future::pending().await;
        }
        let creates = request.url.ends_with("/$batch")
            && request
                .body
                .as_deref()
                .is_some_and(|b| b.contains(r#""method":"POST","url":"/users""#));
        let response = self.inner.send(request).await;
        if creates {
            self.dead.set(true);
        }
        response
    }
}

#[test]
fn a_consumer_killed_after_the_creates_loses_and_duplicates_no_hire() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let job_id = submit(&host, &transport, &key, hires(25)).await;
        let events = pushed(&host);

        let dying = DiesAfterCreates {
            inner: InProcessTransport(emulator.clone()),
            dead: Cell::new(false),
        };
        {
            let mut delivery = Box::pin(handle_event(&events[0], &host, &dying));
            let mut cx = Context::from_waker(Waker::noop());
            for _ in 0..1000 {
                if delivery.as_mut().poll(&mut cx).is_ready() {
                    panic!("the delivery should have been cut off");
                }
                if dying.dead.get() {
                    break;
                }
            }
            assert!(dying.dead.get(), "some creates went out");
            // The invocation ends here: dropped mid-chunk.
        }
        let created_before = hires_by_name(&emulator).len();
        assert!(
            created_before > 0 && created_before < 25,
            "{created_before}"
        );
        let mid = status(&host, &transport, &key, &job_id).await;
        assert!(mid["counts"]["done"].as_u64().unwrap() < 25, "{mid}");

        // Forge redelivers the event.
        let mut finished = false;
        for _ in 0..4 {
            if let EventResult::Finished { .. } = handle_event(&events[0], &host, &transport).await
            {
                finished = true;
                break;
            }
        }
        assert!(finished);
        assert_each_hire_once(&emulator, 25);
        let result = status(&host, &transport, &key, &job_id).await;
        assert_eq!(result["counts"]["done"], 25, "{result}");
    });
}

#[test]
fn a_storm_of_429s_ends_with_every_hire_once() {
    run(async {
        let emulator = Emulator::demo();
        let (inner, key) = configure(jira_with_assigned_request(), &emulator).await;
        let host = EmulatorHost::over(inner, &emulator);
        let transport = InProcessTransport(emulator.clone());
        let job_id = submit(&host, &transport, &key, hires(25)).await;
        let events = pushed(&host.inner);
        emulator.clear_log();
        emulator.set_faults(Faults {
            budget: Some(BudgetFault {
                requests_per_second: 15,
            }),
            ..Faults::default()
        });
        let mut deliveries = 0;
        loop {
            deliveries += 1;
            assert!(deliveries < 50, "the job never finished");
            match handle_event(&events[0], &host, &transport).await {
                EventResult::Finished { .. } => break,
                EventResult::Retry {
                    retry_after_seconds,
                    ..
                } => host.advance(retry_after_seconds * 1000),
                other => panic!("{other:?}"),
            }
        }
        emulator.set_faults(Faults::default());
        let throttled = emulator
            .request_log()
            .iter()
            .filter(|r| r.kind != RequestKind::Token && r.status == 429)
            .count();
        assert!(throttled > 0, "the budget was hit");
        assert_each_hire_once(&emulator, 25);
        let result = status(&host, &transport, &key, &job_id).await;
        assert_eq!(result["counts"]["done"], 25, "{result}");
    });
}

/// Hires without an employeeId send their `POST /users` in the reads'
/// `$batch`, `dependsOn` the manager's read, so each hire's own `$batch`
/// is fully sequential. Graph refuses an envelope that mixes sequential
/// and parallel items ("Batch should be either fully sequential or fully
/// parallel": <https://learn.microsoft.com/en-us/answers/questions/1532547/regarding-batching-response-order>),
/// so such a `$batch` travels in an envelope of its own, and every hire
/// still gets its account.
#[test]
fn a_hire_whose_batch_has_dependencies_travels_alone_and_is_created() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let manager = emulator.tenant_summary()["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["userPrincipalName"] == "alex.wilber@contoso.example")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let calls: Vec<Value> = (0..6)
            .map(|i| {
                json!({"route": "user.create", "issueKey": "ITSM-1", "data": {
                    "givenName": "Batch", "surname": format!("Hire{i:03}"),
                    "manager": manager,
                }})
            })
            .collect();
        let job_id = submit(&host, &transport, &key, calls).await;
        let events = pushed(&host);
        assert!(matches!(
            handle_event(&events[0], &host, &transport).await,
            EventResult::Finished { ran: 6, .. }
        ));
        let result = status(&host, &transport, &key, &job_id).await;
        assert_eq!(result["counts"]["done"], 6, "{result}");
        let names = hires_by_name(&emulator);
        assert_eq!(names.len(), 6, "{names:?}");
        assert!(names.values().all(|n| *n == 1), "{names:?}");
        let refused_envelopes = emulator
            .request_log()
            .iter()
            .filter(|r| r.kind == RequestKind::Graph && r.status == 400)
            .count();
        assert_eq!(refused_envelopes, 0, "no envelope refused as mixed");
    });
}

fn throttled_requests(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.kind != RequestKind::Token && r.status == 429)
        .count()
}

/// Delivers `event` until it finishes, waiting out each `Retry-After` on
/// the virtual clock.
async fn deliver_until_finished(event: &Value, host: &EmulatorHost, transport: &impl Transport) {
    for _ in 0..50 {
        match handle_event(event, host, transport).await {
            EventResult::Finished { .. } => return,
            EventResult::Retry {
                retry_after_seconds,
                ..
            } => host.advance(retry_after_seconds * 1000),
            other => panic!("{other:?}"),
        }
    }
    panic!("the chunk never finished");
}

/// Graph counts refused requests against the budget too
/// (<https://learn.microsoft.com/graph/throttling>), so a burst of 429s at
/// the start of every delivery wastes budget. The first delivery learns the
/// tenant's budget from its 429s and keeps it in Forge storage; the next
/// delivery starts at it and is not refused at all.
#[test]
fn the_next_delivery_starts_at_the_stored_budget_without_a_burst_of_429s() {
    run(async {
        let emulator = Emulator::demo();
        let (inner, key) = configure(jira_with_assigned_request(), &emulator).await;
        let host = EmulatorHost::over(inner, &emulator);
        let transport = InProcessTransport(emulator.clone());
        let job_id = submit(&host, &transport, &key, hires(50)).await;
        let events = pushed(&host.inner);
        assert_eq!(events.len(), 2);
        emulator.set_faults(Faults {
            budget: Some(BudgetFault {
                requests_per_second: 30,
            }),
            ..Faults::default()
        });
        emulator.clear_log();
        deliver_until_finished(&events[0], &host, &transport).await;
        assert!(
            throttled_requests(&emulator) > 0,
            "the first delivery learns from 429s"
        );
        let stored = host
            .inner
            .kvs_get(entra_connect::layout::GRAPH_BUDGET_KEY)
            .await
            .unwrap()
            .expect("the learnt budget is stored");
        let rps = stored["requestsPerSecond"].as_u64().unwrap();
        assert!((1..=30).contains(&rps), "{stored}");

        emulator.clear_log();
        deliver_until_finished(&events[1], &host, &transport).await;
        assert_eq!(
            throttled_requests(&emulator),
            0,
            "the second delivery paced at the stored budget"
        );
        emulator.set_faults(Faults::default());
        assert_each_hire_once(&emulator, 50);
        let result = status(&host, &transport, &key, &job_id).await;
        assert_eq!(result["counts"]["done"], 50, "{result}");
    });
}

/// Delivers envelopes late by turns (300 ms, then at once): the tenant
/// counts a request from when it arrives, not from when it left.
struct Jittery<'h> {
    inner: InProcessTransport,
    host: &'h EmulatorHost,
    sent: Cell<u32>,
}

impl Transport for Jittery<'_> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let n = self.sent.get();
        self.sent.set(n + 1);
        if request.url.ends_with("/$batch") && n % 2 == 0 {
            self.host.advance(300);
        }
        self.inner.send(request).await
    }
}

/// Graph's throttling window is counted where the requests arrive
/// (<https://learn.microsoft.com/graph/throttling>): envelopes paced at the
/// budget by the time they left are refused when the network delivers
/// some late and the next on time. Counted until a window after their
/// answer, they are not.
#[test]
fn envelopes_paced_at_the_budget_are_not_refused_when_the_network_jitters() {
    run(async {
        let emulator = Emulator::demo();
        let (inner, key) = configure(jira_with_assigned_request(), &emulator).await;
        let host = EmulatorHost::over(inner, &emulator);
        let transport = InProcessTransport(emulator.clone());
        submit(&host, &transport, &key, hires(50)).await;
        let events = pushed(&host.inner);
        emulator.set_faults(Faults {
            budget: Some(BudgetFault {
                requests_per_second: 30,
            }),
            ..Faults::default()
        });
        deliver_until_finished(&events[0], &host, &transport).await;
        host.advance(2_000);
        emulator.clear_log();
        let jittery = Jittery {
            inner: InProcessTransport(emulator.clone()),
            host: &host,
            sent: Cell::new(0),
        };
        deliver_until_finished(&events[1], &host, &jittery).await;
        emulator.set_faults(Faults::default());
        assert_eq!(throttled_requests(&emulator), 0, "paced within the budget");
        assert_each_hire_once(&emulator, 50);
    });
}
