//! Time: future-dated joiners and leavers, grace steps and the scheduler,
//! end to end through the Service API and the hourly run against the
//! in-process emulator, with the app's clock (and the emulator's) moved
//! forward. Behaviour from Microsoft's pages on `employeeHireDate` and
//! `employeeLeaveDateTime`
//! (<https://learn.microsoft.com/en-us/entra/id-governance/how-to-lifecycle-workflow-sync-attributes>)
//! and Forge's conditional transactions
//! (<https://developer.atlassian.com/platform/forge/storage-reference/transactions/>).

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, InProcessTransport,
};
use entra_connect::config::{self};
use entra_connect::host::memory::MemoryHost;
use entra_connect::layout::SCHEDULED_STEP_ENTITY;
use entra_connect::schedule::state::{self, LifecycleState};
use entra_connect::service_api::handle;
use entra_emulator::Emulator;
use serde_json::{json, Value};

const ADELE: &str = "adele.vance@contoso.example";
const ADELE_ID: &str = "7bbae7fa-8c4a-4c31-a223-6cdb301c14bb";
const HOUR: u64 = 60 * 60 * 1000;
const DAY: u64 = 24 * HOUR;

struct Env {
    emulator: Emulator,
    host: MemoryHost,
    key: String,
    transport: InProcessTransport,
}

impl Env {
    async fn new(adjust: impl FnOnce(&mut config::AppConfig)) -> Env {
        Env::on(jira_with_assigned_request(), adjust).await
    }

    async fn on(host: MemoryHost, adjust: impl FnOnce(&mut config::AppConfig)) -> Env {
        let emulator = Emulator::demo();
        let (host, key) = configure(host, &emulator).await;
        let mut app = config::load(&host).await.unwrap();
        adjust(&mut app);
        config::save(&host, &app).await.unwrap();
        let transport = InProcessTransport(emulator.clone());
        Env {
            emulator,
            host,
            key,
            transport,
        }
    }

    async fn call(&self, body: Value) -> Value {
        let res = handle(&post(&self.key, &body), &self.host, &self.transport).await;
        json_body(&res)
    }

    /// Both clocks forward, then the hourly run.
    async fn advance_and_sweep(&self, ms: u64) {
        self.host.advance(ms);
        self.emulator.advance_time(ms);
        entra_connect::maintenance::hourly(&self.host, &self.transport).await;
    }

    fn steps(&self) -> Vec<Value> {
        self.host
            .entity_snapshot(SCHEDULED_STEP_ENTITY)
            .into_values()
            .map(|v| v["step"].clone())
            .collect()
    }

    /// The user's `assignedLicenses`, read through Graph as the app reads.
    async fn licences(&self, id: &str) -> usize {
        let app = config::load(&self.host).await.unwrap();
        let secret = config::load_client_secret(&self.host)
            .await
            .unwrap()
            .unwrap();
        let client = entra_connect::graph::GraphClient::new(
            &self.transport,
            &self.host,
            app.connection.unwrap(),
            secret,
        );
        let deadline = entra_connect::graph::Deadline::after(
            entra_connect::host::Host::now_ms(&self.host),
            10_000,
        );
        let read = entra_connect::graph::resources::users::get_user(id, "assignedLicenses", None);
        let response = client.send(&read, deadline).await.unwrap();
        response.body["assignedLicenses"]
            .as_array()
            .map_or(0, Vec::len)
    }

    /// Graph round trips since the log was last cleared (a `$batch` is
    /// one; token requests left out).
    fn round_trips(&self) -> usize {
        self.emulator
            .request_log()
            .iter()
            .filter(|r| r.batch_parent_seq.is_none() && !r.path.contains("oauth2"))
            .count()
    }

    fn deliveries(&self) -> usize {
        self.host
            .secrets_snapshot()
            .keys()
            .filter(|k| k.starts_with("delivery:"))
            .count()
    }
}

fn hire(hire_date: &str) -> Value {
    json!({"route": "user.create", "issueKey": "ITSM-1", "data": {
        "givenName": "Nora", "surname": "Ahmed", "employeeHireDate": hire_date
    }})
}

