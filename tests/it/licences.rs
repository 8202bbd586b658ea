//! `user.assignLicenses` and `user.removeLicenses` through the Service API
//! against the in-process emulator (demo tenant: Office 365 E3 with seats
//! left, Microsoft 365 E5 through a licensing group with none left), round
//! trips counted in the emulator's log.

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, InProcessTransport,
};
use entra_connect::audit::{self, AuditFilter};
use entra_connect::config::{self, AppConfig};
use entra_connect::host::memory::MemoryHost;
use entra_connect::service_api::handle;
use entra_emulator::{Emulator, RequestKind};
use serde_json::{json, Value};

const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
const E5: &str = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
/// Finance, no licence, usageLocation US.
const LEE: &str = "lee.gu@contoso.example";
/// Sales, Office 365 E3 directly.
const ADELE: &str = "adele.vance@contoso.example";
/// Marketing, no usageLocation, no licence.
const NOAH: &str = "noah.schmidt@contoso.example";
/// Executive, Microsoft 365 E5 through "Licensing - Microsoft 365 E5".
const MEGAN: &str = "megan.bowen@contoso.example";
/// Global Administrator: a privileged target.
const ISAIAH: &str = "isaiah.langer@contoso.example";

async fn app(emulator: &Emulator, edit: impl FnOnce(&mut AppConfig)) -> (MemoryHost, String) {
    let (host, key) = configure(jira_with_assigned_request(), emulator).await;
    let mut cfg = config::load(&host).await.unwrap();
    edit(&mut cfg);
    config::save(&host, &cfg).await.unwrap();
    (host, key)
}

async fn call(host: &MemoryHost, key: &str, emulator: &Emulator, body: Value) -> (u16, Value) {
    let res = handle(
        &post(key, &body),
        host,
        &InProcessTransport(emulator.clone()),
    )
    .await;
    (res.status_code, json_body(&res))
}

/// Requests that changed something (batch items count, the envelope not).
fn writes(emulator: &Emulator) -> Vec<String> {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.method != "GET" && r.kind != RequestKind::Token && r.path != "/v1.0/$batch")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn log(emulator: &Emulator) -> String {
    emulator
        .request_log()
        .iter()
        .map(|r| {
            format!(
                "{:?} {} {}?{}",
                r.kind,
                r.method,
                r.path,
                r.query.clone().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Graph round trips (a `$batch` is one; tokens not counted).
fn round_trips(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.kind == RequestKind::Graph)
        .count()
}

async fn skus_of(emulator: &Emulator, user: &str) -> Vec<String> {
    let id = emulator.user(user).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = graph(
        emulator,
        "GET",
        &format!("/users/{id}?$select=assignedLicenses"),
    )
    .await;
    body["assignedLicenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["skuId"].as_str().unwrap().to_string())
        .collect()
}

/// A Graph call with the app's own credentials, outside the app (to read
/// or arrange the tenant).
async fn graph(emulator: &Emulator, method: &str, path: &str) -> Value {
    let c = emulator.credentials();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        c.client_id,
        percent_encoding::utf8_percent_encode(&c.client_secret, percent_encoding::NON_ALPHANUMERIC)
    );
    let token = emulator
        .handle(
            http::Request::builder()
                .method("POST")
                .uri(format!("/{}/oauth2/v2.0/token", c.tenant_id))
                .body(form.into_bytes())
                .unwrap(),
        )
        .await;
    let token: Value = serde_json::from_slice(token.body()).unwrap();
    let response = emulator
        .handle(
            http::Request::builder()
                .method(method)
                .uri(format!("/v1.0{path}"))
                .header(
                    "authorization",
                    format!("Bearer {}", token["access_token"].as_str().unwrap()),
                )
                .body(Vec::new())
                .unwrap(),
        )
        .await;
    serde_json::from_slice(response.body()).unwrap_or(Value::Null)
}

#[test]
fn assign_then_remove_a_licence_with_its_round_trips() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.assignLicenses", "data": {"user": LEE, "skus": ["enterprisepack"], "disabledPlans": ["TEAMS1"]}})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["result"]["steps"][0]["outcome"]["status"], "done",
            "{body}"
        );
        assert_eq!(
            body["plan"][0]["summary"],
            format!("Assign ENTERPRISEPACK (without TEAMS1) to {LEE}")
        );
        assert_eq!(writes(&emulator).len(), 1);
        let assign_trips = round_trips(&emulator);
        // One read batch (user + subscribedSkus), the write, the state read.
        assert_eq!(assign_trips, 3, "{}", log(&emulator));
        assert_eq!(skus_of(&emulator, LEE).await, vec![E3.to_string()]);

        emulator.clear_log();
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.removeLicenses", "data": {"user": LEE, "skus": [E3]}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["plan"][0]["summary"],
            format!("Remove ENTERPRISEPACK from {LEE}")
        );
        // The privileged-target guard (the address read as a UPN with its
        // lookup, in one batch), the read batch, the write.
        let remove_trips = round_trips(&emulator);
        assert_eq!(remove_trips, 3, "{}", log(&emulator));
        assert!(skus_of(&emulator, LEE).await.is_empty());
        println!("round trips: assign {assign_trips}, remove {remove_trips}");
    });
}

