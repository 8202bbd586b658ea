//! Field fidelity of inputs (issue 12, faults 1, 2, 7, 12) through the
//! Service API against the in-process emulator: values as Jira prints them
//! (`""` for an unfilled field, `+0100` offsets, zone-less HR date-times),
//! `null` clearing, usageLocation held to ISO 3166-1, capped lists; and for
//! every invalid input, a 400 naming the field with no Graph write.

use crate::support::{configured_host, json_body, post, run, InProcessTransport};
use entra_connect::config::{self, AppConfig};
use entra_connect::host::memory::MemoryHost;
use entra_connect::service_api::handle;
use entra_emulator::Emulator;
use serde_json::{json, Value};

const ADELE: &str = "adele.vance@contoso.example";
const EMILY: &str = "emily.braun@contoso.example";

/// Graph writes the emulator saw: non-GET requests and `$batch` items
/// (the `$batch` envelope itself is not a write; its items are logged).
fn writes(emulator: &Emulator) -> Vec<String> {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.contains("oauth2") && r.path != "/v1.0/$batch")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// Every string value in the bodies Graph received (nested included).
fn sent_strings(emulator: &Emulator) -> Vec<(String, String)> {
    fn walk(path: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::String(s) => out.push((path.to_string(), s.clone())),
            Value::Array(items) => items.iter().for_each(|v| walk(path, v, out)),
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(k, v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for r in emulator.request_log() {
        if let Some(body) = &r.body {
            walk("", body, &mut out);
        }
    }
    out
}

fn assert_nothing_empty_sent(emulator: &Emulator) {
    let empty: Vec<_> = sent_strings(emulator)
        .into_iter()
        .filter(|(_, s)| s.trim().is_empty())
        .collect();
    assert!(empty.is_empty(), "empty strings reached Graph: {empty:?}");
}

async fn call(host: &MemoryHost, key: &str, emulator: &Emulator, body: Value) -> (u16, Value) {
    let transport = InProcessTransport(emulator.clone());
    let res = handle(&post(key, &body), host, &transport).await;
    (res.status_code, json_body(&res))
}

/// Sets the site time zone the way the admin page saves it.
async fn set_site_time_zone(host: &MemoryHost, zone: &str) {
    let current = config::load(host).await.unwrap();
    let mut value = serde_json::to_value(&current).unwrap();
    value["siteTimeZone"] = json!(zone);
    let app = AppConfig::from_json(&value).expect("siteTimeZone is a setting");
    config::save(host, &app).await.unwrap();
}

fn plan_summaries(body: &Value) -> String {
    body["plan"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|c| c["summary"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn fault_1_envelopes_as_jira_prints_them_succeed_and_send_nothing_empty() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let create = json!({"route":"user.create","dryRun":true,"data":{"givenName":"Rowan","surname":"Ellery","department":"Engineering","jobTitle":"","officeLocation":"","employeeHireDate":"","manager":"emily.braun@contoso.example"}});
        let (status, body) = call(&host, &key, &emulator, create).await;
        assert_eq!(status, 200, "{body}");
        let created = &body["plan"][0]["body"];
        assert_eq!(created["department"], "Engineering", "{body}");
        for absent in ["jobTitle", "officeLocation", "employeeHireDate"] {
            assert!(created.get(absent).is_none(), "{absent} in {created}");
        }

        let transfer = json!({"route":"user.transfer","data":{"user":ADELE,"department":"Engineering","jobTitle":"","manager":""}});
        let (status, body) = call(&host, &key, &emulator, transfer).await;
        assert_eq!(status, 200, "{body}");
        let adele = emulator.user(ADELE).unwrap();
        assert_eq!(adele["department"], "Engineering");
        assert_ne!(adele["jobTitle"], "");

        let offboard = json!({"route":"user.offboard","data":{"user":ADELE,"leaveDateTime":""}});
        let (status, body) = call(&host, &key, &emulator, offboard).await;
        assert_eq!(status, 200, "{body}");
        let adele = emulator.user(ADELE).unwrap();
        assert_eq!(adele["accountEnabled"], false);
        assert!(adele["employeeLeaveDateTime"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')));
        assert_nothing_empty_sent(&emulator);
    });
}

#[test]
fn empty_values_are_not_given_on_every_route() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        // Group arrays holding "" and blanks: the blanks are left out.
        let (status, body) = call(&host, &key, &emulator, json!({"route":"user.create","dryRun":true,"data":{"givenName":"Rowan","surname":"Ellery","usageLocation":" ","groups":["", "  "],"displayName":"","employeeId":"","manager":""}})).await;
        assert_eq!(status, 200, "{body}");
        assert!(!plan_summaries(&body).contains("group"), "{body}");
        assert_eq!(body["plan"][0]["body"]["displayName"], "Rowan Ellery");
        // TAP lifetime "" is the tenant policy's default lifetime (60 in the demo).
        let (status, body) = call(&host, &key, &emulator, json!({"route":"user.createTemporaryAccessPass","dryRun":true,"data":{"user":ADELE,"lifetimeInMinutes":"","isUsableOnce":""}})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["plan"][0]["body"]["lifetimeInMinutes"], 60, "{body}");
        // user.update: "" is not given; only the real change is sent.
        let (status, body) = call(&host, &key, &emulator, json!({"route":"user.update","data":{"user":ADELE,"changes":{"jobTitle":"","department":"Finance","mobilePhone":"  "}}})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["plan"][0]["body"], json!({"department": "Finance"}));
        // Nothing but "" is nothing to change.
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route":"user.update","data":{"user":ADELE,"changes":{"jobTitle":""}}}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.changes");
        // user.transfer with nothing but empty values.
        let (status, body) = call(&host, &key, &emulator, json!({"route":"user.transfer","data":{"user":ADELE,"department":"","jobTitle":"","manager":""}})).await;
        assert_eq!(status, 400, "{body}");
        // A required input given as "" is required.
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route":"user.create","data":{"givenName":"","surname":"Ellery"}}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.givenName");
        assert_nothing_empty_sent(&emulator);
    });
}

