//! No credential value leaks: every operation that issues one runs through
//! the policy, the operation, delivery, the audit trail and the request
//! comment as an entry point would, and the value is then looked for in
//! everything the app produced. It may be only in secret storage.

use crate::support::policy::{context, fake_jira, seed, upn, Env};
use entra_connect::audit::{self, AuditFilter, AuditRecord};
use entra_connect::config::policy::PolicyConfig;
use entra_connect::delivery::{self, viewers_for, DeliveryRequest, RecipientAccounts};
use entra_connect::graph::model::UserAttributes;
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::Host;
use entra_connect::lifecycle::{
    self, FirstCredential, GroupRules, IssuedCredential, NamingTemplate, NewHire, Outcome,
    ProvisioningRules, RunMode, TapOptions,
};
use entra_connect::pipeline::authorize::authorize_audited;
use entra_connect::policy::{Operation, RequesterKind};
use entra_connect::route::Route;

fn hire(given: &str, credential: FirstCredential) -> NewHire {
    NewHire {
        given_name: given.into(),
        surname: "Leaktest".into(),
        display_name: None,
        attributes: UserAttributes {
            department: Some("Sales".into()),
            usage_location: Some("US".into()),
            ..Default::default()
        },
        manager: None,
        groups: Vec::new(),
        credential,
    }
}

/// What the entry point does after the operation ran: deliver, audit,
/// comment. Returns the value (for the search) and every output as text.
async fn deliver_and_record(
    env: &Env,
    config: &PolicyConfig,
    op: &Operation,
    outcome: &Outcome,
    credential: Option<IssuedCredential>,
) -> (String, Vec<String>) {
    let ctx = context(RequesterKind::Agent, "agent-1", None);
    let credential = credential.expect("a credential was issued");
    let value = credential.secret.expose().to_string();
    let mut record = AuditRecord::for_operation(env.host.now_ms(), &ctx, op).completed(outcome);
    let target = outcome.user.clone().expect("target summary");
    let viewers = viewers_for(
        config,
        op.kind,
        &RecipientAccounts {
            requester: Some("agent-1"),
            target_manager: Some("manager-1"),
            assigned_agent: Some("agent-1"),
        },
    );
    let receipt = delivery::store(
        &env.host,
        credential,
        DeliveryRequest {
            operation: op.kind,
            target_id: target.id.clone(),
            target_label: target.user_principal_name.clone().unwrap_or_default(),
            issue_key: ctx.issue_key.clone(),
            audit_id: record.id.clone(),
            viewers,
            lifetime_ms: config.secret_lifetime_ms(),
        },
    )
    .await
    .unwrap();
    record = record.with_credential(receipt.note());
    audit::record(&env.host, &record).await.unwrap();
    audit::post_internal_comment(&env.host, "ITSM-1", audit::summary_comment(&record))
        .await
        .unwrap();
    let outputs = vec![
        serde_json::to_string(outcome).unwrap(),
        serde_json::to_string(&receipt).unwrap(),
        serde_json::to_string(&record).unwrap(),
        format!("{outcome:?} {receipt:?} {record:?}"),
    ];
    (value, outputs)
}

#[tokio::test(flavor = "current_thread")]
async fn credentials_appear_only_in_secret_storage() {
    let env = Env::new(MemoryHost::new().with_jira(fake_jira("agent-1", vec![])));
    let client = env.client();
    let config = PolicyConfig {
        agent_jira_groups: vec!["jira-servicemanagement-users".into()],
        ..PolicyConfig::default()
    };
    let ctx = context(RequesterKind::Agent, "agent-1", None);
    let provisioning = ProvisioningRules {
        licences: Default::default(),
        naming: NamingTemplate::parse("{given}.{surname}@contoso.example", None).unwrap(),
        rules: GroupRules::new(Vec::new()).unwrap(),
    };
    let mut values = Vec::new();
    let mut outputs = Vec::new();

    for (given, first) in [
        ("Pat", FirstCredential::TemporaryPassword),
        (
            "Tess",
            FirstCredential::TemporaryAccessPass {
                lifetime_minutes: 60,
                usable_once: true,
            },
        ),
    ] {
        let op = Operation::create(Vec::new());
        authorize_audited(&ctx, &op, &config, &client, env.deadline())
            .await
            .unwrap();
        let created = lifecycle::create(
            &client,
            &provisioning,
            &hire(given, first),
            RunMode::Execute,
            env.deadline(),
        )
        .await
        .unwrap();
        let (value, out) =
            deliver_and_record(&env, &config, &op, &created.outcome, created.credential).await;
        values.push(value);
        outputs.extend(out);
    }

    let reset = Operation::on_user(Route::UserResetPassword, upn(seed::ADELE));
    authorize_audited(&ctx, &reset, &config, &client, env.deadline())
        .await
        .unwrap();
    let done =
        lifecycle::reset_password(&client, &upn(seed::ADELE), RunMode::Execute, env.deadline())
            .await
            .unwrap();
    let (value, out) =
        deliver_and_record(&env, &config, &reset, &done.outcome, done.credential).await;
    values.push(value);
    outputs.extend(out);

    let tap = Operation::on_user(Route::UserCreateTemporaryAccessPass, upn(seed::DIEGO));
    authorize_audited(&ctx, &tap, &config, &client, env.deadline())
        .await
        .unwrap();
    let done = lifecycle::create_temporary_access_pass(
        &client,
        &upn(seed::DIEGO),
        TapOptions::new(60, true).unwrap(),
        RunMode::Execute,
        env.deadline(),
    )
    .await
    .unwrap();
    let (value, out) =
        deliver_and_record(&env, &config, &tap, &done.outcome, done.credential).await;
    values.push(value);
    outputs.extend(out);

    // Everything the app produced outside secret storage.
    outputs.extend(env.host.logs().iter().map(|(_, line)| line.clone()));
    outputs.extend(
        env.host
            .jira_calls()
            .iter()
            .map(|c| format!("{} {:?}", c.path, c.body)),
    );
    outputs.push(serde_json::to_string(&env.host.kvs_snapshot()).unwrap());
    let trail = audit::query(
        &env.host,
        &AuditFilter {
            limit: Some(200),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    outputs.push(serde_json::to_string(&trail).unwrap());
    outputs.push(format!("{:?}", env.emu.request_log()));
    assert!(trail.len() >= 4, "one record per operation");
    assert!(env
        .host
        .jira_calls()
        .iter()
        .any(|c| c.path.ends_with("/comment")));

    let stored: Vec<String> = env
        .host
        .secrets_snapshot()
        .values()
        .filter_map(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .filter_map(|entry| entry["value"].as_str().map(str::to_string))
        .collect();
    assert_eq!(values.len(), 4);
    for value in &values {
        assert!(value.len() >= 8, "a real credential");
        assert!(stored.contains(value), "stored for the reveal");
        // Also the JSON-escaped form, in case the value holds `"` or `\`.
        let escaped = serde_json::to_string(value).unwrap();
        let escaped = escaped.trim_matches('"');
        for output in &outputs {
            assert!(
                !output.contains(value.as_str()) && !output.contains(escaped),
                "credential leaked into: {output}"
            );
        }
    }
}