#[test]
fn dry_run_plans_and_writes_nothing() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.assignLicenses", "dryRun": true, "data": {"user": LEE, "skus": ["ENTERPRISEPACK"]}})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["dryRun"], true);
        assert_eq!(body["plan"][0]["method"], "POST");
        assert!(body["plan"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("/assignLicense"));
        assert!(writes(&emulator).is_empty());
    });
}

#[test]
fn no_free_seat_is_409_naming_the_sku_before_any_write() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |c| {
            c.provisioning.default_usage_location = Some("US".into())
        })
        .await;
        emulator.clear_log();
        // E3 has seats, E5 none: nothing is assigned, not even E3, and
        // Noah's usageLocation is not set either.
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.assignLicenses", "data": {"user": NOAH, "skus": ["ENTERPRISEPACK", "SPE_E5"]}})).await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("SPE_E5"),
            "{body}"
        );
        assert!(writes(&emulator).is_empty(), "{:?}", writes(&emulator));
    });
}

#[test]
fn missing_usage_location_is_set_first_with_depends_on() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |c| {
            c.provisioning.default_usage_location = Some("gb".into())
        })
        .await;
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.assignLicenses", "data": {"user": NOAH, "skus": ["ENTERPRISEPACK"]}})).await;
        assert_eq!(status, 200, "{body}");
        let keys: Vec<&str> = body["plan"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["usageLocation.set", "licences.assign"]);
        assert!(body["plan"][0]["summary"].as_str().unwrap().contains("GB"));
        // Sent in one batch, the assignment depending on the usage location
        // (the emulator runs independent items out of order).
        let batch = emulator
            .request_log()
            .into_iter()
            .find(|r| {
                r.path == "/v1.0/$batch"
                    && r.body
                        .as_ref()
                        .is_some_and(|b| b.to_string().contains("assignLicense"))
            })
            .expect("one $batch with both changes");
        let requests = batch.body.unwrap()["requests"].clone();
        assert_eq!(requests[1]["dependsOn"], json!([requests[0]["id"]]));
        assert_eq!(emulator.user(NOAH).unwrap()["usageLocation"], "GB");
        assert_eq!(skus_of(&emulator, NOAH).await, vec![E3.to_string()]);
    });
}

#[test]
fn missing_usage_location_without_a_default_is_409_before_any_write() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.assignLicenses", "data": {"user": NOAH, "skus": ["ENTERPRISEPACK"]}})).await;
        assert_eq!(status, 409, "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("usageLocation"));
        assert!(writes(&emulator).is_empty());
    });
}

#[test]
fn an_inherited_licence_is_not_removed_and_the_group_is_named() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        emulator.clear_log();
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.removeLicenses", "data": {"user": MEGAN, "skus": ["SPE_E5"]}}),
        )
        .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Licensing - Microsoft 365 E5"),
            "{body}"
        );
        assert!(writes(&emulator).is_empty());
        assert_eq!(skus_of(&emulator, MEGAN).await, vec![E5.to_string()]);
    });
}

#[test]
fn an_unknown_sku_or_plan_is_400_naming_the_item() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.assignLicenses", "data": {"user": LEE, "skus": ["ENTERPRISEPACK", "POWER_BI_PRO"]}})).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.skus[1]");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("ENTERPRISEPACK, SPE_E5"),
            "{body}"
        );
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.assignLicenses", "data": {"user": LEE, "skus": ["ENTERPRISEPACK"], "disabledPlans": ["AAD_PREMIUM_P2"]}})).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.disabledPlans[0]");
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.removeLicenses", "data": {"user": LEE, "skus": []}}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.skus");
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.removeLicenses", "data": {"user": LEE, "skus": [7]}}),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.skus[0]");
        assert!(writes(&emulator).is_empty());
    });
}

#[test]
fn a_privileged_target_is_refused() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        emulator.clear_log();
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.removeLicenses", "data": {"user": ISAIAH, "skus": ["SPE_E5"]}}),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        assert!(writes(&emulator).is_empty());
    });
}

