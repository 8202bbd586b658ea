//! `user.resetMfa`: the user's methods listed and removed per type (the
//! default last, as Entra requires), a Temporary Access Pass through the
//! one-time reveal, dry run, refusal of privileged targets, replay, audit.

use crate::accounts_support::{statuses, App};
use serde_json::json;

const ALEX: &str = "alex.wilber@contoso.example";
const MEGAN: &str = "megan.bowen@contoso.example";
const GLOBAL_ADMIN: &str = "isaiah.langer@contoso.example";

/// The removals a dry run would plan now: what Entra still holds.
async fn listed(app: &App, upn: &str) -> Vec<String> {
    let client_call = json!({"route": "user.resetMfa", "data": {"user": upn}, "dryRun": true});
    let (_, body) = app.call(&client_call).await;
    body["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_method_but_the_password_goes_and_a_pass_is_revealed_once() {
    crate::support::run(async {
        let app = App::new().await;
        app.emulator.clear_log();
        let (status, body) = app
            .call(&json!({"route": "user.resetMfa", "issueKey": "ITSM-1", "data": {"user": ALEX, "issueTemporaryAccessPass": true}}))
            .await;
        assert_eq!(status, 200, "{body}");
        let keys: Vec<&str> = body["result"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "authMethod.delete:phone",
                "authMethod.delete:microsoftAuthenticator",
                "authMethod.delete:fido2",
                "tap.create"
            ]
        );
        assert_eq!(statuses(&body), ["done", "done", "done", "done"], "{body}");
        // The pass policy, the privileged-target guard, the user, the list,
        // the removals, the default phone again after the others, the pass.
        let trips = app.round_trips();
        assert!(trips <= 8, "{trips} round trips");
        assert!(
            listed(&app, ALEX)
                .await
                .iter()
                .all(|k| !k.starts_with("authMethod.delete:")),
            "no method left to remove"
        );
        let text = body.to_string();
        assert!(
            body["result"]["credentialId"].is_string() || body["result"]["credential"].is_object(),
            "{body}"
        );
        assert!(
            !text.contains("temporaryAccessPass\":\""),
            "no pass value in the answer: {text}"
        );
        assert!(
            body["plan"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["summary"].as_str().unwrap().contains(ALEX)),
            "summaries name the user: {body}"
        );
        let record = app.audit(body["auditId"].as_str().unwrap()).await;
        assert_eq!(record.steps.len(), 4);
        println!("user.resetMfa with a pass: {trips} Graph round trips");
    });
}

#[test]
fn only_the_named_types_go_and_a_rerun_is_no_change() {
    crate::support::run(async {
        let app = App::new().await;
        let call = json!({"route": "user.resetMfa", "data": {"user": ALEX, "methods": ["fido2"]}});
        app.emulator.clear_log();
        let (status, body) = app.call(&call).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(statuses(&body), ["done"]);
        println!(
            "user.resetMfa of one type: {} Graph round trips",
            app.round_trips()
        );
        let left = listed(&app, ALEX).await;
        assert_eq!(
            left,
            [
                "authMethod.delete:phone",
                "authMethod.delete:microsoftAuthenticator"
            ]
        );
        let (status, again) = app.call(&call).await;
        assert_eq!(status, 200);
        assert_eq!(statuses(&again), ["noChange"]);
    });
}

#[test]
fn a_dry_run_plans_each_removal_and_writes_nothing() {
    crate::support::run(async {
        let app = App::new().await;
        app.emulator.clear_log();
        let (status, body) = app
            .call(&json!({"route": "user.resetMfa", "dryRun": true, "data": {"user": MEGAN, "issueTemporaryAccessPass": true, "lifetimeInMinutes": 120}}))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["dryRun"], true);
        let plan: Vec<&str> = body["plan"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["method"].as_str().unwrap())
            .collect();
        assert_eq!(plan, ["DELETE", "DELETE", "POST"]);
        assert_eq!(app.writes(), 0);
    });
}

#[test]
fn privileged_targets_and_bad_input_are_refused_before_any_write() {
    crate::support::run(async {
        let app = App::new().await;
        app.emulator.clear_log();
        let (status, body) = app
            .call(&json!({"route": "user.resetMfa", "data": {"user": GLOBAL_ADMIN}}))
            .await;
        assert_eq!(status, 403, "{body}");
        assert!(
            body["auditId"].is_string() || body["error"]["auditId"].is_string(),
            "{body}"
        );
        for (data, field) in [
            (
                json!({"user": MEGAN, "methods": ["sms"]}),
                "data.methods[0]",
            ),
            (
                json!({"user": MEGAN, "lifetimeInMinutes": 60}),
                "data.lifetimeInMinutes",
            ),
            (
                json!({"user": MEGAN, "issueTemporaryAccessPass": true, "lifetimeInMinutes": 5}),
                "data.lifetimeInMinutes",
            ),
        ] {
            let (status, body) = app
                .call(&json!({"route": "user.resetMfa", "data": data}))
                .await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(body["error"]["field"], field, "{body}");
        }
        assert_eq!(app.writes(), 0);
    });
}

#[test]
fn a_replay_with_the_same_key_reaches_entra_no_more() {
    crate::support::run(async {
        let app = App::new().await;
        let call = json!({"route": "user.resetMfa", "idempotencyKey": "ITSM-77-mfa", "data": {"user": MEGAN}});
        let (status, first) = app.call(&call).await;
        assert_eq!(status, 200, "{first}");
        app.emulator.clear_log();
        let (_, again) = app.call(&call).await;
        assert_eq!(again["replay"], true);
        assert_eq!(again["result"], first["result"]);
        assert_eq!(app.round_trips(), 0);
    });
}
