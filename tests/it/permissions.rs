//! The one list of what each feature calls and needs
//! (`graph::permissions`), held to what the app really sends and to what
//! Entra (the emulator, with Microsoft's permission map) really allows:
//! every request a route makes is declared for its features; an app
//! registration holding exactly the least set runs every route; without any
//! one permission of it, the doctor names that permission and the features
//! that need it fail with a 403 that says so (or, for the few listed in
//! `DEGRADES_WITHOUT`, keep working as documented).

use crate::support::InProcessTransport;
use crate::support::{configure, jira_with_assigned_request, json_body, post, run};
use entra_connect::graph::permissions::{
    covers, least_set, readme_table, Feature, DEGRADES_WITHOUT,
};
use entra_connect::graph::resources::CALLS;
use entra_connect::resolver::doctor_assessment;
use entra_connect::service_api::handle;
use entra_emulator::{Emulator, RequestKind};
use serde_json::{json, Value};

const ADELE: &str = "adele.vance@contoso.example";
const LEE: &str = "lee.gu@contoso.example";
/// Holds Directory Readers, a directory role that is not privileged: the
/// guard must read the role to let changes to Diego through.
const DIEGO: &str = "diego.siciliani@contoso.example";

/// One route call and the features it exercises.
struct Scenario {
    body: Value,
    features: Vec<Feature>,
}

fn scenarios() -> Vec<Scenario> {
    use Feature::*;
    let s = |body: Value, f: Feature| Scenario {
        body,
        features: f.with_prerequisites(),
    };
    vec![
        s(
            json!({"route": "user.get", "data": {"user": ADELE}}),
            Lookups,
        ),
        s(
            json!({"route": "user.groups", "data": {"user": ADELE}}),
            Lookups,
        ),
        s(
            json!({"route": "user.update", "data": {"user": ADELE, "changes": {"jobTitle": "Account Lead"}}}),
            ProfileChanges,
        ),
        s(
            json!({"route": "user.transfer", "data": {"user": ADELE, "department": "Engineering", "manager": "emily.braun@contoso.example"}}),
            ProfileChanges,
        ),
        s(
            json!({"route": "group.addMember", "data": {"user": ADELE, "group": "Finance"}}),
            GroupMembership,
        ),
        s(
            json!({"route": "group.removeMember", "data": {"user": ADELE, "group": "Finance"}}),
            GroupMembership,
        ),
        s(
            json!({"route": "user.revokeSessions", "data": {"user": ADELE}}),
            RevokeSessions,
        ),
        s(
            json!({"route": "user.resetPassword", "issueKey": "ITSM-1", "data": {"user": ADELE}}),
            PasswordReset,
        ),
        s(
            json!({"route": "user.createTemporaryAccessPass", "issueKey": "ITSM-1", "data": {"user": ADELE, "lifetimeInMinutes": 60}}),
            TemporaryAccessPass,
        ),
        s(
            json!({"route": "user.disable", "data": {"user": ADELE}}),
            EnableDisable,
        ),
        s(
            json!({"route": "user.enable", "data": {"user": ADELE}}),
            EnableDisable,
        ),
        s(
            json!({"route": "user.create", "issueKey": "ITSM-1", "data": {"givenName": "Rowan", "surname": "Ellery", "department": "Engineering", "manager": "emily.braun@contoso.example", "groups": ["All Staff"]}}),
            Onboarding,
        ),
        s(
            json!({"route": "user.offboard", "data": {"user": LEE}}),
            Offboarding,
        ),
        s(
            json!({"route": "user.disable", "data": {"user": DIEGO}}),
            EnableDisable,
        ),
        s(
            json!({"route": "user.enable", "data": {"user": DIEGO}}),
            EnableDisable,
        ),
        s(
            json!({"route": "user.assignLicenses", "data": {"user": LEE, "skus": ["ENTERPRISEPACK"]}}),
            Licences,
        ),
        s(
            json!({"route": "user.removeLicenses", "data": {"user": ADELE, "skus": ["ENTERPRISEPACK"]}}),
            Licences,
        ),
        s(
            json!({"route": "user.resetMfa", "issueKey": "ITSM-1", "data": {"user": LEE, "issueTemporaryAccessPass": true}}),
            MfaReset,
        ),
        s(
            json!({"route": "user.delete", "data": {"user": BEN_LEAVER}}),
            AccountDeletion,
        ),
        s(
            json!({"route": "user.restore", "data": {"user": BEN_LEAVER_ID}}),
            AccountDeletion,
        ),
        s(
            json!({"route": "guest.invite", "data": {"email": "sam.vendor@fabrikam-partners.example", "sponsors": [ADELE], "groups": ["Finance"]}}),
            GuestInvitation,
        ),
    ]
}

/// A disabled leaver in the demo seed, deleted and restored.
const BEN_LEAVER: &str = "ben.walters@contoso.example";
const BEN_LEAVER_ID: &str = "6ea7023f-3011-4ba2-a780-ebac8f56a6fe";

/// One method of each type `user.resetMfa` removes, for Lee, so that each
/// per-type permission is exercised.
fn every_method_type() -> Value {
    let types = [
        "phoneAuthenticationMethod",
        "microsoftAuthenticatorAuthenticationMethod",
        "fido2AuthenticationMethod",
        "softwareOathAuthenticationMethod",
        "emailAuthenticationMethod",
        "windowsHelloForBusinessAuthenticationMethod",
    ];
    Value::Array(
        types
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"@odata.type": format!("#microsoft.graph.{t}"), "id": format!("00000000-0000-4000-8000-00000000000{i}")}))
            .collect(),
    )
}