#[test]
fn a_replay_changes_nothing_and_the_audit_record_names_the_sku() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        let request = json!({"route": "user.assignLicenses", "issueKey": "ITSM-1", "idempotencyKey": "HR-LIC-1", "data": {"user": LEE, "skus": ["ENTERPRISEPACK"]}});
        let (status, first) = call(&host, &key, &emulator, request.clone()).await;
        assert_eq!(status, 200, "{first}");
        emulator.clear_log();
        let (status, again) = call(&host, &key, &emulator, request).await;
        assert_eq!(status, 200);
        assert_eq!(again["replay"], true);
        assert_eq!(again["result"], first["result"]);
        assert!(
            emulator.request_log().is_empty(),
            "a replay never reaches Entra"
        );
        let records = audit::query(
            &host,
            &AuditFilter {
                issue_key: Some("ITSM-1".into()),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
        let record = records
            .iter()
            .find(|r| r.idempotency_key.as_deref() == Some("HR-LIC-1"))
            .unwrap_or_else(|| panic!("no audit record {} in {records:?}", first["auditId"]));
        let text = serde_json::to_string(&record.steps).unwrap();
        assert!(text.contains("ENTERPRISEPACK"), "{text}");
        // Already assigned: a new call is no change, and sends no write.
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.assignLicenses", "data": {"user": ADELE, "skus": ["ENTERPRISEPACK"]}})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["result"]["steps"][0]["outcome"]["status"], "noChange");
        assert!(writes(&emulator).is_empty());
    });
}

#[test]
fn an_assignment_state_in_error_is_left_for_a_person() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        // Lena inherits E5 from the licensing group, which had no seat left
        // for her (CountViolation). Megan leaves the group, freeing a seat;
        // Lena is then given E5 directly: the write succeeds, and the state
        // read after it still shows her inherited assignment in error.
        let group = emulator
            .find_group_by_name("Licensing - Microsoft 365 E5")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let megan = emulator.user(MEGAN).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        graph(
            &emulator,
            "DELETE",
            &format!("/groups/{group}/members/{megan}/$ref"),
        )
        .await;
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.assignLicenses", "data": {"user": "lena.fischer@contoso.example", "skus": ["SPE_E5"]}})).await;
        assert_eq!(status, 200, "{body}");
        let remainder = body["result"]["remainder"].as_array().expect("a remainder");
        assert_eq!(remainder[0]["kind"], "licence");
        let text = remainder[0]["summary"].as_str().unwrap();
        assert!(
            text.contains("SPE_E5")
                && text.contains("CountViolation")
                && text.contains("not enough licences"),
            "{text}"
        );
        for (error, words) in [
            ("MutuallyExclusiveViolation", "cannot be combined"),
            ("DependencyViolation", "depends on"),
        ] {
            assert!(
                entra_connect::lifecycle::licences::assignment_error_text(error).contains(words)
            );
        }
    });
}

#[test]
fn offboarding_removes_direct_licences_at_once_or_after_the_grace_period() {
    run(async {
        let emulator = Emulator::demo();
        // Grace 0 (the default): Adele's direct E3 goes in the same batch.
        // The leave date has passed (the host's clock starts 2026-01-01), so
        // the offboarding runs now rather than on a later date.
        let (host, key) = app(&emulator, |_| {}).await;
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.offboard", "data": {"user": ADELE, "leaveDateTime": "2025-12-31"}})).await;
        assert_eq!(status, 200, "{body}");
        let step = body["result"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "licences.remove")
            .expect("a licence step")
            .clone();
        assert_eq!(
            step["summary"],
            format!("Remove {ADELE}'s licences ENTERPRISEPACK")
        );
        assert_eq!(step["outcome"]["status"], "done");
        assert!(skus_of(&emulator, ADELE).await.is_empty());

        // Grace 30: nothing removed, a remainder with the date.
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |c| {
            c.provisioning.licence_removal_grace_days = 30
        })
        .await;
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.offboard", "data": {"user": ADELE, "leaveDateTime": "2025-12-31"}})).await;
        assert_eq!(status, 200, "{body}");
        assert!(!body["plan"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["key"] == "licences.remove"));
        let remainder = body["result"]["remainder"].as_array().unwrap();
        let licence = remainder
            .iter()
            .find(|r| r["kind"] == "licence")
            .expect("a licence remainder");
        assert!(
            licence["summary"]
                .as_str()
                .unwrap()
                .contains("ENTERPRISEPACK on 2026-01-30"),
            "{licence}"
        );
        assert_eq!(skus_of(&emulator, ADELE).await, vec![E3.to_string()]);

        // The setting is held to 0..=365 on save.
        let mut cfg = config::load(&host).await.unwrap();
        cfg.provisioning.licence_removal_grace_days = 400;
        let err = config::save(&host, &cfg).await.unwrap_err();
        assert!(
            format!("{err:?}").contains("licenceRemovalGraceDays"),
            "{err:?}"
        );
    });
}
