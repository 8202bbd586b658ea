//! Authentication methods, soft deletion and restore, guest invitations:
//! each behaviour with the Microsoft Learn page it follows.

use entra_emulator::Emulator;
use http::Request;
use serde_json::{json, Value};

const ADELE: &str = "adele.vance@contoso.example";
const ALEX: &str = "alex.wilber@contoso.example";
const MEGAN: &str = "megan.bowen@contoso.example";
const GLOBAL_ADMIN: &str = "isaiah.langer@contoso.example";
const BEN_LEAVER: &str = "ben.walters@contoso.example";
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

async fn send(
    emu: &Emulator,
    method: &str,
    uri: &str,
    tok: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "emulator.test");
    if let Some(tok) = tok {
        builder = builder
            .header("authorization", format!("Bearer {tok}"))
            .header("content-type", "application/json");
    } else {
        builder = builder.header("content-type", "application/x-www-form-urlencoded");
    }
    let response = emu.handle(builder.body(body).unwrap()).await;
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_slice(response.body()).unwrap_or(Value::Null),
    )
}

async fn token(emu: &Emulator) -> String {
    let c = emu.credentials();
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials")
        .append_pair("client_id", &c.client_id)
        .append_pair("client_secret", &c.client_secret)
        .append_pair("scope", "https://graph.microsoft.com/.default");
    let (status, body) = send(
        emu,
        "POST",
        &format!("/{}/oauth2/v2.0/token", c.tenant_id),
        None,
        form.finish().into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn graph(
    emu: &Emulator,
    tok: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let bytes = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    send(emu, method, &format!("/v1.0{path}"), Some(tok), bytes).await
}

fn id_of(emu: &Emulator, upn: &str) -> String {
    emu.user(upn).unwrap()["id"].as_str().unwrap().to_string()
}

fn seed_with_permissions(perms: &[&str]) -> Emulator {
    let mut seed: Value = serde_json::from_str(include_str!("../seed/demo-tenant.json")).unwrap();
    seed["app"]["applicationPermissions"] = json!(perms);
    Emulator::from_seed_json(&seed.to_string()).unwrap()
}

fn types(list: &Value) -> Vec<String> {
    list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["@odata.type"]
                .as_str()
                .unwrap()
                .trim_start_matches("#microsoft.graph.")
                .to_string()
        })
        .collect()
}

/// authentication-list-methods: the password method (well-known id) and
/// every registered method, each with its `@odata.type`.
#[tokio::test(flavor = "current_thread")]
async fn methods_list_the_password_and_each_registered_method() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let (status, body) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{ALEX}/authentication/methods"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        types(&body),
        [
            "passwordAuthenticationMethod",
            "phoneAuthenticationMethod",
            "microsoftAuthenticatorAuthenticationMethod",
            "fido2AuthenticationMethod"
        ]
    );
    assert_eq!(
        body["value"][0]["id"],
        "28c10230-6103-485e-b985-444c60001490"
    );
}

/// phoneauthenticationmethod-delete and the per-type delete pages: each
/// type at its own endpoint; the default method refused while another is
/// left; 404 for a method of another type; 204 once the default is last.
#[tokio::test(flavor = "current_thread")]
async fn methods_are_deleted_per_type_the_default_last() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let (_, body) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{ADELE}/authentication/methods"),
        None,
    )
    .await;
    let phone = body["value"][1]["id"].as_str().unwrap().to_string();
    let app = body["value"][2]["id"].as_str().unwrap().to_string();
    let (status, body) = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/users/{ADELE}/authentication/phoneMethods/{phone}"),
        None,
    )
    .await;
    assert_eq!(status, 400, "the default goes last: {body}");
    let (status, _) = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/users/{ADELE}/authentication/fido2Methods/{app}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "wrong type's endpoint");
    let (status, _) = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/users/{ADELE}/authentication/microsoftAuthenticatorMethods/{app}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/users/{ADELE}/authentication/phoneMethods/{phone}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, body) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{ADELE}/authentication/methods"),
        None,
    )
    .await;
    assert_eq!(types(&body), ["passwordAuthenticationMethod"]);
}

/// Permission map: each type's delete needs its own UserAuthMethod-*
/// permission (or UserAuthenticationMethod.ReadWrite.All); the list needs
/// UserAuthenticationMethod.Read.All.
#[tokio::test(flavor = "current_thread")]
async fn each_method_type_needs_its_own_permission() {
    let emu = seed_with_permissions(&[
        "User.Read.All",
        "UserAuthenticationMethod.Read.All",
        "UserAuthMethod-MicrosoftAuthApp.ReadWrite.All",
    ]);
    let tok = token(&emu).await;
    let (_, body) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{MEGAN}/authentication/methods"),
        None,
    )
    .await;
    let phone = body["value"][1]["id"].as_str().unwrap().to_string();
    let app = body["value"][2]["id"].as_str().unwrap().to_string();
    let (status, _) = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/users/{MEGAN}/authentication/phoneMethods/{phone}"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/users/{MEGAN}/authentication/microsoftAuthenticatorMethods/{app}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let emu = seed_with_permissions(&["User.Read.All"]);
    let tok = token(&emu).await;
    let (status, _) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{MEGAN}/authentication/methods"),
        None,
    )
    .await;
    assert_eq!(status, 403);
}

/// A Global Administrator's methods are out of reach of an app holding
/// only User Administrator (who-can-perform-sensitive-actions).
#[tokio::test(flavor = "current_thread")]
async fn an_administrators_methods_need_a_higher_role() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let (_, body) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{GLOBAL_ADMIN}/authentication/methods"),
        None,
    )
    .await;
    let app = body["value"][2]["id"].as_str().unwrap().to_string();
    let (status, _) = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/users/{GLOBAL_ADMIN}/authentication/microsoftAuthenticatorMethods/{app}"),
        None,
    )
    .await;
    assert_eq!(status, 403);
}

