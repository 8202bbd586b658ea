//! The fault matrix (issue 19, "Hardening"): each use case under each fault
//! Entra or Forge can throw at it, one test per cell
//! (`fault_matrix::<use case>::<fault>`), so a failure names both. The
//! single calls run through the Service API (the pipeline, as a web
//! trigger runs it) against the in-process demo tenant on virtual time,
//! then:
//!
//! - either the first answer is complete and Entra holds the intended
//!   state, or the answer names the steps left (each with a non-success
//!   outcome) and a resend of the same call does exactly those;
//! - no account is created twice, no second pass;
//! - every answer that ran has an audit record carrying every step's
//!   outcome; a credential the answer announces is the one Entra holds, and
//!   a hire never ends without one unless the answer says so.
//!
//! The faults: a 429 storm (the per-second throttle,
//! <https://learn.microsoft.com/graph/throttling>), a burst of 503s on the
//! first write of each method (<https://learn.microsoft.com/graph/errors>),
//! the connection dropped after Entra carried out the first write of each
//! method, the access token expiring between two round trips
//! (<https://learn.microsoft.com/entra/identity-platform/access-tokens#token-lifetime>),
//! 30 s replication delay of new objects, the deadline running out mid-plan
//! while Graph asks to come back later, and the invocation stopped at the
//! function's time limit right after its first (or second) write reached
//! Entra (Forge stops a function at its limit:
//! <https://developer.atlassian.com/platform/forge/platform-quotas-and-limits/>).
//!
//! Bulk jobs and the Assets import have their own cells at the end: the
//! consumer is stopped mid-chunk or mid-step and the event redelivered.

use crate::assets_import::{assert_mirrors_tenant, assert_no_duplicates, payload, World};
use crate::support::{
    configure, jira_with_assigned_request, json_body, post, EmulatorHost, InProcessTransport,
};
use entra_connect::assets::run::{handle_event_with, StepResult};
use entra_connect::assets::{functions, state};
use entra_connect::audit::{self, AuditFilter};
use entra_connect::http::{HttpRequest, HttpResponse, Transport, TransportError};
use entra_connect::jobs::consume::{handle_event, EventResult};
use entra_connect::service_api::{handle, WEB_TRIGGER_BUDGET_MS};
use entra_emulator::{AimedEffect, AimedFault, Emulator, Faults, ThrottleFault, UnavailableFault};
use serde_json::{json, Value};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

const ADELE: &str = "adele.vance@contoso.example";
const ALEX: &str = "alex.wilber@contoso.example";
const MEGAN: &str = "megan.bowen@contoso.example";

// ---- the app under test ----

/// A configured app over the demo tenant, its host on virtual time.
struct App {
    emulator: Emulator,
    host: EmulatorHost,
    key: String,
}

impl App {
    async fn new() -> App {
        let emulator = Emulator::demo();
        let (inner, key) = configure(jira_with_assigned_request(), &emulator).await;
        App {
            host: EmulatorHost::over(inner, &emulator),
            emulator,
            key,
        }
    }

    /// One web-trigger invocation with `call`, over a network with `cut`.
    /// `None` when the invocation was killed before it could answer.
    async fn invoke(&self, call: &Value, cut: Cut) -> Option<Value> {
        let transport = Net {
            inner: InProcessTransport(self.emulator.clone()),
            host: &self.host,
            cut,
            writes: Cell::new(0),
            requests: Cell::new(0),
        };
        let request = post(&self.key, call);
        let mut invocation = pin!(handle(&request, &self.host, &transport));
        // Nothing in-process waits on a real timer: a run that is not
        // finished after one poll is one the transport has stopped.
        match invocation
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(response) => Some(json_body(&response)),
            Poll::Pending => None,
        }
    }

    /// One delivery of a queue `event` to the jobs consumer, over a network
    /// with `cut`; `None` when the consumer was stopped.
    async fn consume(&self, event: &Value, cut: Cut) -> Option<EventResult> {
        let transport = Net {
            inner: InProcessTransport(self.emulator.clone()),
            host: &self.host,
            cut,
            writes: Cell::new(0),
            requests: Cell::new(0),
        };
        let mut delivery = pin!(handle_event(event, &self.host, &transport));
        match delivery
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(result) => Some(result),
            Poll::Pending => None,
        }
    }

    fn users(&self) -> usize {
        self.emulator.tenant_summary()["users"]
            .as_array()
            .map_or(0, Vec::len)
    }

    async fn audit_records(&self) -> Vec<audit::AuditRecord> {
        audit::query(
            &self.host,
            &AuditFilter {
                limit: Some(200),
                ..Default::default()
            },
        )
        .await
        .unwrap()
    }
}

