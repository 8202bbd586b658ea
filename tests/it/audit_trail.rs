//! Audit records: refusals recorded, queries by every filter, retention
//! purge, and no secret in any stored record.

use crate::support::policy::{context, fake_jira, id, seed, Env};
use entra_connect::audit::{
    self, AuditFilter, AuditRecord, AuditResult, CommentVisibility, ResultKind,
};
use entra_connect::config::policy::PolicyConfig;
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::lifecycle::{
    Outcome, Plan, Remainder, RemainderKind, StepOutcome, StepReport, UserRef,
};
use entra_connect::pipeline::authorize::authorize_audited;
use entra_connect::policy::{Operation, RequesterKind, RuleName};
use entra_connect::route::Route;
use serde_json::json;

const DAY_MS: u64 = 86_400_000;

fn op_on(kind: Route, who: &str) -> Operation {
    Operation::on_user(kind, UserRef::Upn(who.into()))
}

async fn store_at(
    host: &MemoryHost,
    kind: RequesterKind,
    account: &str,
    issue: &str,
    who: &str,
    result: AuditResult,
) -> AuditRecord {
    let ctx = context(kind, account, None).on_issue(issue);
    let mut record =
        AuditRecord::for_operation(host.now_ms(), &ctx, &op_on(Route::UserDisable, who));
    record.result = result;
    audit::record(host, &record).await.unwrap();
    record
}

