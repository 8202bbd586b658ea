//! Issue 12, field fidelity on the Graph side: nested membership, Graph's
//! 4xx answered as the caller's 4xx, throttled policy reads retried, and
//! offboardings that remove only real memberships. Every call goes through
//! the Service API against the in-process demo tenant; the host's virtual
//! clock moves the emulator's, so `Retry-After` waits cost no real time.

use crate::support::{configure, json_body, post, EmulatorHost, InProcessTransport};
use entra_connect::host::memory::MemoryHost;
use entra_connect::http::{HttpRequest, HttpResponse, Transport, TransportError};
use entra_connect::service_api::handle;
use entra_connect::service_api::webtrigger::WebTriggerResponse;
use entra_emulator::{Emulator, Faults, LoggedRequest, RefuseFault, RequestKind, ThrottleFault};
use serde_json::{json, Value};

const MIRIAM: &str = "miriam.graham@contoso.example";
const RAUL: &str = "raul.razo@contoso.example";
const GITHUB: &str = "App - GitHub Enterprise";

/// The demo tenant behind a configured app (the ten serviceable groups).
struct App {
    emulator: Emulator,
    host: EmulatorHost,
    transport: InProcessTransport,
    key: String,
}

impl App {
    async fn new() -> Self {
        Self::on(Emulator::demo()).await
    }

    async fn on(emulator: Emulator) -> Self {
        let (inner, key) = configure(MemoryHost::new(), &emulator).await;
        App {
            host: EmulatorHost::over(inner, &emulator),
            transport: InProcessTransport(emulator.clone()),
            emulator,
            key,
        }
    }

    async fn call(&self, envelope: Value) -> (WebTriggerResponse, Value) {
        let res = handle(&post(&self.key, &envelope), &self.host, &self.transport).await;
        let body = json_body(&res);
        (res, body)
    }

