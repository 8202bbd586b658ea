//! Every lifecycle operation end to end against the in-process Entra
//! emulator (demo tenant), with round trips counted in its request log.

use crate::support::*;
use entra_connect::graph::model::UserAttributes;
use entra_connect::lifecycle::provisioning::{FirstCredential, ProvisioningRules};
use entra_connect::lifecycle::*;
use serde_json::json;

const ALEX: &str = "alex.wilber@contoso.example"; // VP Sales
const ADELE: &str = "adele.vance@contoso.example"; // Sales, reports to Alex
const JOHANNA: &str = "johanna.lorenz@contoso.example"; // VP Engineering
const MEGAN: &str = "megan.bowen@contoso.example"; // CEO

/// The four groups each department's rule derives (transfer diffs them).
const SALES_RULE: [&str; 4] = [
    "Sales Team",
    "App - Salesforce Users",
    "Project - Atlas",
    "Project - Borealis",
];
const ENGINEERING_RULE: [&str; 4] = [
    "Engineering",
    "App - GitHub Enterprise",
    "App - Jira Service Management Agents",
    "IT",
];

fn ids(h: &Harness, names: &[&str]) -> Vec<String> {
    names.iter().map(|n| h.group(n).to_string()).collect()
}

/// Sales hires land in twelve groups: the ten serviceable demo groups and
/// the two extra project groups.
fn config(h: &Harness) -> ProvisioningRules {
    let mut sales_all: Vec<&str> = SERVICEABLE.to_vec();
    sales_all.extend(EXTRA_GROUPS.iter().map(|(_, name)| *name));
    let rules = json!([
        {"name": "sales onboarding", "when": [{"attribute": "jobTitle", "equals": "Onboarding Rep"}],
         "groups": ids(h, &sales_all)},
        {"name": "sales", "when": [{"attribute": "department", "equals": "Sales"}],
         "groups": ids(h, &SALES_RULE)},
        {"name": "engineering", "when": [{"attribute": "department", "equals": "Engineering"}],
         "groups": ids(h, &ENGINEERING_RULE)},
    ]);
    ProvisioningRules {
        licences: Default::default(),
        naming: NamingTemplate::parse("{given}.{surname}@contoso.example", None).unwrap(),
        rules: GroupRules::from_json(&rules).unwrap(),
    }
}

fn hire(given: &str, surname: &str, employee_id: &str) -> NewHire {
    NewHire {
        given_name: given.into(),
        surname: surname.into(),
        display_name: None,
        attributes: UserAttributes {
            department: Some("Sales".into()),
            job_title: Some("Onboarding Rep".into()),
            employee_id: Some(employee_id.into()),
            usage_location: Some("us".into()),
            employee_hire_date: Some("2026-01-05".into()),
            ..Default::default()
        },
        manager: Some(UserRef::Upn(ALEX.into())),
        groups: vec![],
        credential: FirstCredential::TemporaryPassword,
    }
}

fn upn(h: &str) -> UserRef {
    UserRef::Upn(h.into())
}

#[tokio::test(flavor = "current_thread")]
async fn lookup_by_every_kind_of_reference_with_manager_in_one_round_trip() {
    let h = Harness::new();
    let c = h.client();
    let adele_id = ObjectId::parse(&h.user_id(ADELE), "id").unwrap();
    for user in [
        upn(ADELE),
        UserRef::Mail(ADELE.into()),
        UserRef::Id(adele_id.clone()),
        UserRef::EmployeeId("E1004".into()),
    ] {
        h.emu.clear_log();
        let u = lookup(&c, &user, h.deadline()).await.unwrap();
        assert_eq!(u.id, adele_id.as_str(), "{user}");
        assert_eq!(u.user_principal_name.as_deref(), Some(ADELE));
        assert_eq!(u.department.as_deref(), Some("Sales"));
        assert_eq!(u.employee_id.as_deref(), Some("E1004"));
        let manager = u.manager.expect("manager expanded");
        assert_eq!(manager.user_principal_name.as_deref(), Some(ALEX));
        println!(
            "round trips: lookup with manager by {user}: {} (naive 2)",
            h.round_trips()
        );
        assert_eq!(h.round_trips(), 1, "{user}");
    }
    let ceo = lookup(&c, &upn(MEGAN), h.deadline()).await.unwrap();
    assert!(ceo.manager.is_none(), "the CEO has no manager");
}

