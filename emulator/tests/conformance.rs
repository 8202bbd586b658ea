//! Every property the emulator returns or stores for the checked types must be
//! declared in Microsoft's Graph v1.0 schema (subset in `schema/graph-subset.json`)
//! with a compatible JSON type; and the subset must match the CSDL it came from.

use std::path::PathBuf;

use entra_emulator::Emulator;
use http::Request;
use serde_json::{json, Map, Value};

fn subset() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/graph-subset.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fits(schema: &Value, edm: &str, value: &Value) -> bool {
    if value.is_null() {
        return true;
    }
    if let Some(inner) = edm
        .strip_prefix("Collection(")
        .and_then(|s| s.strip_suffix(')'))
    {
        return value
            .as_array()
            .is_some_and(|a| a.iter().all(|v| fits(schema, inner, v)));
    }
    match edm {
        "Edm.String" | "Edm.Guid" | "Edm.DateTimeOffset" | "Edm.Date" => value.is_string(),
        "Edm.Boolean" => value.is_boolean(),
        "Edm.Int32" | "Edm.Int64" => value.is_number(),
        other => {
            let name = other.trim_start_matches("graph.");
            match schema["referencedTypeKinds"][name].as_str() {
                Some("enum") => value.is_string(),
                Some(_) => value.is_object(),
                None => false,
            }
        }
    }
}

/// Asserts every non-annotation property of `object` is declared on `type_name`.
fn check(schema: &Value, type_name: &str, object: &Map<String, Value>, seen: &mut usize) {
    let declared = &schema["types"][type_name]["properties"];
    assert!(declared.is_object(), "type {type_name} missing from subset");
    for (name, value) in object {
        if name.starts_with('@') || name.contains("@odata.") {
            continue;
        }
        let edm = declared[name]
            .as_str()
            .unwrap_or_else(|| panic!("'{name}' is not a property of microsoft.graph.{type_name}"));
        assert!(
            fits(schema, edm, value),
            "{type_name}.{name}: {value} does not fit {edm}"
        );
        *seen += 1;
        if type_name == "organization" && name == "verifiedDomains" {
            for d in value.as_array().unwrap() {
                check(schema, "verifiedDomain", d.as_object().unwrap(), seen);
            }
        }
    }
}

async fn call(emu: &Emulator, tok: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let request = Request::builder()
        .method(method)
        .uri(format!("/v1.0{path}"))
        .header("authorization", format!("Bearer {tok}"))
        .header("content-type", "application/json")
        .body(
            body.map(|b| serde_json::to_vec(&b).unwrap())
                .unwrap_or_default(),
        )
        .unwrap();
    let response = emu.handle(request).await;
    assert!(
        response.status().is_success(),
        "{method} {path}: {}",
        String::from_utf8_lossy(response.body())
    );
    serde_json::from_slice(response.body()).unwrap_or(Value::Null)
}

async fn token(emu: &Emulator) -> String {
    let c = emu.credentials();
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        c.client_id,
        percent_encoding::utf8_percent_encode(&c.client_secret, percent_encoding::NON_ALPHANUMERIC)
    );
    let request = Request::builder()
        .method("POST")
        .uri(format!("/{}/oauth2/v2.0/token", c.tenant_id))
        .body(body.into_bytes())
        .unwrap();
    let response = emu.handle(request).await;
    let v: Value = serde_json::from_slice(response.body()).unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

