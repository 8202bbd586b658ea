//! Field fidelity (issue 12, faults 3, 6 and 11) through the Service API
//! against the in-process emulator: per-property writability of users
//! synced from on-premises AD, the tenant's Temporary Access Pass policy,
//! and an onboarding whose first credential nobody can receive yet.

use crate::support::{
    configure, jira_with_assigned_request, json_body, post, run, InProcessTransport,
};
use entra_connect::config::{self, AppConfig};
use entra_connect::host::memory::MemoryHost;
use entra_connect::service_api::handle;
use entra_emulator::Emulator;
use serde_json::{json, Value};

const JONI: &str = "joni.sherman@contoso.example"; // synced from on-premises AD
const ADELE: &str = "adele.vance@contoso.example";
const TAP_POLICY_PATH: &str =
    "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass";

/// Graph writes (token calls, reads and `$batch` envelopes excluded; batch
/// items count).
fn writes(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.contains("oauth2") && r.path != "/v1.0/$batch")
        .count()
}

fn policy_reads(emulator: &Emulator) -> usize {
    emulator
        .request_log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.eq_ignore_ascii_case(TAP_POLICY_PATH))
        .count()
}

/// The app connected to `emulator` (Jira knows `ITSM-1`), with `edit`
/// applied to its configuration.
async fn app(emulator: &Emulator, edit: impl FnOnce(&mut AppConfig)) -> (MemoryHost, String) {
    let (host, key) = configure(jira_with_assigned_request(), emulator).await;
    let mut cfg = config::load(&host).await.unwrap();
    edit(&mut cfg);
    config::save(&host, &cfg).await.unwrap();
    (host, key)
}

async fn call(host: &MemoryHost, key: &str, emulator: &Emulator, body: Value) -> (u16, Value) {
    let res = handle(
        &post(key, &body),
        host,
        &InProcessTransport(emulator.clone()),
    )
    .await;
    (res.status_code, json_body(&res))
}

fn comments(host: &MemoryHost) -> String {
    host.jira_calls()
        .iter()
        .filter(|c| c.path.ends_with("/comment"))
        .map(|c| c.body.as_ref().map(Value::to_string).unwrap_or_default())
        .collect()
}

fn audit_records(host: &MemoryHost) -> String {
    serde_json::to_string(&host.kvs_snapshot()).unwrap()
}

fn seed_with(edit: impl FnOnce(&mut Value)) -> Emulator {
    let mut seed: Value =
        serde_json::from_str(include_str!("../../emulator/seed/demo-tenant.json")).unwrap();
    edit(&mut seed);
    Emulator::from_seed_json(&seed.to_string()).unwrap()
}

// ---- fault 3: synced users ----

#[test]
fn usage_location_of_a_synced_user_is_cloud_writable() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.update", "data": {"user": JONI, "changes": {"usageLocation": "DE"}}})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(emulator.user(JONI).unwrap()["usageLocation"], "DE");
    });
}

#[test]
fn an_ad_mastered_property_of_a_synced_user_is_409_naming_it_and_the_ad_step() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.update", "data": {"user": JONI, "changes": {"department": "Sales", "usageLocation": "DE"}}})).await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["code"], "on_premises_mastered");
        assert_eq!(body["error"]["properties"], json!(["department"]));
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("department"), "{message}");
        assert!(
            message.contains("on-premises Active Directory"),
            "{message}"
        );
        assert_eq!(
            writes(&emulator),
            0,
            "nothing is written, not even usageLocation"
        );
        assert_eq!(emulator.user(JONI).unwrap()["department"], "Finance");

        // The same for a transfer, before any write.
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.transfer", "data": {"user": JONI, "jobTitle": "CFO", "manager": ADELE}})).await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["properties"], json!(["jobTitle", "manager"]));
        // A password reset: Graph's passwordProfile cannot reach AD, with or
        // without password writeback; the answer says what works instead.
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.resetPassword", "data": {"user": JONI}, "issueKey": "ITSM-1"}),
        )
        .await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"]["properties"], json!(["passwordProfile"]));
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("writeback") && message.contains("Temporary Access Pass"),
            "{message}"
        );
        assert_eq!(writes(&emulator), 0);
    });
}

