//! Licence rules in provisioning (`provisioning.licenceRules`): the SKUs a
//! department or job title gives, assigned by `user.create` and diffed by
//! `user.transfer`, through the Service API against the in-process
//! emulator (demo tenant: ENTERPRISEPACK with free seats, SPE_E5 with none,
//! held by the Executive team through "Licensing - Microsoft 365 E5").
//!
//! Entra behaviour relied on: assignLicense needs a `usageLocation` and a
//! free seat, and refuses to remove a licence inherited from a group
//! (<https://learn.microsoft.com/en-us/graph/api/user-assignlicense?view=graph-rest-1.0>,
//! <https://learn.microsoft.com/en-us/entra/identity/users/licensing-groups-resolve-problems>);
//! seats are `prepaidUnits.enabled - consumedUnits`
//! (<https://learn.microsoft.com/en-us/graph/api/resources/subscribedsku?view=graph-rest-1.0>).

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, InProcessTransport,
};
use entra_connect::config::{self, AppConfig};
use entra_connect::host::memory::MemoryHost;
use entra_connect::service_api::handle;
use entra_emulator::{Emulator, RequestKind};
use serde_json::{json, Value};

const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
const E5: &str = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
const E5_GROUP: &str = "50ef582a-772e-4e2d-af59-bd4b912728c6";
/// Sales, ENTERPRISEPACK directly.
const ADELE: &str = "adele.vance@contoso.example";
/// Executive, SPE_E5 through the licensing group.
const GRACE: &str = "grace.liu@contoso.example";
/// Executive, SPE_E5 through the licensing group (its seat is freed for
/// the swap).
const MEGAN: &str = "megan.bowen@contoso.example";

fn rules() -> Value {
    json!([
        {"name": "Finance", "when": [{"attribute": "department", "equals": "Finance"}], "skus": ["ENTERPRISEPACK"], "disabledPlans": ["TEAMS1"]},
        {"name": "Sales", "when": [{"attribute": "department", "equals": "Sales"}], "skus": ["ENTERPRISEPACK"]},
        {"name": "Executives", "when": [{"attribute": "department", "equals": "Executive"}], "skus": ["SPE_E5"]}
    ])
}

async fn app(emulator: &Emulator, licence_rules: Value) -> (MemoryHost, String) {
    let (host, key) = configure(jira_with_assigned_request(), emulator).await;
    let mut cfg: AppConfig = config::load(&host).await.unwrap();
    cfg.provisioning.licence_rules = serde_json::from_value(licence_rules).unwrap();
    cfg.provisioning.default_usage_location = Some("DE".into());
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

/// Graph round trips (a `$batch` is one; tokens not counted). A 401 is
/// not counted either: the second emulator of a test refuses the token the
/// thread's warm cache kept from the first (same tenant, another signing
/// key) once, before the app fetches its own.
fn round_trips(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.kind == RequestKind::Graph && r.status != 401)
        .count()
}

fn log(emulator: &Emulator) -> String {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.kind != RequestKind::Token)
        .map(|r| {
            format!(
                "{:?} {} {}?{} {}",
                r.kind,
                r.method,
                r.path,
                r.query.clone().unwrap_or_default(),
                r.status
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A Graph call with the app's own credentials, outside the app.
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

/// `licenseAssignmentStates` of a user as (skuId, assignedByGroup).
async fn licences_of(emulator: &Emulator, user: &str) -> Vec<(String, Option<String>)> {
    let body = graph(
        emulator,
        "GET",
        &format!("/users/{user}?$select=usageLocation,licenseAssignmentStates"),
    )
    .await;
    body["licenseAssignmentStates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["skuId"].as_str().unwrap().to_string(),
                s["assignedByGroup"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// A new hire with a manager: the round trip after the create (manager,
/// groups, licences) happens with or without licence rules.
fn hire(department: &str) -> Value {
    json!({"route": "user.create", "data": {"givenName": "Rhea", "surname": "Lindqvist", "department": department, "manager": ADELE}})
}

#[test]
fn create_assigns_the_rule_sku_with_the_default_usage_location_in_the_same_round_trips() {
    run(async {
        // Without licence rules, for the round-trip count.
        let plain = Emulator::demo();
        let (host, key) = app(&plain, json!([])).await;
        plain.clear_log();
        let (status, body) = call(&host, &key, &plain, hire("Finance")).await;
        assert_eq!(status, 200, "{body}");
        let without = round_trips(&plain);

        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, rules()).await;
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, hire("Finance")).await;
        assert_eq!(status, 200, "{body}");
        let with = round_trips(&emulator);
        let upn = body["result"]["user"]["userPrincipalName"]
            .as_str()
            .unwrap()
            .to_string();
        let step = body["result"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "licences.rules")
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(step["outcome"]["status"], "done", "{body}");
        assert_eq!(
            licences_of(&emulator, &upn).await,
            vec![(E3.to_string(), None)]
        );
        let user = graph(
            &emulator,
            "GET",
            &format!("/users/{upn}?$select=usageLocation,assignedLicenses"),
        )
        .await;
        assert_eq!(user["usageLocation"], "DE", "in the create body: {user}");
        assert_eq!(
            user["assignedLicenses"][0]["disabledPlans"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(
            !body["result"]["remainder"].to_string().contains("licence"),
            "no assignment error: {body}"
        );
        assert_eq!(with, without, "licence rules add no round trip");
        println!("round trips: create {without} without licence rules, {with} with");
    });
}

#[test]
fn create_without_a_free_seat_is_409_naming_the_sku_before_any_write() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, rules()).await;
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, hire("Executive")).await;
        assert_eq!(status, 409, "{body}");
        let text = body.to_string();
        assert!(
            text.contains("SPE_E5") && text.contains("Executives"),
            "{body}"
        );
        assert!(writes(&emulator).is_empty(), "{:?}", writes(&emulator));
        assert!(emulator.user("rhea.lindqvist@contoso.example").is_none());
    });
}

#[test]
fn a_rule_naming_no_subscription_is_409_naming_the_rule_and_bad_shapes_fail_on_save() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(
            &emulator,
            json!([{"name": "Finance", "when": [{"attribute": "department", "equals": "Finance"}], "skus": ["VISIOCLIENT"]}]),
        )
        .await;
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, hire("Finance")).await;
        assert_eq!(status, 409, "{body}");
        let text = body.to_string();
        assert!(
            text.contains("provisioning.licenceRules[0].skus[0]") && text.contains("VISIOCLIENT"),
            "{body}"
        );
        assert!(writes(&emulator).is_empty());

        let mut cfg = config::load(&host).await.unwrap();
        cfg.provisioning.licence_rules = serde_json::from_value(
            json!([{"name": "x", "when": [{"attribute": "jobTitle", "equals": "CFO"}], "skus": []}]),
        )
        .unwrap();
        let e = cfg.provisioning.validate().unwrap_err();
        assert_eq!(e.field, "provisioning.licenceRules[0].skus");
    });
}

