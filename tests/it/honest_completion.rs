//! Honest completion: an operation is "done" only when its end state is
//! observed, and what the app cannot do through Graph is a remainder, so a
//! request is never closed green while access stays. Dynamic groups
//! ("Dynamic membership rules for groups",
//! <https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership>),
//! distribution lists and mail-enabled security groups ("Working with
//! groups in Microsoft Graph": not manageable through the API,
//! <https://learn.microsoft.com/en-us/graph/api/resources/groups-overview>),
//! nested groups ("List a user's transitive memberships",
//! <https://learn.microsoft.com/en-us/graph/api/user-list-transitivememberof>).

use crate::support::policy::upn;
use crate::support::*;
use entra_connect::lifecycle::*;
use entra_connect::service_api::handle;
use entra_emulator::Emulator;
use serde_json::{json, Value};

const RAUL: &str = "raul.razo@contoso.example"; // in "Dynamic - Engineering Contractors"
const ADELE: &str = "adele.vance@contoso.example";
const NESTED: &str = "0c0ffee0-0000-4000-8000-00000000c0de";

/// The demo tenant with Raul also on the "Contoso Newsletter" distribution
/// list, and in "App - GitHub Enterprise" both directly and through a
/// non-serviceable group nested in it.
fn tenant() -> Emulator {
    let mut seed: Value =
        serde_json::from_str(include_str!("../../emulator/seed/demo-tenant.json")).unwrap();
    let raul = seed["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == RAUL)
        .unwrap()["id"]
        .clone();
    let groups = seed["groups"].as_array_mut().unwrap();
    for g in groups.iter_mut() {
        if g["displayName"] == "Contoso Newsletter" || g["displayName"] == "App - GitHub Enterprise"
        {
            g["members"].as_array_mut().unwrap().push(raul.clone());
        }
        if g["displayName"] == "App - GitHub Enterprise" {
            g["members"].as_array_mut().unwrap().push(json!(NESTED));
        }
    }
    groups.push(json!({
        "id": NESTED, "displayName": "Contractors - Tooling", "mailNickname": "ContractorsTooling",
        "groupTypes": [], "mailEnabled": false, "securityEnabled": true,
        "isAssignableToRole": false, "members": [raul]
    }));
    Emulator::from_seed_json(&seed.to_string()).unwrap()
}

fn kinds(remainder: &Value) -> Vec<String> {
    remainder
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["kind"].as_str().map(str::to_string))
        .collect()
}