#[test]
fn disabling_a_synced_user_works_and_leaves_an_active_directory_remainder() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.disable", "data": {"user": JONI}, "issueKey": "ITSM-1"}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(emulator.user(JONI).unwrap()["accountEnabled"], false);
        let remainder = &body["result"]["remainder"];
        assert_eq!(remainder[0]["kind"], "activeDirectory", "{body}");
        let summary = remainder[0]["summary"].as_str().unwrap();
        assert!(
            summary.contains("Active Directory") && summary.contains("re-enable"),
            "{summary}"
        );
        assert!(
            comments(&host).contains("Left for a person"),
            "{}",
            comments(&host)
        );
        assert!(audit_records(&host).contains("activeDirectory"));
        // A cloud-only user has nothing left for AD.
        let (_, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.disable", "data": {"user": ADELE}}),
        )
        .await;
        assert!(body["result"]["remainder"].is_null(), "{body}");
    });
}

#[test]
fn with_the_setting_on_disabling_a_synced_user_is_refused_before_any_write() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |c| {
            c.policy.refuse_account_changes_of_synced_users = true
        })
        .await;
        for route in ["user.disable", "user.offboard"] {
            let (status, body) = call(
                &host,
                &key,
                &emulator,
                json!({"route": route, "data": {"user": JONI}}),
            )
            .await;
            assert_eq!(status, 403, "{route}: {body}");
            assert_eq!(body["error"]["rule"], "syncedUserAccountChange");
            assert!(body["auditId"].is_string(), "the refusal is audited");
        }
        assert_eq!(writes(&emulator), 0);
        // Cloud-only users are not concerned.
        let (status, _) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.disable", "data": {"user": ADELE}}),
        )
        .await;
        assert_eq!(status, 200);
    });
}

#[test]
fn offboarding_a_synced_user_leaves_an_active_directory_remainder() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        // A leave date already past (the host's clock starts 2026-01-01):
        // the offboarding runs now, not on a later date.
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.offboard", "data": {"user": JONI, "leaveDateTime": "2025-12-31"}})).await;
        assert_eq!(status, 200, "{body}");
        let joni = emulator.user(JONI).unwrap();
        assert_eq!(joni["accountEnabled"], false);
        assert_eq!(joni["employeeLeaveDateTime"], "2025-12-31T00:00:00Z");
        let kinds: Vec<&Value> = body["result"]["remainder"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["kind"])
            .collect();
        assert!(kinds.contains(&&json!("activeDirectory")), "{body}");
    });
}

// ---- fault 6: the tenant's Temporary Access Pass policy ----

#[test]
fn a_tap_lifetime_outside_the_policy_is_400_naming_the_field_and_range() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        for minutes in [30, 600] {
            let (status, body) = call(&host, &key, &emulator, json!({"route": "user.createTemporaryAccessPass", "data": {"user": ADELE, "lifetimeInMinutes": minutes}, "issueKey": "ITSM-1"})).await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(body["error"]["field"], "data.lifetimeInMinutes");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                message.contains("60") && message.contains("480"),
                "{message}"
            );
        }
        assert_eq!(writes(&emulator), 0);
        // Within the policy it works, and the policy was read once.
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.createTemporaryAccessPass", "data": {"user": ADELE, "lifetimeInMinutes": 120}, "issueKey": "ITSM-1"})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(policy_reads(&emulator), 1, "read once, then cached");
        // After the cache lifetime it is read again.
        host.advance(10 * 60 * 1000);
        let (status, _) = call(&host, &key, &emulator, json!({"route": "user.createTemporaryAccessPass", "data": {"user": ADELE, "lifetimeInMinutes": 60}, "issueKey": "ITSM-1"})).await;
        assert_eq!(status, 200);
        assert_eq!(policy_reads(&emulator), 2);
    });
}