    fn group_id(&self, name: &str) -> String {
        self.emulator.find_group_by_name(name).expect(name)["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    fn user_id(&self, upn: &str) -> String {
        self.emulator.user(upn).expect(upn)["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    fn graph_calls(&self) -> Vec<LoggedRequest> {
        self.emulator
            .request_log()
            .into_iter()
            .filter(|r| r.kind != RequestKind::Token)
            .collect()
    }

    /// Membership DELETEs Graph received (batch items included).
    fn deletes(&self) -> Vec<LoggedRequest> {
        self.graph_calls()
            .into_iter()
            .filter(|r| r.method == "DELETE" && r.path.contains("/members/"))
            .collect()
    }

    /// Requests that change something (the `$batch` envelope is not one).
    fn writes(&self) -> usize {
        self.graph_calls()
            .iter()
            .filter(|r| r.method != "GET" && !r.path.ends_with("/$batch"))
            .count()
    }
}

fn run<F: std::future::Future>(future: F) -> F::Output {
    crate::support::run(future)
}

// ---- 9: throttling during the policy check ----

#[test]
fn an_offboarding_under_throttling_retries_its_policy_reads_and_completes() {
    run(async {
        let app = App::new().await;
        // 2 requests/s with Retry-After 0.25 s: the policy check's ten group
        // reads and the protected-target batch exceed the budget at once.
        app.emulator.set_faults(Faults {
            throttle: Some(ThrottleFault {
                requests_per_second: 2,
                retry_after_seconds: 0.25,
            }),
            ..Faults::default()
        });
        let (res, body) = app
            .call(json!({"route": "user.offboard", "data": {"user": RAUL}}))
            .await;
        assert_eq!(res.status_code, 200, "{body}");
        let throttled = app.graph_calls().iter().filter(|r| r.status == 429).count();
        assert!(throttled > 0, "the emulator throttled some requests");
        assert_eq!(
            app.emulator.user(RAUL).unwrap()["accountEnabled"],
            false,
            "the offboarding ran"
        );
        println!(
            "offboarding at 2 req/s: {} Graph requests, {throttled} throttled",
            app.graph_calls().len()
        );
    });
}

// ---- 8: Graph's 4xx is the caller's 4xx; 502 only for upstream failures ----

const ADELE: &str = "adele.vance@contoso.example";

fn refuse(status: u16, code: &str, message: &str, target: Option<&str>) -> Faults {
    Faults {
        refuse: Some(RefuseFault {
            count: 1,
            status,
            code: code.into(),
            message: message.into(),
            target: target.map(str::to_string),
            method: Some("PATCH".into()),
            path_prefix: Some("/v1.0/users".into()),
        }),
        ..Faults::default()
    }
}

/// The request id Graph gave the refused PATCH.
fn refused_request_id(app: &App, status: u16) -> String {
    app.graph_calls()
        .iter()
        .find(|r| r.method == "PATCH" && r.status == status)
        .expect("the refused PATCH is logged")
        .request_id
        .clone()
}

#[test]
fn a_step_graph_refuses_is_answered_with_graphs_4xx_code_message_and_request_id() {
    run(async {
        let cases = [
            (400, "Request_BadRequest", "Invalid value specified for property 'jobTitle' of resource 'User'.", Some("jobTitle"), "invalid_input"),
            (403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", None, "forbidden"),
            (404, "Request_ResourceNotFound", "Resource 'x' does not exist or one of its queried reference-property objects are not present.", None, "not_found"),
            (409, "Request_MultipleObjectsWithSameKeyValue", "Another object with the same value for property jobTitle already exists.", None, "conflict"),
        ];
        for (status, graph_code, message, target, code) in cases {
            let app = App::new().await;
            app.emulator
                .set_faults(refuse(status, graph_code, message, target));
            let (res, body) = app
                .call(json!({"route": "user.update", "data": {"user": ADELE, "changes": {"jobTitle": "Lead"}}}))
                .await;
            assert_eq!(res.status_code, status, "{body}");
            let error = &body["error"];
            assert_eq!(error["code"], code, "{body}");
            assert_eq!(error["graphCode"], graph_code, "{body}");
            assert_eq!(error["graphMessage"], message, "{body}");
            assert!(
                error["message"].as_str().unwrap().contains(message),
                "{body}"
            );
            assert_eq!(error["graphRequestId"], refused_request_id(&app, status));
            let step = &body["result"]["steps"][0]["outcome"];
            assert_eq!(step["status"], "failed", "the step stays visible: {body}");
            assert_eq!(step["httpStatus"], status);
            if target.is_some() {
                assert_eq!(error["field"], "data.changes.jobTitle", "{body}");
            }
        }
    });
}

#[test]
fn a_403_that_names_the_missing_permission_says_which() {
    run(async {
        let app = App::new().await;
        app.emulator.set_faults(refuse(
            403,
            "Authorization_RequestDenied",
            "Missing role permissions on the request. API requires one of 'User.EnableDisableAccount.All, User.ReadWrite.All'. Roles on the request ''.",
            None,
        ));
        let (res, body) = app
            .call(json!({"route": "user.disable", "data": {"user": ADELE}}))
            .await;
        assert_eq!(res.status_code, 403, "{body}");
        assert_eq!(
            body["error"]["permissions"],
            json!(["User.EnableDisableAccount.All", "User.ReadWrite.All"])
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("User.EnableDisableAccount.All, User.ReadWrite.All"),
            "{message}"
        );
        assert!(message.contains("admin consent"), "{message}");
    });
}

#[test]
fn graph_5xx_on_a_step_stays_502() {
    run(async {
        let app = App::new().await;
        app.emulator.set_faults(refuse(
            500,
            "generalException",
            "An internal server error occurred.",
            None,
        ));
        let (res, body) = app
            .call(json!({"route": "user.disable", "data": {"user": ADELE}}))
            .await;
        assert_eq!(res.status_code, 502, "{body}");
        assert_eq!(body["error"]["code"], "partial_failure");
        assert_eq!(
            body["error"]["graphRequestId"],
            refused_request_id(&app, 500)
        );
    });
}

/// Every PATCH fails as a closed connection would.
struct NoPatches<'a>(&'a InProcessTransport);

impl Transport for NoPatches<'_> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        if request.method.as_str() == "PATCH" {
            return Err(TransportError::Network {
                url: request.url,
                reason: "connection reset".into(),
            });
        }
        self.0.send(request).await
    }
}

