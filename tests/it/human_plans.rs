//! Plans people can read: every step names the groups and people it
//! touches by display name (ids stay in `targets`), in the answer, the step
//! reports, the audit record and the internal comment, and the names come
//! from reads the operation already makes: the Graph round trips are the
//! ones counted before names were added.

use crate::support::{configure, jira_with_assigned_request, json_body, post, run};
use crate::support::{InProcessTransport, SERVICEABLE};
use entra_connect::config::{self, AppConfig};
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::service_api::handle;
use entra_emulator::{Emulator, RequestKind};
use serde_json::{json, Value};

const ADELE: &str = "adele.vance@contoso.example";
const ALEX_ID: &str = "672c6525-3604-464b-bf21-dc03f837fc1e";
const ALL_STAFF: &str = "a3b8ee86-3cd8-454e-8fda-073d3f077f1b";
const SALES_TEAM: &str = "0c288728-6125-4718-9bca-70d96f316501";

/// Top-level Graph requests (a `$batch` counts once), tokens excluded.
fn round_trips(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|l| l.kind == RequestKind::Graph)
        .count()
}

fn group_id(emulator: &Emulator, name: &str) -> String {
    emulator.find_group_by_name(name).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The demo app with two group rules: Sales gets Sales Team, Engineering
/// gets Engineering and All Staff.
async fn app(emulator: &Emulator) -> (MemoryHost, String) {
    let (host, key) = configure(jira_with_assigned_request(), emulator).await;
    let mut app: AppConfig = config::load(&host).await.unwrap();
    app.provisioning.group_rules = serde_json::from_value(json!([
        {"name": "sales", "when": [{"attribute": "department", "equals": "Sales"}],
         "groups": [SALES_TEAM]},
        {"name": "engineering", "when": [{"attribute": "department", "equals": "Engineering"}],
         "groups": [group_id(emulator, "Engineering"), ALL_STAFF]}
    ]))
    .unwrap();
    config::save(&host, &app).await.unwrap();
    (host, key)
}

fn step<'a>(steps: &'a Value, key: &str) -> &'a Value {
    steps
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no step {key} in {steps}"))
}

/// The texts marked strong in every ADF comment posted on ITSM-1.
fn strong_texts(host: &MemoryHost) -> Vec<String> {
    fn walk(node: &Value, out: &mut Vec<String>) {
        if node["type"] == "text"
            && node["marks"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m["type"] == "strong"))
        {
            out.push(node["text"].as_str().unwrap_or_default().to_string());
        }
        for child in node["content"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    for call in host.jira_calls() {
        if call.path.ends_with("/comment") {
            if let Some(body) = &call.body {
                walk(&body["body"], &mut out);
            }
        }
    }
    out
}

#[test]
fn create_names_the_manager_and_the_rule_groups_in_the_same_round_trips() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let hire = |dry: bool| {
            json!({
                "route": "user.create", "issueKey": "ITSM-1", "dryRun": dry,
                "data": {"givenName": "Jordan", "surname": "Rivera", "department": "Engineering",
                         "manager": "alex.wilber@contoso.example", "groups": ["Sales Team"]}
            })
        };
        let before = round_trips(&emulator);
        let res = handle(&post(&key, &hire(true)), &host, &transport).await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        let dry_trips = round_trips(&emulator) - before;
        let manager = step(&body["plan"], "manager.set");
        assert_eq!(
            manager["summary"],
            "Set manager to Alex Wilber (alex.wilber@contoso.example)"
        );
        assert_eq!(
            manager["targets"],
            json!([{"kind": "manager", "id": ALEX_ID, "displayName": "Alex Wilber",
                    "userPrincipalName": "alex.wilber@contoso.example",
                    "mail": "alex.wilber@contoso.example"}])
        );
        let all_staff = step(&body["plan"], &format!("group.add:{ALL_STAFF}"));
        assert_eq!(all_staff["summary"], "Add to group All Staff");
        assert_eq!(
            all_staff["targets"],
            json!([{"kind": "group", "id": ALL_STAFF, "displayName": "All Staff"}])
        );
        let sales = step(&body["plan"], &format!("group.add:{SALES_TEAM}"));
        assert_eq!(sales["summary"], "Add to group Sales Team");
        // Counted before names were shown: the resolve lookup of the named
        // group, the policy's group check, then the probe batch.
        assert_eq!(dry_trips, 3, "dry-run round trips");

        let before = round_trips(&emulator);
        let res = handle(&post(&key, &hire(false)), &host, &transport).await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        // The dry run filled the tenant facts cache: the policy's group
        // check sends nothing this time.
        assert_eq!(round_trips(&emulator) - before, 4, "real-run round trips");
        let reported = step(&body["result"]["steps"], &format!("group.add:{ALL_STAFF}"));
        assert_eq!(reported["summary"], "Add to group All Staff");
        assert_eq!(reported["targets"][0]["displayName"], "All Staff");
        assert_eq!(reported["outcome"]["status"], "done");

        // The internal comment: names as strong text, never a group id.
        let strong = strong_texts(&host);
        for name in ["All Staff", "Sales Team", "Engineering", "Alex Wilber"] {
            assert!(strong.iter().any(|s| s == name), "{name} in {strong:?}");
        }
        let comments: String = host
            .jira_calls()
            .iter()
            .filter(|c| c.path.ends_with("/comment"))
            .map(|c| c.body.clone().unwrap_or_default().to_string())
            .collect();
        assert!(!comments.contains(ALL_STAFF), "{comments}");

        // The audit record keeps the ids beside the names.
        let audit_id = body["auditId"].as_str().unwrap();
        let entity = host
            .entity_get(
                entra_connect::layout::AUDIT_ENTITY,
                &entra_connect::layout::key_part(audit_id),
            )
            .await
            .unwrap()
            .expect("the audit record");
        let record = &entity["record"];
        let stored = step(&record["steps"], &format!("group.add:{ALL_STAFF}"));
        assert_eq!(stored["targets"][0]["id"], ALL_STAFF);
        assert_eq!(stored["targets"][0]["displayName"], "All Staff");
    });
}