/// How the network of one invocation ends early, if it does.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Cut {
    None,
    /// After Entra answered the first write, the invocation's clock is one
    /// second from its deadline and Entra answers 503 with a 5 s
    /// `Retry-After` from then on: the rest cannot be waited for.
    DeadlineAfterFirstWrite,
    /// The Nth write reaches Entra and is carried out; then Forge stops
    /// the invocation at its time limit: no answer, no record stage.
    KillAfterWrite(u32),
    /// Forge stops the invocation once Entra answered its Nth Graph
    /// request (reads included).
    KillAfterRequest(u32),
}

/// The in-process transport, ended early as its [`Cut`] says.
struct Net<'a> {
    inner: InProcessTransport,
    host: &'a EmulatorHost,
    cut: Cut,
    writes: Cell<u32>,
    requests: Cell<u32>,
}

/// A request that changes something: any method but GET, a `$batch`
/// only when it carries such a request.
fn is_write(request: &HttpRequest) -> bool {
    let method = request.method.as_str();
    if request.url.contains("/oauth2/") || method == "GET" {
        return false;
    }
    if request.url.ends_with("/$batch") {
        let body = request.body.as_deref().unwrap_or_default();
        return ["POST", "PATCH", "PUT", "DELETE"]
            .iter()
            .any(|m| body.contains(&format!("\"method\":\"{m}\"")));
    }
    true
}

impl Transport for Net<'_> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let write = is_write(&request);
        let graph = !request.url.contains("/oauth2/");
        let response = self.inner.send(request).await;
        if graph {
            self.requests.set(self.requests.get() + 1);
            if self.cut == Cut::KillAfterRequest(self.requests.get()) {
                std::future::pending::<()>().await
            }
        }
        if write {
            self.writes.set(self.writes.get() + 1);
            match self.cut {
                Cut::DeadlineAfterFirstWrite if self.writes.get() == 1 => {
                    self.host.advance(WEB_TRIGGER_BUDGET_MS - 1_000);
                    self.inner.0.set_faults(Faults {
                        unavailable: Some(UnavailableFault {
                            count: 10_000,
                            retry_after_seconds: Some(5.0),
                            method: None,
                            path_prefix: None,
                        }),
                        ..Faults::default()
                    });
                }
                Cut::KillAfterWrite(n) if self.writes.get() == n => {
                    std::future::pending::<()>().await
                }
                _ => {}
            }
        }
        response
    }
}

// ---- the faults ----

#[derive(Clone, Copy, PartialEq, Debug)]
enum Fault {
    /// Two requests a second, the rest 429 with `Retry-After: 1`.
    Storm429,
    /// The first write of each method gets three 503s in a row.
    Burst503,
    /// The connection drops after Entra carried out the first write of each
    /// method: the app cannot know it happened.
    DroppedAfterWrite,
    /// The token expires between the plan's first and second round trip.
    TokenExpiry,
    /// New objects are invisible for 30 s.
    Replication30s,
    /// The deadline runs out mid-plan while Entra asks to wait.
    Deadline,
    /// The invocation is killed at its time limit after its first write.
    Killed,
    /// The same after its second write (plans of one write finish).
    KilledLater,
}

fn aimed_at_each_write_method(effect: AimedEffect) -> Vec<AimedFault> {
    ["POST", "PATCH", "DELETE"]
        .into_iter()
        .map(|method| AimedFault {
            nth: 1,
            method: Some(method.into()),
            path_prefix: None,
            effect: effect.clone(),
        })
        .collect()
}

impl Fault {
    fn faults(self) -> Faults {
        match self {
            Fault::Storm429 => Faults {
                throttle: Some(ThrottleFault {
                    requests_per_second: 2,
                    retry_after_seconds: 1.0,
                }),
                ..Faults::default()
            },
            Fault::Burst503 => Faults {
                aimed: aimed_at_each_write_method(AimedEffect::Unavailable {
                    count: 3,
                    retry_after_seconds: Some(1.0),
                }),
                ..Faults::default()
            },
            Fault::DroppedAfterWrite => Faults {
                aimed: aimed_at_each_write_method(AimedEffect::DropAfter),
                ..Faults::default()
            },
            Fault::TokenExpiry => Faults {
                aimed: vec![AimedFault {
                    nth: 2,
                    method: None,
                    path_prefix: Some("/v1.0/".into()),
                    effect: AimedEffect::ExpireToken,
                }],
                ..Faults::default()
            },
            Fault::Replication30s => Faults {
                replication_delay_ms: 30_000,
                ..Faults::default()
            },
            Fault::Deadline | Fault::Killed | Fault::KilledLater => Faults::default(),
        }
    }

