//! JSM approvals are honoured: a call on a request whose approvals are
//! pending changes nothing in Entra until every approver approves, and
//! nothing runs once one declines, whatever the policy's per-operation
//! setting; a dry run still answers the plan and says the approval is
//! pending; a call on no request runs as the policy says.
//! Approvals as JSM reports them: `GET /rest/servicedeskapi/request/{key}/approval`,
//! each value's `finalDecision` `pending`, `approved` or `declined`
//! (<https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-approval-get>).

use crate::support::policy::ok_json;
use crate::support::{configure, json_body, post, run, InProcessTransport};
use entra_connect::host::memory::MemoryHost;
use entra_connect::http::HttpResponse;
use entra_connect::service_api::handle;
use entra_emulator::Emulator;
use serde_json::{json, Value};
use std::cell::Cell;
use std::rc::Rc;

/// Entra writes: anything but reads, tokens and the `$batch` envelope.
fn writes(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.contains("oauth2") && r.path != "/v1.0/$batch")
        .count()
}

/// A Jira whose request ITSM-7 carries one approval, decided as `decision` says.
fn jira(decision: Rc<Cell<&'static str>>) -> MemoryHost {
    MemoryHost::new().with_jira(move |r| {
        if r.path
            .starts_with("/rest/servicedeskapi/request/ITSM-7/approval")
        {
            return ok_json(json!({"size": 1, "isLastPage": true,
                "values": [{"id": "1", "finalDecision": decision.get()}]}));
        }
        if r.path.ends_with("/comment") {
            return HttpResponse {
                status: 201,
                headers: vec![],
                body: "{}".into(),
            };
        }
        HttpResponse {
            status: 404,
            headers: vec![],
            body: String::new(),
        }
    })
}

fn hire(issue: Option<&str>, dry: bool, surname: &str) -> Value {
    let mut call = json!({"route": "user.create", "dryRun": dry,
        "data": {"givenName": "Jordan", "surname": surname, "department": "Sales"}});
    if let Some(issue) = issue {
        call["issueKey"] = json!(issue);
    }
    call
}

#[test]
fn a_pending_approval_holds_any_operation_on_its_request_until_approved() {
    run(async {
        let emulator = Emulator::demo();
        let decision = Rc::new(Cell::new("pending"));
        let (host, key) = configure(jira(decision.clone()), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        // The policy does not ask approval for user.create: the request does.
        let res = handle(
            &post(&key, &hire(Some("ITSM-7"), false, "Approved")),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 202, "{body}");
        assert_eq!(body["error"]["code"], "awaiting_approval");
        assert_eq!(
            writes(&emulator),
            0,
            "no Graph write while approval is pending"
        );
        assert!(emulator.user("jordan.approved@contoso.example").is_none());

        // A dry run still plans, and says the approval is pending.
        let res = handle(
            &post(&key, &hire(Some("ITSM-7"), true, "Approved")),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 200, "{body}");
        assert_eq!(body["approval"]["status"], "pending");
        assert_eq!(body["approval"]["pending"], 1);
        assert!(body["plan"].as_array().is_some_and(|p| !p.is_empty()));
        assert_eq!(writes(&emulator), 0);

        decision.set("approved");
        let res = handle(
            &post(&key, &hire(Some("ITSM-7"), false, "Approved")),
            &host,
            &transport,
        )
        .await;
        assert_eq!(res.status_code, 200, "{}", res.body);
        assert!(emulator.user("jordan.approved@contoso.example").is_some());
    });
}

#[test]
fn a_declined_approval_runs_nothing_and_no_request_runs_as_the_policy_says() {
    run(async {
        let emulator = Emulator::demo();
        let decision = Rc::new(Cell::new("declined"));
        let (host, key) = configure(jira(decision), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let res = handle(
            &post(&key, &hire(Some("ITSM-7"), false, "Declined")),
            &host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 403, "{body}");
        assert_eq!(body["error"]["code"], "approval_declined");
        assert_eq!(writes(&emulator), 0);
        assert!(emulator.user("jordan.declined@contoso.example").is_none());

        // A Jira issue that is no service request (404) has no approvals.
        let res = handle(
            &post(&key, &hire(Some("DEV-3"), false, "Plain")),
            &host,
            &transport,
        )
        .await;
        assert_eq!(res.status_code, 200, "{}", res.body);
        // No request at all: the policy's per-operation setting decides.
        let res = handle(&post(&key, &hire(None, false, "Direct")), &host, &transport).await;
        assert_eq!(res.status_code, 200, "{}", res.body);
        assert!(emulator.user("jordan.direct@contoso.example").is_some());
    });
}