#[test]
fn a_reusable_pass_under_a_one_time_policy_is_400() {
    run(async {
        let emulator =
            seed_with(|s| s["tenant"]["temporaryAccessPassPolicy"]["isUsableOnce"] = json!(true));
        let (host, key) = app(&emulator, |_| {}).await;
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.createTemporaryAccessPass", "data": {"user": ADELE, "lifetimeInMinutes": 60, "isUsableOnce": false}, "issueKey": "ITSM-1"})).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.isUsableOnce");
        assert_eq!(writes(&emulator), 0);
    });
}

#[test]
fn a_disabled_tap_method_is_refused_clearly() {
    run(async {
        let emulator =
            seed_with(|s| s["tenant"]["temporaryAccessPassPolicy"]["state"] = json!("disabled"));
        let (host, key) = app(&emulator, |_| {}).await;
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.createTemporaryAccessPass", "data": {"user": ADELE}, "issueKey": "ITSM-1"})).await;
        assert_eq!(status, 409, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("not enabled") && message.contains("authentication methods policy"),
            "{message}"
        );
        assert_eq!(writes(&emulator), 0);
    });
}

#[test]
fn the_admin_setting_for_the_first_tap_names_lifetime_minutes() {
    let mut cfg = AppConfig::default();
    cfg.provisioning.first_credential =
        entra_connect::config::FirstCredentialSetting::TemporaryAccessPass {
            lifetime_minutes: 5,
            usable_once: true,
        };
    let e = cfg.provisioning.validate().unwrap_err();
    assert_eq!(e.field, "provisioning.firstCredential.lifetimeMinutes");
}

// ---- fault 11: nobody to receive the first credential ----

#[test]
fn an_onboarding_nobody_can_receive_a_credential_for_creates_the_account_with_the_credential_pending(
) {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |_| {}).await;
        let before = emulator.tenant_summary()["users"].as_array().unwrap().len();
        let secrets_before = host.secrets_snapshot();
        // No issueKey: the policy's recipient (the assignee) does not exist.
        let (status, body) = call(&host, &key, &emulator, json!({"route": "user.create", "data": {"givenName": "Nia", "surname": "Okafor", "manager": ADELE}})).await;
        assert_eq!(status, 200, "{body}");
        let upn = body["result"]["user"]["userPrincipalName"]
            .as_str()
            .unwrap();
        assert!(emulator.user(upn).is_some(), "the account exists");
        assert_eq!(
            emulator.tenant_summary()["users"].as_array().unwrap().len(),
            before + 1
        );
        assert!(body["result"]["credential"].is_null(), "{body}");
        let remainder = &body["result"]["remainder"][0];
        assert_eq!(remainder["kind"], "credentialPending");
        assert!(
            remainder["summary"]
                .as_str()
                .unwrap()
                .contains("First credential pending: nobody to receive it"),
            "{remainder}"
        );
        assert_eq!(
            host.secrets_snapshot(),
            secrets_before,
            "no credential stored"
        );
        assert!(!emulator
            .request_log()
            .iter()
            .any(|r| r.path.contains("temporaryAccessPassMethods")));
        assert!(audit_records(&host).contains("credentialPending"));
    });
}

#[test]
fn the_strict_setting_keeps_the_403_and_creates_nothing() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = app(&emulator, |c| {
            c.policy.require_first_credential_recipient = true
        })
        .await;
        let before = emulator.tenant_summary()["users"].as_array().unwrap().len();
        let (status, body) = call(
            &host,
            &key,
            &emulator,
            json!({"route": "user.create", "data": {"givenName": "Nia", "surname": "Okafor"}}),
        )
        .await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["rule"], "noSecretRecipient");
        assert_eq!(
            emulator.tenant_summary()["users"].as_array().unwrap().len(),
            before
        );
        assert_eq!(writes(&emulator), 0);
    });
}
