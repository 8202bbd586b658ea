//! The faults a benchmark needs: a network latency per HTTP round trip to
//! Graph, a tenant-wide throttle budget, and groups added at run time for a
//! scenario (`POST /_emulator/groups`).
//!
//! Latency is checked on tokio's paused clock: the test asserts how long the
//! emulator waits, which is behaviour, not a measured speed.

use std::time::Duration;

mod common;

use common::{control, graph, token};
use entra_emulator::{BudgetFault, Emulator, Faults};
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