    fn cut(self) -> Cut {
        match self {
            Fault::Deadline => Cut::DeadlineAfterFirstWrite,
            Fault::Killed => Cut::KillAfterWrite(1),
            Fault::KilledLater => Cut::KillAfterWrite(2),
            _ => Cut::None,
        }
    }
}

// ---- the use cases ----

/// One use case: the call and the state Entra must end in.
struct UseCase {
    call: Value,
    /// Users the call adds to the tenant.
    adds_users: usize,
    /// The call gives the person a credential (a password or a pass).
    issues_credential: bool,
    end_state: fn(&Emulator) -> Result<(), String>,
}

fn user_id(emulator: &Emulator, upn: &str) -> String {
    emulator.user(upn).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn member(emulator: &Emulator, group: &str, user: &str) -> bool {
    let id = emulator.find_group_by_name(group).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    emulator
        .group_member_ids(&id)
        .iter()
        .any(|m| m.eq_ignore_ascii_case(user))
}

fn check(cond: bool, what: &str) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(what.to_string())
    }
}

/// The authentication methods of `user` of one type, read from Graph.
fn methods(emulator: &Emulator, user: &str, kind: &str) -> Vec<Value> {
    graph_get(
        emulator,
        &format!("/v1.0/users/{user}/authentication/{kind}"),
    )["value"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// One in-process request to the emulator, answered without waiting.
fn send(emulator: &Emulator, request: http::Request<Vec<u8>>) -> Value {
    let mut reply = pin!(emulator.handle(request));
    match reply.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(response) => serde_json::from_slice(response.body()).unwrap_or(Value::Null),
        Poll::Pending => panic!("the emulator answers in process"),
    }
}

/// A Graph GET as the app registration, outside the app (to read the end state).
fn graph_get(emulator: &Emulator, path: &str) -> Value {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let c = emulator.credentials();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
        utf8_percent_encode(&c.client_id, NON_ALPHANUMERIC),
        utf8_percent_encode(&c.client_secret, NON_ALPHANUMERIC),
        utf8_percent_encode("https://graph.microsoft.com/.default", NON_ALPHANUMERIC),
    );
    let token = send(
        emulator,
        http::Request::post(format!("/{}/oauth2/v2.0/token", c.tenant_id))
            .header("host", "emulator.test")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.into_bytes())
            .unwrap(),
    );
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    send(
        emulator,
        http::Request::get(path)
            .header("host", "emulator.test")
            .header("authorization", bearer)
            .body(Vec::new())
            .unwrap(),
    )
}

fn use_case(name: &str) -> UseCase {
    match name {
        "create" => UseCase {
            call: json!({"route": "user.create", "issueKey": "ITSM-1", "data": {
                "givenName": "Fault", "surname": "Matrix", "employeeId": "F0001",
                "department": "Sales", "manager": ALEX, "groups": ["Engineering"]}}),
            adds_users: 1,
            issues_credential: true,
            end_state: |e| {
                let users: Vec<Value> = e.tenant_summary()["users"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|u| e.user(u["id"].as_str().unwrap()))
                    .filter(|u| u["employeeId"] == "F0001")
                    .collect();
                check(users.len() == 1, "exactly one account for F0001")?;
                let id = users[0]["id"].as_str().unwrap();
                check(users[0]["manager"] == user_id(e, ALEX), "manager set")?;
                check(member(e, "Engineering", id), "in Engineering")
            },
        },
        "offboard" => UseCase {
            call: json!({"route": "user.offboard", "issueKey": "ITSM-1", "data": {"user": ADELE}}),
            adds_users: 0,
            issues_credential: false,
            end_state: |e| {
                let id = user_id(e, ADELE);
                check(
                    e.user(ADELE).unwrap()["accountEnabled"] == false,
                    "disabled",
                )?;
                check(!member(e, "Sales Team", &id), "out of Sales Team")?;
                check(!member(e, "All Staff", &id), "out of All Staff")
            },
        },
        "transfer" => UseCase {
            call: json!({"route": "user.transfer", "issueKey": "ITSM-1", "data": {
                "user": ADELE, "department": "Engineering", "jobTitle": "Engineer", "manager": MEGAN}}),
            adds_users: 0,
            issues_credential: false,
            end_state: |e| {
                let u = e.user(ADELE).unwrap();
                check(u["department"] == "Engineering", "department")?;
                check(u["jobTitle"] == "Engineer", "jobTitle")?;
                check(u["manager"] == user_id(e, MEGAN), "manager")
            },
        },
        "resetPassword" => UseCase {
            call: json!({"route": "user.resetPassword", "issueKey": "ITSM-1", "data": {"user": ADELE}}),
            adds_users: 0,
            issues_credential: true,
            // The password is checked against the one awaiting its reveal.
            end_state: |_| Ok(()),
        },
        "resetMfa" => UseCase {
            call: json!({"route": "user.resetMfa", "issueKey": "ITSM-1", "data": {
                "user": ALEX, "issueTemporaryAccessPass": true}}),
            adds_users: 0,
            issues_credential: true,
            end_state: |e| {
                check(methods(e, ALEX, "fido2Methods").is_empty(), "no FIDO2 key")?;
                check(
                    methods(e, ALEX, "microsoftAuthenticatorMethods").is_empty(),
                    "no Authenticator",
                )?;
                check(
                    methods(e, ALEX, "temporaryAccessPassMethods").len() == 1,
                    "exactly one pass",
                )
            },
        },
        "tap" => UseCase {
            call: json!({"route": "user.createTemporaryAccessPass", "issueKey": "ITSM-1", "data": {
                "user": ADELE, "lifetimeInMinutes": 60}}),
            adds_users: 0,
            issues_credential: true,
            end_state: |e| {
                check(
                    methods(e, ADELE, "temporaryAccessPassMethods").len() == 1,
                    "exactly one pass",
                )
            },
        },
        "addMember" => UseCase {
            call: json!({"route": "group.addMember", "issueKey": "ITSM-1", "data": {
                "user": ADELE, "group": "Engineering"}}),
            adds_users: 0,
            issues_credential: false,
            end_state: |e| {
                check(
                    member(e, "Engineering", &user_id(e, ADELE)),
                    "in Engineering",
                )
            },
        },
        "removeMember" => UseCase {
            call: json!({"route": "group.removeMember", "issueKey": "ITSM-1", "data": {
                "user": ADELE, "group": "Sales Team"}}),
            adds_users: 0,
            issues_credential: false,
            end_state: |e| {
                check(
                    !member(e, "Sales Team", &user_id(e, ADELE)),
                    "out of Sales Team",
                )
            },
        },
        other => panic!("no use case {other}"),
    }
}

