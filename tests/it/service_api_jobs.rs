//! Bulk jobs end to end against the in-process emulator: `jobs.submit`
//! stores and queues, the consumer runs the queued events, `job.status`
//! reports, a redelivered event changes nothing.

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, InProcessTransport,
};
use entra_connect::host::memory::MemoryHost;
use entra_connect::jobs::consume::{handle_event, EventResult};
use entra_connect::service_api::handle;
use entra_emulator::{Emulator, Faults, ThrottleFault};
use serde_json::{json, Value};

fn hires(count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            json!({"route": "user.create", "issueKey": "ITSM-1", "data": {
                "givenName": "Bulk", "surname": format!("Hire{i:03}"), "employeeId": format!("B{i:04}"),
                "department": "Sales",
            }})
        })
        .collect()
}

fn queued_events(host: &MemoryHost) -> Vec<Value> {
    host.queue_pushes()
        .into_iter()
        .flat_map(|(queue, events)| {
            assert_eq!(queue, "operation-jobs");
            events
        })
        .collect()
}

fn user_count(emulator: &Emulator) -> usize {
    emulator.tenant_summary()["users"]
        .as_array()
        .map_or(0, Vec::len)
}

fn graph_writes(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.contains("oauth2"))
        .count()
}

#[test]
fn a_job_of_hires_runs_through_the_queue_once() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let users_before = user_count(&emulator);

        let submitted = handle(
            &post(
                &key,
                &json!({"route": "jobs.submit", "data": {"calls": hires(30)}}),
            ),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&submitted);
        assert_eq!(submitted.status_code, 202, "{body}");
        assert_eq!(body["result"]["items"], 30);
        let job_id = body["result"]["jobId"].as_str().unwrap().to_string();
        let events = queued_events(&host);
        assert_eq!(events.len(), 2, "30 items make two chunks of at most 25");
        assert_eq!(
            user_count(&emulator),
            users_before,
            "nothing runs before the consumer"
        );

        for event in &events {
            match handle_event(event, &host, &transport).await {
                EventResult::Finished { skipped, .. } => assert_eq!(skipped, 0),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(user_count(&emulator), users_before + 30);

        let status = json_body(
            &handle(
                &post(
                    &key,
                    &json!({"route": "job.status", "data": {"jobId": job_id}}),
                ),
                &host,
                &transport,
            )
            .await,
        );
        let result = &status["result"];
        assert_eq!(result["complete"], true, "{status}");
        assert_eq!(result["counts"]["done"], 30);
        assert_eq!(result["counts"]["queued"], 0);
        let outcomes = result["outcomes"].as_array().unwrap();
        assert_eq!(outcomes.len(), 30);
        assert_eq!(outcomes[29]["route"], "user.create");
        assert!(outcomes[29]["userPrincipalName"].is_string());
        assert!(outcomes[29]["auditId"].is_string());
        let text = status.to_string();
        assert!(
            !text.contains("credential"),
            "job status carries no credential: {text}"
        );

        let writes = graph_writes(&emulator);
        for event in &events {
            match handle_event(event, &host, &transport).await {
                EventResult::Finished { ran, skipped, .. } => {
                    assert_eq!(ran, 0);
                    assert!(skipped > 0);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            graph_writes(&emulator),
            writes,
            "a redelivered event changes nothing"
        );
        assert_eq!(user_count(&emulator), users_before + 30);
    });
}

#[test]
fn an_invalid_item_refuses_the_whole_job_and_names_it() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let mut calls = hires(5);
        calls[3]["data"].as_object_mut().unwrap().remove("surname");
        let res = handle(
            &post(
                &key,
                &json!({"route": "jobs.submit", "data": {"calls": calls}}),
            ),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.calls[3].data.surname");
        assert!(host.queue_pushes().is_empty());
        assert!(!host.kvs_snapshot().keys().any(|k| k.starts_with("job/")));

        let unknown = handle(
            &post(
                &key,
                &json!({"route": "job.status", "data": {"jobId": "nope"}}),
            ),
            &host,
            &transport,
        )
        .await;
        assert_eq!(unknown.status_code, 404);
        assert_eq!(json_body(&unknown)["error"]["code"], "job_not_found");
    });
}

#[test]
fn throttling_hands_the_event_back_instead_of_failing_items() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let submitted = handle(
            &post(
                &key,
                &json!({"route": "jobs.submit", "data": {"calls": hires(3)}}),
            ),
            &host,
            &transport,
        )
        .await;
        let job_id = json_body(&submitted)["result"]["jobId"]
            .as_str()
            .unwrap()
            .to_string();
        let events = queued_events(&host);
        emulator.set_faults(Faults {
            throttle: Some(ThrottleFault {
                requests_per_second: 0,
                retry_after_seconds: 60.0,
            }),
            ..Faults::default()
        });
        match handle_event(&events[0], &host, &transport).await {
            EventResult::Retry {
                retry_after_seconds,
                ..
            } => assert!(retry_after_seconds >= 1),
            other => panic!("expected a retry, got {other:?}"),
        }
        let status_call = json!({"route": "job.status", "data": {"jobId": job_id}});
        let status = json_body(&handle(&post(&key, &status_call), &host, &transport).await);
        assert_eq!(status["result"]["counts"]["failed"], 0, "{status}");
        assert_eq!(status["result"]["counts"]["queued"], 3);

        emulator.set_faults(Faults::default());
        assert!(matches!(
            handle_event(&events[0], &host, &transport).await,
            EventResult::Finished { ran: 3, .. }
        ));
        let status = json_body(&handle(&post(&key, &status_call), &host, &transport).await);
        assert_eq!(status["result"]["counts"]["done"], 3, "{status}");
    });
}