#[test]
fn a_network_failure_on_a_step_is_502_not_throttling() {
    run(async {
        let app = App::new().await;
        let transport = NoPatches(&app.transport);
        let res = handle(
            &post(
                &app.key,
                &json!({"route": "user.disable", "data": {"user": ADELE}}),
            ),
            &app.host,
            &transport,
        )
        .await;
        let body = json_body(&res);
        assert_eq!(res.status_code, 502, "{body}");
        assert_eq!(body["error"]["code"], "partial_failure");
        assert_eq!(body["result"]["steps"][0]["outcome"]["code"], "network");
    });
}

// ---- 4 and 10: nested membership, and removing only what is there ----

/// The demo tenant with Raul Razo (direct member of All Staff, Engineering
/// and the dynamic Engineering Contractors group) also in the mail-enabled
/// Security Alerts group, and the dynamic group nested in App - Salesforce
/// Users: he keeps Salesforce access through it.
fn tenant_with_nested_access() -> Emulator {
    let mut seed: Value =
        serde_json::from_str(include_str!("../../emulator/seed/demo-tenant.json")).unwrap();
    let id_of = |seed: &Value, kind: &str, key: &str, value: &str| -> String {
        seed[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o[key] == value)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let raul = id_of(&seed, "users", "userPrincipalName", RAUL);
    let dynamic = id_of(
        &seed,
        "groups",
        "displayName",
        "Dynamic - Engineering Contractors",
    );
    for group in seed["groups"].as_array_mut().unwrap() {
        match group["displayName"].as_str() {
            Some("Security Alerts") => group["members"].as_array_mut().unwrap().push(json!(raul)),
            Some("App - Salesforce Users") => group["members"]
                .as_array_mut()
                .unwrap()
                .push(json!(dynamic)),
            _ => {}
        }
    }
    Emulator::from_seed_json(&seed.to_string()).expect("seed")
}

#[test]
fn removing_a_member_who_has_access_only_through_a_nested_group_is_409_naming_it() {
    run(async {
        let app = App::new().await;
        let github = app.group_id(GITHUB);
        let miriam = app.user_id(MIRIAM);
        let (res, body) = app
            .call(json!({"route": "group.removeMember", "data": {"user": MIRIAM, "group": GITHUB}}))
            .await;
        assert_eq!(res.status_code, 409, "{body}");
        assert_eq!(body["error"]["code"], "conflict");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("'Engineering'"), "{message}");
        assert!(message.contains(&format!("'{GITHUB}'")), "{message}");
        assert_eq!(app.writes(), 0, "nothing is written");
        assert!(app.deletes().is_empty());
        let engineering = app.group_id("Engineering");
        assert!(app
            .emulator
            .group_member_ids(&engineering)
            .contains(&miriam));
        assert!(app
            .emulator
            .group_member_ids(&github)
            .contains(&engineering));
    });
}

#[test]
fn removing_a_direct_member_deletes_and_a_non_member_sends_nothing() {
    run(async {
        let app = App::new().await;
        let (res, body) = app
            .call(json!({"route": "group.removeMember", "data": {"user": MIRIAM, "group": "Engineering"}}))
            .await;
        assert_eq!(res.status_code, 200, "{body}");
        assert_eq!(body["result"]["steps"][0]["outcome"]["status"], "done");
        assert_eq!(app.deletes().len(), 1);
        app.emulator.clear_log();
        let (res, body) = app
            .call(json!({"route": "group.removeMember", "data": {"user": MIRIAM, "group": "Finance"}}))
            .await;
        assert_eq!(res.status_code, 200, "{body}");
        assert_eq!(body["result"]["steps"][0]["outcome"]["status"], "noChange");
        assert!(
            app.deletes().is_empty(),
            "no DELETE for a membership that is not there"
        );
    });
}

