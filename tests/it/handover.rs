//! A leaver's hand-over: direct reports move to the leaver's manager or a
//! named successor ("List directReports",
//! <https://learn.microsoft.com/en-us/graph/api/user-list-directreports>;
//! "Assign manager", <https://learn.microsoft.com/en-us/graph/api/user-post-manager>),
//! and the groups the leaver owned are listed ("List ownedObjects",
//! <https://learn.microsoft.com/en-us/graph/api/user-list-ownedobjects>),
//! all read in the offboarding's first batch.

use crate::support::*;
use entra_connect::service_api::handle;
use entra_emulator::Emulator;
use serde_json::{json, Value};

const JOHANNA: &str = "johanna.lorenz@contoso.example"; // VP Engineering, 9 reports, manager Megan
const MEGAN: &str = "megan.bowen@contoso.example";
const EMILY: &str = "emily.braun@contoso.example"; // reports to Johanna

/// The demo tenant with Johanna owning "Engineering".
fn tenant() -> Emulator {
    tenant_granting(None)
}

/// [`tenant`], the app holding `extra` too.
fn tenant_granting(extra: Option<&str>) -> Emulator {
    let mut seed: Value =
        serde_json::from_str(include_str!("../../emulator/seed/demo-tenant.json")).unwrap();
    let johanna = seed["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == JOHANNA)
        .unwrap()["id"]
        .clone();
    for g in seed["groups"].as_array_mut().unwrap() {
        if g["displayName"] == "Engineering" {
            g["owners"] = json!([johanna]);
        }
    }
    if let Some(permission) = extra {
        seed["app"]["applicationPermissions"]
            .as_array_mut()
            .unwrap()
            .push(json!(permission));
    }
    Emulator::from_seed_json(&seed.to_string()).unwrap()
}

fn reports_of(emulator: &Emulator, manager: &str) -> Vec<String> {
    let id = emulator.user(manager).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    emulator.tenant_summary()["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["managerId"] == id.as_str())
        .filter_map(|u| u["userPrincipalName"].as_str().map(str::to_string))
        .collect()
}

async fn offboard(emulator: &Emulator, data: Value) -> (u16, Value) {
    offboard_with(emulator, false, data).await
}

/// Offboards with `provisioning.handOverGroupOwnership` set to `owners`.
async fn offboard_with(emulator: &Emulator, owners: bool, data: Value) -> (u16, Value) {
    let (host, key) = configured_host(emulator).await;
    let mut cfg = entra_connect::config::load(&host).await.unwrap();
    cfg.provisioning.hand_over_group_ownership = owners;
    entra_connect::config::save(&host, &cfg).await.unwrap();
    let transport = InProcessTransport(emulator.clone());
    // As the admin's save does: the serviceable groups' kinds are cached.
    let client = transport.client(&host);
    let deadline =
        entra_connect::graph::Deadline::after(entra_connect::host::Host::now_ms(&host), 25_000);
    entra_connect::policy::tenant_facts::refresh(&client, &cfg.policy.serviceable_groups, deadline)
        .await
        .unwrap();
    emulator.clear_log();
    let res = handle(
        &post(&key, &json!({"route": "user.offboard", "data": data})),
        &host,
        &transport,
    )
    .await;
    (res.status_code, json_body(&res))
}

#[test]
fn direct_reports_move_to_the_leavers_manager_and_owned_groups_are_listed() {
    run(async {
        let emulator = tenant();
        let team = reports_of(&emulator, JOHANNA);
        assert_eq!(team.len(), 9);
        let megan_before = reports_of(&emulator, MEGAN).len();
        let (status, body) = offboard(&emulator, json!({"user": JOHANNA})).await;
        assert_eq!(status, 200, "{body}");
        assert!(reports_of(&emulator, JOHANNA).is_empty());
        assert_eq!(reports_of(&emulator, MEGAN).len(), megan_before + 9);
        let steps: Vec<&Value> = body["result"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["key"].as_str().unwrap().starts_with("handover.manager:"))
            .collect();
        assert_eq!(steps.len(), 9, "{body}");
        assert!(steps.iter().all(|s| s["outcome"]["status"] == "done"));
        // Named targets: the report and the new manager.
        assert!(
            steps[0]["targets"][1]["userPrincipalName"] == MEGAN,
            "{}",
            steps[0]
        );
        assert!(steps[0]["summary"]
            .as_str()
            .unwrap()
            .contains("to report to Megan Bowen"));
        let remainder = body["result"]["remainder"].to_string();
        assert!(remainder.contains("groupOwnership"), "{remainder}");
        assert!(
            remainder.contains("owned the group 'Engineering'"),
            "{remainder}"
        );
        assert_eq!(body["result"]["complete"], false);
        // The hand-over's reads ride in a batch: no request of their own.
        let graph: Vec<_> = emulator
            .request_log()
            .into_iter()
            .filter(|l| l.kind == entra_emulator::RequestKind::Graph)
            .collect();
        println!(
            "round trips: user.offboard with a hand-over of 9 reports, end to end: {}",
            graph.len()
        );
        assert!(
            graph
                .iter()
                .all(|l| !l.path.contains("directReports") && !l.path.contains("ownedObjects")),
            "{graph:?}"
        );
        // The guard carrying every read, then the writes.
        assert_eq!(graph.len(), 2, "{graph:?}");
    });
}

#[test]
fn a_named_successor_takes_the_team_and_is_named_for_the_owned_groups() {
    run(async {
        let emulator = tenant();
        let (status, body) =
            offboard(&emulator, json!({"user": JOHANNA, "successor": EMILY})).await;
        assert_eq!(status, 200, "{body}");
        // Emily does not become her own manager; the other eight move to her.
        assert_eq!(reports_of(&emulator, EMILY).len(), 8);
        assert_eq!(
            emulator.user(EMILY).unwrap()["manager"],
            emulator.user(JOHANNA).unwrap()["id"]
        );
        let remainder = body["result"]["remainder"].to_string();
        assert!(remainder.contains("make Emily Braun"), "{remainder}");
    });
}

#[test]
fn an_unknown_self_or_disabled_successor_is_a_field_named_error_before_any_write() {
    run(async {
        // Unknown, the leaver, a disabled account.
        for successor in [
            "nobody@contoso.example",
            JOHANNA,
            "ben.walters@contoso.example",
        ] {
            let emulator = tenant();
            let (status, body) =
                offboard(&emulator, json!({"user": JOHANNA, "successor": successor})).await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(body["error"]["field"], "data.successor", "{body}");
            let writes = emulator
                .request_log()
                .iter()
                .filter(|r| {
                    r.method != "GET" && !r.path.contains("oauth2") && r.path != "/v1.0/$batch"
                })
                .count();
            assert_eq!(writes, 0);
            assert_eq!(reports_of(&emulator, JOHANNA).len(), 9);
        }
    });
}

fn owners_of(emulator: &Emulator, group: &str) -> Vec<String> {
    let summary = emulator.tenant_summary();
    let ids: Vec<String> = summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["displayName"] == group)
        .unwrap()["ownerIds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    summary["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| ids.iter().any(|i| u["id"] == i.as_str()))
        .filter_map(|u| u["userPrincipalName"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn the_ownership_opt_in_hands_the_groups_over_and_says_which_permission_it_needs() {
    run(async {
        // Granted: the successor becomes the owner, then the leaver goes.
        let emulator = tenant_granting(Some("Group.ReadWrite.All"));
        let (status, body) = offboard_with(
            &emulator,
            true,
            json!({"user": JOHANNA, "successor": EMILY}),
        )
        .await;
        assert_eq!(status, 200, "{}", body["error"]);
        assert_eq!(owners_of(&emulator, "Engineering"), vec![EMILY.to_string()]);
        let keys: Vec<&str> = body["plan"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["key"].as_str())
            .filter(|k| k.starts_with("handover.owner"))
            .collect();
        assert_eq!(keys.len(), 2, "{keys:?}");
        assert!(!body["result"]["remainder"]
            .to_string()
            .contains("groupOwnership"));

        // Not granted: the hand-over of the team is done, the owner change
        // is refused with the permission it needs, and nothing is lost.
        let emulator = tenant();
        let (status, body) = offboard_with(
            &emulator,
            true,
            json!({"user": JOHANNA, "successor": EMILY}),
        )
        .await;
        assert_eq!(status, 403, "{}", body["error"]);
        let remainder = body["result"]["remainder"].to_string();
        assert!(
            remainder.contains("still owns 'Engineering'")
                && remainder.contains("needs Group.ReadWrite.All"),
            "{remainder}"
        );
        assert_eq!(reports_of(&emulator, EMILY).len(), 8);
        assert_eq!(
            owners_of(&emulator, "Engineering"),
            vec![JOHANNA.to_string()]
        );

        // The doctor names the permission the opt-in needs, beyond the least set.
        let least: Vec<String> = entra_connect::graph::permissions::least_set(
            entra_connect::graph::permissions::Feature::ALL,
        )
        .iter()
        .map(|p| p.to_string())
        .collect();
        let verdict = entra_connect::resolver::doctor_assessment(&least);
        let opt_in = &verdict["optIn"][0];
        assert_eq!(opt_in["setting"], "provisioning.handOverGroupOwnership");
        assert_eq!(opt_in["beyondLeastSet"], json!(["Group.ReadWrite.All"]));
        assert_eq!(opt_in["satisfied"], false);
        let mut with_it = least.clone();
        with_it.push("Group.ReadWrite.All".into());
        let verdict = entra_connect::resolver::doctor_assessment(&with_it);
        assert_eq!(verdict["optIn"][0]["satisfied"], true);
        assert_eq!(verdict["excessive"], json!([]), "{verdict}");
        assert_eq!(verdict["broader"], json!([]), "{verdict}");
    });
}
