//! Service API routes end to end against the in-process emulator: the gate,
//! the route's input, the operation and what Entra ends up holding.

use crate::support::{
    configure, configured_host, jira_with_assigned_request, json_body, post, run,
    InProcessTransport, AGENT,
};
use entra_connect::service_api::handle;
use entra_emulator::{Emulator, Faults, ThrottleFault};
use serde_json::json;

const ADELE: &str = "adele.vance@contoso.example";
const ADELE_ID: &str = "7bbae7fa-8c4a-4c31-a223-6cdb301c14bb";
const ENGINEERING: &str = "c89deaae-0c7c-4ab9-830c-d164b8f8b182";

fn writes(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.contains("oauth2") && r.path != "/v1.0/$batch")
        .count()
}

#[test]
fn user_get_returns_the_panel_view_with_manager() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let res = handle(
            &post(&key, &json!({"route": "user.get", "data": {"user": ADELE}})),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        assert_eq!(body["ok"], true);
        assert_eq!(body["result"]["id"], ADELE_ID);
        assert_eq!(body["result"]["department"], "Sales");
        assert_eq!(
            body["result"]["manager"]["userPrincipalName"],
            "alex.wilber@contoso.example"
        );
        let by_employee_id = handle(
            &post(
                &key,
                &json!({"route": "user.get", "data": {"user": {"employeeId": "E1004"}}}),
            ),
            &host,
            &transport,
        )
        .await;
        assert_eq!(json_body(&by_employee_id)["result"]["id"], ADELE_ID);
    });
}

#[test]
fn unknown_user_is_404() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator);
        let res = handle(
            &post(
                &key,
                &json!({"route": "user.get", "data": {"user": "nobody@contoso.example"}}),
            ),
            &host,
            &transport,
        )
        .await;
        assert_eq!(res.status_code, 404, "{}", res.body);
        assert_eq!(json_body(&res)["error"]["code"], "not_found");
    });
}

#[test]
fn disable_changes_entra_and_a_replay_changes_nothing() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let call =
            json!({"route": "user.disable", "data": {"user": ADELE}, "idempotencyKey": "HR-4711"});
        let first = handle(&post(&key, &call), &host, &transport).await;
        let body = json_body(&first);
        assert_eq!(first.status_code, 200, "{body}");
        assert_eq!(body["result"]["steps"][0]["outcome"]["status"], "done");
        assert_eq!(emulator.user(ADELE).unwrap()["accountEnabled"], false);

        emulator.clear_log();
        let again = handle(&post(&key, &call), &host, &transport).await;
        assert_eq!(again.status_code, 200);
        assert_eq!(again.headers["Idempotent-Replay"], vec!["true".to_string()]);
        let replay = json_body(&again);
        assert_eq!(replay["replay"], true);
        assert_eq!(
            replay["result"], body["result"],
            "the first answer is returned"
        );
        assert!(
            emulator.request_log().is_empty(),
            "a replay never reaches Entra"
        );
    });
}

#[test]
fn dry_run_returns_the_plan_and_writes_nothing() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let res = handle(
            &post(&key, &json!({"route": "group.addMember", "data": {"user": ADELE, "group": "Engineering"}, "dryRun": true})),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        assert_eq!(body["dryRun"], true);
        let plan = body["plan"].as_array().unwrap();
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0]["method"], "POST");
        assert_eq!(
            plan[0]["path"],
            format!("/groups/{ENGINEERING}/members/$ref")
        );
        assert_eq!(writes(&emulator), 0);
        assert!(!emulator
            .group_member_ids(ENGINEERING)
            .contains(&ADELE_ID.to_string()));
    });
}

#[test]
fn group_membership_by_display_name_is_idempotent() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let add =
            json!({"route": "group.addMember", "data": {"user": ADELE, "group": "Engineering"}});
        let first = json_body(&handle(&post(&key, &add), &host, &transport).await);
        assert_eq!(
            first["result"]["steps"][0]["outcome"]["status"], "done",
            "{first}"
        );
        assert!(emulator
            .group_member_ids(ENGINEERING)
            .contains(&ADELE_ID.to_string()));
        // No idempotency key: the operation itself reports "no change".
        let second = json_body(&handle(&post(&key, &add), &host, &transport).await);
        assert_eq!(
            second["result"]["steps"][0]["outcome"]["status"], "noChange",
            "{second}"
        );

        let groups = json_body(
            &handle(
                &post(
                    &key,
                    &json!({"route": "user.groups", "data": {"user": ADELE}}),
                ),
                &host,
                &transport,
            )
            .await,
        );
        let names: Vec<&str> = groups["result"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|g| g["displayName"].as_str())
            .collect();
        assert!(
            names.contains(&"Engineering") && names.contains(&"Sales Team"),
            "{names:?}"
        );

        let remove =
            json!({"route": "group.removeMember", "data": {"user": ADELE, "group": ENGINEERING}});
        let removed = json_body(&handle(&post(&key, &remove), &host, &transport).await);
        assert_eq!(
            removed["result"]["steps"][0]["outcome"]["status"], "done",
            "{removed}"
        );
        assert!(!emulator
            .group_member_ids(ENGINEERING)
            .contains(&ADELE_ID.to_string()));
    });
}