#[test]
fn a_joiner_three_days_out_is_disabled_without_a_credential_then_activated_on_the_date() {
    run(async {
        let env = Env::new(|c| c.provisioning.joiner_lead_days = Some(1)).await;
        // The host's clock starts at 2026-01-01T00:00:00Z.
        let body = env.call(hire("2026-01-04")).await;
        assert_eq!(body["ok"], true, "{body}");
        let id = body["result"]["user"]["id"].as_str().unwrap().to_string();
        let user = env.emulator.user(&id).unwrap();
        assert_eq!(
            user["accountEnabled"], false,
            "disabled until the hire date"
        );
        assert!(body["result"]["credential"].is_null(), "{body}");
        assert_eq!(env.deliveries(), 0, "no credential issued now");
        assert_eq!(body["scheduled"][0]["step"], "activate", "{body}");
        // The admin's hour (default 8) in the site zone (UTC) on the hire date.
        assert_eq!(body["scheduled"][0]["dueAt"], "2026-01-04T08:00:00Z");
        assert_eq!(
            state::get(&env.host, &id).await.unwrap(),
            LifecycleState::Joining
        );

        // Two days on: not yet.
        env.advance_and_sweep(2 * DAY).await;
        assert_eq!(env.emulator.user(&id).unwrap()["accountEnabled"], false);

        // The hire date at 08:00: enabled, the first credential delivered once.
        env.emulator.clear_log();
        env.advance_and_sweep(DAY + 8 * HOUR).await;
        println!(
            "round trips: a joiner's activation (enable, first password): {}",
            env.round_trips()
        );
        assert_eq!(env.emulator.user(&id).unwrap()["accountEnabled"], true);
        assert_eq!(
            env.deliveries(),
            1,
            "the first credential awaits its reveal"
        );
        assert_eq!(
            state::get(&env.host, &id).await.unwrap(),
            LifecycleState::Active
        );
        let steps = env.steps();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0]["status"], "done", "{steps:?}");
        // An internal comment on the request for each scheduled call.
        let comments = env
            .host
            .jira_calls()
            .iter()
            .filter(|c| c.path == "/rest/api/3/issue/ITSM-1/comment")
            .count();
        assert!(comments >= 3, "create, enable and credential commented");
    });
}

#[test]
fn a_hire_date_within_the_lead_time_creates_a_usable_account_at_once() {
    run(async {
        let env = Env::new(|c| c.provisioning.joiner_lead_days = Some(7)).await;
        let body = env.call(hire("2026-01-04")).await;
        assert_eq!(body["ok"], true, "{body}");
        let id = body["result"]["user"]["id"].as_str().unwrap();
        assert_eq!(env.emulator.user(id).unwrap()["accountEnabled"], true);
        assert!(body["scheduled"].is_null());
    });
}

