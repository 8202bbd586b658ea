//! Each Graph refusal the emulator produces, mapped to the right `OpError`
//! or step outcome.

use crate::support::*;
use entra_connect::lifecycle::*;
use serde_json::Value;

const ADELE: &str = "adele.vance@contoso.example";
const JONI: &str = "joni.sherman@contoso.example"; // synced from on-premises AD
const ISAIAH: &str = "isaiah.langer@contoso.example"; // Global Administrator

fn upn(v: &str) -> UserRef {
    UserRef::Upn(v.into())
}

/// The single step's Graph error code, or a panic naming what happened.
fn failed_code(out: &Outcome) -> String {
    match &out.steps[..] {
        [step] => match &step.outcome {
            StepOutcome::Failed {
                code, request_id, ..
            } => {
                assert!(request_id.is_some(), "Graph's request id is kept");
                code.clone()
            }
            other => panic!("expected a failure, got {other:?}"),
        },
        steps => panic!("expected one step, got {steps:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn unknown_users_are_not_found() {
    let h = Harness::new();
    let c = h.client();
    let unknown_id = ObjectId::parse("0b7e2c4a-0000-4000-8000-000000000000", "id").unwrap();
    for user in [
        upn("nobody@contoso.example"),
        UserRef::Mail("nobody@contoso.example".into()),
        UserRef::EmployeeId("E0000".into()),
        UserRef::Id(unknown_id),
    ] {
        let e = lookup(&c, &user, h.deadline()).await.unwrap_err();
        assert!(matches!(e, OpError::NotFound { .. }), "{user}: {e:?}");
        assert_eq!(e.http_status(), 404);
        let e = disable(&c, &user, RunMode::Execute, h.deadline())
            .await
            .unwrap_err();
        assert_eq!(e.http_status(), 404, "{user}: {e:?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_unknown_group_fails_the_step_even_when_removing() {
    let h = Harness::new();
    let c = h.client();
    let missing = ObjectId::parse("0b7e2c4a-0000-4000-8000-0000000000aa", "group").unwrap();
    let out = add_to_group(&c, &upn(ADELE), &missing, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(failed_code(&out), "Request_ResourceNotFound");
    // "Not a member" is success, but a group that does not exist is not:
    // the removal reads the group with the memberships and sends nothing.
    h.emu.clear_log();
    let e = remove_from_group(&c, &upn(ADELE), &missing, RunMode::Execute, h.deadline())
        .await
        .unwrap_err();
    assert!(matches!(e, OpError::NotFound { .. }), "{e:?}");
    assert_eq!(e.http_status(), 404);
    assert!(h.graph_log().iter().all(|l| l.method != "DELETE"));
}

#[tokio::test(flavor = "current_thread")]
async fn groups_an_app_may_not_change_are_refused_with_graphs_codes() {
    let h = Harness::new();
    let c = h.client();
    for (group, code) in [
        (
            "Dynamic - Engineering Contractors",
            "Authorization_RequestDenied",
        ),
        ("Security Alerts", "Request_BadRequest"),
        ("Contoso Newsletter", "Request_BadRequest"),
        ("Finance Approvers (AD)", "Request_BadRequest"),
        ("Privileged Support Staff", "Authorization_RequestDenied"),
    ] {
        let g = h.group(group);
        let out = add_to_group(&c, &upn(ADELE), &g, RunMode::Execute, h.deadline())
            .await
            .unwrap();
        assert_eq!(failed_code(&out), code, "{group}: {}", out.render_text());
        assert!(!h.is_member(&g, &h.user_id(ADELE)));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn synced_users_are_refused_before_any_write_or_left_a_remainder() {
    let h = Harness::new();
    let c = h.client();
    // Checked before any change: the password and department live on-premises.
    let e = reset_password(&c, &upn(JONI), RunMode::Execute, h.deadline())
        .await
        .unwrap_err();
    assert!(matches!(e, OpError::OnPremisesMastered { .. }), "{e:?}");
    assert_eq!(e.http_status(), 409);
    let cfg = ProvisioningRules {
        licences: Default::default(),
        naming: NamingTemplate::parse("{given}.{surname}@contoso.example", None).unwrap(),
        rules: GroupRules::from_json(&serde_json::json!([])).unwrap(),
    };
    let req = TransferRequest {
        user: upn(JONI),
        department: Some("Sales".into()),
        job_title: None,
        manager: None,
    };
    let e = transfer(&c, &cfg, &req, RunMode::Execute, h.deadline())
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), 409, "{e:?}");
    let changes = parse_changes(&serde_json::json!({"jobTitle": "Controller II"})).unwrap();
    let e = update(&c, &upn(JONI), &changes, RunMode::Execute, h.deadline())
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), 409, "{e:?}");
    assert_eq!(h.user_prop(JONI, "jobTitle"), "Controller");
    // accountEnabled is mastered on-premises too, but Graph accepts it: the
    // next sync reverts it, so AD is left for a person.
    let out = disable(&c, &upn(JONI), RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    assert_eq!(h.user_prop(JONI, "accountEnabled"), false);
    assert_eq!(out.remainder[0].kind, RemainderKind::ActiveDirectory);
}

#[tokio::test(flavor = "current_thread")]
async fn privileged_targets_are_refused_by_graph() {
    let h = Harness::new();
    let c = h.client();
    let reset = reset_password(&c, &upn(ISAIAH), RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(failed_code(&reset.outcome), "Authorization_RequestDenied");
    assert!(
        reset.credential.is_none(),
        "no password is handed out when none was set"
    );
    let tap = create_temporary_access_pass(
        &c,
        &upn(ISAIAH),
        TapOptions::new(60, true).unwrap(),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert_eq!(failed_code(&tap.outcome), "Authorization_RequestDenied");
    assert!(tap.credential.is_none());
    let out = disable(&c, &upn(ISAIAH), RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(failed_code(&out), "Authorization_RequestDenied");
    assert_eq!(h.user_prop(ISAIAH, "accountEnabled"), true);
}

#[tokio::test(flavor = "current_thread")]
async fn temporary_access_pass_policy_off_is_a_failed_step() {
    let mut seed: Value =
        serde_json::from_str(include_str!("../../emulator/seed/demo-tenant.json")).unwrap();
    seed["tenant"]["temporaryAccessPassPolicy"]["state"] = Value::String("disabled".into());
    let h = Harness::on(entra_emulator::Emulator::from_seed_json(&seed.to_string()).unwrap());
    let c = h.client();
    let tap = create_temporary_access_pass(
        &c,
        &upn(ADELE),
        TapOptions::new(60, true).unwrap(),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    let code = failed_code(&tap.outcome);
    assert!(code.eq_ignore_ascii_case("badRequest"), "{code}");
    assert!(
        tap.outcome.render_text().contains("not enabled"),
        "{}",
        tap.outcome.render_text()
    );
    assert!(tap.credential.is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn a_shared_employee_id_is_ambiguous_and_names_the_field() {
    let h = Harness::new();
    let c = h.client();
    // Give a second user Adele's employeeId.
    let changes = parse_changes(&serde_json::json!({"employeeId": "E1004"})).unwrap();
    let out = update(
        &c,
        &upn("diego.siciliani@contoso.example"),
        &changes,
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    let e = lookup(&c, &UserRef::EmployeeId("E1004".into()), h.deadline())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            OpError::Ambiguous {
                field: "employeeId",
                count: 2
            }
        ),
        "{e:?}"
    );
    assert_eq!((e.http_status(), e.field()), (409, Some("employeeId")));
}

#[tokio::test(flavor = "current_thread")]
async fn token_errors_are_mapped_by_code() {
    let h = Harness::new();
    let creds = h.emu.credentials();
    let wrong_secret = entra_connect::graph::GraphClient::new(
        &h.transport,
        &h.host,
        entra_connect::graph::GraphSettings::new(&creds.tenant_id, &creds.client_id)
            .with_bases(BASE, BASE),
        entra_connect::secret::Secret::new("not-the-secret"),
    );
    let unknown_app = entra_connect::graph::GraphClient::new(
        &h.transport,
        &h.host,
        entra_connect::graph::GraphSettings::new(
            &creds.tenant_id,
            "0b7e2c4a-0000-4000-8000-0000000000ff",
        )
        .with_bases(BASE, BASE),
        entra_connect::secret::Secret::new(creds.client_secret.clone()),
    );
    let unknown_tenant = entra_connect::graph::GraphClient::new(
        &h.transport,
        &h.host,
        entra_connect::graph::GraphSettings::new("nosuchtenant.example", &creds.client_id)
            .with_bases(BASE, BASE),
        entra_connect::secret::Secret::new(creds.client_secret.clone()),
    );
    for (client, expect) in [
        (&wrong_secret, "client secret"),
        (&unknown_app, "client id"),
        (&unknown_tenant, "tenant"),
    ] {
        let e = lookup(client, &upn(ADELE), h.deadline()).await.unwrap_err();
        assert!(matches!(e, OpError::Token(_)), "{e:?}");
        assert!(e.to_string().contains(expect), "{e}");
        assert_eq!(e.http_status(), 502);
    }
    assert!(!h.log_dump().contains("not-the-secret"));
}
