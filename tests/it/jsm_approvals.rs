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
use entra_connect::audit::{self, AuditFilter, AuditResult, ResultKind};
use entra_connect::config::{self, request_types::RequestTypeMapping};
use entra_connect::host::memory::MemoryHost;
use entra_connect::http::HttpResponse;
use entra_connect::portal::pending::{self, PendingOperation};
use entra_connect::portal::{self, PortalResult};
use entra_connect::service_api::handle;
use entra_emulator::Emulator;
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
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

// ---- Edits after approval (the input recorded while waiting must still hold) ----

/// A Service API call that waited for approval and is sent again with other
/// input after approval is refused, names the changed field (never its
/// value) in an internal comment and the audit trail, and changes nothing;
/// the approved input still runs.
#[test]
fn a_call_whose_input_changed_after_approval_is_refused_naming_the_field() {
    run(async {
        let emulator = Emulator::demo();
        let decision = Rc::new(Cell::new("pending"));
        let (host, key) = configure(jira(decision.clone()), &emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let approved = hire(Some("ITSM-7"), false, "Waited");
        let res = handle(&post(&key, &approved), &host, &transport).await;
        assert_eq!(res.status_code, 202, "{}", res.body);

        decision.set("approved");
        let edited = hire(Some("ITSM-7"), false, "Edited");
        let res = handle(&post(&key, &edited), &host, &transport).await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 403, "{body}");
        assert_eq!(body["error"]["rule"], "changedAfterApproval");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("surname"));
        assert_eq!(writes(&emulator), 0, "nothing runs");
        assert!(emulator.user("jordan.edited@contoso.example").is_none());
        let note = internal_comments(&host);
        assert!(note.contains("surname"), "{note}");
        assert!(
            !note.contains("Edited") && !note.contains("Waited"),
            "names, not values: {note}"
        );
        let refused = audit::query(
            &host,
            &AuditFilter {
                issue_key: Some("ITSM-7".into()),
                result: Some(ResultKind::Refused),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
        assert!(
            refused.iter().any(|r| matches!(&r.result,
                AuditResult::Refused { rule, message } if rule == "changedAfterApproval" && message.contains("surname"))),
            "{refused:?}"
        );

        // What was approved still runs, once.
        let res = handle(&post(&key, &approved), &host, &transport).await;
        assert_eq!(res.status_code, 200, "{}", res.body);
        assert!(emulator.user("jordan.waited@contoso.example").is_some());
    });
}

/// Only the input given counts: blank and null inputs are "not given", and
/// strings are read trimmed, as the parse stage reads them.
#[test]
fn the_input_digest_ignores_blanks_and_names_changed_nested_fields() {
    use entra_connect::pipeline::approval::InputDigest;
    use entra_connect::route::Route;
    let of = |v: Value| InputDigest::of(Route::UserUpdate, "ITSM-7", v.as_object().unwrap());
    let before =
        of(json!({"user": "a@contoso.example", "changes": {"mobilePhone": "+1 555 0100"}}));
    let same = of(json!({"user": " a@contoso.example ", "note": "", "x": null,
        "changes": {"mobilePhone": "+1 555 0100", "jobTitle": "  "}}));
    assert_eq!(before, same);
    assert!(before.changed_fields(&same).is_empty());
    let after = of(
        json!({"user": "a@contoso.example", "changes": {"mobilePhone": "+1 555 0199", "jobTitle": "Lead"}}),
    );
    assert_eq!(
        before.changed_fields(&after),
        vec![
            "changes.jobTitle".to_string(),
            "changes.mobilePhone".to_string()
        ]
    );
    // Equal values on another request give other digests (salted).
    let data = json!({"user": "a@contoso.example", "changes": {"mobilePhone": "+1 555 0100"}});
    let elsewhere = InputDigest::of(Route::UserUpdate, "ITSM-8", data.as_object().unwrap());
    assert_ne!(elsewhere.digest, before.digest);
    let text = serde_json::to_string(&after).unwrap();
    assert!(!text.contains("555"), "digests, never values: {text}");
}

/// The text of every internal comment posted, as ADF JSON.
fn internal_comments(host: &MemoryHost) -> String {
    host.jira_calls()
        .iter()
        .filter(|c| c.path.starts_with("/rest/api/3/issue/") && c.path.ends_with("/comment"))
        .filter_map(|c| c.body.as_ref().map(Value::to_string))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- Portal requests ----

/// A JSM site with one onboarding request, ITSM-7 (request type 10), whose
/// one approval and surname field the test changes as it goes.
struct Site {
    decision: Cell<&'static str>,
    surname: RefCell<String>,
}

fn portal_jira(site: Rc<Site>) -> MemoryHost {
    MemoryHost::new().with_jira(move |r| {
        let path = r.path.as_str();
        if path.starts_with("/rest/servicedeskapi/request/ITSM-7/approval") {
            return ok_json(json!({"size": 1, "isLastPage": true,
                "values": [{"id": "1", "finalDecision": site.decision.get()}]}));
        }
        if path == "/rest/servicedeskapi/request/ITSM-7" {
            return ok_json(json!({
                "issueKey": "ITSM-7",
                "requestTypeId": "10",
                "reporter": {"accountId": "customer-1", "displayName": "Debra Berger",
                    "emailAddress": "debra.berger@contoso.example"},
                "requestFieldValues": [
                    {"fieldId": "customfield_10100", "label": "First name", "value": "Jordan"},
                    {"fieldId": "customfield_10101", "label": "Last name", "value": site.surname.borrow().clone()},
                    {"fieldId": "customfield_10102", "label": "Department", "value": "Sales"}
                ]
            }));
        }
        if path.ends_with("/comment") {
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

async fn portal_site(surname: &str) -> (Emulator, Rc<Site>, MemoryHost) {
    let emulator = Emulator::demo();
    let site = Rc::new(Site {
        decision: Cell::new("pending"),
        surname: RefCell::new(surname.to_string()),
    });
    let (host, _) = configure(portal_jira(site.clone()), &emulator).await;
    let mut app = config::load(&host).await.unwrap();
    app.request_types.push(RequestTypeMapping {
        request_type_id: "10".into(),
        name: Some("Onboarding".into()),
        route: entra_connect::route::Route::UserCreate,
        fields: [
            ("givenName", "customfield_10100"),
            ("surname", "customfield_10101"),
            ("department", "customfield_10102"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect(),
    });
    config::save(&host, &app).await.unwrap();
    (emulator, site, host)
}

fn event() -> Value {
    json!({"issue": {"key": "ITSM-7", "id": "10007"}})
}

/// A declined portal request runs nothing, and agents are told so in an
/// internal comment (the customer in a public one).
#[test]
fn a_declined_portal_request_runs_nothing_and_says_so_internally() {
    run(async {
        let (emulator, site, host) = portal_site("Declined").await;
        let transport = InProcessTransport(emulator.clone());
        assert_eq!(
            portal::on_created(&event(), &host, &transport).await,
            PortalResult::Waiting
        );
        site.decision.set("declined");
        assert_eq!(
            portal::on_updated(&event(), &host, &transport).await,
            PortalResult::Ran { status: 403 }
        );
        assert_eq!(writes(&emulator), 0);
        assert!(emulator.user("jordan.declined@contoso.example").is_none());
        let internal: Vec<String> = host
            .jira_calls()
            .iter()
            .filter(|c| c.path == "/rest/api/3/issue/ITSM-7/comment")
            .filter_map(|c| c.body.as_ref().map(Value::to_string))
            .collect();
        assert!(
            internal.iter().any(|c| c
                .contains("An approver declined this request; nothing was changed in Entra.")
                && c.contains(r#""internal":true"#)),
            "{internal:?}"
        );
        assert_eq!(
            portal::on_updated(&event(), &host, &transport).await,
            PortalResult::Ignored,
            "nothing left to run"
        );
    });
}

/// A field edited while approval is pending is what the approvers approve
/// (it runs); a field edited after approval, before the app ran, is refused.
#[test]
fn a_portal_request_edited_after_approval_is_refused_and_one_edited_before_runs() {
    run(async {
        let (emulator, site, host) = portal_site("First").await;
        let transport = InProcessTransport(emulator.clone());
        assert_eq!(
            portal::on_created(&event(), &host, &transport).await,
            PortalResult::Waiting
        );
        let ids = pending::ids_of(&host, "ITSM-7").await.unwrap();
        assert_eq!(ids, vec!["ITSM-7:user.create".to_string()]);
        let waiting = pending::load(&host, &ids[0]).await.unwrap().unwrap();
        assert!(waiting
            .input
            .as_ref()
            .is_some_and(|i| i.fields.contains_key("surname")));

        // Edited while pending: the approvers see the edit.
        *site.surname.borrow_mut() = "Second".into();
        assert_eq!(
            portal::on_updated(&event(), &host, &transport).await,
            PortalResult::Waiting
        );
        // Approved, then edited before the app ran.
        site.decision.set("approved");
        *site.surname.borrow_mut() = "Third".into();
        assert_eq!(
            portal::on_updated(&event(), &host, &transport).await,
            PortalResult::Ran { status: 403 }
        );
        assert_eq!(writes(&emulator), 0, "nothing runs");
        for name in ["first", "second", "third"] {
            assert!(emulator
                .user(&format!("jordan.{name}@contoso.example"))
                .is_none());
        }
        let notes = internal_comments(&host);
        assert!(
            notes.contains("changed after the request was approved: surname"),
            "{notes}"
        );
        assert!(
            !notes.contains("Third"),
            "field names, never values: {notes}"
        );
        assert!(pending::ids_of(&host, "ITSM-7").await.unwrap().is_empty());
    });
}

#[test]
fn a_portal_request_edited_while_pending_runs_as_edited_once_approved() {
    run(async {
        let (emulator, site, host) = portal_site("First").await;
        let transport = InProcessTransport(emulator.clone());
        assert_eq!(
            portal::on_created(&event(), &host, &transport).await,
            PortalResult::Waiting
        );
        *site.surname.borrow_mut() = "Second".into();
        assert_eq!(
            portal::on_updated(&event(), &host, &transport).await,
            PortalResult::Waiting
        );
        site.decision.set("approved");
        assert_eq!(
            portal::on_updated(&event(), &host, &transport).await,
            PortalResult::Ran { status: 200 }
        );
        assert!(emulator.user("jordan.second@contoso.example").is_some());
        assert!(emulator.user("jordan.first@contoso.example").is_none());
    });
}

/// Two waiting operations on one request keep separate entries.
#[test]
fn waiting_operations_are_keyed_by_request_and_route() {
    use entra_connect::policy::{Requester, RequesterKind};
    use entra_connect::route::Route;
    run(async {
        let host = MemoryHost::new();
        let entry = |route: Route, user: &str| PendingOperation {
            issue_key: "ITSM-7".into(),
            route,
            data: json!({"user": user}).as_object().unwrap().clone(),
            requester: Requester {
                account_id: "customer-1".into(),
                display_name: "Debra Berger".into(),
                email: None,
                kind: RequesterKind::PortalCustomer,
            },
            created_at_ms: 1,
            not_before_ms: None,
            input: None,
        };
        pending::save(&host, &entry(Route::UserDisable, "a@contoso.example"))
            .await
            .unwrap();
        pending::save(&host, &entry(Route::UserResetPassword, "b@contoso.example"))
            .await
            .unwrap();
        let ids = pending::ids_of(&host, "ITSM-7").await.unwrap();
        assert_eq!(
            ids,
            vec!["ITSM-7:user.disable", "ITSM-7:user.resetPassword"]
        );
        let reset = pending::load(&host, &ids[1]).await.unwrap().unwrap();
        assert_eq!(reset.data["user"], "b@contoso.example");
        pending::remove(&host, &ids[0]).await.unwrap();
        assert_eq!(
            pending::ids_of(&host, "ITSM-7").await.unwrap(),
            vec!["ITSM-7:user.resetPassword"]
        );
        assert!(pending::ids_of(&host, "ITSM-70").await.unwrap().is_empty());
    });
}