#[test]
fn null_in_user_update_clears_and_clearing_nothing_is_no_change() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let (status, body) = call(&host, &key, &emulator, json!({"route":"user.update","data":{"user":ADELE,"changes":{"officeLocation":"18/2111"}}})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(emulator.user(ADELE).unwrap()["officeLocation"], "18/2111");
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route":"user.update","data":{"user":ADELE,"changes":{"officeLocation":null}}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["plan"][0]["body"], json!({"officeLocation": null}));
        assert_eq!(emulator.user(ADELE).unwrap()["officeLocation"], Value::Null);
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route":"user.update","data":{"user":ADELE,"changes":{"officeLocation":null}}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["result"]["steps"][0]["outcome"]["status"], "noChange");
    });
}

#[test]
fn dates_as_jira_and_hr_systems_print_them_reach_graph_as_utc() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        for (given, utc) in [
            ("2027-01-04T09:00:00.000+0100", "2027-01-04T08:00:00Z"),
            ("2027-01-04T09:00:00+01:00", "2027-01-04T08:00:00Z"),
            ("2027-01-04T09:00:00Z", "2027-01-04T09:00:00Z"),
            ("2027-01-04", "2027-01-04T00:00:00Z"),
            ("2027-01-04T09:00:00", "2027-01-04T09:00:00Z"),
        ] {
            let (status, body) = call(&host, &key, &emulator, json!({"route":"user.create","dryRun":true,"data":{"givenName":"Rowan","surname":"Ellery","employeeHireDate":given}})).await;
            assert_eq!(status, 200, "{given}: {body}");
            assert_eq!(body["plan"][0]["body"]["employeeHireDate"], utc, "{given}");
        }
        // A zone-less leave date from an HR system, site zone Europe/Berlin
        // (UTC+1 in winter): a real offboarding completes with the UTC value.
        set_site_time_zone(&host, "Europe/Berlin").await;
        let offboard = json!({"route":"user.offboard","data":{"user":ADELE,"leaveDateTime":"2026-12-31T17:00:00"}});
        let (status, body) = call(&host, &key, &emulator, offboard.clone()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            emulator.user(ADELE).unwrap()["employeeLeaveDateTime"],
            "2026-12-31T16:00:00Z"
        );
        let summaries = plan_summaries(&body);
        assert!(
            summaries.contains("site time zone Europe/Berlin"),
            "{summaries}"
        );
        // Resent: no change, not a failure.
        let (status, body) = call(&host, &key, &emulator, offboard).await;
        assert_eq!(status, 200, "{body}");
        // Summer time (DST): UTC+2.
        let (status, body) = call(&host, &key, &emulator, json!({"route":"user.update","dryRun":true,"data":{"user":ADELE,"changes":{"employeeHireDate":"2026-07-01T09:00:00"}}})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["plan"][0]["body"]["employeeHireDate"],
            "2026-07-01T07:00:00Z"
        );
        assert!(plan_summaries(&body).contains("+02"), "{body}");
    });
}

#[test]
fn usage_location_is_iso_3166_with_a_suggestion() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        for (given, suggestion) in [("UK", "GB"), ("uk", "GB"), ("USA", "US"), ("deu", "DE")] {
            let (status, body) = call(&host, &key, &emulator, json!({"route":"user.create","data":{"givenName":"Rowan","surname":"Ellery","usageLocation":given}})).await;
            assert_eq!(status, 400, "{given}: {body}");
            assert_eq!(body["error"]["field"], "data.usageLocation");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(&format!("did you mean {suggestion}")),
                "{message}"
            );
        }
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route":"user.update","data":{"user":ADELE,"changes":{"usageLocation":"gb"}}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["plan"][0]["body"]["usageLocation"], "GB");
    });
}

