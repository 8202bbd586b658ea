//! The admin page's audit log resolvers: filters, CSV that spreadsheets
//! read safely, and that only Jira administrators get either.

use crate::support::{run, InProcessTransport};
use entra_connect::audit::{
    self, AuditAction, AuditActor, AuditRecord, AuditResult, AuditTarget, CredentialNote,
    CredentialType,
};
use entra_connect::host::memory::MemoryHost;
use entra_connect::http::HttpResponse;
use entra_connect::policy::EntryPoint;
use entra_connect::resolver::ResolverContext;
use entra_connect::route::Route;
use serde_json::{json, Value};

const DAY_MS: u64 = 86_400_000;

fn host(is_admin: bool) -> MemoryHost {
    MemoryHost::new().with_jira(move |_| HttpResponse {
        status: 200,
        headers: vec![],
        body: json!({"permissions": {"ADMINISTER": {"havePermission": is_admin}}}).to_string(),
    })
}

fn caller() -> ResolverContext {
    ResolverContext {
        account_id: Some("5b10ac8d82e05b22cc7d4ef5".into()),
        ..ResolverContext::default()
    }
}

async fn handle(key: &str, payload: Value, host: &MemoryHost) -> Value {
    let transport = InProcessTransport(entra_emulator::Emulator::demo());
    entra_connect::resolver::handle(key, &payload, &caller(), host, &transport).await
}

fn record(at_ms: u64, route: Route, target: &str, issue: &str, result: AuditResult) -> AuditRecord {
    AuditRecord {
        id: audit::record::new_record_id(),
        at_ms,
        requester: AuditActor {
            account_id: "agent-1".into(),
            display_name: Some("Agent One".into()),
            kind: None,
        },
        entry_point: Some(EntryPoint::Portal),
        issue_key: Some(issue.into()),
        action: AuditAction::Operation(route),
        target: Some(AuditTarget {
            id: None,
            label: target.into(),
        }),
        groups: vec![],
        dry_run: false,
        plan: Some(json!([{"summary": "Disable sign-in", "method": "PATCH", "path": "/users/x"}])),
        steps: vec![],
        duration_ms: None,
        result,
        remainder: Vec::new(),
        graph_request_ids: vec!["req-1".into()],
        idempotency_key: None,
        credential: None,
        delivery_id: None,
        related_audit_id: None,
    }
}

/// Three records on three days, newest last.
async fn seeded(host: &MemoryHost) -> u64 {
    let now = host_now(host);
    let records = [
        record(
            now - 2 * DAY_MS,
            Route::UserDisable,
            "lee.gu@contoso.example",
            "ITSM-1",
            AuditResult::Succeeded,
        ),
        record(
            now - DAY_MS,
            Route::UserResetPassword,
            "adele.vance@contoso.example",
            "ITSM-2",
            AuditResult::Refused {
                rule: "protected".into(),
                message: "protected user".into(),
            },
        ),
        record(
            now,
            Route::UserDisable,
            "adele.vance@contoso.example",
            "ITSM-3",
            AuditResult::AwaitingApproval { pending: 1 },
        ),
    ];
    for r in &records {
        audit::record(host, r).await.unwrap();
    }
    now
}

fn host_now(host: &MemoryHost) -> u64 {
    use entra_connect::host::Host;
    host.now_ms()
}

fn issues(answer: &Value) -> Vec<&str> {
    answer["value"]["records"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|r| r["issueKey"].as_str().unwrap())
        .collect()
}

#[test]
fn filters_narrow_the_records_newest_first() {
    run(async {
        let host = host(true);
        let now = seeded(&host).await;
        let all = handle("audit.query", json!({}), &host).await;
        assert_eq!(issues(&all), ["ITSM-3", "ITSM-2", "ITSM-1"]);
        assert_eq!(all["value"]["records"][0]["operation"], "user.disable");
        assert_eq!(all["value"]["records"][0]["outcome"], "awaitingApproval");

        let by_target = handle(
            "audit.query",
            json!({"target": "adele.vance@contoso.example"}),
            &host,
        )
        .await;
        assert_eq!(issues(&by_target), ["ITSM-3", "ITSM-2"]);
        let by_operation = handle("audit.query", json!({"operation": "user.disable"}), &host).await;
        assert_eq!(issues(&by_operation), ["ITSM-3", "ITSM-1"]);
        let by_outcome = handle("audit.query", json!({"outcome": "refused"}), &host).await;
        assert_eq!(issues(&by_outcome), ["ITSM-2"]);
        let by_issue = handle("audit.query", json!({"issueKey": "ITSM-1"}), &host).await;
        assert_eq!(issues(&by_issue), ["ITSM-1"]);
        let by_requester = handle(
            "audit.query",
            json!({"requesterAccountId": "someone-else"}),
            &host,
        )
        .await;
        assert!(issues(&by_requester).is_empty());
        let by_dates = handle(
            "audit.query",
            json!({"fromMs": now - DAY_MS - 1000, "toMs": now - 1000}),
            &host,
        )
        .await;
        assert_eq!(issues(&by_dates), ["ITSM-2"]);
        let limited = handle("audit.query", json!({"limit": 1}), &host).await;
        assert_eq!(issues(&limited), ["ITSM-3"]);
    });
}