#[test]
fn route_input_errors_name_the_data_field() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let cases = [
            (json!({"route": "user.get", "data": {}}), "data.user"),
            (
                json!({"route": "user.get", "data": {"user": 42}}),
                "data.user",
            ),
            (
                json!({"route": "user.get", "data": {"user": "not-an-upn"}}),
                "data.user",
            ),
            (
                json!({"route": "user.get", "data": {"user": {"employeeId": "E1", "mail": "a@b.c"}}}),
                "data.user",
            ),
            (
                json!({"route": "user.disable", "data": {"user": ADELE, "force": true}}),
                "data.force",
            ),
            (
                json!({"route": "group.addMember", "data": {"user": ADELE}}),
                "data.group",
            ),
            (
                json!({"route": "user.update", "data": {"user": ADELE, "changes": {"passwordProfile": {}}}}),
                "data.changes.passwordProfile",
            ),
        ];
        for (call, field) in cases {
            let res = handle(&post(&key, &call), &host, &transport).await;
            let body = json_body(&res);
            assert_eq!(res.status_code, 400, "{call} -> {body}");
            assert_eq!(body["error"]["field"], field, "{call} -> {body}");
        }
        assert_eq!(writes(&emulator), 0);
    });
}

#[test]
fn hostile_group_names_reach_graph_as_one_literal() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let hostile = "x' or displayName eq 'Engineering&$top=999#\n";
        let res = handle(
            &post(
                &key,
                &json!({"route": "group.addMember", "data": {"user": ADELE, "group": hostile}}),
            ),
            &host,
            &transport,
        )
        .await;
        assert_eq!(res.status_code, 404, "{}", res.body);
        let log = emulator.request_log();
        let lookup = log
            .iter()
            .find(|r| r.path == "/v1.0/groups")
            .expect("a group lookup");
        let query = lookup.query.clone().unwrap_or_default();
        // One literal: only its two delimiting quotes are raw, and the value
        // adds no query parameters of its own.
        assert_eq!(query.matches('\'').count(), 2, "{query}");
        let params: Vec<&str> = query
            .split('&')
            .map(|p| p.split('=').next().unwrap())
            .collect();
        assert_eq!(params, ["$filter", "$select", "$top"], "{query}");
        assert!(query.ends_with("$top=2"), "{query}");
        assert_eq!(writes(&emulator), 0);
    });
}

#[test]
fn throttling_past_the_deadline_is_429_with_retry_after_and_resumable() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        // Warm the token, then throttle every Graph call for longer than
        // the web trigger's budget (the host's clock is virtual).
        emulator.set_faults(Faults {
            throttle: Some(ThrottleFault {
                requests_per_second: 0,
                retry_after_seconds: 30.0,
            }),
            ..Faults::default()
        });
        let call =
            json!({"route": "user.enable", "data": {"user": ADELE}, "idempotencyKey": "rerun-1"});
        let res = handle(&post(&key, &call), &host, &transport).await;
        assert_eq!(res.status_code, 429, "{}", res.body);
        assert!(res.headers.contains_key("Retry-After"));
        emulator.set_faults(Faults::default());
        let retried = handle(&post(&key, &call), &host, &transport).await;
        assert_eq!(retried.status_code, 200, "{}", retried.body);
        assert!(
            !retried.headers.contains_key("Idempotent-Replay"),
            "a throttled call is not remembered"
        );
    });
}

#[test]
fn an_unconnected_app_answers_503() {
    run(async {
        let emulator = Emulator::demo();
        let host = entra_connect::host::memory::MemoryHost::new();
        let (key, _) = entra_connect::service_api::service_key::rotate(&host)
            .await
            .unwrap();
        let transport = InProcessTransport(emulator.clone());
        let res = handle(
            &post(
                key.expose(),
                &json!({"route": "user.get", "data": {"user": ADELE}}),
            ),
            &host,
            &transport,
        )
        .await;
        assert_eq!(res.status_code, 503);
        assert_eq!(json_body(&res)["error"]["code"], "not_configured");
        assert!(emulator.request_log().is_empty());
    });
}