fn objects(v: &Value) -> Vec<Map<String, Value>> {
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_object().unwrap().clone())
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn every_property_the_emulator_speaks_is_declared_in_the_csdl() {
    let schema = subset();
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let mut seen = 0;

    // Everything stored for users and groups (seed and runtime), via the test helpers.
    let created = call(&emu, &tok, "POST", "/users", Some(json!({
        "accountEnabled": true, "displayName": "Conformance Check", "mailNickname": "conformance",
        "userPrincipalName": "conformance@contoso.example",
        "passwordProfile": {"password": "Xy9!conform", "forceChangePasswordNextSignIn": true, "forceChangePasswordNextSignInWithMfa": false},
        "employeeOrgData": {"division": "West", "costCenter": "CC1"}, "usageLocation": "US"
    }))).await;
    check(&schema, "user", created.as_object().unwrap(), &mut seen);
    let id = created["id"].as_str().unwrap().to_string();
    call(
        &emu,
        &tok,
        "POST",
        &format!("/users/{id}/revokeSignInSessions"),
        None,
    )
    .await;
    call(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{id}"),
        Some(json!({"passwordProfile": {"password": "Xy9!changed"}})),
    )
    .await;
    let mut stored_names = std::collections::BTreeSet::new();
    for user in emu.tenant_summary()["users"].as_array().unwrap() {
        let mut props = emu
            .user(user["id"].as_str().unwrap())
            .unwrap()
            .as_object()
            .unwrap()
            .clone();
        props.remove("manager"); // the helper's navigation id, not a property
        stored_names.extend(props.keys().cloned());
        check(&schema, "user", &props, &mut seen);
    }
    let all: Vec<String> = stored_names.into_iter().collect();
    let selected = call(
        &emu,
        &tok,
        "GET",
        &format!("/users?$select={}&$top=999", all.join(",")),
        None,
    )
    .await;
    for u in objects(&selected) {
        check(&schema, "user", &u, &mut seen);
    }
    for u in objects(&call(&emu, &tok, "GET", "/users?$top=999", None).await) {
        check(&schema, "user", &u, &mut seen);
    }
    for g in objects(&call(&emu, &tok, "GET", "/groups", None).await) {
        check(&schema, "group", &g, &mut seen);
        let gid = g["id"].as_str().unwrap();
        for m in objects(&call(&emu, &tok, "GET", &format!("/groups/{gid}/members"), None).await) {
            let t = if m["@odata.type"] == "#microsoft.graph.user" {
                "user"
            } else {
                "group"
            };
            check(&schema, t, &m, &mut seen);
        }
    }
    let tap = call(&emu, &tok, "POST", &format!("/users/{id}/authentication/temporaryAccessPassMethods"), Some(json!({"lifetimeInMinutes": 60, "isUsableOnce": true, "startDateTime": "2026-01-01T00:00:00Z"}))).await;
    check(
        &schema,
        "temporaryAccessPassAuthenticationMethod",
        tap.as_object().unwrap(),
        &mut seen,
    );
    let policy = call(
        &emu,
        &tok,
        "GET",
        "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass",
        None,
    )
    .await;
    check(
        &schema,
        "temporaryAccessPassAuthenticationMethodConfiguration",
        policy.as_object().unwrap(),
        &mut seen,
    );
    for role in objects(&call(&emu, &tok, "GET", "/directoryRoles", None).await) {
        check(&schema, "directoryRole", &role, &mut seen);
    }
    let lynne = emu.user("lynne.robbins@contoso.example").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for o in objects(
        &call(
            &emu,
            &tok,
            "GET",
            &format!("/users/{lynne}/transitiveMemberOf"),
            None,
        )
        .await,
    ) {
        let t = if o["@odata.type"] == "#microsoft.graph.group" {
            "group"
        } else {
            "directoryRole"
        };
        check(&schema, t, &o, &mut seen);
    }
    for org in objects(&call(&emu, &tok, "GET", "/organization", None).await) {
        check(&schema, "organization", &org, &mut seen);
    }
    let filter = percent_encoding::utf8_percent_encode(
        &format!("principalId eq '{lynne}'"),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    for a in objects(
        &call(
            &emu,
            &tok,
            "GET",
            &format!("/roleManagement/directory/roleAssignments?$filter={filter}"),
            None,
        )
        .await,
    ) {
        check(&schema, "unifiedRoleAssignment", &a, &mut seen);
    }
    // Licences: seat counts, the per-user licence properties and details.
    for sku in objects(&call(&emu, &tok, "GET", "/subscribedSkus", None).await) {
        check(&schema, "subscribedSku", &sku, &mut seen);
        check(
            &schema,
            "licenseUnitsDetail",
            sku["prepaidUnits"].as_object().unwrap(),
            &mut seen,
        );
        for plan in sku["servicePlans"].as_array().unwrap() {
            check(
                &schema,
                "servicePlanInfo",
                plan.as_object().unwrap(),
                &mut seen,
            );
        }
    }
    let licensed = "/users?$select=id,assignedLicenses,licenseAssignmentStates&$top=999";
    for u in objects(&call(&emu, &tok, "GET", licensed, None).await) {
        check(&schema, "user", &u, &mut seen);
        for l in u["assignedLicenses"].as_array().unwrap() {
            check(
                &schema,
                "assignedLicense",
                l.as_object().unwrap(),
                &mut seen,
            );
        }
        for state in u["licenseAssignmentStates"].as_array().unwrap() {
            check(
                &schema,
                "licenseAssignmentState",
                state.as_object().unwrap(),
                &mut seen,
            );
        }
        let uid = u["id"].as_str().unwrap();
        for d in objects(
            &call(
                &emu,
                &tok,
                "GET",
                &format!("/users/{uid}/licenseDetails"),
                None,
            )
            .await,
        ) {
            check(&schema, "licenseDetails", &d, &mut seen);
        }
    }
    // passwordProfile fields the emulator accepts.
    for name in [
        "password",
        "forceChangePasswordNextSignIn",
        "forceChangePasswordNextSignInWithMfa",
    ] {
        assert!(
            schema["types"]["passwordProfile"]["properties"][name].is_string(),
            "{name}"
        );
    }
    assert!(seen > 1000, "only {seen} properties checked");
}

#[test]
fn the_schema_check_catches_an_invented_property() {
    let schema = subset();
    let mut invented = Map::new();
    invented.insert("favouriteColour".into(), json!("blue"));
    let result = std::panic::catch_unwind(|| check(&schema, "user", &invented, &mut 0));
    assert!(result.is_err());
    let mut wrong_type = Map::new();
    wrong_type.insert("accountEnabled".into(), json!("yes"));
    assert!(std::panic::catch_unwind(|| check(&schema, "user", &wrong_type, &mut 0)).is_err());
}

/// Re-extracts the subset from the reference CSDL when it is available and
/// requires the committed file to be identical.
#[test]
fn committed_schema_subset_matches_the_reference_csdl() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let csdl = manifest.join("../../shared/reference/graph/v1.0-Prod.csdl");
    if !csdl.exists() {
        eprintln!("reference CSDL not present; drift check skipped");
        return;
    }
    let status = std::process::Command::new("python3")
        .arg(manifest.join("scripts/extract_schema.py"))
        .arg("--check")
        .arg(&csdl)
        .status();
    match status {
        Ok(s) => assert!(
            s.success(),
            "schema/graph-subset.json drifted from {}",
            csdl.display()
        ),
        Err(e) => eprintln!("python3 unavailable ({e}); drift check skipped"),
    }
}