#[test]
fn bad_filters_name_their_field() {
    run(async {
        let host = host(true);
        for (payload, field) in [
            (json!({"operation": "user.explode"}), "operation"),
            (json!({"outcome": "maybe"}), "outcome"),
            (json!({"limit": 500}), "limit"),
            (json!({"fromMs": 10, "toMs": 5}), "toMs"),
            (json!({"fromMs": "yesterday"}), "fromMs"),
        ] {
            let answer = handle("audit.query", payload.clone(), &host).await;
            assert_eq!(answer["error"]["code"], "invalid_input", "{payload}");
            assert_eq!(answer["error"]["field"], field, "{payload}");
        }
    });
}

#[test]
fn records_carry_no_credential_handle() {
    run(async {
        let host = host(true);
        let mut issued = record(
            host_now(&host),
            Route::UserResetPassword,
            "adele.vance@contoso.example",
            "ITSM-9",
            AuditResult::Succeeded,
        );
        issued.credential = Some(CredentialNote {
            kind: CredentialType::TemporaryPassword,
            delivery_id: "delivery-secret-handle".into(),
            expires_at_ms: host_now(&host) + DAY_MS,
        });
        audit::record(&host, &issued).await.unwrap();
        let answer = handle("audit.query", json!({}), &host).await;
        assert_eq!(
            answer["value"]["records"][0]["credential"]["kind"],
            "temporaryPassword"
        );
        let csv = handle("audit.csv", json!({}), &host).await;
        for text in [answer.to_string(), csv.to_string()] {
            assert!(!text.contains("delivery-secret-handle"), "{text}");
        }
        assert!(csv["value"]["csv"]
            .as_str()
            .unwrap()
            .contains("temporary password issued"));
    });
}

#[test]
fn csv_quotes_and_neutralises_formulas() {
    use entra_connect::resolver::audit_csv_cell as cell;
    assert_eq!(cell("plain"), "plain");
    assert_eq!(cell("a,b"), "\"a,b\"");
    assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(cell("two\nlines"), "\"two\nlines\"");
    assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    assert_eq!(cell("+1"), "'+1");
    assert_eq!(cell("-cmd"), "'-cmd");
    assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(cell("\tx"), "'\tx");
}

#[test]
fn csv_export_has_a_header_and_one_line_per_record() {
    run(async {
        let host = host(true);
        let mut hostile = record(
            host_now(&host),
            Route::UserUpdate,
            "=cmd|' /C calc'!A0",
            "ITSM-4",
            AuditResult::Failed {
                code: "graph_error".into(),
                message: "bad, \"quoted\"\nvalue".into(),
            },
        );
        hostile.requester.display_name = Some("@evil".into());
        audit::record(&host, &hostile).await.unwrap();
        let answer = handle("audit.csv", json!({"issueKey": "ITSM-4"}), &host).await;
        let value = &answer["value"];
        assert!(
            value["filename"].as_str().unwrap().ends_with(".csv"),
            "{answer}"
        );
        let csv = value["csv"].as_str().unwrap();
        assert!(csv.starts_with("time,operation,outcome,detail,"));
        assert_eq!(
            csv.matches("\r\n").count(),
            2,
            "header and one record: {csv}"
        );
        assert!(csv.contains(",'=cmd|' /C calc'!A0,"), "{csv}");
        assert!(csv.contains(",'@evil,"), "{csv}");
        assert!(
            csv.contains("\"failed (graph_error): bad, \"\"quoted\"\"\nvalue\""),
            "{csv}"
        );
    });
}

#[test]
fn only_admins_read_the_audit_log() {
    run(async {
        let host = host(false);
        seeded(&host).await;
        for key in ["audit.query", "audit.csv", "config.options"] {
            let answer = handle(key, json!({}), &host).await;
            assert_eq!(answer["error"]["code"], "forbidden", "{key}: {answer}");
            assert!(answer.get("value").is_none());
        }
    });
}

#[test]
fn options_offer_mutating_routes_with_their_inputs() {
    run(async {
        let host = host(true);
        let answer = handle("config.options", json!({}), &host).await;
        let routes = answer["value"]["routes"].as_array().unwrap();
        assert!(routes
            .iter()
            .all(|r| r["route"] != "user.get" && r["route"] != "user.groups"));
        let update = routes.iter().find(|r| r["route"] == "user.update").unwrap();
        let inputs: Vec<&str> = update["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap())
            .collect();
        assert!(
            inputs.contains(&"user") && inputs.contains(&"changes.department"),
            "{inputs:?}"
        );
        assert!(!inputs.contains(&"changes"));
    });
}
