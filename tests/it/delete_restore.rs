//! `user.delete` and `user.restore`: only a disabled account is deleted;
//! privileged targets are refused; a restore within 30 days brings the
//! account back disabled and lists the groups it had from the audit trail;
//! after 30 days it is gone. Dry runs, replays and audit records.

use crate::accounts_support::{statuses, App};
use serde_json::json;

const BEN_LEAVER: &str = "ben.walters@contoso.example";
const DIEGO: &str = "diego.siciliani@contoso.example";
const GLOBAL_ADMIN: &str = "isaiah.langer@contoso.example";
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

fn id_of(app: &App, upn: &str) -> String {
    app.emulator.user(upn).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_enabled_account_is_refused_with_409_and_a_disabled_one_is_deleted() {
    crate::support::run(async {
        let app = App::new().await;
        app.emulator.clear_log();
        let (status, body) = app
            .call(&json!({"route": "user.delete", "data": {"user": DIEGO}}))
            .await;
        assert_eq!(status, 409, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("disable"),
            "{body}"
        );
        assert_eq!(app.writes(), 0);

        let ben = id_of(&app, BEN_LEAVER);
        app.emulator.clear_log();
        let call = json!({"route": "user.delete", "idempotencyKey": "ITSM-8-delete", "data": {"user": BEN_LEAVER}});
        let (status, body) = app.call(&call).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(statuses(&body), ["done"]);
        println!("user.delete: {} Graph round trips", app.round_trips());
        assert!(app.emulator.user(BEN_LEAVER).is_none());
        let record = app.audit(body["auditId"].as_str().unwrap()).await;
        assert_eq!(record.target.unwrap().id.as_deref(), Some(ben.as_str()));
        app.emulator.clear_log();
        let (status, again) = app.call(&call).await;
        assert_eq!((status, again["replay"].clone()), (200, json!(true)));
        assert_eq!(app.round_trips(), 0);
        let (status, gone) = app
            .call(&json!({"route": "user.delete", "data": {"user": ben}}))
            .await;
        assert_eq!(status, 404, "a deleted user is not found: {gone}");
    });
}

#[test]
fn privileged_targets_are_refused_and_a_dry_run_deletes_nothing() {
    crate::support::run(async {
        let app = App::new().await;
        app.emulator.clear_log();
        let (status, body) = app
            .call(&json!({"route": "user.delete", "data": {"user": GLOBAL_ADMIN}}))
            .await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = app
            .call(&json!({"route": "user.delete", "dryRun": true, "data": {"user": BEN_LEAVER}}))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["plan"][0]["method"], "DELETE");
        assert_eq!(app.writes(), 0);
        assert!(app.emulator.user(BEN_LEAVER).is_some());
    });
}

#[test]
fn an_offboarded_leaver_is_restored_disabled_with_its_former_groups_listed() {
    crate::support::run(async {
        let app = App::new().await;
        let diego = id_of(&app, DIEGO);
        let (status, body) = app
            .call(&json!({"route": "user.offboard", "data": {"user": DIEGO}}))
            .await;
        assert_eq!(status, 200, "{body}");
        // (id, displayName) of each group the offboarding left.
        let left: Vec<(String, String)> = body["result"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| {
                let id = s["key"].as_str().unwrap().strip_prefix("group.remove:")?;
                let name = s["targets"][0]["displayName"].as_str()?;
                Some((id.to_string(), name.to_string()))
            })
            .collect();
        assert!(!left.is_empty(), "{body}");
        let (status, body) = app
            .call(&json!({"route": "user.delete", "data": {"user": DIEGO}}))
            .await;
        assert_eq!(status, 200, "{body}");

        app.emulator.advance_time(20 * DAY_MS);
        let dry = json!({"route": "user.restore", "dryRun": true, "data": {"user": diego}});
        app.emulator.clear_log();
        let (status, body) = app.call(&dry).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(app.writes(), 0);
        app.emulator.clear_log();
        let call = json!({"route": "user.restore", "idempotencyKey": "ITSM-90-restore", "data": {"user": diego}});
        let (status, body) = app.call(&call).await;
        assert_eq!(status, 200, "{body}");
        println!("user.restore: {} Graph round trips", app.round_trips());
        assert_eq!(app.emulator.user(&diego).unwrap()["accountEnabled"], false);
        let remainder = body["result"]["remainder"]
            .as_array()
            .expect("former groups listed");
        // Named as the plans name them (the audit trail keeps the names
        // beside the ids), so the request's comment shows no group id.
        for (id, name) in &left {
            assert!(
                remainder.iter().any(|r| r["kind"] == "groupsNotRestored"
                    && r["summary"]
                        .as_str()
                        .unwrap()
                        .starts_with(&format!("Was removed from group {name} "))),
                "{name} listed: {body}"
            );
            assert!(
                remainder
                    .iter()
                    .all(|r| !r["summary"].as_str().unwrap().contains(id.as_str())),
                "no group id in {body}"
            );
        }
        app.emulator.clear_log();
        let (_, again) = app.call(&call).await;
        assert_eq!(again["replay"], true);
        assert_eq!(app.round_trips(), 0);
        let record = app.audit(body["auditId"].as_str().unwrap()).await;
        assert!(!record.remainder.is_empty());
    });
}

#[test]
fn after_thirty_days_a_restore_is_404_and_a_restore_needs_an_object_id() {
    crate::support::run(async {
        let app = App::new().await;
        let ben = id_of(&app, BEN_LEAVER);
        let (status, _) = app
            .call(&json!({"route": "user.delete", "data": {"user": BEN_LEAVER}}))
            .await;
        assert_eq!(status, 200);
        app.emulator.advance_time(31 * DAY_MS);
        let (status, body) = app
            .call(&json!({"route": "user.restore", "data": {"user": ben}}))
            .await;
        assert_eq!(status, 404, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("30 days"),
            "{body}"
        );
        let (status, body) = app
            .call(&json!({"route": "user.restore", "data": {"user": BEN_LEAVER}}))
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["field"], "data.user");
    });
}