/// user-delete, directory-deleteditems-list/-get/-restore: deleted users
/// wait in deletedItems with `deletedDateTime` from the clock, come back
/// on restore within 30 days, and are gone after.
#[tokio::test(flavor = "current_thread")]
async fn deleted_users_are_restorable_for_thirty_days() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let ben = id_of(&emu, BEN_LEAVER);
    let (status, _) = graph(&emu, &tok, "DELETE", &format!("/users/{ben}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = graph(&emu, &tok, "GET", &format!("/users/{ben}"), None).await;
    assert_eq!(status, 404);
    let (status, body) = graph(
        &emu,
        &tok,
        "GET",
        "/directory/deletedItems/microsoft.graph.user",
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"][0]["id"], ben.as_str());
    assert!(body["value"][0]["deletedDateTime"].is_string());
    let (status, body) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/directory/deletedItems/{ben}?$select=id,userPrincipalName,deletedDateTime"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userPrincipalName"], BEN_LEAVER);
    emu.advance_time(29 * DAY_MS);
    let tok = token(&emu).await;
    let (status, body) = graph(
        &emu,
        &tok,
        "POST",
        &format!("/directory/deletedItems/{ben}/restore"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], ben.as_str());
    let (status, body) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{ben}?$select=accountEnabled"),
        None,
    )
    .await;
    assert_eq!(
        (status, body["accountEnabled"].clone()),
        (200, json!(false))
    );

    graph(&emu, &tok, "DELETE", &format!("/users/{ben}"), None).await;
    emu.advance_time(31 * DAY_MS);
    let tok = token(&emu).await;
    let (status, _) = graph(
        &emu,
        &tok,
        "POST",
        &format!("/directory/deletedItems/{ben}/restore"),
        None,
    )
    .await;
    assert_eq!(status, 404, "purged after 30 days");
    let (_, body) = graph(
        &emu,
        &tok,
        "GET",
        "/directory/deletedItems/microsoft.graph.user",
        None,
    )
    .await;
    assert_eq!(body["value"], json!([]));
}

/// Permission map: DELETE /users/{id} and restore need
/// User.DeleteRestore.All (or User.ReadWrite.All).
#[tokio::test(flavor = "current_thread")]
async fn deletion_needs_user_delete_restore() {
    let emu = seed_with_permissions(&["User.Read.All"]);
    let tok = token(&emu).await;
    let ben = id_of(&emu, BEN_LEAVER);
    let (status, _) = graph(&emu, &tok, "DELETE", &format!("/users/{ben}"), None).await;
    assert_eq!(status, 403);
    let emu = seed_with_permissions(&["User.Read.All", "User.DeleteRestore.All"]);
    let tok = token(&emu).await;
    let (status, _) = graph(&emu, &tok, "DELETE", &format!("/users/{ben}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = graph(
        &emu,
        &tok,
        "POST",
        &format!("/directory/deletedItems/{ben}/restore"),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

/// invitation-post: a guest with an `#EXT#` UPN, `userType` Guest,
/// `externalUserState` PendingAcceptance, the redeem URL, sponsors from
/// `invitedUserSponsors` (user-list-sponsors); the redirect URL is
/// required; inviting the same address again re-invites the same guest.
#[tokio::test(flavor = "current_thread")]
async fn invitations_create_a_pending_guest_with_sponsors() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let megan = id_of(&emu, MEGAN);
    let body = json!({
        "invitedUserEmailAddress": "sam.vendor@fabrikam-partners.example",
        "invitedUserDisplayName": "Sam Vendor",
        "inviteRedirectUrl": "https://myapps.microsoft.com",
        "sendInvitationMessage": false,
        "invitedUserSponsors": [{"id": megan}],
    });
    let (status, invitation) = graph(&emu, &tok, "POST", "/invitations", Some(body.clone())).await;
    assert_eq!(status, 201, "{invitation}");
    assert_eq!(invitation["status"], "PendingAcceptance");
    assert!(invitation["inviteRedeemUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://login.microsoftonline.com/redeem"));
    let guest = invitation["invitedUser"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, user) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{guest}?$select=userPrincipalName,userType,externalUserState,mail"),
        None,
    )
    .await;
    assert_eq!(
        user["userPrincipalName"],
        "sam.vendor_fabrikam-partners.example#EXT#@contosodemo.onmicrosoft.com"
    );
    assert_eq!(user["userType"], "Guest");
    assert_eq!(user["externalUserState"], "PendingAcceptance");
    let (status, sponsors) = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{guest}/sponsors?$select=id"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{sponsors}");
    assert_eq!(sponsors["value"][0]["id"], megan.as_str());
    let (_, again) = graph(&emu, &tok, "POST", "/invitations", Some(body)).await;
    assert_eq!(again["invitedUser"]["id"], guest.as_str());
    let (status, _) = graph(
        &emu,
        &tok,
        "POST",
        "/invitations",
        Some(json!({"invitedUserEmailAddress": "x@y.example"})),
    )
    .await;
    assert_eq!(status, 400, "inviteRedirectUrl is required");
    let (status, _) = graph(&emu, &tok, "POST", "/invitations", Some(json!({"invitedUserEmailAddress": ADELE, "inviteRedirectUrl": "https://myapps.microsoft.com"}))).await;
    assert_eq!(status, 400, "a member's address");
}
