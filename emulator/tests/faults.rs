//! The faults a benchmark needs: a network latency per HTTP round trip to
//! Graph, a tenant-wide throttle budget, and groups added at run time for a
//! scenario (`POST /_emulator/groups`).
//!
//! Latency is checked on tokio's paused clock: the test asserts how long the
//! emulator waits, which is behaviour, not a measured speed.

use std::time::Duration;

mod common;

use common::{control, graph, token};
use entra_emulator::{AimedEffect, AimedFault, BudgetFault, Emulator, Faults};
use serde_json::{json, Value};

const ADELE: &str = "adele.vance@contoso.example";

fn batch_of_reads(n: usize) -> Value {
    let requests: Vec<Value> = (0..n)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{ADELE}")}))
        .collect();
    json!({"requests": requests})
}

/// JSON batching exists to save network latency: the requests of a `$batch`
/// share one HTTP round trip (<https://learn.microsoft.com/graph/json-batching>).
/// So the latency fault delays each round trip to Graph once, a `$batch`
/// included, and not the token endpoint (another host).
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn latency_is_paid_once_per_round_trip_a_batch_included() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(Faults {
        latency_ms: 80,
        ..Faults::default()
    });

    let t0 = tokio::time::Instant::now();
    let r = graph(&emu, &tok, "GET", &format!("/users/{ADELE}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(t0.elapsed(), Duration::from_millis(80));

    let t0 = tokio::time::Instant::now();
    let r = graph(&emu, &tok, "POST", "/$batch", Some(batch_of_reads(5))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["responses"].as_array().unwrap().len(), 5);
    assert_eq!(
        t0.elapsed(),
        Duration::from_millis(80),
        "one round trip, not five"
    );

    let t0 = tokio::time::Instant::now();
    token(&emu).await;
    assert_eq!(
        t0.elapsed(),
        Duration::ZERO,
        "the token endpoint is not Graph"
    );

    // Concurrent round trips overlap: the emulator waits outside its lock.
    let t0 = tokio::time::Instant::now();
    let path = format!("/users/{ADELE}");
    let (a, b) = tokio::join!(
        graph(&emu, &tok, "GET", &path, None),
        graph(&emu, &tok, "GET", &path, None)
    );
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(t0.elapsed(), Duration::from_millis(80));

    emu.set_faults(Faults::default());
    let t0 = tokio::time::Instant::now();
    graph(&emu, &tok, "GET", &path, None).await;
    assert_eq!(t0.elapsed(), Duration::ZERO);
}

/// Graph answers a client over its limit with 429 `TooManyRequests` and a
/// `Retry-After` in seconds, counts each request of a `$batch` on its own,
/// and keeps counting while it throttles ("all requests accrue against your
/// usage limits": <https://learn.microsoft.com/graph/throttling>); the
/// identity service limits one app in one tenant
/// (<https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits>).
#[tokio::test(flavor = "current_thread")]
async fn the_budget_serves_n_requests_per_second_across_the_tenant_and_names_the_wait() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(Faults {
        budget: Some(BudgetFault {
            requests_per_second: 3,
        }),
        ..Faults::default()
    });
    let r = graph(&emu, &tok, "POST", "/$batch", Some(batch_of_reads(5))).await;
    assert_eq!(
        r.status, 200,
        "the envelope itself is not counted: {}",
        r.body
    );
    let mut statuses: Vec<u64> = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_u64().unwrap())
        .collect();
    statuses.sort();
    assert_eq!(statuses, vec![200, 200, 200, 429, 429], "{}", r.body);
    let throttled = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == 429)
        .unwrap();
    assert_eq!(throttled["headers"]["Retry-After"], "1");
    assert_eq!(throttled["body"]["error"]["code"], "TooManyRequests");

    // A top-level request in the same second: refused too, whole seconds.
    let r = graph(&emu, &tok, "GET", &format!("/users/{ADELE}"), None).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "TooManyRequests");
    assert_eq!(r.retry_after(), Some("1"));

    // Once the second has passed the budget serves again, N at most.
    emu.advance_time(1_000);
    let r = graph(&emu, &tok, "POST", "/$batch", Some(batch_of_reads(4))).await;
    let served = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] == 200)
        .count();
    assert_eq!(served, 3, "{}", r.body);

    // Set and read back through the control endpoint, as JSON.
    let r = control(
        &emu,
        "POST",
        "faults",
        json!({"latencyMs": 80, "budget": {"requestsPerSecond": 50}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["latencyMs"], 80);
    assert_eq!(r.body["budget"]["requestsPerSecond"], 50);
    assert_eq!(
        emu.faults().budget,
        Some(BudgetFault {
            requests_per_second: 50
        })
    );
}

/// Groups added for a scenario are ordinary tenant groups (listed, readable,
/// members kept) until the next reset; like `POST /groups`
/// (<https://learn.microsoft.com/graph/api/group-post-groups>) they need
/// `displayName`, `mailEnabled`, `mailNickname` and `securityEnabled`, and
/// like a seed, only properties of Graph's group type.
#[tokio::test(flavor = "current_thread")]
async fn groups_added_through_the_control_endpoint_behave_as_seeded_ones() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let adele = emu.user(ADELE).unwrap()["id"].as_str().unwrap().to_string();
    let group = |name: &str| json!({"displayName": name, "mailEnabled": false, "mailNickname": name.replace(' ', "-"), "securityEnabled": true});
    let mut with_member = group("Bench Group 01");
    with_member["members"] = json!([adele]);
    let r = control(
        &emu,
        "POST",
        "groups",
        json!({"groups": [with_member, group("Bench Group 02")]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.body["groups"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(emu.group_member_ids(&id), vec![adele.clone()]);
    let read = graph(&emu, &tok, "GET", &format!("/groups/{id}"), None).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["displayName"], "Bench Group 01");
    assert_eq!(
        read.body["groupTypes"],
        json!([]),
        "Graph's default for a new group"
    );
    let member_of = graph(&emu, &tok, "GET", &format!("/users/{adele}/memberOf"), None).await;
    assert!(member_of.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["id"] == id.as_str()));

    let count = || emu.tenant_summary()["groups"].as_array().unwrap().len();
    let before = count();
    for (body, names) in [
        (
            json!({"groups": [{"displayName": "No nickname", "mailEnabled": false, "securityEnabled": true}]}),
            "mailNickname",
        ),
        (
            json!({"groups": [{"displayName": "X", "mailEnabled": false, "mailNickname": "x", "securityEnabled": true, "colour": "red"}]}),
            "colour",
        ),
        (
            json!({"groups": [{"displayName": "X", "mailEnabled": "no", "mailNickname": "x", "securityEnabled": true}]}),
            "mailEnabled",
        ),
        (
            json!({"groups": [group("Fine"), {"displayName": "X", "mailEnabled": false, "mailNickname": "x", "securityEnabled": true, "members": ["00000000-0000-0000-0000-000000000000"]}]}),
            "00000000-0000-0000-0000-000000000000",
        ),
        (
            json!({"groups": [{"id": id, "displayName": "Again", "mailEnabled": false, "mailNickname": "a", "securityEnabled": true}]}),
            "taken",
        ),
    ] {
        let r = control(&emu, "POST", "groups", body).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(
            r.body["error"].as_str().unwrap().contains(names),
            "{}",
            r.body
        );
        assert_eq!(count(), before, "all or none");
    }

    emu.reset();
    assert!(emu.find_group_by_name("Bench Group 01").is_none());
}

fn aimed(nth: u32, method: &str, path_prefix: &str, effect: AimedEffect) -> Faults {
    Faults {
        aimed: vec![AimedFault {
            nth,
            method: Some(method.into()),
            path_prefix: Some(path_prefix.into()),
            effect,
        }],
        ..Faults::default()
    }
}

/// A 503 burst aimed at the second write of a plan, a `$batch` item
/// included: Graph answers "503 Service Unavailable", with `Retry-After`
/// when it can say when to come back
/// (<https://learn.microsoft.com/graph/errors>), and answers each item of a
/// batch on its own (<https://learn.microsoft.com/graph/json-batching>).
#[tokio::test(flavor = "current_thread")]
async fn an_aimed_503_burst_hits_the_nth_matching_call_batch_items_included() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(aimed(
        2,
        "PATCH",
        "/v1.0/users",
        AimedEffect::Unavailable {
            count: 2,
            retry_after_seconds: Some(3.0),
        },
    ));
    let patch = || Some(json!({"jobTitle": "Buyer"}));
    let first = graph(&emu, &tok, "PATCH", &format!("/users/{ADELE}"), patch()).await;
    assert_eq!(first.status, 204, "the first matching call passes");
    // Reads do not match the filter and do not count.
    let read = graph(&emu, &tok, "GET", &format!("/users/{ADELE}"), None).await;
    assert_eq!(read.status, 200);
    let second = graph(&emu, &tok, "PATCH", &format!("/users/{ADELE}"), patch()).await;
    assert_eq!(second.status, 503);
    assert_eq!(second.retry_after(), Some("3"));
    let batch = graph(
        &emu,
        &tok,
        "POST",
        "/$batch",
        Some(json!({"requests": [
            {"id": "1", "method": "PATCH", "url": format!("/users/{ADELE}"),
             "headers": {"content-type": "application/json"}, "body": {"jobTitle": "Buyer"}}
        ]})),
    )
    .await;
    assert_eq!(batch.status, 200);
    assert_eq!(batch.body["responses"][0]["status"], 503, "{}", batch.body);
    let after = graph(&emu, &tok, "PATCH", &format!("/users/{ADELE}"), patch()).await;
    assert_eq!(after.status, 204, "the burst is over");
    assert!(emu.faults().aimed.is_empty(), "a spent fault is gone");
}

/// A connection that drops after Entra carried the request out: the caller
/// cannot tell whether the write happened, which is why Microsoft asks
/// clients to handle network failures and to make retried writes safe
/// (<https://learn.microsoft.com/graph/best-practices-concept#handling-expected-errors>).
/// A drop before Entra reads the request changes nothing.
#[tokio::test(flavor = "current_thread")]
async fn an_aimed_drop_loses_the_answer_before_or_after_the_write() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(aimed(1, "PATCH", "/v1.0/users", AimedEffect::DropBefore));
    let before = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{ADELE}"),
        Some(json!({"jobTitle": "Never"})),
    )
    .await;
    assert_eq!(before.status, entra_emulator::DROPPED_STATUS);
    assert_ne!(emu.user(ADELE).unwrap()["jobTitle"], "Never");

    emu.set_faults(aimed(1, "PATCH", "/v1.0/users", AimedEffect::DropAfter));
    let after = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{ADELE}"),
        Some(json!({"jobTitle": "Applied"})),
    )
    .await;
    assert_eq!(after.status, entra_emulator::DROPPED_STATUS);
    assert_eq!(
        emu.user(ADELE).unwrap()["jobTitle"],
        "Applied",
        "the write happened though its answer was lost"
    );
}

/// An access token lives until its `exp` claim, and a request carrying it
/// after that gets 401 `InvalidAuthenticationToken`
/// (<https://learn.microsoft.com/entra/identity-platform/access-tokens#token-lifetime>);
/// the aimed fault makes that moment fall exactly between two requests of a
/// plan, and a newly issued token works again.
#[tokio::test(flavor = "current_thread")]
async fn an_aimed_token_expiry_falls_between_two_requests() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(aimed(2, "GET", "/v1.0/users", AimedEffect::ExpireToken));
    let first = graph(&emu, &tok, "GET", &format!("/users/{ADELE}"), None).await;
    assert_eq!(first.status, 200);
    let second = graph(&emu, &tok, "GET", &format!("/users/{ADELE}"), None).await;
    assert_eq!(second.status, 401, "{}", second.body);
    assert_eq!(second.body["error"]["code"], "InvalidAuthenticationToken");
    let fresh = token(&emu).await;
    let third = graph(&emu, &fresh, "GET", &format!("/users/{ADELE}"), None).await;
    assert_eq!(third.status, 200);
}