#[test]
fn a_group_that_is_not_serviceable_is_refused_with_the_rule_and_audited() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let res = handle(&post(&key, &json!({"route": "group.addMember", "data": {"user": ADELE, "group": "Privileged Support Staff"}})), &host, &transport).await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 403, "{body}");
        assert_eq!(body["error"]["code"], "refused_by_policy");
        assert_eq!(body["error"]["rule"], "groupNotServiceable");
        let audit_id = body["auditId"].as_str().expect("the refusal is audited");
        let stored = host.kvs_snapshot();
        assert!(
            stored.values().any(|v| v["record"]["id"] == audit_id),
            "audit record {audit_id} stored"
        );
        assert_eq!(writes(&emulator), 0);
    });
}

#[test]
fn reset_password_is_revealed_once_to_the_assignee_and_never_answered() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        // Without a request, nobody could receive the password: refused
        // before anything changes.
        let nobody = handle(
            &post(
                &key,
                &json!({"route": "user.resetPassword", "data": {"user": ADELE}}),
            ),
            &host,
            &transport,
        )
        .await;
        assert_eq!(nobody.status_code, 403, "{}", nobody.body);
        assert_eq!(json_body(&nobody)["error"]["rule"], "noSecretRecipient");
        assert_eq!(writes(&emulator), 0);

        let res = handle(&post(&key, &json!({"route": "user.resetPassword", "data": {"user": ADELE}, "issueKey": "ITSM-1"})), &host, &transport).await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        let credential = &body["result"]["credential"];
        assert_eq!(credential["kind"], "temporaryPassword");
        assert!(
            credential["value"].is_null(),
            "the password never travels in the answer"
        );
        let id = credential["id"].as_str().unwrap();
        assert!(body["auditId"].is_string());

        let secret = entra_connect::delivery::reveal(&host, id, AGENT)
            .await
            .expect("the assignee reveals it");
        assert!(
            emulator.user_has_password(ADELE_ID, secret.expose()),
            "the revealed password is the one Entra holds"
        );
        assert!(
            entra_connect::delivery::reveal(&host, id, AGENT)
                .await
                .is_err(),
            "only once"
        );
        // Nowhere else: not the answer, logs, KVS, comments or Graph's log.
        let everywhere = format!(
            "{}{:?}{:?}{:?}{:?}",
            res.body,
            host.logs(),
            host.kvs_snapshot(),
            host.jira_calls(),
            emulator
                .request_log()
                .iter()
                .map(|r| r.body.clone())
                .collect::<Vec<_>>()
        );
        assert!(!everywhere.contains(secret.expose()));
        let comment = host
            .jira_calls()
            .into_iter()
            .find(|c| c.path.ends_with("/comment"))
            .expect("a summary comment");
        assert!(
            comment
                .body
                .unwrap()
                .to_string()
                .contains("sd.public.comment"),
            "internal comment"
        );
    });
}

#[test]
fn user_create_onboards_with_rule_groups_and_delivers_the_first_password() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configure(jira_with_assigned_request(), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let hire = json!({
            "route": "user.create",
            "issueKey": "ITSM-1",
            "data": {"givenName": "Zoë", "surname": "O'Brien", "department": "Engineering", "jobTitle": "Engineer",
                     "employeeId": "E9001", "manager": "alex.wilber@contoso.example", "groups": ["Engineering", "All Staff"]}
        });
        let res = handle(&post(&key, &hire), &host, &transport).await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        let upn = body["result"]["user"]["userPrincipalName"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(upn, "zoe.obrien@contoso.example");
        let created = emulator.user(&upn).expect("the account exists in Entra");
        assert_eq!(created["department"], "Engineering");
        let id = created["id"].as_str().unwrap().to_string();
        assert!(emulator.group_member_ids(ENGINEERING).contains(&id));
        assert!(body["result"]["credential"]["id"].is_string());

        // The same hire again (HR retries): no second account.
        let again = handle(&post(&key, &hire), &host, &transport).await;
        assert_eq!(again.status_code, 200, "{}", again.body);
        let hires = emulator.tenant_summary()["users"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["displayName"] == "Zoë O'Brien")
            .count();
        assert_eq!(hires, 1);
    });
}