#[tokio::test(flavor = "current_thread")]
async fn every_refusal_is_audited_with_its_rule() {
    let env = Env::new(MemoryHost::new().with_jira(fake_jira("agent-1", vec!["pending"])));
    let client = env.client();
    let mut config = PolicyConfig {
        serviceable_groups: vec![id(seed::ENGINEERING)],
        agent_jira_groups: vec!["jira-servicemanagement-users".into()],
        self_service_attributes: vec!["officeLocation".into()],
        ..PolicyConfig::default()
    };
    config.approvals.user.enable = true;
    let svc = context(RequesterKind::ServiceApi, "svc", None);
    let portal_adele = context(RequesterKind::PortalCustomer, "c-adele", Some(seed::ADELE));
    let portal_diego = context(RequesterKind::PortalCustomer, "c-diego", Some(seed::DIEGO));
    let outsider = context(RequesterKind::Agent, "agent-2", None);
    let cases: Vec<(_, Operation, &str)> = vec![
        (
            svc.clone(),
            op_on(Route::UserResetPassword, seed::GLOBAL_ADMIN),
            "privilegedRoleTarget",
        ),
        (
            svc.clone(),
            op_on(Route::GroupAddMember, seed::ADELE).with_groups(vec![id(seed::HR)]),
            "groupNotServiceable",
        ),
        (
            portal_diego.clone(),
            op_on(Route::UserResetPassword, seed::ADELE),
            "managerOnly",
        ),
        (
            portal_adele.clone(),
            op_on(Route::UserUpdate, seed::DIEGO).with_attributes(["officeLocation"]),
            "selfServiceOwnAccountOnly",
        ),
        (
            portal_adele.clone(),
            op_on(Route::UserUpdate, seed::ADELE).with_attributes(["jobTitle"]),
            "selfServiceAttributeNotAllowed",
        ),
        (
            portal_adele.clone(),
            op_on(Route::UserDisable, seed::ADELE),
            "requesterNotAllowed",
        ),
        (
            outsider,
            op_on(Route::UserDisable, seed::ADELE),
            "agentGroupRequired",
        ),
    ];
    for (ctx, op, rule) in &cases {
        let denied = authorize_audited(ctx, op, &config, &client, env.deadline())
            .await
            .unwrap_err();
        assert_eq!(denied.denial.http_status(), 403);
        assert_eq!(denied.denial.rule().map(RuleName::as_str), Some(*rule));
        assert!(denied.audit_error.is_none());
        let stored = audit::query(
            &env.host,
            &AuditFilter {
                issue_key: Some("ITSM-1".into()),
                result: Some(ResultKind::Refused),
                limit: Some(200),
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
        assert!(
            stored.iter().any(|r| r.id == denied.record.id
                && matches!(&r.result, AuditResult::Refused { rule: got, .. } if got == rule)),
            "no audit record for {rule}"
        );
    }
    // Awaiting approval is audited too, as its own result.
    let pending = authorize_audited(
        &svc,
        &op_on(Route::UserEnable, seed::ADELE),
        &config,
        &client,
        env.deadline(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        pending.record.result,
        AuditResult::AwaitingApproval { pending: 1 }
    );
    let by_result = audit::query(
        &env.host,
        &AuditFilter {
            result: Some(ResultKind::AwaitingApproval),
            ..AuditFilter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(by_result.len(), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn query_by_target_requester_issue_date_and_result() {
    let host = MemoryHost::new();
    let day0 = host.now_ms();
    let a = store_at(
        &host,
        RequesterKind::Agent,
        "agent-1",
        "ITSM-1",
        seed::ADELE,
        AuditResult::Succeeded,
    )
    .await;
    host.advance(DAY_MS);
    let b = store_at(
        &host,
        RequesterKind::Agent,
        "agent-2",
        "ITSM-2",
        seed::ADELE,
        AuditResult::Refused {
            rule: "managerOnly".into(),
            message: "m".into(),
        },
    )
    .await;
    host.advance(DAY_MS);
    let c = store_at(
        &host,
        RequesterKind::Automation,
        "automation",
        "ITSM-2",
        seed::DIEGO,
        AuditResult::Succeeded,
    )
    .await;
    let ids = |records: Vec<AuditRecord>| records.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let q = |f: AuditFilter| {
        let host = &host;
        async move { audit::query(host, &f).await.unwrap() }
    };
    assert_eq!(
        ids(q(AuditFilter {
            target: Some("ADELE.VANCE@contoso.example".into()),
            ..Default::default()
        })
        .await),
        vec![b.id.clone(), a.id.clone()]
    );
    assert_eq!(
        ids(q(AuditFilter {
            requester_account_id: Some("agent-2".into()),
            ..Default::default()
        })
        .await),
        vec![b.id.clone()]
    );
    assert_eq!(
        ids(q(AuditFilter {
            issue_key: Some("itsm-2".into()),
            ..Default::default()
        })
        .await),
        vec![c.id.clone(), b.id.clone()]
    );
    assert_eq!(
        ids(q(AuditFilter {
            from_ms: Some(day0 + DAY_MS),
            to_ms: Some(day0 + DAY_MS + 1),
            ..Default::default()
        })
        .await),
        vec![b.id.clone()]
    );
    assert_eq!(
        ids(q(AuditFilter {
            result: Some(ResultKind::Succeeded),
            ..Default::default()
        })
        .await),
        vec![c.id.clone(), a.id.clone()]
    );
    assert_eq!(
        ids(q(AuditFilter {
            issue_key: Some("ITSM-2".into()),
            result: Some(ResultKind::Refused),
            ..Default::default()
        })
        .await),
        vec![b.id.clone()]
    );
    assert_eq!(
        q(AuditFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
}

#[tokio::test(flavor = "current_thread")]
async fn retention_purge_removes_old_records_and_their_index_entries() {
    let host = MemoryHost::new();
    let old = store_at(
        &host,
        RequesterKind::Agent,
        "agent-1",
        "ITSM-1",
        seed::ADELE,
        AuditResult::Succeeded,
    )
    .await;
    host.advance(40 * DAY_MS);
    let recent = store_at(
        &host,
        RequesterKind::Agent,
        "agent-1",
        "ITSM-1",
        seed::ADELE,
        AuditResult::Succeeded,
    )
    .await;
    let report = audit::purge(&host, 30, 1_000).await.unwrap();
    assert_eq!(report.records_deleted, 1);
    assert!(report.complete);
    let left = audit::query(
        &host,
        &AuditFilter {
            requester_account_id: Some("agent-1".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        left.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        vec![recent.id.clone()]
    );
    let kvs = host.kvs_snapshot();
    assert!(!kvs.keys().any(|k| k.contains(&old.id)));
    assert!(
        !kvs.values().any(|v| v.to_string().contains(&old.id)),
        "something still lists the purged record"
    );
    // Every key stays within Forge's key rule.
    let entity_keys = host.entity_snapshot(entra_connect::layout::AUDIT_ENTITY);
    for key in host.kvs_keys_snapshot().keys().chain(entity_keys.keys()) {
        assert!(entra_connect::layout::is_valid_key(key), "{key}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn stored_records_never_hold_a_secret() {
    let host = MemoryHost::new();
    let ctx = context(RequesterKind::Agent, "agent-1", None);
    let mut record = AuditRecord::for_operation(
        host.now_ms(),
        &ctx,
        &op_on(Route::UserResetPassword, seed::ADELE),
    );
    // A careless caller puts a raw Graph body into the plan and a step.
    record.plan =
        Some(json!({"changes": [{"body": {"passwordProfile": {"password": "Leak!Leak!123"}}}]}));
    record.steps = vec![
        json!({"summary": "x", "outcome": {"status": "done"}, "temporaryAccessPass": "TAPLEAK99"}),
    ];
    audit::record(&host, &record).await.unwrap();
    let all = serde_json::to_string(&host.kvs_snapshot()).unwrap();
    assert!(!all.contains("Leak!Leak!123") && !all.contains("TAPLEAK99"));
    assert!(all.contains("[redacted]"));
}

#[test]
fn comments_are_internal_unless_allowed_and_secret_free() {
    let ctx = context(RequesterKind::Agent, "agent-1", None);
    let disable = AuditRecord::for_operation(0, &ctx, &op_on(Route::UserDisable, seed::ADELE));
    let reset = AuditRecord::for_operation(0, &ctx, &op_on(Route::UserResetPassword, seed::ADELE));
    let closed = PolicyConfig::default();
    let open = PolicyConfig {
        public_comments_for_non_secret_outcomes: true,
        ..PolicyConfig::default()
    };
    assert_eq!(
        audit::visibility_for(&closed, &disable),
        CommentVisibility::Internal
    );
    assert_eq!(
        audit::visibility_for(&open, &disable),
        CommentVisibility::Public
    );
    assert_eq!(
        audit::visibility_for(&open, &reset),
        CommentVisibility::Internal
    );
    let outcome = Outcome {
        dry_run: false,
        plan: Plan::default(),
        steps: vec![StepReport::new(
            "k",
            "Disable the account",
            StepOutcome::Failed {
                code: "Request_BadRequest".into(),
                message: "nope".into(),
                request_id: Some("rid-7".into()),
                http_status: Some(400),
                field: None,
            },
        )],
        user: None,
        remainder: vec![Remainder::new(
            RemainderKind::ActiveDirectory,
            "Disable the account in Active Directory too",
        )],
    };
    let record = disable.completed(&outcome);
    assert_eq!(record.remainder, outcome.remainder);
    assert_eq!(record.result, AuditResult::PartiallyFailed);
    assert_eq!(record.graph_request_ids, vec!["rid-7".to_string()]);
    let adf = audit::summary_comment(&record).to_string();
    assert!(
        adf.contains("Disable the account") && adf.contains("rid-7") && adf.contains(&record.id)
    );
    assert!(adf.contains("Left for a person:") && adf.contains("in Active Directory too"));
    assert!(adf.contains("\"type\":\"doc\""));
}

#[tokio::test(flavor = "current_thread")]
async fn internal_comment_goes_to_the_issue_comment_api() {
    let host = MemoryHost::new().with_jira(fake_jira("agent-1", vec![]));
    let adf = audit::plan_comment(Route::UserDisable, Some(seed::ADELE), &Plan::default());
    audit::post_internal_comment(&host, "ITSM-1", adf)
        .await
        .unwrap();
    let calls = host.jira_calls();
    assert_eq!(calls[0].path, "/rest/api/3/issue/ITSM-1/comment");
    let body = calls[0].body.clone().unwrap();
    assert_eq!(body["properties"][0]["key"], "sd.public.comment");
    assert_eq!(body["properties"][0]["value"]["internal"], true);
    assert_eq!(body["body"]["type"], "doc");
}