#[test]
fn an_offboarding_deletes_only_real_memberships_and_lists_the_access_that_stays() {
    run(async {
        let app = App::on(tenant_with_nested_access()).await;
        let (res, body) = app
            .call(json!({"route": "user.offboard", "data": {"user": RAUL}}))
            .await;
        assert_eq!(res.status_code, 200, "{body}");
        let deletes = app.deletes();
        let all_staff = app.group_id("All Staff");
        let engineering = app.group_id("Engineering");
        assert_eq!(deletes.len(), 2, "{deletes:?}");
        assert!(deletes.iter().all(|d| d.status == 204), "{deletes:?}");
        assert!(deletes.iter().any(|d| d.path.contains(&all_staff)));
        assert!(deletes.iter().any(|d| d.path.contains(&engineering)));
        let remainder = body["result"]["remainder"].as_array().expect("remainder");
        let of = |kind: &str| -> Vec<&str> {
            remainder
                .iter()
                .filter(|r| r["kind"] == kind)
                .map(|r| r["summary"].as_str().unwrap())
                .collect()
        };
        let dynamic = of("dynamicGroup");
        assert_eq!(dynamic.len(), 1, "{remainder:?}");
        assert!(dynamic[0].contains("'Dynamic - Engineering Contractors'"));
        let unserviceable = of("unserviceableGroup");
        assert_eq!(unserviceable.len(), 1, "{remainder:?}");
        assert!(unserviceable[0].contains("'Security Alerts'"));
        assert!(unserviceable[0].contains("Exchange"));
        let nested = of("nestedGroup");
        assert_eq!(nested.len(), 1, "{remainder:?}");
        assert!(nested[0].contains("'App - Salesforce Users'"));
        assert!(nested[0].contains("'Dynamic - Engineering Contractors'"));
        assert!(
            !remainder
                .iter()
                .any(|r| r["summary"].as_str().unwrap().contains(GITHUB)),
            "GitHub came through Engineering, which is left: {remainder:?}"
        );
        println!(
            "offboarding Raul: {} membership DELETEs (was one per serviceable group: 10)",
            deletes.len()
        );
    });
}

#[tokio::test(flavor = "current_thread")]
async fn a_transfer_leaves_only_the_rule_groups_the_user_is_in() {
    use crate::support::Harness;
    use entra_connect::lifecycle::{
        transfer, GroupRules, NamingTemplate, ProvisioningRules, RunMode, TransferRequest, UserRef,
    };
    let h = Harness::new();
    let ids =
        |names: &[&str]| -> Vec<String> { names.iter().map(|n| h.group(n).to_string()).collect() };
    // Adele (Sales) is in Sales Team and App - Salesforce Users, not in the
    // two project groups her old rule also names.
    let sales = ids(&[
        "Sales Team",
        "App - Salesforce Users",
        "Project - Atlas",
        "Project - Borealis",
    ]);
    let engineering = ids(&["Engineering", "IT"]);
    let rules = json!([
        {"name": "sales", "when": [{"attribute": "department", "equals": "Sales"}], "groups": sales},
        {"name": "engineering", "when": [{"attribute": "department", "equals": "Engineering"}], "groups": engineering},
    ]);
    let config = ProvisioningRules {
        licences: Default::default(),
        naming: NamingTemplate::parse("{given}.{surname}@contoso.example", None).unwrap(),
        rules: GroupRules::from_json(&rules).unwrap(),
    };
    let request = TransferRequest {
        user: UserRef::Upn(ADELE.into()),
        department: Some("Engineering".into()),
        job_title: None,
        manager: None,
    };
    h.emu.clear_log();
    let out = transfer(
        &h.client(),
        &config,
        &request,
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    let log = h.emu.request_log();
    let deletes: Vec<_> = log.iter().filter(|r| r.method == "DELETE").collect();
    assert_eq!(deletes.len(), 2, "{deletes:?}");
    assert!(deletes.iter().all(|d| d.status == 204), "{deletes:?}");
    let no_change = out
        .steps
        .iter()
        .filter(|s| {
            s.key.starts_with("group.remove:")
                && s.outcome == entra_connect::lifecycle::StepOutcome::NoChange
        })
        .count();
    assert_eq!(no_change, 2, "{}", out.render_text());
    // Read, then write with the read-back of the groups left riding after
    // the removals (a 204 proves only the direct membership gone).
    assert_eq!(h.round_trips(), 2, "{}", h.round_trips());
}