#[test]
fn dry_run_names_the_skus_and_rules_and_writes_nothing() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, rules()).await;
        emulator.clear_log();
        let mut request = hire("Finance");
        request["dryRun"] = json!(true);
        let (status, body) = call(&host, &key, &emulator, request).await;
        assert_eq!(status, 200, "{body}");
        let step = body["plan"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "licences.rules")
            .unwrap_or_else(|| panic!("{body}"));
        let summary = step["summary"].as_str().unwrap();
        assert!(
            summary.starts_with("Assign ENTERPRISEPACK (rule Finance) to "),
            "{summary}"
        );
        assert!(summary.contains("usage location DE"), "{summary}");
        assert!(writes(&emulator).is_empty());
    });
}

#[test]
fn transfer_swaps_the_rule_skus_in_the_same_round_trips() {
    run(async {
        let transfer =
            json!({"route": "user.transfer", "data": {"user": ADELE, "department": "Executive"}});
        // Free one SPE_E5 seat: Megan leaves the licensing group.
        let free_seat = |emulator: Emulator| async move {
            let megan = emulator.user(MEGAN).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
            graph(
                &emulator,
                "DELETE",
                &format!("/groups/{E5_GROUP}/members/{megan}/$ref"),
            )
            .await;
        };
        let plain = Emulator::demo();
        free_seat(plain.clone()).await;
        let (host, key) = app(&plain, json!([])).await;
        plain.clear_log();
        let (status, body) = call(&host, &key, &plain, transfer.clone()).await;
        assert_eq!(status, 200, "{body}");
        let without = round_trips(&plain);

        let emulator = Emulator::demo();
        free_seat(emulator.clone()).await;
        let (host, key) = app(&emulator, rules()).await;
        emulator.clear_log();
        let (status, body) = call(&host, &key, &emulator, transfer).await;
        assert_eq!(status, 200, "{body}");
        let with = round_trips(&emulator);
        let step = body["plan"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "licences.rules")
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(
            step["summary"],
            format!(
                "Assign SPE_E5 (rule Executives) to {ADELE} and remove ENTERPRISEPACK (rule Sales)"
            )
        );
        assert_eq!(
            licences_of(&emulator, ADELE).await,
            vec![(E5.to_string(), None)]
        );
        assert_eq!(
            with,
            without,
            "licence rules add no round trip: {}",
            log(&emulator)
        );
        println!("round trips: transfer {without} without licence rules, {with} with");
    });
}

#[test]
fn transfer_leaves_a_group_inherited_licence_and_says_so() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, rules()).await;
        emulator.clear_log();
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.transfer", "data": {"user": GRACE, "department": "Sales"}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let licences = licences_of(&emulator, GRACE).await;
        assert!(
            licences.contains(&(E5.to_string(), Some(E5_GROUP.to_string()))),
            "the inherited licence stays: {licences:?}"
        );
        assert!(licences.contains(&(E3.to_string(), None)), "{licences:?}");
        let remainder = body["result"]["remainder"].to_string();
        assert!(remainder.contains("keeps SPE_E5 through a group"), "{body}");
        assert!(
            !writes(&emulator).iter().any(|w| w.contains(E5_GROUP)),
            "the group is not touched"
        );
    });
}
