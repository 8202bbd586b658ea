//! The policy rules against the demo tenant: protected targets, manager and
//! self-service rules, agent groups, serviceable groups, approvals.

use crate::support::policy::{context, fake_jira, id, seed, upn, Env};
use entra_connect::config::policy::PolicyConfig;
use entra_connect::host::memory::MemoryHost;
use entra_connect::policy::{
    authorize, classify_group, AllowedBy, ApprovalGate, Denial, GroupProblem, Operation,
    RequesterKind, RuleName,
};
use entra_connect::route::Route;

fn env() -> Env {
    Env::new(MemoryHost::new().with_jira(fake_jira("agent-1", vec!["approved"])))
}

fn refused_rule(result: Result<entra_connect::policy::Authorized, Denial>) -> (RuleName, String) {
    match result {
        Err(Denial::Refused(r)) => {
            assert_eq!(Denial::Refused(r.clone()).http_status(), 403);
            (r.rule, r.message)
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn privileged_targets_are_refused_and_a_plain_user_is_not() {
    let env = env();
    let client = env.client();
    let config = PolicyConfig::default();
    let ctx = context(RequesterKind::ServiceApi, "svc", None);
    let cases = [
        (
            seed::GLOBAL_ADMIN,
            RuleName::PrivilegedRoleTarget,
            "Global Administrator",
        ),
        (
            seed::HELPDESK_ADMIN,
            RuleName::PrivilegedRoleTarget,
            "Helpdesk Administrator",
        ),
        (
            seed::USER_ADMIN,
            RuleName::PrivilegedRoleTarget,
            "User Administrator",
        ),
        // Holds Helpdesk Administrator through the role-assignable group.
        (
            seed::ROLE_GROUP_MEMBER,
            RuleName::PrivilegedRoleTarget,
            "Helpdesk Administrator",
        ),
    ];
    for kind in [
        Route::UserResetPassword,
        Route::UserDisable,
        Route::UserCreateTemporaryAccessPass,
    ] {
        for (who, rule, role) in cases {
            let op = Operation::on_user(kind, upn(who));
            let (got, message) =
                refused_rule(authorize(&ctx, &op, &config, &client, env.deadline()).await);
            assert_eq!(got, rule, "{kind} on {who}");
            assert!(message.contains(role), "{message}");
        }
        let plain = Operation::on_user(kind, upn(seed::ADELE));
        let ok = authorize(&ctx, &plain, &config, &client, env.deadline())
            .await
            .expect("plain user allowed");
        assert_eq!(ok.target.unwrap().id, seed::ADELE_ID);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn protected_check_is_one_round_trip() {
    let env = env();
    let client = env.client();
    let ctx = context(RequesterKind::ServiceApi, "svc", None);
    let op = Operation::on_user(Route::UserDisable, upn(seed::ADELE));
    authorize(&ctx, &op, &PolicyConfig::default(), &client, env.deadline())
        .await
        .unwrap();
    assert_eq!(client.requests_sent(), 1, "one $batch");
}

#[tokio::test(flavor = "current_thread")]
async fn role_assignable_and_configured_protection() {
    let env = env();
    let client = env.client();
    let ctx = context(RequesterKind::Admin, "admin", None);
    // A role-assignable group that grants no role still makes its members protected.
    let config = PolicyConfig {
        protected_groups: vec![id(seed::HR)],
        protected_users: vec![id(seed::ALEX_ID)],
        ..PolicyConfig::default()
    };
    let op = |who| Operation::on_user(Route::UserOffboard, upn(who));
    let (rule, _) =
        refused_rule(authorize(&ctx, &op(seed::ALEX), &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::ProtectedUserTarget);
    let (rule, message) = refused_rule(
        authorize(
            &ctx,
            &op("pradeep.gupta@contoso.example"),
            &config,
            &client,
            env.deadline(),
        )
        .await,
    );
    assert_eq!(rule, RuleName::ProtectedGroupTarget);
    assert!(message.contains("HR"), "{message}");
    // Sensitive attribute changes are checked; harmless ones are not.
    let phone =
        Operation::on_user(Route::UserUpdate, upn(seed::ALEX)).with_attributes(["mobilePhone"]);
    let (rule, _) = refused_rule(authorize(&ctx, &phone, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::ProtectedUserTarget);
    let dept =
        Operation::on_user(Route::UserUpdate, upn(seed::ALEX)).with_attributes(["department"]);
    assert!(authorize(&ctx, &dept, &config, &client, env.deadline())
        .await
        .is_ok());
}

#[tokio::test(flavor = "current_thread")]
async fn manager_rule_refuses_a_spoofed_manager() {
    let env = env();
    let client = env.client();
    let config = PolicyConfig::default();
    let op = Operation::on_user(Route::UserResetPassword, upn(seed::ADELE));
    // Diego claims to be Adele's manager; Entra says Alex is.
    let spoof = context(RequesterKind::PortalCustomer, "c-diego", Some(seed::DIEGO));
    let (rule, message) =
        refused_rule(authorize(&spoof, &op, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::ManagerOnly);
    assert!(message.contains("manager"), "{message}");
    // The real manager, with the email in another case.
    let real = context(
        RequesterKind::PortalCustomer,
        "c-alex",
        Some("Alex.Wilber@Contoso.example"),
    );
    let ok = authorize(&real, &op, &config, &client, env.deadline())
        .await
        .unwrap();
    assert_eq!(ok.allowed_by, AllowedBy::Manager);
    // Megan is two levels up: refused at depth 1, allowed at depth 2.
    let skip = context(RequesterKind::PortalCustomer, "c-megan", Some(seed::MEGAN));
    let (rule, _) = refused_rule(authorize(&skip, &op, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::ManagerOnly);
    let deep = PolicyConfig {
        manager_chain_depth: 2,
        ..PolicyConfig::default()
    };
    assert!(authorize(&skip, &op, &deep, &client, env.deadline())
        .await
        .is_ok());
    // A manager still cannot reset a privileged report (Lynne's manager is Isaiah).
    let isaiah = context(
        RequesterKind::PortalCustomer,
        "c-isaiah",
        Some(seed::GLOBAL_ADMIN),
    );
    let admin_op = Operation::on_user(Route::UserResetPassword, upn(seed::HELPDESK_ADMIN));
    let (rule, _) =
        refused_rule(authorize(&isaiah, &admin_op, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::PrivilegedRoleTarget);
}

#[tokio::test(flavor = "current_thread")]
async fn self_service_rules() {
    let env = env();
    let client = env.client();
    let config = PolicyConfig {
        self_service_attributes: vec!["mobilePhone".into(), "officeLocation".into()],
        ..PolicyConfig::default()
    };
    let me = context(RequesterKind::PortalCustomer, "c-adele", Some(seed::ADELE));
    let own =
        Operation::on_user(Route::UserUpdate, upn(seed::ADELE)).with_attributes(["officeLocation"]);
    let ok = authorize(&me, &own, &config, &client, env.deadline())
        .await
        .unwrap();
    assert_eq!(ok.allowed_by, AllowedBy::SelfService);

    let other =
        Operation::on_user(Route::UserUpdate, upn(seed::DIEGO)).with_attributes(["officeLocation"]);
    let (rule, _) = refused_rule(authorize(&me, &other, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::SelfServiceOwnAccountOnly);

    let field = Operation::on_user(Route::UserUpdate, upn(seed::ADELE))
        .with_attributes(["officeLocation", "jobTitle"]);
    let (rule, message) =
        refused_rule(authorize(&me, &field, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::SelfServiceAttributeNotAllowed);
    assert!(message.contains("jobTitle"), "{message}");

    let nobody = context(
        RequesterKind::PortalCustomer,
        "c-x",
        Some("nobody@contoso.example"),
    );
    let (rule, _) = refused_rule(authorize(&nobody, &own, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::SelfServiceIdentityNotUnique);

    let no_email = context(RequesterKind::PortalCustomer, "c-y", None);
    let (rule, _) =
        refused_rule(authorize(&no_email, &own, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::SelfServiceIdentityNotUnique);
}

#[tokio::test(flavor = "current_thread")]
async fn self_service_refuses_two_matches() {
    let env = env();
    // Give Diego Adele's address as his mail: two accounts now match.
    let client = env.client();
    let patch = entra_connect::graph::GraphRequest::patch(
        format!("/users/{}", seed::DIEGO),
        serde_json::json!({"mail": seed::ADELE}),
    );
    client
        .send(&patch, env.deadline())
        .await
        .expect("the emulator accepts a mail change");
    let config = PolicyConfig {
        self_service_attributes: vec!["officeLocation".into()],
        ..PolicyConfig::default()
    };
    let me = context(RequesterKind::PortalCustomer, "c-adele", Some(seed::ADELE));
    let own =
        Operation::on_user(Route::UserUpdate, upn(seed::ADELE)).with_attributes(["officeLocation"]);
    let (rule, message) =
        refused_rule(authorize(&me, &own, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::SelfServiceIdentityNotUnique);
    assert!(message.contains("2 Entra accounts"), "{message}");
}

#[tokio::test(flavor = "current_thread")]
async fn agents_must_be_in_a_configured_group_and_customers_are_limited() {
    let env = env();
    let client = env.client();
    let op = Operation::on_user(Route::UserDisable, upn(seed::ADELE));
    let agent = context(RequesterKind::Agent, "agent-1", None);
    let outsider = context(RequesterKind::Agent, "agent-2", None);
    let none_configured = PolicyConfig::default();
    let (rule, _) =
        refused_rule(authorize(&agent, &op, &none_configured, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::AgentGroupRequired);
    let config = PolicyConfig {
        agent_jira_groups: vec!["jira-servicemanagement-users".into()],
        ..PolicyConfig::default()
    };
    let ok = authorize(&agent, &op, &config, &client, env.deadline())
        .await
        .unwrap();
    assert_eq!(ok.allowed_by, AllowedBy::AgentGroup);
    let (rule, message) =
        refused_rule(authorize(&outsider, &op, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::AgentGroupRequired);
    assert!(message.contains("jira-servicemanagement-users"));
    let customer = context(RequesterKind::PortalCustomer, "c-adele", Some(seed::ADELE));
    let (rule, _) = refused_rule(authorize(&customer, &op, &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::RequesterNotAllowed);
}

#[tokio::test(flavor = "current_thread")]
async fn group_classification_for_each_seed_kind() {
    let env = env();
    let client = env.client();
    let d = env.deadline();
    let class = |g: &'static str| {
        let client = &client;
        async move { classify_group(client, &id(g), d).await.unwrap() }
    };
    assert!(class(seed::ENGINEERING).await.can_be_serviceable());
    assert!(
        class(seed::SALES_TEAM).await.can_be_serviceable(),
        "Microsoft 365 group"
    );
    for (group, problem) in [
        (seed::DYNAMIC, GroupProblem::DynamicMembership),
        (seed::MAIL_SECURITY, GroupProblem::MailEnabledSecurityGroup),
        (seed::DISTRIBUTION, GroupProblem::DistributionList),
        (seed::SYNCED, GroupProblem::OnPremisesSynced),
        (seed::ROLE_ASSIGNABLE, GroupProblem::RoleAssignable),
    ] {
        let c = class(group).await;
        assert_eq!(c.problems, vec![problem], "{}", c.explanation());
        assert!(c.explanation().starts_with("Group '"));
    }
}

#[tokio::test(flavor = "current_thread")]
async fn group_changes_only_for_serviceable_groups() {
    let env = env();
    let client = env.client();
    let ctx = context(RequesterKind::ServiceApi, "svc", None);
    let config = PolicyConfig {
        // Listed by mistake (or before it became unserviceable): re-checked at run time.
        serviceable_groups: vec![id(seed::ENGINEERING), id(seed::DYNAMIC)],
        ..PolicyConfig::default()
    };
    let add =
        |g| Operation::on_user(Route::GroupAddMember, upn(seed::ADELE)).with_groups(vec![id(g)]);
    assert!(authorize(
        &ctx,
        &add(seed::ENGINEERING),
        &config,
        &client,
        env.deadline()
    )
    .await
    .is_ok());
    let (rule, message) =
        refused_rule(authorize(&ctx, &add(seed::HR), &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::GroupNotServiceable);
    assert!(message.contains(seed::HR));
    let (rule, message) =
        refused_rule(authorize(&ctx, &add(seed::DYNAMIC), &config, &client, env.deadline()).await);
    assert_eq!(rule, RuleName::GroupKindNotServiceable);
    assert!(message.contains("dynamic membership rule"), "{message}");
}

async fn gate(decisions: Vec<&'static str>, dry_run: bool) -> Result<ApprovalGate, Denial> {
    let env = Env::new(MemoryHost::new().with_jira(fake_jira("agent-1", decisions)));
    let client = env.client();
    let mut config = PolicyConfig::default();
    config.approvals.user.disable = true;
    let mut ctx = context(RequesterKind::Automation, "automation", None);
    ctx.dry_run = dry_run;
    let op = Operation::on_user(Route::UserDisable, upn(seed::ADELE));
    authorize(&ctx, &op, &config, &client, env.deadline())
        .await
        .map(|a| a.approval)
}

#[tokio::test(flavor = "current_thread")]
async fn approvals_gate() {
    assert_eq!(
        gate(vec!["approved", "approved"], false).await,
        Ok(ApprovalGate::Approved)
    );
    let pending = gate(vec!["approved", "pending"], false).await.unwrap_err();
    assert_eq!(pending, Denial::AwaitingApproval { pending: 1 });
    assert_eq!(pending.http_status(), 202);
    assert!(pending.to_string().contains("awaiting approval"));
    let declined = gate(vec!["approved", "declined"], false).await.unwrap_err();
    assert_eq!(declined, Denial::ApprovalDeclined);
    assert_eq!(declined.code(), "approval_declined");
    match gate(vec![], false).await {
        Err(Denial::Refused(r)) => assert_eq!(r.rule, RuleName::ApprovalNeedsRequest),
        other => panic!("{other:?}"),
    }
    // A dry run plans anyway, and says what the real run waits for.
    assert_eq!(
        gate(vec!["pending"], true).await,
        Ok(ApprovalGate::DryRunPending { pending: 1 })
    );
    assert_eq!(gate(vec!["approved"], true).await, Ok(ApprovalGate::DryRun));
}
