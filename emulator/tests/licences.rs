//! Licences as Entra serves them: `subscribedSkus` seat counts,
//! `assignLicense` and its refusals, group-based licences and their states,
//! `licenseDetails`. Each test names the Microsoft Learn page it follows.

use entra_emulator::Emulator;
use http::Request;
use serde_json::{json, Value};

const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";
const E5: &str = "06ebc4ee-1bb5-47dd-8120-11324bc54e06";
const TEAMS1: &str = "57ff2da0-773e-42df-b2af-ffb7a2317929";
/// Finance: no licence, usageLocation US.
const LEE: &str = "lee.gu@contoso.example";
/// Sales: Office 365 E3, directly.
const ADELE: &str = "adele.vance@contoso.example";
/// Marketing: no usageLocation.
const NOAH: &str = "noah.schmidt@contoso.example";
/// Executive: Microsoft 365 E5 through the licensing group.
const MEGAN: &str = "megan.bowen@contoso.example";
/// The licensing group's fourth member: no E5 seat was left for her.
const LENA: &str = "lena.fischer@contoso.example";

async fn call(
    emu: &Emulator,
    tok: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("/v1.0{path}"))
        .header("host", "emulator.test");
    if !tok.is_empty() {
        builder = builder.header("authorization", format!("Bearer {tok}"));
    }
    let body = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    let response = emu
        .handle(
            builder
                .header("content-type", "application/json")
                .body(body)
                .unwrap(),
        )
        .await;
    (
        response.status().as_u16(),
        serde_json::from_slice(response.body()).unwrap_or(Value::Null),
    )
}

async fn token(emu: &Emulator) -> String {
    let c = emu.credentials();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        c.client_id,
        percent_encoding::utf8_percent_encode(&c.client_secret, percent_encoding::NON_ALPHANUMERIC)
    );
    let request = Request::builder()
        .method("POST")
        .uri(format!("/{}/oauth2/v2.0/token", c.tenant_id))
        .body(form.into_bytes())
        .unwrap();
    let v: Value = serde_json::from_slice(emu.handle(request).await.body()).unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

async fn seats(emu: &Emulator, tok: &str, sku: &str) -> (i64, i64) {
    let (status, body) = call(emu, tok, "GET", "/subscribedSkus", None).await;
    assert_eq!(status, 200);
    let s = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skuId"] == sku)
        .unwrap()
        .clone();
    (
        s["prepaidUnits"]["enabled"].as_i64().unwrap(),
        s["consumedUnits"].as_i64().unwrap(),
    )
}

