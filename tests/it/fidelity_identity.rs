//! People named by an address (issue 12, fault 5): a bare address is looked
//! up as a userPrincipalName, a mail or a proxy address in one Graph round
//! trip; an address two users hold is refused as ambiguous, an unknown one
//! says what was tried. Jordan Lee signs in as `e1051@…` with mail
//! `jordan.lee@…` and alias `jlee@…`; Avery Kim is a B2B guest whose UPN
//! holds `#EXT#`.

use crate::support::*;
use entra_connect::lifecycle::*;
use entra_connect::service_api::handle;
use entra_emulator::Emulator;
use serde_json::{json, Value};

const JORDAN_UPN: &str = "e1051@contoso.example";
const JORDAN_MAIL: &str = "jordan.lee@contoso.example";
const JORDAN_ALIAS: &str = "jlee@contoso.example";
const JOHANNA: &str = "johanna.lorenz@contoso.example";
const GUEST_UPN: &str = "avery.kim_northwind.example#EXT#@contosodemo.onmicrosoft.com";
const GUEST_MAIL: &str = "avery.kim@northwind.example";

fn named(value: &str) -> UserRef {
    UserRef::parse(value, "user").expect("an address parses")
}

#[tokio::test(flavor = "current_thread")]
async fn jordan_by_mail_alias_and_upn_in_one_round_trip_each() {
    let h = Harness::new();
    let c = h.client();
    let jordan = h.user_id(JORDAN_UPN);
    for address in [
        JORDAN_MAIL,
        "Jordan.Lee@Contoso.Example",
        JORDAN_ALIAS,
        JORDAN_UPN,
    ] {
        h.emu.clear_log();
        let u = lookup(&c, &named(address), h.deadline())
            .await
            .unwrap_or_else(|e| panic!("{address}: {e}"));
        assert_eq!(u.id, jordan, "{address}");
        assert_eq!(u.mail.as_deref(), Some(JORDAN_MAIL));
        assert_eq!(u.department.as_deref(), Some("Engineering"));
        let manager = u.manager.expect("manager expanded");
        assert_eq!(manager.user_principal_name.as_deref(), Some(JOHANNA));
        println!(
            "round trips: lookup with manager by address {address}: {}",
            h.round_trips()
        );
        assert_eq!(h.round_trips(), 1, "{address}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn guest_by_mail_and_by_upn_with_hash() {
    let h = Harness::new();
    let c = h.client();
    let guest = h.user_id(GUEST_UPN);
    for address in [GUEST_MAIL, GUEST_UPN] {
        h.emu.clear_log();
        let u = lookup(&c, &named(address), h.deadline())
            .await
            .unwrap_or_else(|e| panic!("{address}: {e}"));
        assert_eq!(u.id, guest, "{address}");
        assert_eq!(h.round_trips(), 1, "{address}");
    }
    // Named explicitly by UPN the guest is addressed in the path, `#` as %23.
    h.emu.clear_log();
    let by_upn = UserRef::upn(GUEST_UPN, "user").unwrap();
    let u = lookup(&c, &by_upn, h.deadline()).await.unwrap();
    assert_eq!(u.id, guest);
    let log = h.graph_log();
    assert_eq!(log.len(), 1);
    assert!(
        log[0].path.contains("%23EXT%23"),
        "UPN not encoded in {}",
        log[0].path
    );
    assert_eq!(log[0].status, 200);
    // Every path builder that takes a user key encodes it the same way.
    use entra_connect::graph::resources::users;
    for request in [
        users::get_user(GUEST_UPN, "id", None),
        users::update_user(GUEST_UPN, Default::default()),
        users::set_account_enabled(GUEST_UPN, false),
        users::revoke_sign_in_sessions(GUEST_UPN),
        users::get_manager(GUEST_UPN),
        users::list_transitive_groups(GUEST_UPN),
        users::list_direct_groups(GUEST_UPN, "id"),
    ] {
        assert!(
            request
                .path
                .contains("avery.kim_northwind.example%23EXT%23%40"),
            "{}",
            request.path
        );
        assert!(!request.path.contains('#'), "{}", request.path);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn unknown_address_says_what_was_tried() {
    let h = Harness::new();
    let c = h.client();
    h.emu.clear_log();
    let err = lookup(&c, &named("nobody@contoso.example"), h.deadline())
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), 404, "{err}");
    let message = err.to_string();
    for tried in [
        "userPrincipalName",
        "mail",
        "proxy address",
        "nobody@contoso.example",
    ] {
        assert!(message.contains(tried), "{tried} missing from: {message}");
    }
    assert_eq!(h.round_trips(), 1);
}

/// Entra refuses two users one address (mail is added to proxyAddresses,
/// which are unique across the directory; see the emulator's
/// `mail_writes_keep_proxy_addresses_unique`), so this tenant is built by
/// hand: a UPN of one user that is the alias of another, as a migration or a
/// sync conflict can leave behind. The app must not pick one.
#[tokio::test(flavor = "current_thread")]
async fn an_address_two_users_hold_is_ambiguous() {
    let mut seed: Value =
        serde_json::from_str(include_str!("../../emulator/seed/demo-tenant.json")).unwrap();
    seed["users"].as_array_mut().unwrap().push(json!({
        "id": "0b0f3c57-3f0e-4d8e-9a57-1c1c3d9c5e11",
        "displayName": "Jo Lee", "givenName": "Jo", "surname": "Lee",
        "userPrincipalName": JORDAN_ALIAS, "mail": JORDAN_ALIAS,
        "mailNickname": "jlee", "accountEnabled": true, "userType": "Member"
    }));
    let h = Harness::on(Emulator::from_seed_json(&seed.to_string()).unwrap());
    let c = h.client();
    h.emu.clear_log();
    let err = lookup(&c, &named(JORDAN_ALIAS), h.deadline())
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), 409, "{err}");
    assert!(
        matches!(err, OpError::Ambiguous { count: 2, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("2 users have this address"),
        "{err}"
    );
    assert_eq!(h.round_trips(), 1);
    // Named explicitly, each one is found.
    let by_upn = UserRef::upn(JORDAN_ALIAS, "user").unwrap();
    let jo = lookup(&c, &by_upn, h.deadline()).await.unwrap();
    assert_eq!(jo.display_name.as_deref(), Some("Jo Lee"));
    // Unchanged: the Jordan mail is still one user.
    let u = lookup(&c, &named(JORDAN_MAIL), h.deadline()).await.unwrap();
    assert_eq!(u.user_principal_name.as_deref(), Some(JORDAN_UPN));
}

#[test]
fn service_api_names_people_by_address() {
    run(async {
        let emulator = Emulator::demo();
        let (host, key) = configured_host(&emulator).await;
        let transport = InProcessTransport(emulator.clone());
        let call = |body: Value| {
            let (host, transport, key) = (&host, &transport, &key);
            async move {
                let res = handle(&post(key, &body), host, transport).await;
                (res.status_code, json_body(&res))
            }
        };
        let (status, body) =
            call(json!({"route": "user.get", "data": {"user": JORDAN_MAIL}})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["result"]["userPrincipalName"], JORDAN_UPN);
        let (status, body) = call(
            json!({"route": "group.addMember", "data": {"user": JORDAN_ALIAS, "group": "Finance"}}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let jordan = emulator.user(JORDAN_UPN).unwrap()["id"].clone();
        let finance = emulator.find_group_by_name("Finance").unwrap()["id"].clone();
        assert!(emulator
            .group_member_ids(finance.as_str().unwrap())
            .iter()
            .any(|m| Value::String(m.clone()) == jordan));
        let (status, body) = call(json!({"route": "user.create", "dryRun": true, "data": {
            "givenName": "Robin", "surname": "Hart", "department": "Engineering",
            "manager": JORDAN_MAIL
        }}))
        .await;
        assert_eq!(status, 200, "{body}");
        let plan = body["plan"].to_string();
        assert!(
            plan.contains(jordan.as_str().unwrap()),
            "manager not resolved: {plan}"
        );
        // The protected-target check reads a user named by address or mail
        // by id once resolved (it used to read the by-id answer as a page).
        for user in [json!(JORDAN_ALIAS), json!({"mail": JORDAN_MAIL})] {
            let (status, body) =
                call(json!({"route": "user.disable", "dryRun": true, "data": {"user": user}}))
                    .await;
            assert_eq!(status, 200, "{user}: {body}");
        }
        let (status, body) =
            call(json!({"route": "user.get", "data": {"user": "nobody@contoso.example"}})).await;
        assert_eq!(status, 404, "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("proxy address"), "{message}");
    });
}
