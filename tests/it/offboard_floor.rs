//! Offboarding through the whole pipeline at its round-trip floor: the
//! privileged-target guard's `$batch` carries offboarding's reads
//! (`graph::read_ahead`), and the read-back rides at the end of the writes'
//! `$batch` with `dependsOn` ("Sequencing requests with the dependsOn
//! property", <https://learn.microsoft.com/en-us/graph/json-batching>).

use crate::support::{configured_host, json_body, post, run, InProcessTransport};
use entra_connect::graph::Deadline;
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::service_api::handle;
use entra_emulator::{Emulator, RequestKind};
use serde_json::{json, Value};

/// The app with the serviceable groups' kinds cached, as after the admin's save.
async fn app(emulator: &Emulator) -> (MemoryHost, String) {
    let (host, key) = configured_host(emulator).await;
    let config = entra_connect::config::load(&host).await.unwrap();
    let transport = InProcessTransport(emulator.clone());
    let client = transport.client(&host);
    let deadline = Deadline::after(host.now_ms(), 25_000);
    entra_connect::policy::tenant_facts::refresh(
        &client,
        &config.policy.serviceable_groups,
        deadline,
    )
    .await
    .unwrap();
    (host, key)
}

async fn offboard(emulator: &Emulator, user: &str) -> (u16, Value, usize, usize) {
    let (host, key) = app(emulator).await;
    let transport = InProcessTransport(emulator.clone());
    emulator.clear_log();
    let res = handle(
        &post(
            &key,
            &json!({"route": "user.offboard", "data": {"user": user}}),
        ),
        &host,
        &transport,
    )
    .await;
    let log = emulator.request_log();
    let trips = log.iter().filter(|l| l.kind == RequestKind::Graph).count();
    let writes = log
        .iter()
        .filter(|l| l.kind != RequestKind::Token && l.method != "GET" && l.path != "/v1.0/$batch")
        .count();
    (res.status_code, json_body(&res), trips, writes)
}

#[test]
fn a_leaver_named_by_upn_is_offboarded_in_two_round_trips() {
    run(async {
        let emulator = Emulator::demo();
        let upn = "adele.vance@contoso.example";
        let (status, body, trips, writes) = offboard(&emulator, upn).await;
        assert_eq!(status, 200, "{body}");
        println!("round trips: user.offboard by UPN, end to end: {trips}");
        assert_eq!(trips, 2, "{body}");
        assert!(writes > 0);
        assert_eq!(emulator.user(upn).unwrap()["accountEnabled"], json!(false));
        // The read-back ran after the writes: nothing left unobserved.
        let remainder = body["result"]["remainder"].to_string();
        assert!(!remainder.contains("notObserved"), "{remainder}");
    });
}

#[test]
fn a_leaver_named_by_an_alias_costs_one_round_trip_more() {
    run(async {
        let emulator = Emulator::demo();
        let (status, body, trips, _) = offboard(&emulator, "jlee@contoso.example").await;
        assert_eq!(status, 200, "{body}");
        // The guard's batch by the address read as a UPN misses; the
        // lookup in it names the user; the guard and the reads go again by id.
        assert_eq!(trips, 3, "{body}");
        assert_eq!(
            emulator.user("e1051@contoso.example").unwrap()["accountEnabled"],
            json!(false)
        );
    });
}

#[test]
fn a_privileged_leaver_is_refused_after_one_read_and_no_write() {
    run(async {
        let emulator = Emulator::demo();
        let admin = "isaiah.langer@contoso.example";
        let (status, body, trips, writes) = offboard(&emulator, admin).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["rule"], "privilegedRoleTarget", "{body}");
        assert_eq!(trips, 1, "{body}");
        assert_eq!(writes, 0, "{body}");
        assert_eq!(emulator.user(admin).unwrap()["accountEnabled"], json!(true));
    });
}
