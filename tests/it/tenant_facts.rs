//! The tenant facts cache (`policy::tenant_facts`): a second operation
//! classifies its groups without asking Graph, an expired entry is read
//! again, the admin's save re-reads the serviceable groups, and a stale
//! entry never gets the app a change Entra would refuse it.

use crate::support::policy::{context, fake_jira, id, seed, upn, Env};
use crate::support::BASE;
use entra_connect::config::policy::PolicyConfig;
use entra_connect::host::memory::MemoryHost;
use entra_connect::http::HttpResponse;
use entra_connect::lifecycle::groups::add_to_group;
use entra_connect::lifecycle::RunMode;
use entra_connect::lifecycle::StepOutcome;
use entra_connect::policy::tenant_facts::{self, TTL_MS};
use entra_connect::policy::{authorize, GroupFacts, Operation, RequesterKind};
use entra_connect::resolver::{handle, ResolverContext};
use entra_connect::route::Route;
use entra_emulator::Emulator;
use serde_json::{json, Value};

fn env() -> Env {
    Env::new(MemoryHost::new().with_jira(fake_jira("agent-1", vec!["approved"])))
}

/// Graph reads of a group's facts (batch items included), since the log was cleared.
fn group_reads(emu: &Emulator) -> usize {
    emu.request_log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/v1.0/groups/"))
        .count()
}

fn config(groups: &[&str]) -> PolicyConfig {
    PolicyConfig {
        serviceable_groups: groups.iter().map(|g| id(g)).collect(),
        ..PolicyConfig::default()
    }
}

fn add(group: &str) -> Operation {
    Operation::on_user(Route::GroupAddMember, upn(seed::ADELE)).with_groups(vec![id(group)])
}

#[tokio::test(flavor = "current_thread")]
async fn a_second_operation_reads_no_group_and_an_expired_entry_is_read_again() {
    let env = env();
    let client = env.client();
    let ctx = context(RequesterKind::ServiceApi, "svc", None);
    let config = config(&[seed::ENGINEERING, seed::SALES_TEAM]);
    env.emu.clear_log();
    let first = authorize(
        &ctx,
        &add(seed::ENGINEERING),
        &config,
        &client,
        env.deadline(),
    )
    .await;
    assert!(first.is_ok(), "{first:?}");
    assert_eq!(
        group_reads(&env.emu),
        1,
        "the first operation reads the group"
    );

    env.emu.clear_log();
    let second = authorize(
        &ctx,
        &add(seed::ENGINEERING),
        &config,
        &client,
        env.deadline(),
    )
    .await
    .unwrap();
    assert_eq!(group_reads(&env.emu), 0, "the second one asks the cache");
    assert_eq!(
        second.groups[0].display_name.as_deref(),
        Some("Engineering"),
        "the plan still names the group"
    );

    env.host.advance(TTL_MS);
    env.emu.clear_log();
    authorize(
        &ctx,
        &add(seed::ENGINEERING),
        &config,
        &client,
        env.deadline(),
    )
    .await
    .unwrap();
    assert_eq!(group_reads(&env.emu), 1, "an expired entry is read again");
}

/// Each group kind the policy refuses, cached (wrongly, as if read before
/// the group changed) as a plain security group: the policy lets the change
/// through, and Entra refuses the app's write itself, so nothing changes.
/// Role-assignable: members change only with RoleManagement.ReadWrite.Directory
/// (<https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0>),
/// and `isAssignableToRole` is fixed at creation
/// (<https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/groups-concept>);
/// dynamic: members come from the rule
/// (<https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership>);
/// mail-enabled security and distribution groups are Exchange's, synced
/// groups AD's
/// (<https://learn.microsoft.com/en-us/graph/api/resources/groups-overview?view=graph-rest-1.0>).
#[tokio::test(flavor = "current_thread")]
async fn a_stale_serviceable_entry_never_gets_a_change_entra_refuses() {
    let env = env();
    let client = env.client();
    let ctx = context(RequesterKind::ServiceApi, "svc", None);
    let kinds = [
        seed::ROLE_ASSIGNABLE,
        seed::DYNAMIC,
        seed::MAIL_SECURITY,
        seed::DISTRIBUTION,
        seed::SYNCED,
    ];
    let stale: Vec<GroupFacts> = kinds
        .iter()
        .map(|g| GroupFacts {
            id: g.to_string(),
            display_name: Some("Looked plain".into()),
            security_enabled: Some(true),
            mail_enabled: Some(false),
            ..GroupFacts::default()
        })
        .collect();
    tenant_facts::remember(&env.host, &stale).await;
    let config = config(&kinds);
    for group in kinds {
        let allowed = authorize(&ctx, &add(group), &config, &client, env.deadline()).await;
        assert!(
            allowed.is_ok(),
            "the stale entry lets it through: {allowed:?}"
        );
        let before = env.emu.group_member_ids(group);
        let out = add_to_group(
            &client,
            &upn(seed::ADELE),
            &id(group),
            RunMode::Execute,
            env.deadline(),
        )
        .await
        .unwrap();
        assert!(!out.is_complete(), "{}", out.render_text());
        assert!(
            matches!(
                out.steps[0].outcome,
                StepOutcome::Failed {
                    http_status: Some(400 | 403),
                    ..
                }
            ),
            "{}",
            out.render_text()
        );
        assert_eq!(env.emu.group_member_ids(group), before, "{group}");
    }
}

fn admin_host() -> MemoryHost {
    MemoryHost::new().with_jira(|_| HttpResponse {
        status: 200,
        headers: vec![],
        body: json!({"permissions": {"ADMINISTER": {"havePermission": true}}}).to_string(),
    })
}

async fn admin_call(host: &MemoryHost, emu: &Emulator, function: &str, payload: Value) -> Value {
    let context = ResolverContext {
        account_id: Some("admin-1".into()),
        ..ResolverContext::default()
    };
    let transport = crate::support::InProcessTransport(emu.clone());
    handle(function, &payload, &context, host, &transport).await
}

#[tokio::test(flavor = "current_thread")]
async fn the_admins_save_reads_the_serviceable_groups_again() {
    let emu = Emulator::demo();
    let host = admin_host();
    let creds = emu.credentials();
    let secret = admin_call(
        &host,
        &emu,
        "connection.setClientSecret",
        json!({"clientSecret": creds.client_secret}),
    )
    .await;
    assert_eq!(secret["ok"], true, "{secret}");
    // Cached before the save, as if read before the group was fixed.
    tenant_facts::remember(
        &host,
        &[GroupFacts {
            id: seed::ENGINEERING.into(),
            group_types: vec!["DynamicMembership".into()],
            ..GroupFacts::default()
        }],
    )
    .await;
    emu.clear_log();
    let saved = admin_call(
        &host,
        &emu,
        "config.save",
        json!({"config": {
            "connection": {"tenantId": creds.tenant_id, "clientId": creds.client_id, "loginBase": BASE, "graphBase": BASE},
            "policy": {"serviceableGroups": [seed::ENGINEERING, seed::SALES_TEAM]},
        }}),
    )
    .await;
    assert_eq!(saved["ok"], true, "{saved}");
    assert_eq!(group_reads(&emu), 2, "both listed groups are read on save");
    let cached = tenant_facts::lookup(&host, &[id(seed::ENGINEERING), id(seed::SALES_TEAM)]).await;
    assert!(cached.missing.is_empty(), "{:?}", cached.missing);
    assert!(
        cached.fresh[0].group_types.is_empty(),
        "Graph's answer replaced the stale one: {:?}",
        cached.fresh[0]
    );
}