fn summaries(remainder: &Value) -> String {
    remainder
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["summary"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_leaver_in_a_dynamic_group_and_a_distribution_list_is_done_with_remainders() {
    run(async {
        let emulator = tenant();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let res = handle(
            &post(
                &key,
                &json!({"route": "user.offboard", "data": {"user": RAUL}}),
            ),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        let result = &body["result"];
        assert_eq!(result["status"], "doneWithRemainders", "{body}");
        assert_eq!(result["complete"], false, "{body}");
        let kinds = kinds(&result["remainder"]);
        let text = summaries(&result["remainder"]);
        assert!(kinds.contains(&"dynamicGroup".into()), "{text}");
        assert!(
            text.contains("user.department, user.employeeType"),
            "the remainder names the attributes the rule tests: {text}"
        );
        assert!(
            text.contains("'Contoso Newsletter', which is a distribution list"),
            "{text}"
        );
        assert!(kinds.contains(&"mailbox".into()), "{text}");
        // Still in GitHub through the nested group: seen by the read-back.
        assert!(kinds.contains(&"notObserved".into()), "{text}");
        assert!(
            text.contains("removed from 'App - GitHub Enterprise' but is still a member"),
            "{text}"
        );
        // The audit record says the same.
        let audit_id = body["auditId"].as_str().unwrap();
        let trail = entra_connect::audit::query(
            &host,
            &entra_connect::audit::AuditFilter {
                result: Some(entra_connect::audit::ResultKind::DoneWithRemainders),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let record = trail.iter().find(|r| r.id == audit_id).expect("the record");
        assert_eq!(
            record.result,
            entra_connect::audit::AuditResult::DoneWithRemainders
        );
        assert_eq!(record.result.describe(), "done with remainders");
        assert_eq!(
            record.remainder.len(),
            result["remainder"].as_array().unwrap().len()
        );
    });
}

#[test]
fn a_removal_still_held_through_nesting_is_a_remainder_after_one_read_back() {
    run(async {
        let h = Harness::on(tenant());
        let c = h.client();
        let github = h.group("App - GitHub Enterprise");
        h.emu.clear_log();
        let out = remove_from_group(&c, &upn(RAUL), &github, RunMode::Execute, h.deadline())
            .await
            .unwrap();
        // The direct membership goes; the access through the nested group
        // stays, known from the first read (no read-back needed).
        assert_eq!(out.completion(), Completion::DoneWithRemainders);
        assert!(
            out.remainder.iter().any(|r| r
                .summary
                .contains("through the nested groups 'Engineering', 'Contractors - Tooling'")),
            "{}",
            out.render_text()
        );
        let trips = h.round_trips();
        println!("round trips: removeMember with nested access: {trips}");
        assert_eq!(trips, 2, "{}", h.log_dump());

        let h = Harness::on(tenant());
        let c = h.client();
        let req = OffboardRequest {
            successor: None,
            user: upn(RAUL),
            groups: vec![github.clone()],
            leave_date_time: "2026-03-31".into(),
            licence_removal_grace_days: 30,
            hand_over_group_ownership: false,
        };
        h.emu.clear_log();
        let out = offboard(&c, &req, RunMode::Execute, h.deadline())
            .await
            .unwrap();
        // Round trips that Graph answered (the first may meet a 401 while
        // the harness's token is fetched).
        let trips = h.graph_log().iter().filter(|l| l.status != 401).count();
        println!("round trips: offboarding with a read-back: {trips}");
        // The read-back rides at the end of the writes' batch (dependsOn).
        assert_eq!(
            trips,
            2,
            "read, then write with the read-back\n{}",
            h.log_dump()
        );
        assert_eq!(out.completion(), Completion::DoneWithRemainders);
        assert!(
            out.remainder
                .iter()
                .any(|r| r.kind == RemainderKind::NotObserved
                    && r.summary.contains("'App - GitHub Enterprise'")),
            "{}",
            out.render_text()
        );
    });
}

#[test]
fn a_disable_proven_by_its_write_sends_no_read_back() {
    run(async {
        let h = Harness::new();
        let c = h.client();
        h.emu.clear_log();
        let out = disable(&c, &upn(ADELE), RunMode::Execute, h.deadline())
            .await
            .unwrap();
        assert_eq!(out.completion(), Completion::Done, "{}", out.render_text());
        let trips = h.round_trips();
        println!("round trips: disable: {trips}");
        assert!(
            !h.graph_log()
                .iter()
                .any(|l| l.path.contains("transitiveMemberOf")),
            "{}",
            h.log_dump()
        );
    });
}

#[test]
fn automation_says_done_with_remainders() {
    run(async {
        let emulator = tenant();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let res = handle(
            &post(
                &key,
                &json!({"route": "user.offboard", "dryRun": false, "data": {"user": RAUL}}),
            ),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        let words = Completion::from_key(body["result"]["status"].as_str().unwrap())
            .unwrap()
            .words();
        assert_eq!(words, "done with remainders");
    });
}

/// A dynamic group's members come from its rule: Entra refuses adds
/// ("Dynamic membership rules for groups": members cannot be added or
/// removed by hand), and the policy refuses first, naming its rule, before
/// any write.
#[test]
fn adding_to_a_dynamic_group_is_refused_by_the_policy_before_any_write() {
    run(async {
        let emulator = tenant();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let dynamic = emulator
            .find_group_by_name("Dynamic - Engineering Contractors")
            .unwrap()["id"]
            .clone();
        emulator.clear_log();
        let res = handle(
            &post(
                &key,
                &json!({"route": "group.addMember", "data": {"user": ADELE, "group": dynamic}}),
            ),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 403, "{body}");
        assert_eq!(body["error"]["rule"], "groupNotServiceable", "{body}");
        assert!(emulator
            .request_log()
            .iter()
            .all(|r| r.method == "GET" || r.path.contains("oauth2") || r.path == "/v1.0/$batch"));
    });
}

/// A transfer's read-back of the groups it left rides in its write batch,
/// after the removals (`dependsOn`, "Combine multiple HTTP requests using
/// JSON batching", <https://learn.microsoft.com/en-us/graph/json-batching>):
/// the nested access that stays is still a remainder, in two round trips.
#[test]
fn a_transfer_reads_back_the_groups_it_left_in_its_write_batch() {
    run(async {
        let h = Harness::on(tenant());
        let c = h.client();
        let github = h.group("App - GitHub Enterprise");
        let rules = json!([
            {"name": "engineering", "when": [{"attribute": "department", "equals": "Engineering"}],
             "groups": [github.to_string()]},
        ]);
        let config = entra_connect::lifecycle::provisioning::ProvisioningRules {
            licences: Default::default(),
            naming: NamingTemplate::parse("{given}.{surname}@contoso.example", None).unwrap(),
            rules: GroupRules::from_json(&rules).unwrap(),
        };
        let request = TransferRequest {
            user: UserRef::Address(RAUL.into()),
            department: Some("Sales".into()),
            job_title: None,
            manager: None,
        };
        h.emu.clear_log();
        let out = transfer(&c, &config, &request, RunMode::Execute, h.deadline())
            .await
            .unwrap();
        assert_eq!(out.completion(), Completion::DoneWithRemainders);
        assert!(
            out.remainder
                .iter()
                .any(|r| r.kind == RemainderKind::NotObserved
                    && r.summary.contains("'App - GitHub Enterprise'")),
            "{}",
            out.render_text()
        );
        // The read-back's own reads are not steps of the plan.
        assert!(
            out.steps.iter().all(|s| !s.key.starts_with("readback.")),
            "{}",
            out.render_text()
        );
        let trips = h.graph_log().iter().filter(|l| l.status != 401).count();
        println!("round trips: transfer with a read-back: {trips}");
        assert_eq!(
            trips,
            2,
            "read, then write with the read-back\n{}",
            h.log_dump()
        );
    });
}
