//! The OpenAPI document is the code's: the committed file equals the
//! generated one, and every route's documented inputs are exactly those its
//! parser accepts.

use entra_connect::pipeline::call::OperationCall;
use entra_connect::pipeline::error::ApiError;
use entra_connect::pipeline::parse::parse;
use entra_connect::service_api::openapi::{document, routes};
use serde_json::{json, Map, Value};

#[test]
fn the_committed_document_is_the_generated_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/service-api.openapi.json");
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        committed == document(),
        "docs/service-api.openapi.json is stale: run `cargo run --example openapi > docs/service-api.openapi.json`"
    );
}

/// A plausible value for a documented input.
fn sample(name: &str, schema: &Value) -> Value {
    match name {
        "user" if schema["format"] == "uuid" => json!("6ea7023f-3011-4ba2-a780-ebac8f56a6fe"),
        "user" | "manager" | "successor" => json!("adele.vance@contoso.example"),
        "methods" => json!(["phone", "fido2"]),
        "sponsors" => json!(["megan.bowen@contoso.example"]),
        "email" => json!("sam.vendor@fabrikam-partners.example"),
        "redirectUrl" => json!("https://myapps.microsoft.com"),
        "changes" => json!({"department": "Sales"}),
        "groups" => json!(["Engineering"]),
        "group" => json!("Engineering"),
        "leaveDateTime" | "employeeHireDate" => json!("2026-12-31"),
        "usageLocation" => json!("US"),
        "skus" => json!(["ENTERPRISEPACK"]),
        "disabledPlans" => json!(["TEAMS1"]),
        _ => match schema["type"].as_str() {
            Some("integer") => json!(60),
            Some("boolean") => json!(true),
            _ => json!("Sample"),
        },
    }
}

fn call(route: entra_connect::route::Route, data: Map<String, Value>) -> OperationCall {
    OperationCall {
        route,
        data,
        idempotency_key: None,
        issue_key: None,
        dry_run: true,
    }
}

#[test]
fn documented_inputs_are_exactly_the_accepted_inputs() {
    let documented: Vec<_> = routes().iter().map(|(r, _, _)| *r).collect();
    assert_eq!(
        documented.len(),
        entra_connect::route::Route::ALL.len(),
        "every route is documented"
    );
    for (route, _, inputs) in routes() {
        let all: Map<String, Value> = inputs
            .iter()
            .map(|i| (i.name.to_string(), sample(i.name, &(i.schema)())))
            .collect();
        if let Err(e) = parse(&call(route, all.clone())) {
            panic!("{route}: documented inputs refused: {e:?}");
        }
        for input in inputs.iter().filter(|i| i.required) {
            let mut missing = all.clone();
            missing.remove(input.name);
            match parse(&call(route, missing)) {
                Err(ApiError::InvalidInput { field: Some(f), .. }) => assert!(
                    f.starts_with(&format!("data.{}", input.name)),
                    "{route}: {f}"
                ),
                other => panic!(
                    "{route}: missing required {} accepted: {:?}",
                    input.name,
                    other.is_ok()
                ),
            }
        }
        let mut extra = all;
        extra.insert("notDocumented".into(), json!("x"));
        match parse(&call(route, extra)) {
            Err(ApiError::InvalidInput { field: Some(f), .. }) => {
                assert_eq!(f, "data.notDocumented")
            }
            other => panic!(
                "{route}: an undocumented input was accepted: {:?}",
                other.is_ok()
            ),
        }
    }
}