#[test]
fn a_leaver_two_days_out_gets_the_leave_date_now_and_is_offboarded_on_the_date() {
    run(async {
        let env = Env::new(|_| {}).await;
        env.emulator.clear_log();
        let body = env
            .call(json!({"route": "user.offboard", "data": {"user": ADELE, "leaveDateTime": "2026-01-03T17:00:00Z"}}))
            .await;
        assert_eq!(body["ok"], true, "{body}");
        println!(
            "round trips: a future leaver (leave date recorded, offboarding scheduled): {}",
            env.round_trips()
        );
        let adele = env.emulator.user(ADELE_ID).unwrap();
        assert_eq!(adele["employeeLeaveDateTime"], "2026-01-03T17:00:00Z");
        assert_eq!(
            adele["accountEnabled"], true,
            "still working until the date"
        );
        assert_eq!(body["scheduled"][0]["step"], "offboard");
        assert_eq!(body["scheduled"][0]["dueAt"], "2026-01-03T17:00:00Z");
        assert_eq!(
            state::get(&env.host, ADELE_ID).await.unwrap(),
            LifecycleState::Leaving
        );

        env.advance_and_sweep(2 * DAY).await;
        assert_eq!(env.emulator.user(ADELE_ID).unwrap()["accountEnabled"], true);
        env.advance_and_sweep(17 * HOUR).await;
        assert_eq!(
            env.emulator.user(ADELE_ID).unwrap()["accountEnabled"],
            false
        );
        assert_eq!(
            state::get(&env.host, ADELE_ID).await.unwrap(),
            LifecycleState::Left
        );
        let records = entra_connect::audit::store::query(
            &env.host,
            &entra_connect::audit::AuditFilter {
                target: Some(ADELE_ID.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(
            records
                .iter()
                .any(|r| serde_json::to_value(r).unwrap()["entryPoint"] == "schedule"),
            "the scheduled offboarding is audited through the schedule door"
        );
    });
}

#[test]
fn a_leaver_cancels_a_pending_joiners_activation() {
    run(async {
        let env = Env::new(|c| c.provisioning.joiner_lead_days = Some(1)).await;
        let body = env.call(hire("2026-01-06")).await;
        let id = body["result"]["user"]["id"].as_str().unwrap().to_string();
        // The offer is withdrawn before the start date.
        let gone = env
            .call(json!({"route": "user.offboard", "data": {"user": id}}))
            .await;
        assert_eq!(gone["ok"], true, "{gone}");
        let steps = env.steps();
        let activation = steps.iter().find(|s| s["step"] == "activate").unwrap();
        assert_eq!(activation["status"], "cancelled", "{steps:?}");
        env.advance_and_sweep(6 * DAY).await;
        assert_eq!(env.emulator.user(&id).unwrap()["accountEnabled"], false);
        assert_eq!(env.deliveries(), 0, "no credential for a leaver");
    });
}

#[test]
fn grace_steps_remove_licences_then_delete_the_account() {
    run(async {
        let env = Env::new(|c| {
            c.provisioning.licence_removal_grace_days = 3;
            c.provisioning.account_deletion_grace_days = Some(5);
        })
        .await;
        assert!(
            env.licences(ADELE_ID).await > 0,
            "Adele starts with a direct licence"
        );
        let body = env
            .call(json!({"route": "user.offboard", "data": {"user": ADELE}}))
            .await;
        assert_eq!(body["ok"], true, "{body}");
        let kinds: Vec<&str> = body["scheduled"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["step"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["licences.remove", "delete"]);
        assert!(
            env.licences(ADELE_ID).await > 0,
            "kept during the grace days"
        );

        env.advance_and_sweep(3 * DAY + HOUR).await;
        assert_eq!(env.licences(ADELE_ID).await, 0, "removed after three days");
        assert!(env.emulator.user(ADELE_ID).is_some());

        env.advance_and_sweep(2 * DAY).await;
        assert!(
            env.emulator.user(ADELE_ID).is_none(),
            "deleted after five days"
        );
    });
}

#[test]
fn re_enabling_a_leaver_cancels_the_leavers_steps_and_reapplies_the_current_group_rules() {
    run(async {
        let emulator_groups = Emulator::demo();
        let sales_team = emulator_groups.find_group_by_name("Sales Team").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let rule_groups = json!([
            {"name": "sales", "when": [{"attribute": "department", "equals": "Sales"}], "groups": [sales_team]}
        ]);
        let env = Env::new(|c| {
            c.provisioning.group_rules = serde_json::from_value(rule_groups).unwrap();
        })
        .await;
        // Offboarded now (Sales Team left), with a later leaver step pending.
        env.call(json!({"route": "user.offboard", "data": {"user": ADELE}}))
            .await;
        assert!(!env
            .emulator
            .group_member_ids(&sales_team)
            .contains(&ADELE_ID.to_string()));
        let body = env
            .call(json!({"route": "user.enable", "data": {"user": ADELE}}))
            .await;
        assert_eq!(body["ok"], true, "{body}");
        let keys: Vec<&str> = body["result"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        assert!(
            keys.iter().any(|k| k.starts_with("group.add:")),
            "the rules' group is added back: {keys:?}"
        );
        assert!(env
            .emulator
            .group_member_ids(&sales_team)
            .contains(&ADELE_ID.to_string()));
        assert_eq!(
            state::get(&env.host, ADELE_ID).await.unwrap(),
            LifecycleState::Active
        );
    });
}

#[test]
fn re_enabling_a_leaving_person_cancels_the_scheduled_offboarding() {
    run(async {
        let env = Env::new(|_| {}).await;
        env.call(json!({"route": "user.offboard", "data": {"user": ADELE, "leaveDateTime": "2026-01-10"}}))
            .await;
        let body = env
            .call(json!({"route": "user.enable", "data": {"user": ADELE}}))
            .await;
        assert_eq!(body["ok"], true, "{body}");
        let steps = env.steps();
        assert_eq!(steps[0]["status"], "cancelled", "{steps:?}");
        env.advance_and_sweep(10 * DAY).await;
        assert_eq!(env.emulator.user(ADELE_ID).unwrap()["accountEnabled"], true);
    });
}

#[test]
fn two_sweeps_at_once_run_a_due_step_once() {
    run(async {
        let env = Env::on(jira_with_assigned_request().interleaving(true), |_| {}).await;
        env.call(json!({"route": "user.offboard", "data": {"user": ADELE, "leaveDateTime": "2026-01-02"}}))
            .await;
        env.host.advance(2 * DAY);
        env.emulator.advance_time(2 * DAY);
        let stop = entra_connect::host::Host::now_ms(&env.host) + 800_000;
        let (a, b) = tokio::join!(
            entra_connect::scheduler::run_due(&env.host, &env.transport, stop),
            entra_connect::scheduler::run_due(&env.host, &env.transport, stop),
        );
        assert_eq!(a.ran.len() + b.ran.len(), 1, "{a:?} {b:?}");
        let offboard_posts = env
            .emulator
            .request_log()
            .iter()
            .filter(|r| r.path.contains("revokeSignInSessions"))
            .count();
        assert_eq!(offboard_posts, 1);
    });
}

#[test]
fn due_work_beyond_the_time_left_continues_on_the_queue() {
    run(async {
        let env = Env::new(|_| {}).await;
        env.call(json!({"route": "user.offboard", "data": {"user": ADELE, "leaveDateTime": "2026-01-02"}}))
            .await;
        env.host.advance(2 * DAY);
        env.emulator.advance_time(2 * DAY);
        let now = entra_connect::host::Host::now_ms(&env.host);
        // No time left in this invocation: nothing starts, the rest is queued.
        let report = entra_connect::scheduler::run_due(&env.host, &env.transport, now).await;
        assert!(report.ran.is_empty() && report.continued, "{report:?}");
        let pushes = env.host.queue_pushes();
        assert_eq!(pushes.len(), 1);
        assert_eq!(pushes[0].0, "operation-jobs");
        assert_eq!(pushes[0].1[0]["body"]["schedule"], "continue");
        assert_eq!(env.emulator.user(ADELE_ID).unwrap()["accountEnabled"], true);
        // The continuation, with time, runs it.
        let report =
            entra_connect::scheduler::run_due(&env.host, &env.transport, now + 800_000).await;
        assert_eq!(report.ran.len(), 1, "{report:?}");
        assert_eq!(
            env.emulator.user(ADELE_ID).unwrap()["accountEnabled"],
            false
        );
    });
}

#[test]
fn finished_steps_are_purged_after_the_audit_retention_days() {
    run(async {
        let env = Env::new(|c| {
            c.provisioning.licence_removal_grace_days = 1;
            c.policy.audit_retention_days = 7;
        })
        .await;
        env.call(json!({"route": "user.offboard", "data": {"user": ADELE}}))
            .await;
        env.advance_and_sweep(DAY + HOUR).await;
        let steps = env.steps();
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!(steps[0]["status"], "done", "{steps:?}");
        // Kept while its audit record is: the step's result points at it.
        env.advance_and_sweep(6 * DAY).await;
        assert_eq!(env.steps().len(), 1, "kept within the retention days");
        env.advance_and_sweep(2 * DAY).await;
        assert!(env.steps().is_empty(), "purged after the retention days");
    });
}

#[test]
fn re_enabling_a_leaver_reapplies_the_licence_rules_and_a_dry_run_shows_it() {
    run(async {
        let env = Env::new(|c| {
            c.provisioning.licence_rules = serde_json::from_value(json!([
                {"name": "sales", "when": [{"attribute": "department", "equals": "Sales"}], "skus": ["ENTERPRISEPACK"]}
            ]))
            .unwrap();
        })
        .await;
        let body = env
            .call(json!({"route": "user.offboard", "data": {"user": ADELE}}))
            .await;
        assert_eq!(body["ok"], true, "{body}");
        assert_eq!(
            env.licences(ADELE_ID).await,
            0,
            "the offboarding removed them"
        );

        let dry = env
            .call(json!({"route": "user.enable", "dryRun": true, "data": {"user": ADELE}}))
            .await;
        assert_eq!(dry["ok"], true, "{dry}");
        let planned: Vec<String> = dry["plan"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["summary"].as_str().unwrap_or_default().to_string())
            .collect();
        assert!(
            planned.iter().any(|s| s.contains("ENTERPRISEPACK")),
            "the dry run shows the rule licence re-applied: {planned:?}"
        );
        assert_eq!(env.licences(ADELE_ID).await, 0, "a dry run writes nothing");

        let body = env
            .call(json!({"route": "user.enable", "data": {"user": ADELE}}))
            .await;
        assert_eq!(body["ok"], true, "{body}");
        let keys: Vec<&str> = body["result"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        assert!(keys.contains(&"licences.rules"), "{keys:?}");
        assert_eq!(
            env.licences(ADELE_ID).await,
            1,
            "the rule's licence is back"
        );
    });
}

const LEE: &str = "lee.gu@contoso.example";

impl Env {
    /// HR sets a leave date directly in Entra (not through the app).
    async fn hr_sets_leave_date(&self, id: &str, leave: &str) {
        let app = config::load(&self.host).await.unwrap();
        let secret = config::load_client_secret(&self.host)
            .await
            .unwrap()
            .unwrap();
        let client = entra_connect::graph::GraphClient::new(
            &self.transport,
            &self.host,
            app.connection.unwrap(),
            secret,
        );
        let deadline = entra_connect::graph::Deadline::after(
            entra_connect::host::Host::now_ms(&self.host),
            10_000,
        );
        let write = entra_connect::graph::resources::users::set_employee_leave_date(id, leave);
        client.send(&write, deadline).await.unwrap();
    }

    async fn audit_of(&self, id: &str) -> Vec<Value> {
        entra_connect::audit::store::query(
            &self.host,
            &entra_connect::audit::AuditFilter {
                target: Some(id.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect()
    }
}

#[test]
fn the_leave_date_scan_offboards_leavers_hr_dated_in_entra_once_and_refuses_protected_ones() {
    run(async {
        let lee_id = Emulator::demo().user(LEE).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let protected = lee_id.clone();
        let env = Env::new(move |c| {
            c.provisioning.scan_entra_leave_dates = true;
            c.policy.protected_users =
                vec![entra_connect::lifecycle::ObjectId::parse(&protected, "user").unwrap()];
        })
        .await;
        let now = entra_connect::host::Host::now_ms(&env.host);
        let in_two_hours = entra_connect::dates::iso_ms(now + 2 * HOUR);
        env.hr_sets_leave_date(ADELE_ID, &in_two_hours).await;
        env.hr_sets_leave_date(&lee_id, &in_two_hours).await;

        env.emulator.clear_log();
        env.advance_and_sweep(HOUR).await;
        assert_eq!(
            env.emulator.user(ADELE_ID).unwrap()["accountEnabled"],
            true,
            "not before the leave date"
        );
        assert!(env.steps().is_empty(), "{:?}", env.steps());
        let scans = env
            .emulator
            .request_log()
            .iter()
            .filter(|r| {
                r.query
                    .as_deref()
                    .is_some_and(|q| q.contains("employeeLeaveDateTime"))
            })
            .map(|r| r.status)
            .collect::<Vec<_>>();
        assert_eq!(scans, [200], "one filtered query per sweep");

        env.advance_and_sweep(2 * HOUR).await;
        assert_eq!(
            env.emulator.user(ADELE_ID).unwrap()["accountEnabled"],
            false,
            "offboarded once the date passed"
        );
        assert_eq!(
            state::get(&env.host, ADELE_ID).await.unwrap(),
            LifecycleState::Left
        );
        let adele = env.audit_of(ADELE_ID).await;
        assert_eq!(adele.len(), 1, "{adele:?}");
        assert_eq!(adele[0]["action"]["operation"], "user.offboard");
        assert_eq!(adele[0]["entryPoint"], "schedule");
        assert_eq!(
            env.emulator.user(&lee_id).unwrap()["accountEnabled"],
            true,
            "a protected account is never offboarded"
        );
        let lee = env.audit_of(&lee_id).await;
        assert_eq!(lee.len(), 1, "the refusal is audited: {lee:?}");
        assert!(lee[0]["result"].to_string().contains("refused"), "{lee:?}");

        env.advance_and_sweep(HOUR).await;
        assert_eq!(
            env.audit_of(ADELE_ID).await.len(),
            1,
            "not offboarded twice"
        );
        assert_eq!(
            env.audit_of(&lee_id).await.len(),
            1,
            "not refused every hour"
        );
    });
}

#[test]
fn the_leave_date_scan_is_off_by_default() {
    run(async {
        let env = Env::new(|_| {}).await;
        let now = entra_connect::host::Host::now_ms(&env.host);
        env.hr_sets_leave_date(ADELE_ID, &entra_connect::dates::iso_ms(now))
            .await;
        env.emulator.clear_log();
        env.advance_and_sweep(HOUR).await;
        assert_eq!(env.emulator.user(ADELE_ID).unwrap()["accountEnabled"], true);
        assert!(!env.emulator.request_log().iter().any(|r| r
            .query
            .as_deref()
            .is_some_and(|q| q.contains("employeeLeaveDateTime"))));
    });
}