async fn states(emu: &Emulator, tok: &str, user: &str) -> Value {
    let (status, body) = call(
        emu,
        tok,
        "GET",
        &format!("/users/{user}?$select=assignedLicenses,licenseAssignmentStates"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn assign(add: Value, remove: Value) -> Option<Value> {
    Some(json!({"addLicenses": add, "removeLicenses": remove}))
}

/// subscribedSku: `prepaidUnits.enabled` and `consumedUnits` (the free seats
/// are their difference); the demo tenant has E3 seats left and none of E5
/// (https://learn.microsoft.com/en-us/graph/api/subscribedsku-list?view=graph-rest-1.0).
#[tokio::test(flavor = "current_thread")]
async fn subscribed_skus_count_seats() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let (status, body) = call(&emu, &tok, "GET", "/subscribedSkus", None).await;
    assert_eq!(status, 200);
    let parts: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skuPartNumber"].as_str().unwrap())
        .collect();
    assert_eq!(parts, ["ENTERPRISEPACK", "SPE_E5"]);
    let (enabled, consumed) = seats(&emu, &tok, E3).await;
    assert!(
        consumed > 0 && consumed < enabled,
        "{consumed} of {enabled}"
    );
    assert_eq!(seats(&emu, &tok, E5).await, (3, 3));
}

/// assignLicense adds and removes in one call, takes a seat, honours
/// `disabledPlans`, and shows in `assignedLicenses`, `licenseAssignmentStates`
/// and `licenseDetails`
/// (https://learn.microsoft.com/en-us/graph/api/user-assignlicense?view=graph-rest-1.0,
/// https://learn.microsoft.com/en-us/graph/api/user-list-licensedetails?view=graph-rest-1.0).
#[tokio::test(flavor = "current_thread")]
async fn assign_license_adds_removes_and_counts_a_seat() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let (_, before) = seats(&emu, &tok, E3).await;
    let (status, body) = call(
        &emu,
        &tok,
        "POST",
        &format!("/users/{LEE}/assignLicense"),
        assign(json!([{"skuId": E3, "disabledPlans": [TEAMS1]}]), json!([])),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(seats(&emu, &tok, E3).await.1, before + 1);
    let user = states(&emu, &tok, LEE).await;
    assert_eq!(
        user["assignedLicenses"],
        json!([{"skuId": E3, "disabledPlans": [TEAMS1]}])
    );
    let state = &user["licenseAssignmentStates"][0];
    assert_eq!(
        (
            state["state"].as_str(),
            state["error"].as_str(),
            state["assignedByGroup"].is_null()
        ),
        (Some("Active"), Some("None"), true)
    );
    let (_, details) = call(
        &emu,
        &tok,
        "GET",
        &format!("/users/{LEE}/licenseDetails"),
        None,
    )
    .await;
    assert_eq!(details["value"][0]["skuPartNumber"], "ENTERPRISEPACK");
    let (status, _) = call(
        &emu,
        &tok,
        "POST",
        &format!("/users/{LEE}/assignLicense"),
        assign(json!([]), json!([E3])),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(seats(&emu, &tok, E3).await.1, before);
    assert_eq!(states(&emu, &tok, LEE).await["assignedLicenses"], json!([]));
}

/// Graph's refusals: no usageLocation ("License assignment cannot be done for
/// user with invalid usage location."), no free seat ("… does not have any
/// available licenses."), an unknown SKU, removing a licence the user does not
/// hold, and removing an inherited licence directly; nothing changes on a refusal
/// (https://learn.microsoft.com/en-us/graph/api/user-assignlicense?view=graph-rest-1.0,
/// https://learn.microsoft.com/en-us/entra/identity/users/licensing-groups-resolve-problems).
#[tokio::test(flavor = "current_thread")]
async fn assign_license_refuses_as_graph_does() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let post = |user: &str| format!("/users/{user}/assignLicense");
    let (status, body) = call(
        &emu,
        &tok,
        "POST",
        &post(NOAH),
        assign(json!([{"skuId": E3, "disabledPlans": []}]), json!([])),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["message"],
        "License assignment cannot be done for user with invalid usage location."
    );
    let (status, body) = call(
        &emu,
        &tok,
        "POST",
        &post(LEE),
        assign(json!([{"skuId": E5, "disabledPlans": []}]), json!([])),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("does not have any available licenses."),
        "{body}"
    );
    let (status, _) = call(
        &emu,
        &tok,
        "POST",
        &post(LEE),
        assign(
            json!([{"skuId": "00000000-0000-0000-0000-000000000001", "disabledPlans": []}]),
            json!([]),
        ),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        &emu,
        &tok,
        "POST",
        &post(LEE),
        assign(json!([]), json!([E3])),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = call(
        &emu,
        &tok,
        "POST",
        &post(MEGAN),
        assign(json!([]), json!([E5])),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("inherited from a group"),
        "{body}"
    );
    let (status, _) = call(
        &emu,
        &tok,
        "POST",
        &post(LEE),
        Some(json!({"addLicenses": []})),
    )
    .await;
    assert_eq!(status, 400, "removeLicenses is required");
    // An add and a refused remove in one call: neither happens.
    let (status, _) = call(
        &emu,
        &tok,
        "POST",
        &post(LEE),
        assign(json!([{"skuId": E3, "disabledPlans": []}]), json!([E5])),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(states(&emu, &tok, LEE).await["assignedLicenses"], json!([]));
    assert!(
        states(&emu, &tok, ADELE).await["assignedLicenses"]
            .as_array()
            .unwrap()
            .len()
            == 1
    );
}

/// Group-based licensing: members inherit the group's licence
/// (`assignedByGroup`), a member beyond the seats is in error with
/// `CountViolation` and holds nothing, leaving the group takes the licence
/// away and frees the seat
/// (https://learn.microsoft.com/en-us/graph/api/resources/licenseassignmentstate?view=graph-rest-1.0,
/// https://learn.microsoft.com/en-us/entra/identity/users/licensing-groups-resolve-problems).
#[tokio::test(flavor = "current_thread")]
async fn group_based_licences_are_inherited_with_their_states() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let group = emu.tenant_summary()["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["displayName"] == "Licensing - Microsoft 365 E5")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let megan = states(&emu, &tok, MEGAN).await;
    assert_eq!(
        megan["licenseAssignmentStates"][0]["assignedByGroup"],
        group.as_str()
    );
    assert_eq!(megan["assignedLicenses"][0]["skuId"], E5);
    let lena = states(&emu, &tok, LENA).await;
    let state = lena["licenseAssignmentStates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skuId"] == E5)
        .unwrap()
        .clone();
    assert_eq!(
        (state["state"].as_str(), state["error"].as_str()),
        (Some("Error"), Some("CountViolation"))
    );
    assert!(!lena["assignedLicenses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["skuId"] == E5));
    let megan_id = emu.user(MEGAN).unwrap()["id"].as_str().unwrap().to_string();
    let (status, _) = call(
        &emu,
        &tok,
        "DELETE",
        &format!("/groups/{group}/members/{megan_id}/$ref"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        states(&emu, &tok, MEGAN).await["licenseAssignmentStates"],
        json!([])
    );
    assert_eq!(seats(&emu, &tok, E5).await, (3, 2));
}

/// assignLicense needs LicenseAssignment.ReadWrite.All (or a broader user or
/// directory write), subscribedSkus a licence or organization read
/// (https://learn.microsoft.com/en-us/graph/api/user-assignlicense?view=graph-rest-1.0,
/// https://learn.microsoft.com/en-us/graph/api/subscribedsku-list?view=graph-rest-1.0).
#[tokio::test(flavor = "current_thread")]
async fn licence_calls_check_their_permissions() {
    use entra_emulator::permissions::{allowing, template_for};
    let t = |path: &[&str]| {
        template_for(&path.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    };
    let assign = allowing(&t(&["users", "x", "assignLicense"]), "POST");
    assert!(assign.contains(&"LicenseAssignment.ReadWrite.All".to_string()));
    assert!(!assign.contains(&"LicenseAssignment.Read.All".to_string()));
    assert!(allowing(&t(&["subscribedSkus"]), "GET")
        .contains(&"LicenseAssignment.Read.All".to_string()));
    assert!(allowing(&t(&["users", "x", "licenseDetails"]), "GET")
        .contains(&"LicenseAssignment.Read.All".to_string()));
}