/// Step statuses of an answer, by step key.
fn steps(body: &Value) -> Vec<(String, String)> {
    body["result"]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["key"].as_str().unwrap_or_default().to_string(),
                s["outcome"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

fn all_succeeded(body: &Value) -> bool {
    let steps = steps(body);
    !steps.is_empty() && steps.iter().all(|(_, s)| s == "done" || s == "noChange")
}

/// The audit record of an answer carries every step's outcome.
async fn assert_audited(app: &App, body: &Value, cell: &str) {
    let id = body["auditId"]
        .as_str()
        .unwrap_or_else(|| panic!("{cell}: an answer that ran has an audit record: {body}"));
    let record = app
        .audit_records()
        .await
        .into_iter()
        .find(|r| r.id == id || audit::store::record_key(r) == id)
        .unwrap_or_else(|| panic!("{cell}: audit record {id} stored"));
    let recorded: Vec<(String, String)> = record
        .steps
        .iter()
        .map(|s| {
            (
                s["key"].as_str().unwrap_or_default().to_string(),
                s["outcome"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        recorded,
        steps(body),
        "{cell}: the audit record has every step"
    );
}

/// The one record of a stopped run: `started`, naming the call's
/// operation, idempotency key, requester and (for a call about someone)
/// its target, with no steps (none was recorded). Answers its id.
async fn assert_started(app: &App, call: &Value, cell: &str) -> String {
    let records = app.audit_records().await;
    let started: Vec<_> = records
        .iter()
        .filter(|r| r.result == audit::AuditResult::Started)
        .collect();
    assert_eq!(
        started.len(),
        1,
        "{cell}: one started record: {records:?}\n{}",
        app.host.log_text()
    );
    let record = started[0];
    assert_eq!(
        Some(audit::store::operation_of(record)),
        call["route"].as_str(),
        "{cell}: the started record names the operation"
    );
    assert_eq!(
        record.idempotency_key,
        call["idempotencyKey"].as_str().map(str::to_string),
        "{cell}: the started record names the call"
    );
    assert_eq!(record.requester.account_id, "service-api", "{cell}");
    if let Some(user) = call["data"]["user"].as_str() {
        let target = record.target.as_ref().expect("a target");
        assert!(
            target.label.eq_ignore_ascii_case(user) || target.id.is_some(),
            "{cell}: the started record names whom: {target:?}"
        );
    }
    assert!(record.steps.is_empty(), "{cell}: {record:?}");
    audit::store::record_key(record)
}

/// The credential value stored for the one reveal of the answer's credential.
fn revealable(app: &App, body: &Value) -> Option<String> {
    let id = body["result"]["credentialId"].as_str()?;
    app.host
        .inner
        .secrets_snapshot()
        .into_iter()
        .find(|(key, _)| key.contains(id))
        .and_then(|(_, text)| serde_json::from_str::<Value>(&text).ok())
        .and_then(|entry| entry["value"].as_str().map(str::to_string))
}

/// The fault did happen (replication delay only touches new objects, and
/// a deadline cut only shows in plans of two writes or more).
fn assert_fault_seen(app: &App, fault: Fault, label: &str) {
    let statuses: Vec<u16> = app
        .emulator
        .request_log()
        .iter()
        .map(|l| l.status)
        .collect();
    let evidence = match fault {
        Fault::Storm429 => Some(429),
        Fault::Burst503 => Some(503),
        Fault::DroppedAfterWrite => Some(entra_emulator::DROPPED_STATUS),
        Fault::TokenExpiry => Some(401),
        Fault::Replication30s | Fault::Deadline | Fault::Killed | Fault::KilledLater => None,
    };
    if let Some(status) = evidence {
        assert!(
            statuses.contains(&status),
            "{label}: no {status} seen: {statuses:?}"
        );
    }
}

/// One cell: `case` under `fault`.
fn cell(case: &str, fault: Fault) {
    crate::support::run(async {
        let label = format!("{case} x {fault:?}");
        let app = App::new().await;
        let uc = use_case(case);
        let mut call = uc.call.clone();
        call["idempotencyKey"] = json!(format!("matrix-{case}"));
        let users_before = app.users();
        app.emulator.set_faults(fault.faults());
        let first = app.invoke(&call, fault.cut()).await;
        app.emulator.set_faults(Faults::default());
        assert_fault_seen(&app, fault, &label);
        if fault == Fault::Killed {
            assert!(first.is_none(), "{label}: the invocation was stopped");
        }
        // A stopped run left its `started` record, written before its first
        // change reached Entra.
        let started = if first.is_none() {
            Some(assert_started(&app, &call, &label).await)
        } else {
            None
        };
        let done_first = first.as_ref().is_some_and(all_succeeded);
        if let Some(first) = &first {
            assert!(
                first["ok"] == true || first["ok"] == false,
                "{label}: an answer, not an error: {first}"
            );
            assert_ne!(first["error"]["code"], "internal_error", "{label}: {first}");
            assert_audited(&app, first, &label).await;
            if !done_first {
                // The answer names exactly the steps left.
                let left: Vec<_> = steps(first)
                    .into_iter()
                    .filter(|(_, s)| s != "done" && s != "noChange")
                    .collect();
                assert!(!left.is_empty(), "{label}: {first}");
                assert_eq!(first["ok"], false, "{label}: {first}");
                assert_eq!(first["result"]["complete"], false, "{label}: {first}");
            }
        }
        let last = if done_first {
            first.clone().unwrap()
        } else {
            // The requester resends the same call once Entra is back.
            app.host.advance(60_000);
            let again = app
                .invoke(&call, Cut::None)
                .await
                .expect("a resend answers");
            assert!(
                all_succeeded(&again),
                "{label}: the resend completes: {again}"
            );
            if let Some(first) = &first {
                // What the resend did is what the first answer named as left.
                let left: Vec<String> = steps(first)
                    .into_iter()
                    .filter(|(_, s)| s != "done" && s != "noChange")
                    .map(|(k, _)| k)
                    .collect();
                for (key, status) in steps(&again) {
                    assert!(
                        status != "done" || left.contains(&key),
                        "{label}: {key} done again though the first answer had it done: {first}\n{again}"
                    );
                }
            }
            assert_audited(&app, &again, &label).await;
            if let Some(started) = &started {
                // The resend records its end under the stopped run's record.
                assert_eq!(
                    again["auditId"].as_str(),
                    Some(started.as_str()),
                    "{label}: the resend completes the started record: {again}"
                );
                assert!(
                    app.audit_records()
                        .await
                        .iter()
                        .all(|r| r.result != audit::AuditResult::Started),
                    "{label}: no record is left started"
                );
            }
            again
        };
        assert_eq!(last["error"], Value::Null, "{label}");
        if uc.issues_credential {
            // The person has a way in that someone can reveal, or the answer
            // says nobody has one: never a complete answer over an account
            // whose only password died with a lost answer.
            let issued = [first.as_ref(), Some(&last)]
                .into_iter()
                .flatten()
                .any(|answer| answer["result"]["credentialId"].is_string());
            let pending = last["result"]["remainder"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|r| r["kind"] == "credentialPending");
            assert!(
                issued || pending,
                "{label}: no credential issued and none said to be pending: {last}"
            );
        }
        if let Some(upn) = last["result"]["user"]["userPrincipalName"].as_str() {
            if last["result"]["credential"]["kind"] == "temporaryPassword" {
                // The password the requester will reveal is the one Entra holds.
                let value = revealable(&app, &last).expect("the credential awaits its reveal");
                assert!(
                    app.emulator.user_has_password(upn, &value),
                    "{label}: the revealable password is Entra's"
                );
            }
        }
        if let Err(what) = (uc.end_state)(&app.emulator) {
            panic!("{label}: Entra is not in the intended state ({what}): {last}");
        }
        assert_eq!(
            app.users(),
            users_before + uc.adds_users,
            "{label}: no duplicate account"
        );
        let text =
            serde_json::to_string(&app.audit_records().await).unwrap() + &app.host.log_text();
        assert!(
            !text.contains(&app.emulator.credentials().client_secret),
            "{label}: no secret in audit or log"
        );
    });
}

macro_rules! matrix {
    ($($case:ident => $name:literal),* $(,)?) => {
        $(
            mod $case {
                use super::{cell, Fault};
                #[test]
                fn storm_429() { cell($name, Fault::Storm429) }
                #[test]
                fn burst_503() { cell($name, Fault::Burst503) }
                #[test]
                fn dropped_after_write() { cell($name, Fault::DroppedAfterWrite) }
                #[test]
                fn token_expiry() { cell($name, Fault::TokenExpiry) }
                #[test]
                fn replication_30s() { cell($name, Fault::Replication30s) }
                #[test]
                fn deadline() { cell($name, Fault::Deadline) }
                #[test]
                fn killed() { cell($name, Fault::Killed) }
                #[test]
                fn killed_after_second_write() { cell($name, Fault::KilledLater) }
            }
        )*
    };
}

/// Counts the writes sent before the `started` audit record was stored.
struct Watching<'a> {
    inner: InProcessTransport,
    host: &'a EmulatorHost,
    writes: Cell<u32>,
    before_record: Cell<u32>,
}

impl Transport for Watching<'_> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if is_write(&request) {
            self.writes.set(self.writes.get() + 1);
            // Read without a storage call, which would itself let the
            // record's write run first.
            let stored = self.host.inner.entity_snapshot("audit-record");
            if !stored
                .values()
                .any(|e| e["record"]["result"]["status"] == "started")
            {
                self.before_record.set(self.before_record.get() + 1);
            }
        }
        self.inner.send(request).await
    }
}

/// With storage calls that take turns with Graph's (as on Forge, where
/// both are network calls), no change reaches Entra before the run's
/// `started` record is stored: the reads do not wait for it, the writes do.
#[test]
fn no_write_reaches_entra_before_the_started_record() {
    crate::support::run(async {
        let emulator = Emulator::demo();
        let (inner, key) = configure(jira_with_assigned_request(), &emulator).await;
        let host = EmulatorHost::over(inner.interleaving(true), &emulator);
        let transport = Watching {
            inner: InProcessTransport(emulator.clone()),
            host: &host,
            writes: Cell::new(0),
            before_record: Cell::new(0),
        };
        let mut call = use_case("create").call;
        call["idempotencyKey"] = json!("gate-create");
        let answer = json_body(&handle(&post(&key, &call), &host, &transport).await);
        assert_eq!(answer["ok"], true, "{answer}");
        assert!(transport.writes.get() >= 2, "{answer}");
        assert_eq!(
            transport.before_record.get(),
            0,
            "every write waited for the started record"
        );
    });
}

matrix! {
    create => "create",
    offboard => "offboard",
    transfer => "transfer",
    reset_password => "resetPassword",
    reset_mfa => "resetMfa",
    tap => "tap",
    add_member => "addMember",
    remove_member => "removeMember",
}

// ---- bulk: jobs.submit and the queue consumer ----

const HIRES: usize = 6;

fn bulk_hires() -> Vec<Value> {
    (0..HIRES)
        .map(|i| {
            json!({"route": "user.create", "issueKey": "ITSM-1", "data": {
                "givenName": "Bulk", "surname": format!("Fault{i}"),
                "employeeId": format!("BF{i:03}"), "department": "Sales", "groups": ["Engineering"]}})
        })
        .collect()
}

/// Submits a job of [`HIRES`] hires, delivers its event under `fault`
/// (a killed consumer stops after its first write: the hires of a chunk
/// share `$batch` envelopes, so that is the creates' envelope, and every
/// account exists while no follow-up has run), then
/// redelivers as Forge does until the consumer finishes; then every item
/// has an outcome (0 lost), every hire one account (0 duplicates) in its
/// group, and every outcome names its audit record, which has every step.
fn bulk_cell(fault: Fault) {
    crate::support::run(async {
        let label = format!("bulk x {fault:?}");
        let app = App::new().await;
        let before = app.users();
        let submitted = app
            .invoke(
                &json!({"route": "jobs.submit", "data": {"calls": bulk_hires()}}),
                Cut::None,
            )
            .await
            .unwrap();
        assert_eq!(submitted["result"]["items"], HIRES, "{submitted}");
        let job_id = submitted["result"]["jobId"].as_str().unwrap().to_string();
        let events: Vec<Value> = app
            .host
            .inner
            .queue_pushes()
            .into_iter()
            .flat_map(|(_, events)| events)
            .collect();
        assert_eq!(events.len(), 1, "one chunk");
        let cut = match fault {
            Fault::Killed => Cut::KillAfterWrite(1),
            Fault::Deadline => Cut::DeadlineAfterFirstWrite,
            _ => Cut::None,
        };
        app.emulator.set_faults(fault.faults());
        let mut result = app.consume(&events[0], cut).await;
        app.emulator.set_faults(Faults::default());
        assert_fault_seen(&app, fault, &label);
        if fault == Fault::Killed {
            assert!(result.is_none(), "{label}: the consumer was stopped");
        }
        let mut deliveries = 1;
        loop {
            match &result {
                Some(EventResult::Finished { .. }) => break,
                Some(EventResult::Retry {
                    retry_after_seconds,
                    ..
                }) => app.host.advance(retry_after_seconds * 1000),
                None => {}
                Some(other) => panic!("{label}: {other:?}"),
            }
            deliveries += 1;
            assert!(deliveries <= 5, "{label}: still not finished: {result:?}");
            result = app.consume(&events[0], Cut::None).await;
        }
        let status = app
            .invoke(
                &json!({"route": "job.status", "data": {"jobId": job_id}}),
                Cut::None,
            )
            .await
            .unwrap();
        let result = &status["result"];
        assert_eq!(result["complete"], true, "{label}: {status}");
        assert_eq!(result["counts"]["done"], HIRES, "{label}: 0 lost: {status}");
        assert_eq!(app.users(), before + HIRES, "{label}: 0 duplicates");
        let records = app.audit_records().await;
        for (i, outcome) in result["outcomes"].as_array().unwrap().iter().enumerate() {
            let id = outcome["userId"].as_str().unwrap();
            assert!(
                member(&app.emulator, "Engineering", id),
                "{label}: hire {i}"
            );
            let audit_id = outcome["auditId"].as_str().unwrap();
            let record = records
                .iter()
                .find(|r| r.id == audit_id || audit::store::record_key(r) == audit_id)
                .unwrap_or_else(|| panic!("{label}: audit record of hire {i}"));
            assert_eq!(record.steps.len(), 2, "{label}: every step of hire {i}");
        }
    });
}

mod bulk {
    use super::{bulk_cell, Fault};
    #[test]
    fn storm_429() {
        bulk_cell(Fault::Storm429)
    }
    #[test]
    fn burst_503() {
        bulk_cell(Fault::Burst503)
    }
    #[test]
    fn dropped_after_write() {
        bulk_cell(Fault::DroppedAfterWrite)
    }
    #[test]
    fn token_expiry() {
        bulk_cell(Fault::TokenExpiry)
    }
    #[test]
    fn replication_30s() {
        bulk_cell(Fault::Replication30s)
    }
    #[test]
    fn deadline() {
        bulk_cell(Fault::Deadline)
    }
    #[test]
    fn killed() {
        bulk_cell(Fault::Killed)
    }
}

// ---- the Assets import run ----

/// One delivery of an Assets import event over a network with `cut`;
/// `None` when Forge stopped the consumer.
async fn deliver_import(w: &World, event: &Value, cut: Cut) -> Option<StepResult> {
    let transport = Net {
        inner: InProcessTransport(w.h.emu.clone()),
        host: &w.h.host,
        cut,
        writes: Cell::new(0),
        requests: Cell::new(0),
    };
    let mut step = pin!(handle_event_with(event, &w.h.host, &transport, w.limits));
    match step.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => Some(result),
        Poll::Pending => None,
    }
}