/// Every invalid input of every mutating route: a 400 naming the field, and
/// not one Graph write (most are refused before any Graph call at all).
#[test]
fn each_invalid_input_is_refused_before_any_write() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let many =
            |n: usize| -> Vec<Value> { (0..n).map(|i| json!(format!("Group {i}"))).collect() };
        let create = |extra: Value| {
            let mut data = json!({"givenName": "Rowan", "surname": "Ellery", "manager": EMILY});
            for (k, v) in extra.as_object().unwrap() {
                data[k] = v.clone();
            }
            json!({"route": "user.create", "data": data})
        };
        let cases = [
            (
                create(json!({"employeeHireDate": "31/12/2026"})),
                "data.employeeHireDate",
            ),
            (
                create(json!({"employeeHireDate": "2026-12-31T25:00:00Z"})),
                "data.employeeHireDate",
            ),
            (
                create(json!({"employeeHireDate": 20261231})),
                "data.employeeHireDate",
            ),
            (create(json!({"usageLocation": "UK"})), "data.usageLocation"),
            (
                create(json!({"usageLocation": "USA"})),
                "data.usageLocation",
            ),
            (create(json!({"usageLocation": 1})), "data.usageLocation"),
            (create(json!({"groups": many(51)})), "data.groups"),
            (create(json!({"groups": many(10_000)})), "data.groups"),
            (create(json!({"groups": "Engineering"})), "data.groups"),
            (create(json!({"givenName": 5})), "data.givenName"),
            (
                create(json!({"givenName": "x".repeat(65)})),
                "data.givenName",
            ),
            (
                create(json!({"jobTitle": "x".repeat(129)})),
                "data.jobTitle",
            ),
            (
                create(json!({"employeeId": "E".repeat(17)})),
                "data.employeeId",
            ),
            (create(json!({"manager": 5})), "data.manager"),
            (
                json!({"route":"user.offboard","data":{"user":ADELE,"leaveDateTime":"tomorrow"}}),
                "data.leaveDateTime",
            ),
            (
                json!({"route":"user.offboard","data":{"user":ADELE,"leaveDateTime":"2026-12-31T17:00:00[Europe/Berlin]"}}),
                "data.leaveDateTime",
            ),
            (
                json!({"route":"user.offboard","data":{"user":ADELE,"leaveDateTime":true}}),
                "data.leaveDateTime",
            ),
            (
                json!({"route":"user.update","data":{"user":ADELE,"changes":{"employeeHireDate":"01/04/2027"}}}),
                "data.changes.employeeHireDate",
            ),
            (
                json!({"route":"user.update","data":{"user":ADELE,"changes":{"usageLocation":"uk"}}}),
                "data.changes.usageLocation",
            ),
            (
                json!({"route":"user.update","data":{"user":ADELE,"changes":{"jobTitle":5}}}),
                "data.changes.jobTitle",
            ),
            (
                json!({"route":"user.transfer","data":{"user":ADELE,"department":5}}),
                "data.department",
            ),
            (
                json!({"route":"user.transfer","data":{"user":ADELE,"department":"x".repeat(65)}}),
                "data.department",
            ),
            (
                json!({"route":"user.createTemporaryAccessPass","data":{"user":ADELE,"lifetimeInMinutes":"an hour"}}),
                "data.lifetimeInMinutes",
            ),
            (
                json!({"route":"user.createTemporaryAccessPass","data":{"user":ADELE,"lifetimeInMinutes":5}}),
                "data.lifetimeInMinutes",
            ),
        ];
        for (call_body, field) in cases {
            emulator.clear_log();
            let (status, body) = call(&host, &key, &emulator, call_body.clone()).await;
            let shown: String = call_body.to_string().chars().take(160).collect();
            assert_eq!(status, 400, "{shown} -> {body}");
            assert_eq!(body["error"]["field"], field, "{shown} -> {body}");
            assert_eq!(writes(&emulator), Vec::<String>::new(), "{shown}");
            // Refused at parse: not even a Graph read.
            let graph_calls = emulator
                .request_log()
                .iter()
                .filter(|r| !r.path.contains("oauth2"))
                .count();
            assert_eq!(graph_calls, 0, "{shown}");
        }
    });
}

#[test]
fn bulk_job_items_are_refused_at_submission_for_the_same_inputs() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let (status, body) = call(&host, &key, &emulator, json!({"route":"jobs.submit","data":{"calls":[
            {"route":"user.offboard","data":{"user":ADELE,"leaveDateTime":"2026-12-31T17:00:00.000+0100"}},
            {"route":"user.create","data":{"givenName":"Rowan","surname":"Ellery","usageLocation":"UK"}}
        ]}})).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.calls[1].data.usageLocation");
        assert!(writes(&emulator).is_empty());
    });
}