#[test]
fn transfer_names_the_groups_left_and_joined_and_the_new_manager() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let before = round_trips(&emulator);
        let res = handle(
            &post(
                &key,
                &json!({"route": "user.transfer", "dryRun": true,
                        "data": {"user": ADELE, "department": "Engineering",
                                 "manager": "megan.bowen@contoso.example"}}),
            ),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        // One batch of reads: the user, the new manager, the user's groups
        // (addressed by the UPN given) and the rule groups' names.
        assert_eq!(round_trips(&emulator) - before, 1, "transfer reads");
        let plan = &body["plan"];
        assert_eq!(
            step(plan, "manager.set")["summary"],
            "Set manager to Megan Bowen (megan.bowen@contoso.example)"
        );
        let left = step(plan, &format!("group.remove:{SALES_TEAM}"));
        assert_eq!(left["summary"], "Remove from group Sales Team");
        assert_eq!(left["targets"][0]["displayName"], "Sales Team");
        let engineering = group_id(&emulator, "Engineering");
        let joined = step(plan, &format!("group.add:{engineering}"));
        assert_eq!(joined["summary"], "Add to group Engineering");
        assert_eq!(joined["targets"][0]["id"], engineering.as_str());
        // Already a member of All Staff: no change, named all the same.
        let kept = step(&body["result"]["steps"], &format!("group.add:{ALL_STAFF}"));
        assert_eq!(kept["summary"], "Add to group All Staff");
    });
}

#[test]
fn offboarding_and_group_membership_name_their_groups() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let before = round_trips(&emulator);
        let res = handle(
            &post(
                &key,
                &json!({"route": "user.offboard", "dryRun": true, "data": {"user": ADELE}}),
            ),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        // The group check (the tenant facts cache is cold here), then the
        // privileged-target guard carrying offboarding's reads in its batch.
        assert_eq!(round_trips(&emulator) - before, 2, "offboarding reads");
        let left = step(&body["plan"], &format!("group.remove:{SALES_TEAM}"));
        assert_eq!(left["summary"], "Remove from group Sales Team");
        assert_eq!(left["targets"][0]["displayName"], "Sales Team");
        assert_eq!(SERVICEABLE.len(), 10);

        // By id: the name comes from the policy's read of the group, which
        // the offboarding's check left in the tenant facts cache.
        let before = round_trips(&emulator);
        let res = handle(
            &post(
                &key,
                &json!({"route": "group.addMember", "data": {"user": ADELE, "group": ALL_STAFF}}),
            ),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        assert_eq!(round_trips(&emulator) - before, 2, "addMember round trips");
        let added = step(&body["result"]["steps"], &format!("group.add:{ALL_STAFF}"));
        assert_eq!(added["summary"], "Add to group All Staff");
        assert_eq!(
            added["targets"],
            json!([{"kind": "group", "id": ALL_STAFF, "displayName": "All Staff"}])
        );
    });
}