#[tokio::test(flavor = "current_thread")]
async fn onboarding_with_manager_and_twelve_groups_in_three_round_trips() {
    let h = Harness::new();
    let c = h.client();
    let cfg = config(&h);
    let hire = hire("Zoë", "O'Brien-Łukasiewicz", "E9001");
    h.emu.clear_log();
    let created = create(&c, &cfg, &hire, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(
        created.outcome.is_complete(),
        "{}",
        created.outcome.render_text()
    );
    let user = created.outcome.user.clone().unwrap();
    assert_eq!(
        user.user_principal_name.as_deref(),
        Some("zoe.obrien-lukasiewicz@contoso.example")
    );
    let stored = h.emu.user(&user.id).unwrap();
    assert_eq!(stored["displayName"], "Zoë O'Brien-Łukasiewicz");
    assert_eq!(stored["givenName"], "Zoë");
    assert_eq!(stored["manager"], h.user_id(ALEX));
    assert_eq!(stored["usageLocation"], "US");
    assert_eq!(stored["employeeHireDate"], "2026-01-05T00:00:00Z");
    assert_eq!(
        h.groups_of(&user.id).len(),
        12,
        "{:?}",
        h.groups_of(&user.id)
    );
    let credential = created.credential.expect("temporary password");
    assert_eq!(credential.kind, CredentialKind::TemporaryPassword);
    assert!(h
        .emu
        .user_has_password(&user.id, credential.secret.expose()));
    let trips = h.round_trips();
    println!("round trips: onboarding with manager and 12 groups: {trips} (naive 14)");
    // The floor with an employeeId: the probe must answer before the create.
    assert_eq!(trips, 3, "{}", h.log_dump());
}

#[tokio::test(flavor = "current_thread")]
async fn onboarding_with_temporary_access_pass_and_explicit_group() {
    let h = Harness::new();
    let c = h.client();
    let mut hire = hire("Tap", "User", "E9002");
    hire.attributes.job_title = Some("Account Executive".into());
    hire.groups = vec![h.group("All Staff")];
    hire.credential = FirstCredential::TemporaryAccessPass {
        lifetime_minutes: 60,
        usable_once: true,
    };
    let created = create(&c, &config(&h), &hire, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(
        created.outcome.is_complete(),
        "{}",
        created.outcome.render_text()
    );
    let id = created.outcome.user.clone().unwrap().id;
    let mut groups = h.groups_of(&id);
    groups.sort();
    let mut expected: Vec<String> = SALES_RULE
        .iter()
        .chain(["All Staff"].iter())
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(groups, expected);
    let credential = created.credential.expect("a TAP");
    assert_eq!(credential.kind, CredentialKind::TemporaryAccessPass);
    assert_eq!(credential.lifetime_minutes, Some(60));
    assert!(!credential.secret.expose().is_empty());
    assert!(created.outcome.steps.iter().any(|s| s.key == "tap.create"));
}

#[tokio::test(flavor = "current_thread")]
async fn two_jane_does_get_jane_doe_and_jane_doe2() {
    let h = Harness::new();
    let c = h.client();
    let cfg = config(&h);
    let mut names = Vec::new();
    for employee_id in ["E9101", "E9102"] {
        let mut hire = hire("Jane", "Doe", employee_id);
        hire.manager = None;
        let created = create(&c, &cfg, &hire, RunMode::Execute, h.deadline())
            .await
            .unwrap();
        assert!(
            created.outcome.is_complete(),
            "{}",
            created.outcome.render_text()
        );
        let user = created.outcome.user.unwrap();
        let stored = h.emu.user(&user.id).unwrap();
        names.push((
            user.user_principal_name.unwrap(),
            stored["mailNickname"].as_str().unwrap().to_string(),
        ));
    }
    assert_eq!(
        names,
        vec![
            (
                "jane.doe@contoso.example".to_string(),
                "jane.doe".to_string()
            ),
            (
                "jane.doe2@contoso.example".to_string(),
                "jane.doe2".to_string()
            ),
        ]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn create_dry_run_plans_every_change_and_changes_nothing() {
    let h = Harness::new();
    let c = h.client();
    let users = h.user_count();
    h.emu.clear_log();
    let out = create(
        &c,
        &config(&h),
        &hire("Dry", "Run", "E9003"),
        RunMode::DryRun,
        h.deadline(),
    )
    .await
    .unwrap();
    assert_eq!(h.user_count(), users);
    assert!(out.credential.is_none() && out.outcome.dry_run);
    let first = &out.outcome.plan.changes[0];
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("POST", "/users")
    );
    let body = first.body.as_ref().unwrap();
    assert_eq!(body["userPrincipalName"], "dry.run@contoso.example");
    assert_eq!(body["passwordProfile"]["password"], "[redacted]");
    assert_eq!(out.outcome.plan.changes.len(), 1 + 1 + 12);
    assert!(
        h.emu
            .request_log()
            .iter()
            .all(|l| l.method == "GET" || l.path == "/v1.0/$batch" || l.path.contains("oauth2")),
        "a dry run only reads"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn update_changes_only_what_differs() {
    let h = Harness::new();
    let c = h.client();
    let e = parse_changes(&json!({"accountEnabled": "true"})).unwrap_err();
    assert_eq!(e.field(), Some("accountEnabled"));
    let adele = UserRef::EmployeeId("E1004".into());
    let same = parse_changes(&json!({"jobTitle": "Account Executive"})).unwrap();
    let out = update(&c, &adele, &same, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::NoChange);
    let changes = parse_changes(
        &json!({"jobTitle": "Senior Account Executive", "officeLocation": "18/2111"}),
    )
    .unwrap();
    let out = update(&c, &adele, &changes, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(
        out.steps[0].outcome,
        StepOutcome::Done,
        "{}",
        out.render_text()
    );
    assert_eq!(h.user_prop(ADELE, "jobTitle"), "Senior Account Executive");
    assert_eq!(h.user_prop(ADELE, "officeLocation"), "18/2111");
}

#[tokio::test(flavor = "current_thread")]
async fn disable_enable_and_revoke_sessions() {
    let h = Harness::new();
    let c = h.client();
    let adele = upn(ADELE);
    let out = disable(&c, &adele, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::Done);
    assert_eq!(h.user_prop(ADELE, "accountEnabled"), false);
    let again = disable(&c, &adele, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(again.steps[0].outcome, StepOutcome::NoChange);
    let out = enable(&c, &adele, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::Done);
    assert_eq!(h.user_prop(ADELE, "accountEnabled"), true);
    let before = h.user_prop(ADELE, "signInSessionsValidFromDateTime");
    h.host.advance(5_000);
    let out = revoke_sessions(&c, &adele, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(
        out.steps[0].outcome,
        StepOutcome::Done,
        "{}",
        out.render_text()
    );
    assert_ne!(
        h.user_prop(ADELE, "signInSessionsValidFromDateTime"),
        before
    );
}

#[tokio::test(flavor = "current_thread")]
async fn reset_password_and_temporary_access_pass() {
    let h = Harness::new();
    let c = h.client();
    let reset = reset_password(&c, &upn(ADELE), RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(
        reset.outcome.is_complete(),
        "{}",
        reset.outcome.render_text()
    );
    let password = reset.credential.expect("a new password");
    assert!(h.emu.user_has_password(ADELE, password.secret.expose()));
    let tap = create_temporary_access_pass(
        &c,
        &upn(ADELE),
        TapOptions::new(120, false).unwrap(),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(tap.outcome.is_complete(), "{}", tap.outcome.render_text());
    let pass = tap.credential.expect("a TAP");
    assert_eq!(pass.lifetime_minutes, Some(120));
    let dry = reset_password(&c, &upn(ADELE), RunMode::DryRun, h.deadline())
        .await
        .unwrap();
    assert!(dry.credential.is_none() && dry.outcome.steps.is_empty());
    assert!(h.emu.user_has_password(ADELE, password.secret.expose()));
}

#[tokio::test(flavor = "current_thread")]
async fn group_membership_is_idempotent() {
    let h = Harness::new();
    let c = h.client();
    let adele = upn(ADELE);
    let adele_id = h.user_id(ADELE);
    let sales = h.group("Sales Team");
    assert!(h.is_member(&sales, &adele_id), "seeded member");
    let out = add_to_group(&c, &adele, &sales, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::NoChange);
    let out = remove_from_group(&c, &adele, &sales, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::Done);
    assert!(!h.is_member(&sales, &adele_id));
    let out = remove_from_group(&c, &adele, &sales, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::NoChange);
    let by_id = UserRef::Id(ObjectId::parse(&adele_id, "user").unwrap());
    let out = add_to_group(&c, &by_id, &sales, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert_eq!(out.steps[0].outcome, StepOutcome::Done);
    assert!(h.is_member(&sales, &adele_id));
}

/// Puts the user in the named groups (setup, not measured).
async fn join(h: &Harness, user: &str, groups: &[&str]) {
    let c = h.client();
    for g in groups {
        let out = add_to_group(&c, &upn(user), &h.group(g), RunMode::Execute, h.deadline())
            .await
            .unwrap();
        assert!(out.is_complete(), "{}", out.render_text());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn offboarding_from_eight_groups_in_at_most_three_round_trips_and_rerun_is_no_change() {
    let h = Harness::new();
    let eight = &SERVICEABLE[..8];
    join(&h, ADELE, eight).await;
    let adele_id = h.user_id(ADELE);
    let c = h.client();
    let req = OffboardRequest {
        successor: None,
        user: UserRef::Mail(ADELE.into()),
        groups: eight.iter().map(|g| h.group(g)).collect(),
        leave_date_time: "2026-03-31".into(),
        licence_removal_grace_days: 0,
        hand_over_group_ownership: false,
    };
    let dry = offboard(&c, &req, RunMode::DryRun, h.deadline())
        .await
        .unwrap();
    assert!(dry.dry_run && dry.steps.is_empty());
    // Disable, revoke, eight groups, leave date, and Adele's direct licence.
    assert_eq!(dry.plan.changes.len(), 12, "{}", dry.plan.render_text());
    assert_eq!(h.user_prop(ADELE, "accountEnabled"), true);
    h.emu.clear_log();
    let out = offboard(&c, &req, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    let trips = h.round_trips();
    println!("round trips: offboarding from 8 groups: {trips} (naive 12)");
    // Resolve the mail, read, then write with the read-back (which proves
    // the removals left no access through nesting) riding in the same batch.
    assert!(trips <= 3, "{trips}");
    assert_eq!(h.user_prop(ADELE, "accountEnabled"), false);
    assert_eq!(
        h.user_prop(ADELE, "employeeLeaveDateTime"),
        "2026-03-31T00:00:00Z"
    );
    assert!(h
        .groups_of(&adele_id)
        .iter()
        .all(|g| !eight.contains(&g.as_str())));
    let again = offboard(&c, &req, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(again.is_complete(), "{}", again.render_text());
    let done: Vec<_> = again
        .steps
        .iter()
        .filter(|s| s.outcome == StepOutcome::Done)
        .map(|s| s.key.as_str())
        .collect();
    // Revoking sessions is the one step with no observable "already done".
    assert_eq!(done, vec!["sessions.revoke"], "{}", again.render_text());
}

#[tokio::test(flavor = "current_thread")]
async fn transfer_swapping_four_rule_groups_for_four_in_two_round_trips() {
    let h = Harness::new();
    join(&h, ADELE, &SALES_RULE).await;
    let adele_id = h.user_id(ADELE);
    let c = h.client();
    let req = TransferRequest {
        user: upn(ADELE),
        department: Some("Engineering".into()),
        job_title: Some("Solutions Engineer".into()),
        manager: Some(upn(JOHANNA)),
    };
    h.emu.clear_log();
    let out = transfer(&c, &config(&h), &req, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    let trips = h.round_trips();
    println!("round trips: transfer, 4 groups out and 4 in, new manager: {trips} (naive 12)");
    // Reads, then the writes with the read-back of the groups left riding
    // after them (`dependsOn`).
    assert_eq!(trips, 2, "{}", h.log_dump());
    let groups = h.groups_of(&adele_id);
    assert!(
        SALES_RULE.iter().all(|g| !groups.contains(&g.to_string())),
        "{groups:?}"
    );
    assert!(
        ENGINEERING_RULE
            .iter()
            .all(|g| groups.contains(&g.to_string())),
        "{groups:?}"
    );
    assert_eq!(h.user_prop(ADELE, "department"), "Engineering");
    assert_eq!(h.user_prop(ADELE, "jobTitle"), "Solutions Engineer");
    assert_eq!(h.user_prop(ADELE, "manager"), h.user_id(JOHANNA));
    let again = transfer(&c, &config(&h), &req, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(
        again
            .steps
            .iter()
            .all(|s| s.outcome == StepOutcome::NoChange),
        "{}",
        again.render_text()
    );
}

/// The creates the emulator answered, by status (batch items included).
fn creates(h: &Harness) -> Vec<u16> {
    h.emu
        .request_log()
        .iter()
        .filter(|l| l.method == "POST" && l.path.trim_end_matches('/') == "/v1.0/users")
        .map(|l| l.status)
        .collect()
}

fn without_employee_id(given: &str, surname: &str) -> NewHire {
    let mut hire = hire(given, surname, "unused");
    hire.attributes.employee_id = None;
    hire
}

// Without an employeeId the create joins the reads' `$batch`, after the
// manager's read ("Combine multiple HTTP requests using JSON batching",
// https://learn.microsoft.com/en-us/graph/json-batching: `dependsOn`).
#[tokio::test(flavor = "current_thread")]
async fn onboarding_without_employee_id_in_two_round_trips() {
    let h = Harness::new();
    let c = h.client();
    h.emu.clear_log();
    let created = create(
        &c,
        &config(&h),
        &without_employee_id("Nora", "Fast"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(
        created.outcome.is_complete(),
        "{}",
        created.outcome.render_text()
    );
    let user = created.outcome.user.clone().unwrap();
    assert_eq!(
        user.user_principal_name.as_deref(),
        Some("nora.fast@contoso.example")
    );
    assert_eq!(h.user_prop(&user.id, "manager"), h.user_id(ALEX));
    assert_eq!(h.groups_of(&user.id).len(), 12);
    assert_eq!(creates(&h), vec![201]);
    let trips = h.round_trips();
    println!("round trips: onboarding without employeeId, manager and 12 groups: {trips}");
    assert_eq!(trips, 2, "{}", h.log_dump());
}

// A manager who does not exist fails the read the create depends on: Graph
// answers the create 424 Failed Dependency and nothing is written
// (https://learn.microsoft.com/en-us/graph/json-batching).
#[tokio::test(flavor = "current_thread")]
async fn onboarding_with_a_wrong_manager_writes_nothing() {
    let h = Harness::new();
    let c = h.client();
    let before = h.user_count();
    let mut hire = without_employee_id("Wrong", "Manager");
    hire.manager = Some(upn("nobody.here@contoso.example"));
    h.emu.clear_log();
    let err = create(&c, &config(&h), &hire, RunMode::Execute, h.deadline())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, OpError::InvalidInput { field, .. } if field == "manager"),
        "{err:?}"
    );
    assert_eq!(h.user_count(), before);
    assert!(creates(&h).iter().all(|s| *s != 201), "{:?}", creates(&h));
    assert_eq!(h.round_trips(), 1, "{}", h.log_dump());
}

// Entra refuses a taken userPrincipalName with 400 ObjectConflict ("Create
// user", https://learn.microsoft.com/en-us/graph/api/user-post-users): the
// next candidate, from the probe in the same batch, is created.
#[tokio::test(flavor = "current_thread")]
async fn onboarding_without_employee_id_steps_over_a_taken_name() {
    let h = Harness::new();
    let c = h.client();
    let first = create(
        &c,
        &config(&h),
        &without_employee_id("Same", "Name"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    h.emu.clear_log();
    let second = create(
        &c,
        &config(&h),
        &without_employee_id("Same", "Name"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    assert!(
        second.outcome.is_complete(),
        "{}",
        second.outcome.render_text()
    );
    let (a, b) = (first.outcome.user.unwrap(), second.outcome.user.unwrap());
    assert_ne!(a.id, b.id);
    assert_eq!(
        a.user_principal_name.as_deref(),
        Some("same.name@contoso.example")
    );
    assert_eq!(
        b.user_principal_name.as_deref(),
        Some("same.name2@contoso.example")
    );
    assert_eq!(creates(&h), vec![400, 201]);
    assert_eq!(h.round_trips(), 3, "{}", h.log_dump());
}

// Entra refuses a userPrincipalName on a domain the tenant has not verified
// ("user resource type": the domain must be one of the tenant's verified
// domains, https://learn.microsoft.com/en-us/graph/api/resources/user).
#[tokio::test(flavor = "current_thread")]
async fn onboarding_on_an_unverified_domain_names_the_naming_template() {
    let h = Harness::new();
    let c = h.client();
    let before = h.user_count();
    let mut cfg = config(&h);
    cfg.naming = NamingTemplate::parse("{given}.{surname}@unverified.example", None).unwrap();
    let err = create(
        &c,
        &cfg,
        &without_employee_id("Odd", "Domain"),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, OpError::InvalidInput { field, .. } if field == "namingTemplate"),
        "{err:?}"
    );
    assert_eq!(h.user_count(), before);
}

#[tokio::test(flavor = "current_thread")]
async fn offboarding_a_leaver_named_by_upn_reads_once_and_writes_once() {
    let h = Harness::new();
    let eight = &SERVICEABLE[..8];
    join(&h, ADELE, eight).await;
    let c = h.client();
    let req = OffboardRequest {
        successor: None,
        user: upn(ADELE),
        groups: eight.iter().map(|g| h.group(g)).collect(),
        leave_date_time: "2026-03-31".into(),
        licence_removal_grace_days: 0,
        hand_over_group_ownership: false,
    };
    h.emu.clear_log();
    let out = offboard(&c, &req, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    assert!(out.is_complete(), "{}", out.render_text());
    // One read batch, then one batch of writes whose last items read the
    // end state back after them.
    assert_eq!(h.round_trips(), 2, "{}", h.log_dump());
    let adele_id = h.user_id(ADELE);
    assert!(h
        .groups_of(&adele_id)
        .iter()
        .all(|g| !eight.contains(&g.as_str())));
    let riders: Vec<_> = h
        .emu
        .request_log()
        .into_iter()
        .filter(|l| l.method == "GET" && l.batch_parent_seq.is_some())
        .filter(|l| l.path.contains("transitiveMemberOf"))
        .collect();
    assert_eq!(riders.len(), 2, "read, and read back after the writes");
}