/// The demo tenant, Diego holding Directory Readers, and the app
/// registration holding exactly `permissions` (`None`: the demo's grant).
fn tenant_granting(permissions: Option<&[&str]>) -> Emulator {
    let mut seed: Value =
        serde_json::from_str(include_str!("../../emulator/seed/demo-tenant.json")).unwrap();
    if let Some(permissions) = permissions {
        seed["app"]["applicationPermissions"] = json!(permissions);
    }
    let diego = seed["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == DIEGO)
        .unwrap()["id"]
        .clone();
    for user in seed["users"].as_array_mut().unwrap() {
        if user["userPrincipalName"] == LEE {
            user["authenticationMethods"] = every_method_type();
        }
    }
    for role in seed["directoryRoles"].as_array_mut().unwrap() {
        if role["displayName"] == "Directory Readers" {
            role["members"].as_array_mut().unwrap().push(diego.clone());
        }
    }
    Emulator::from_seed_json(&seed.to_string()).unwrap()
}

/// Each scenario's answer on `emulator`, with the Graph requests it sent
/// (method, path without `/v1.0` and query), batch items included.
async fn run_all(emulator: &Emulator) -> Vec<(Value, u16, Value, Vec<(String, String)>)> {
    let (host, key) = configure(jira_with_assigned_request(), emulator).await;
    let transport = InProcessTransport(emulator.clone());
    let mut out = Vec::new();
    for scenario in scenarios() {
        emulator.clear_log();
        let answer = handle(&post(&key, &scenario.body), &host, &transport).await;
        let sent = emulator
            .request_log()
            .into_iter()
            .filter(|r| r.kind != RequestKind::Token && r.path != "/v1.0/$batch")
            .map(|r| {
                let path = r.path.strip_prefix("/v1.0").unwrap_or(&r.path).to_string();
                (r.method, path)
            })
            .collect();
        out.push((
            scenario.body.clone(),
            answer.status_code,
            json_body(&answer),
            sent,
        ));
    }
    out
}

#[test]
fn every_request_a_route_sends_is_declared_for_its_features() {
    run(async {
        let emulator = tenant_granting(None);
        let results = run_all(&emulator).await;
        for ((body, status, answer, sent), scenario) in results.iter().zip(scenarios()) {
            assert_eq!(*status, 200, "{body} -> {answer}");
            assert!(!sent.is_empty(), "{body} sent nothing");
            for (method, path) in sent {
                assert!(
                    CALLS.iter().any(|c| c.matches_sent(method, path)),
                    "{body}: {method} {path} is not declared in graph::resources::CALLS"
                );
                assert!(
                    scenario
                        .features
                        .iter()
                        .flat_map(|f| f.calls())
                        .any(|c| c.matches_sent(method, path)),
                    "{body}: {method} {path} is not declared for {:?}",
                    scenario.features
                );
            }
        }
    });
}

#[test]
fn the_least_set_alone_runs_every_route_and_the_doctor_is_content() {
    run(async {
        let least = least_set(Feature::ALL);
        let emulator = tenant_granting(Some(&least));
        for (body, status, answer, _) in run_all(&emulator).await {
            assert_eq!(status, 200, "with {least:?}: {body} -> {answer}");
        }
        let granted: Vec<String> = least.iter().map(|p| p.to_string()).collect();
        let verdict = doctor_assessment(&granted);
        assert_eq!(verdict["missing"], json!([]), "{verdict}");
        assert_eq!(verdict["excessive"], json!([]), "{verdict}");
    });
}

#[test]
fn without_any_one_permission_the_doctor_names_it_and_its_features_fail_with_403() {
    run(async {
        let least = least_set(Feature::ALL);
        for removed in &least {
            let granted: Vec<&str> = least.iter().copied().filter(|p| p != removed).collect();
            let owned: Vec<String> = granted.iter().map(|p| p.to_string()).collect();
            let verdict = doctor_assessment(&owned);
            let missing: Vec<&str> = verdict["missing"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|m| m["permission"].as_str())
                .collect();
            assert_eq!(missing, vec![*removed], "{verdict}");

            let emulator = tenant_granting(Some(&granted));
            let mut failed = 0;
            for ((body, status, answer, _), scenario) in
                run_all(&emulator).await.iter().zip(scenarios())
            {
                let needs_it = scenario
                    .features
                    .iter()
                    .any(|f| f.needs().iter().any(|n| covers(removed, n)));
                assert_ne!(*status, 502, "without {removed}: {body} -> {answer}");
                if *status != 200 {
                    assert!(needs_it, "without {removed}, {body} failed although its features do not need it: {answer}");
                    assert_eq!(*status, 403, "without {removed}: {body} -> {answer}");
                    failed += 1;
                }
            }
            let optional = DEGRADES_WITHOUT.iter().any(|(p, _)| p == removed);
            if optional {
                assert_eq!(failed, 0, "{removed} is documented as optional");
            } else {
                assert!(
                    failed > 0,
                    "removing {removed} broke nothing: it is not needed"
                );
            }
        }
    });
}

#[test]
fn the_readme_permission_table_is_the_generated_one() {
    let readme = include_str!("../../README.md");
    let table = readme_table();
    assert!(
        readme.contains(&table),
        "README.md's permission table differs from graph::permissions; replace it with:\n{table}"
    );
}
