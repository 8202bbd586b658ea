//! Operations end to end against the in-memory Graph fake.

mod support;

use entra_connect::graph::model::UserAttributes;
use entra_connect::graph::{Deadline, GraphClient, GraphSettings, Secret};
use entra_connect::ops::config::{FirstCredential, ProvisioningConfig};
use entra_connect::ops::*;
use serde_json::json;
use support::*;

fn client<'a>(fake: &'a FakeGraph, host: &'a TestHost) -> GraphClient<'a, FakeGraph, TestHost> {
    let settings = GraphSettings::new(TENANT, CLIENT_ID).with_bases(BASE, BASE);
    GraphClient::new(fake, host, settings, Secret::new(CLIENT_SECRET))
}

fn deadline(host: &TestHost) -> Deadline {
    Deadline::after(host.now.get(), 55_000)
}

fn config() -> ProvisioningConfig {
    let mut rules = vec![
        json!({"name": "sales", "when": [{"attribute": "department", "equals": "sales"}], "groups": [SALES]}),
    ];
    rules.push(
        json!({"name": "big sales", "when": [{"attribute": "department", "equals": "sales"}],
        "groups": (0..11).map(group_id).collect::<Vec<_>>()}),
    );
    rules.push(json!({"name": "hr", "when": [{"attribute": "department", "equals": "HR"}], "groups": [HR]}));
    ProvisioningConfig {
        naming: NamingTemplate::parse("{given}.{surname}@contoso.com", None).unwrap(),
        rules: GroupRules::from_json(&json!(rules)).unwrap(),
    }
}

