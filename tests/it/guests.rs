//! `guest.invite`: the invitation with sponsors, group additions after it
//! (they need the guest's id), the redeem URL in the answer; serviceable
//! groups only; bad input refused before any write; dry run, replay,
//! audit; the guest in lookups and offboarded like anyone.

use crate::accounts_support::{statuses, App};
use serde_json::json;

const MEGAN: &str = "megan.bowen@contoso.example";
const GUEST: &str = "sam.vendor@fabrikam-partners.example";

#[test]
fn a_guest_is_invited_with_a_sponsor_and_groups_and_the_redeem_url_is_answered() {
    crate::support::run(async {
        let app = App::new().await;
        app.emulator.clear_log();
        let call = json!({"route": "guest.invite", "idempotencyKey": "ITSM-5-guest", "data": {
            "email": GUEST, "displayName": "Sam Vendor", "sponsors": [MEGAN],
            "groups": ["Engineering", "Finance"], "sendInvitationMessage": false
        }});
        let (status, body) = app.call(&call).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(statuses(&body), ["done", "done", "done"]);
        let trips = app.round_trips();
        println!("guest.invite with a sponsor and two groups: {trips} Graph round trips");
        // Two group names, the serviceable check, the sponsor, the
        // invitation, the group additions.
        assert!(trips <= 6, "{trips}");
        let url = body["result"]["user"]["inviteRedeemUrl"].as_str().unwrap();
        assert!(
            url.starts_with("https://login.microsoftonline.com/redeem"),
            "{url}"
        );
        let guest = body["result"]["user"]["id"].as_str().unwrap().to_string();
        let user = app.emulator.user(&guest).unwrap();
        assert_eq!(user["userType"], "Guest");
        assert_eq!(user["externalUserState"], "PendingAcceptance");
        assert!(
            body["plan"][0]["summary"]
                .as_str()
                .unwrap()
                .contains("Megan Bowen"),
            "{body}"
        );

        let (_, lookup) = app
            .call(&json!({"route": "user.get", "data": {"user": guest}}))
            .await;
        assert_eq!(lookup["result"]["userType"], "Guest", "{lookup}");

        app.emulator.clear_log();
        let (_, again) = app.call(&call).await;
        assert_eq!(again["replay"], true);
        assert_eq!(app.round_trips(), 0);
        let record = app.audit(body["auditId"].as_str().unwrap()).await;
        assert_eq!(record.steps.len(), 3);

        let (status, off) = app
            .call(&json!({"route": "user.offboard", "data": {"user": guest}}))
            .await;
        assert_eq!(status, 200, "{off}");
        assert_eq!(app.emulator.user(&guest).unwrap()["accountEnabled"], false);
        assert!(
            off["result"]["remainder"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["kind"] == "deletionPending"),
            "{off}"
        );
    });
}

#[test]
fn bad_input_and_unserviceable_groups_are_refused_before_any_write() {
    crate::support::run(async {
        let app = App::new().await;
        app.emulator.clear_log();
        for (data, field) in [
            (json!({"email": "not an address"}), "data.email"),
            (
                json!({"email": GUEST, "redirectUrl": "http://contoso.example"}),
                "data.redirectUrl",
            ),
            (
                json!({"email": GUEST, "sponsors": ["a@b.example", "c@d.example", "e@f.example", "g@h.example", "i@j.example", "k@l.example"]}),
                "data.sponsors",
            ),
        ] {
            let (status, body) = app
                .call(&json!({"route": "guest.invite", "data": data}))
                .await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(body["error"]["field"], field, "{body}");
        }
        let (status, body) = app
            .call(&json!({"route": "guest.invite", "data": {"email": GUEST, "groups": ["Privileged Support Staff"]}}))
            .await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = app
            .call(&json!({"route": "guest.invite", "dryRun": true, "data": {"email": GUEST, "groups": ["Engineering"]}}))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["plan"].as_array().unwrap().len(), 2);
        assert_eq!(app.writes(), 0);
    });
}