/// A full import of a 1,000-user tenant with `fault` injected from the
/// start (the deadline: every step out of budget after one page; killed:
/// steps are stopped at their 3rd, 7th and 4th Graph request and their
/// events redelivered): the run finishes, Assets mirrors the tenant and
/// no record is sent twice in the execution. Replication delay does not
/// apply: the import only reads existing objects.
fn assets_cell(fault: Fault) {
    crate::support::run(async {
        let label = format!("assets x {fault:?}");
        let mut w = World::new(Emulator::scaled(1_000, 40).unwrap(), json!({})).await;
        if fault == Fault::Deadline {
            w.limits.step_budget_ms = 0;
        }
        let started = functions::start_import(&payload(), &w.h.host).await;
        assert_eq!(started, json!({"result": "started"}), "{label}");
        // Reads only: aim the drop and the 503s at the sweep's reads.
        let faults = match fault {
            Fault::Burst503 | Fault::DroppedAfterWrite => Faults {
                aimed: vec![AimedFault {
                    nth: 3,
                    method: Some("GET".into()),
                    path_prefix: None,
                    effect: match fault {
                        Fault::Burst503 => AimedEffect::Unavailable {
                            count: 3,
                            retry_after_seconds: Some(1.0),
                        },
                        _ => AimedEffect::DropAfter,
                    },
                }],
                ..Faults::default()
            },
            other => other.faults(),
        };
        w.h.emu.set_faults(faults);
        // Killed three times: at the 3rd, 7th and 4th Graph request of a step.
        let mut kills: Vec<u32> = if fault == Fault::Killed {
            vec![4, 7, 3]
        } else {
            vec![]
        };
        let mut killed = 0;
        let mut deliveries = 0;
        loop {
            deliveries += 1;
            assert!(deliveries < 2_000, "{label}: the run does not end");
            let event = w.events()[w.delivered].clone();
            w.delivered += 1;
            if let Some(delay) = event["delayInSeconds"].as_u64() {
                w.h.host.advance(delay * 1000);
            }
            let cut = kills
                .last()
                .map_or(Cut::None, |&n| Cut::KillAfterRequest(n));
            match deliver_import(&w, &event, cut).await {
                None => {
                    // Forge redelivers the event of a stopped invocation.
                    killed += 1;
                    kills.pop();
                    w.delivered -= 1;
                }
                Some(StepResult::Finished { outcome }) => {
                    assert_eq!(outcome, state::Outcome::Done, "{label}");
                    break;
                }
                Some(StepResult::Requeued { .. }) => {}
                Some(StepResult::Retry {
                    retry_after_seconds,
                    ..
                }) => {
                    w.h.host.advance(retry_after_seconds * 1000);
                    w.delivered -= 1;
                }
                Some(other) => panic!("{label}: {other:?}"),
            }
        }
        let expected_kills = if fault == Fault::Killed { 3 } else { 0 };
        assert_eq!(killed, expected_kills, "{label}: the cuts happened");
        let statuses: Vec<u16> = w.h.emu.request_log().iter().map(|l| l.status).collect();
        let evidence = match fault {
            Fault::Storm429 => Some(429),
            Fault::Burst503 => Some(503),
            Fault::DroppedAfterWrite => Some(entra_emulator::DROPPED_STATUS),
            Fault::TokenExpiry => Some(401),
            _ => None,
        };
        if let Some(status) = evidence {
            assert!(statuses.contains(&status), "{label}: no {status} seen");
        }
        w.h.emu.set_faults(Faults::default());
        // 0 lost, and one Assets object per user and group.
        assert_mirrors_tenant(&w);
        if fault == Fault::Killed {
            // A stopped step saved no checkpoint: its redelivery re-reads
            // and re-sends the pages since the last one (the same records
            // under the same chunk ids, upserted by their external id), so
            // records may be sent twice, never objects made twice; bounded
            // by what the three stopped steps had read.
            let records = w.assets.records(0, "users");
            let unique: std::collections::BTreeSet<&str> =
                records.iter().filter_map(|r| r["id"].as_str()).collect();
            let resent = records.len() - unique.len();
            println!(
                "{label}: {resent} of {} user records sent again",
                unique.len()
            );
            assert!(resent < unique.len(), "{label}: less than one sweep again");
        } else {
            assert_no_duplicates(&w, 0);
        }
        assert_eq!(w.last().await.outcome, state::Outcome::Done, "{label}");
    });
}

mod assets {
    use super::{assets_cell, Fault};
    #[test]
    fn storm_429() {
        assets_cell(Fault::Storm429)
    }
    #[test]
    fn burst_503() {
        assets_cell(Fault::Burst503)
    }
    #[test]
    fn dropped_read() {
        assets_cell(Fault::DroppedAfterWrite)
    }
    #[test]
    fn token_expiry() {
        assets_cell(Fault::TokenExpiry)
    }
    #[test]
    fn deadline() {
        assets_cell(Fault::Deadline)
    }
    #[test]
    fn killed() {
        assets_cell(Fault::Killed)
    }
}