fn hire(given: &str, surname: &str, employee_id: &str) -> NewHire {
    NewHire {
        given_name: given.into(),
        surname: surname.into(),
        display_name: None,
        attributes: UserAttributes {
            department: Some("Sales".into()),
            job_title: Some("Rep".into()),
            employee_id: Some(employee_id.into()),
            usage_location: Some("us".into()),
            employee_hire_date: Some("2026-01-05".into()),
            ..Default::default()
        },
        manager: Some(UserRef::Upn("boss@contoso.com".into())),
        groups: vec![],
        credential: FirstCredential::TemporaryPassword,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn lookup_with_manager_is_one_round_trip() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let u = lookup(
        &c,
        &UserRef::Mail("jane@contoso.com".into()),
        deadline(&host),
    )
    .await
    .unwrap();
    assert_eq!(
        u.user_principal_name.as_deref(),
        Some("jane.doe@contoso.com")
    );
    assert_eq!(
        u.manager.unwrap().user_principal_name.as_deref(),
        Some("boss@contoso.com")
    );
    println!("lookup round trips: {} (naive 2)", fake.graph_requests());
    assert_eq!(fake.graph_requests(), 1);
    let e = lookup(
        &c,
        &UserRef::Mail("shared@contoso.com".into()),
        deadline(&host),
    )
    .await
    .unwrap_err();
    assert!(matches!(
        e,
        OpError::Ambiguous {
            field: "mail",
            count: 2
        }
    ));
    let e = lookup(&c, &UserRef::EmployeeId("nobody".into()), deadline(&host))
        .await
        .unwrap_err();
    assert_eq!(e.http_status(), 404);
}

#[tokio::test(flavor = "current_thread")]
async fn hostile_filter_values_arrive_as_one_literal() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    for hostile in [
        "O'Brien",
        "x' or 1 eq 1",
        "' or ''='",
        "50%",
        "a&$top=1",
        "a#b",
        "line\nbreak",
        "tab\there",
        "+plus",
        "ünï",
    ] {
        fake.clear_log();
        let e = lookup(&c, &UserRef::Mail(hostile.into()), deadline(&host))
            .await
            .unwrap_err();
        assert_eq!(e.http_status(), 404, "{hostile}: {e}");
        let log = fake.log.borrow();
        let sent = log.iter().find(|l| l.kind == "graph").unwrap();
        let q = sent.path.split_once('?').unwrap().1;
        match parse_filter(q).unwrap() {
            Filter::Eq(prop, v) => {
                assert_eq!(prop, "mail");
                assert_eq!(v, hostile);
            }
            Filter::StartsWith(..) => panic!("wrong filter"),
        }
        assert!(!q.contains(' ') && !q.contains('\n') && !q.contains('#'));
        // Exactly $filter, $select and $expand: nothing smuggled in.
        assert_eq!(q.matches('&').count(), 2, "{q}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn onboarding_with_manager_and_twelve_groups_in_three_round_trips() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let created = create(
        &c,
        &config(),
        &hire("Zoë", "O'Brien-Łukasiewicz", "E1000"),
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    assert!(
        created.outcome.is_complete(),
        "{}",
        created.outcome.render_text()
    );
    let upn = created
        .outcome
        .user
        .clone()
        .unwrap()
        .user_principal_name
        .unwrap();
    assert_eq!(upn, "zoe.obrien-lukasiewicz@contoso.com");
    let id = created.outcome.user.clone().unwrap().id;
    assert_eq!(
        fake.managers.borrow().get(&id).map(String::as_str),
        Some("aaaaaaaa-0000-0000-0000-000000000001")
    );
    assert_eq!(
        fake.members
            .borrow()
            .values()
            .filter(|m| m.contains(&id))
            .count(),
        12
    );
    assert!(created.credential.is_some());
    println!(
        "onboarding round trips: {} (naive 14+)",
        fake.graph_requests()
    );
    assert!(fake.graph_requests() <= 3);
}

#[tokio::test(flavor = "current_thread")]
async fn create_rerun_with_same_employee_id_makes_no_second_account() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let first = create(
        &c,
        &config(),
        &hire("Ann", "Lee", "E2000"),
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    let n = fake.users.borrow().len();
    let again = create(
        &c,
        &config(),
        &hire("Ann", "Lee", "E2000"),
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    assert!(again.already_existed);
    assert!(again.credential.is_none());
    assert_eq!(fake.users.borrow().len(), n);
    assert_eq!(
        again.outcome.user.unwrap().id,
        first.outcome.user.unwrap().id
    );
    assert!(again
        .outcome
        .steps
        .iter()
        .filter(|s| s.key.starts_with("group.add"))
        .all(|s| s.outcome == StepOutcome::NoChange));
}

#[tokio::test(flavor = "current_thread")]
async fn upn_collision_takes_next_free_name() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    fake.add_user(
        "aaaaaaaa-0000-0000-0000-000000000009",
        "jane.doe2@contoso.com",
        json!({}),
    );
    let created = create(
        &c,
        &config(),
        &hire("Jane", "Doe", "E3000"),
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    assert_eq!(
        created.outcome.user.unwrap().user_principal_name.as_deref(),
        Some("jane.doe3@contoso.com")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn replication_delay_after_create_is_retried() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    fake.faults.replication_404.set(5);
    let created = create(
        &c,
        &config(),
        &hire("Rep", "Lag", "E4000"),
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    assert!(
        created.outcome.is_complete(),
        "{}",
        created.outcome.render_text()
    );
    println!(
        "onboarding with replication delay: {} requests",
        fake.graph_requests()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn throttling_storm_honours_fractional_retry_after_or_defers() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    *fake.faults.retry_after.borrow_mut() = "1.5".into();
    fake.faults.throttle.set(4);
    let start = host.now.get();
    let out = disable(
        &c,
        &UserRef::Upn("jane.doe@contoso.com".into()),
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    assert!(out.is_complete());
    assert!(host.now.get() - start >= 4 * 1500);
    // A storm longer than the deadline: the step is deferred, not failed.
    fake.faults.throttle.set(1000);
    *fake.faults.retry_after.borrow_mut() = "10".into();
    let e = enable(
        &c,
        &UserRef::Upn("jane.doe@contoso.com".into()),
        RunMode::Execute,
        Deadline::after(host.now.get(), 25_000),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e,
            OpError::Deadline {
                retry_after_ms: 10_000
            }
        ),
        "{e:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn token_is_cached_and_refreshed_once_on_401() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let jane = UserRef::Upn("jane.doe@contoso.com".into());
    lookup(&c, &jane, deadline(&host)).await.unwrap();
    lookup(&c, &jane, deadline(&host)).await.unwrap();
    assert_eq!(fake.tokens_issued.get(), 1);
    fake.faults.revoke_tokens.set(true);
    lookup(&c, &jane, deadline(&host)).await.unwrap();
    assert_eq!(fake.tokens_issued.get(), 2);
    host.now.set(host.now.get() + 3_400_000); // within 5 minutes of expiry
    lookup(&c, &jane, deadline(&host)).await.unwrap();
    assert_eq!(fake.tokens_issued.get(), 3);
}

#[tokio::test(flavor = "current_thread")]
async fn token_errors_are_mapped_by_code() {
    for (status, code, expect) in [
        (401, 7000215, "client secret"),
        (401, 7000222, "expired"),
        (400, 90002, "tenant"),
        (400, 700016, "client id"),
        (400, 65001, "consent"),
    ] {
        let (fake, host) = (FakeGraph::demo(), TestHost::new());
        let c = client(&fake, &host);
        *fake.faults.token_error.borrow_mut() = Some((status, code));
        let e = lookup(
            &c,
            &UserRef::Upn("jane.doe@contoso.com".into()),
            deadline(&host),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, OpError::Token(_)));
        assert!(e.to_string().contains(expect), "{e}");
        assert_eq!(e.http_status(), 502);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn offboarding_in_two_round_trips_and_rerun_is_no_change() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let jane = "aaaaaaaa-0000-0000-0000-000000000002";
    let groups: Vec<ObjectId> = (0..7)
        .map(|i| ObjectId::parse(&group_id(i), "g").unwrap())
        .chain([ObjectId::parse(SALES, "g").unwrap()])
        .collect();
    for g in &groups {
        fake.members
            .borrow_mut()
            .get_mut(g.as_str())
            .unwrap()
            .insert(jane.into());
    }
    let req = OffboardRequest {
        user: UserRef::Mail("jane@contoso.com".into()),
        groups,
        leave_date_time: "2026-03-31".into(),
    };
    let dry = offboard(&c, &req, RunMode::DryRun, deadline(&host))
        .await
        .unwrap();
    assert!(dry.dry_run && dry.steps.is_empty() && dry.plan.changes.len() == 11);
    assert_eq!(fake.user(jane).unwrap()["accountEnabled"], true);
    fake.clear_log();
    let out = offboard(&c, &req, RunMode::Execute, deadline(&host))
        .await
        .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    println!(
        "offboarding round trips: {} (naive 11)",
        fake.graph_requests()
    );
    assert!(fake.graph_requests() <= 3);
    assert_eq!(fake.user(jane).unwrap()["accountEnabled"], false);
    assert!(fake.members.borrow().values().all(|m| !m.contains(jane)));
    let again = offboard(&c, &req, RunMode::Execute, deadline(&host))
        .await
        .unwrap();
    let changed: Vec<_> = again
        .steps
        .iter()
        .filter(|s| s.outcome == StepOutcome::Done)
        .map(|s| s.key.clone())
        .collect();
    assert_eq!(
        changed,
        vec!["sessions.revoke".to_string()],
        "{}",
        again.render_text()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn transfer_diffs_rule_groups() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let jane = "aaaaaaaa-0000-0000-0000-000000000002";
    let req = TransferRequest {
        user: UserRef::Upn("jane.doe@contoso.com".into()),
        department: Some("HR".into()),
        job_title: Some("Partner".into()),
        manager: Some(UserRef::Id(
            ObjectId::parse("aaaaaaaa-0000-0000-0000-000000000003", "m").unwrap(),
        )),
    };
    fake.clear_log();
    let out = transfer(&c, &config(), &req, RunMode::Execute, deadline(&host))
        .await
        .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    println!(
        "transfer round trips: {} (naive {})",
        fake.graph_requests(),
        out.plan.changes.len() + 2
    );
    assert!(fake.graph_requests() <= 3);
    assert!(fake.members.borrow()[HR].contains(jane));
    assert!(!fake.members.borrow()[SALES].contains(jane));
    assert_eq!(fake.user(jane).unwrap()["department"], "HR");
}

#[tokio::test(flavor = "current_thread")]
async fn group_membership_is_idempotent() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let jane = UserRef::Upn("jane.doe@contoso.com".into());
    let sales = ObjectId::parse(SALES, "group").unwrap();
    let out = add_to_group(&c, &jane, &sales, RunMode::Execute, deadline(&host))
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::NoChange);
    let out = remove_from_group(&c, &jane, &sales, RunMode::Execute, deadline(&host))
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::Done);
    let out = remove_from_group(&c, &jane, &sales, RunMode::Execute, deadline(&host))
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::NoChange);
}

#[tokio::test(flavor = "current_thread")]
async fn update_rejects_unknown_fields_and_reports_no_change() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let e = parse_changes(&json!({"accountEnabled": "true"})).unwrap_err();
    assert_eq!(e.field(), Some("accountEnabled"));
    let changes = parse_changes(&json!({"jobTitle": "Rep"})).unwrap();
    let out = update(
        &c,
        &UserRef::EmployeeId("E0002".into()),
        &changes,
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::NoChange);
    let changes = parse_changes(&json!({"jobTitle": "Lead"})).unwrap();
    let out = update(
        &c,
        &UserRef::EmployeeId("E0002".into()),
        &changes,
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::Done);
    assert_eq!(
        fake.user("jane.doe@contoso.com").unwrap()["jobTitle"],
        "Lead"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn secrets_never_appear_in_plans_outcomes_or_logs() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let created = create(
        &c,
        &config(),
        &hire("Sec", "Ret", "E5000"),
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    let password = created
        .credential
        .clone()
        .unwrap()
        .secret
        .expose()
        .to_string();
    let reset = reset_password(
        &c,
        &UserRef::Upn("jane.doe@contoso.com".into()),
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    let reset_pw = reset
        .credential
        .clone()
        .unwrap()
        .secret
        .expose()
        .to_string();
    let tap = create_temporary_access_pass(
        &c,
        &UserRef::Upn("jane.doe@contoso.com".into()),
        TapOptions::new(60, true).unwrap(),
        RunMode::Execute,
        deadline(&host),
    )
    .await
    .unwrap();
    let tap_value = tap.credential.clone().unwrap().secret.expose().to_string();
    assert_eq!(tap_value, "TAP-secret-123!");
    let rendered = format!(
        "{}{}{}{:?}{:?}{:?}{}{}{}{:?}",
        serde_json::to_string(&created.outcome).unwrap(),
        serde_json::to_string(&reset.outcome).unwrap(),
        serde_json::to_string(&tap.outcome).unwrap(),
        created,
        reset,
        tap,
        created.outcome.render_text(),
        created.outcome.plan.render_text(),
        host.logs.borrow().join("\n"),
        c.settings(),
    );
    for secret in [
        password.as_str(),
        reset_pw.as_str(),
        tap_value.as_str(),
        CLIENT_SECRET,
        "secretvalue",
    ] {
        assert!(!rendered.contains(secret), "secret leaked: {secret}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn dropped_connection_is_retried_only_when_idempotent() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    fake.faults.drop_after_apply.set(1);
    let u = lookup(
        &c,
        &UserRef::Upn("jane.doe@contoso.com".into()),
        deadline(&host),
    )
    .await
    .unwrap();
    assert_eq!(u.employee_id.as_deref(), Some("E0002"));
    // POST /users is not repeated blindly: the step fails, and a re-run
    // finds the account by employeeId instead of creating a second one.
    let mut h = hire("Drop", "Ped", "E6000");
    h.groups.clear();
    h.manager = None;
    fake.faults.drop_on.replace(Some(("POST", "/users")));
    let n = fake.users.borrow().len();
    let out = create(&c, &config(), &h, RunMode::Execute, deadline(&host))
        .await
        .unwrap();
    assert!(
        matches!(&out.outcome.steps[0].outcome, StepOutcome::Failed { code, .. } if code == "network")
    );
    assert_eq!(fake.users.borrow().len(), n + 1); // applied once, never twice
    let again = create(&c, &config(), &h, RunMode::Execute, deadline(&host))
        .await
        .unwrap();
    assert!(again.already_existed);
    assert!(
        again.outcome.is_complete(),
        "{}",
        again.outcome.render_text()
    );
    assert_eq!(fake.users.borrow().len(), n + 1);
}

#[tokio::test(flavor = "current_thread")]
async fn create_dry_run_plans_and_changes_nothing() {
    let (fake, host) = (FakeGraph::demo(), TestHost::new());
    let c = client(&fake, &host);
    let n = fake.users.borrow().len();
    let out = create(
        &c,
        &config(),
        &hire("Dry", "Run", "E7000"),
        RunMode::DryRun,
        deadline(&host),
    )
    .await
    .unwrap();
    assert_eq!(fake.users.borrow().len(), n);
    assert!(out.credential.is_none() && out.outcome.dry_run);
    let first = &out.outcome.plan.changes[0];
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("POST", "/users")
    );
    let body = first.body.as_ref().unwrap();
    assert_eq!(body["userPrincipalName"], "dry.run@contoso.com");
    assert_eq!(body["passwordProfile"]["password"], "[redacted]");
    assert_eq!(body["employeeHireDate"], "2026-01-05T00:00:00Z");
    assert_eq!(out.outcome.plan.changes.len(), 1 + 1 + 12);
    println!("{}", out.outcome.plan.render_text());
    assert!(fake
        .log
        .borrow()
        .iter()
        .all(|l| l.kind == "token" || l.method == "GET" || l.path == "/$batch"));
}
