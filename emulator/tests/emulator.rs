//! In-process behaviour tests through `Emulator::handle`.

mod common;

use common::{graph, graph_h, send, token, token_with, Reply, SCOPE};
use entra_emulator::{Emulator, Faults, RefuseFault, RequestKind, ThrottleFault, UnavailableFault};
use serde_json::{json, Value};

const SHANE: &str = "shane.o'neil@contoso.example";
const GLOBAL_ADMIN: &str = "isaiah.langer@contoso.example";
const HELPDESK_ADMIN: &str = "lynne.robbins@contoso.example";
const ROLE_GROUP_MEMBER: &str = "priya.nair@contoso.example";
const SYNCED_USER: &str = "joni.sherman@contoso.example";
const STRONG: &str = "Tr0ub4dor&3x!";

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn user_id(emu: &Emulator, upn: &str) -> String {
    emu.user(upn).unwrap()["id"].as_str().unwrap().to_string()
}

fn group_id(emu: &Emulator, name: &str) -> String {
    emu.find_group_by_name(name).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn new_user(upn: &str) -> Value {
    json!({
        "accountEnabled": true,
        "displayName": "New Starter",
        "mailNickname": "new.starter",
        "userPrincipalName": upn,
        "passwordProfile": {"forceChangePasswordNextSignIn": true, "password": STRONG},
        "department": "Sales",
        "employeeId": "E9001"
    })
}

fn code(r: &Reply) -> &str {
    r.body["error"]["code"].as_str().unwrap_or_default()
}

// ---------- token endpoint ----------

#[tokio::test(flavor = "current_thread")]
async fn token_success_is_a_signed_jwt_with_roles() {
    let emu = Emulator::demo();
    let c = emu.credentials();
    let r = token_with(
        &emu,
        "contoso.example",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &c.client_id),
            ("client_secret", &c.client_secret),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 3599);
    assert_eq!(r.body["ext_expires_in"], 3599);
    let jwt = r.body["access_token"].as_str().unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    use base64::Engine;
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(payload["aud"], "https://graph.microsoft.com");
    assert_eq!(payload["tid"], c.tenant_id.as_str());
    assert_eq!(payload["appid"], c.client_id.as_str());
    assert!(payload["roles"]
        .as_array()
        .unwrap()
        .contains(&json!("User.ReadWrite.All")));
    assert!(payload["exp"].as_u64().unwrap() > payload["iat"].as_u64().unwrap());
    for key in ["iss", "nbf", "iat"] {
        assert!(!payload[key].is_null(), "{key}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn token_errors_are_entra_shaped() {
    let emu = Emulator::demo();
    let c = emu.credentials();
    let base = |secret: &'static str, scope: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_secret", secret),
            ("scope", scope),
        ]
    };
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, u16, &'a str, u64);
    let cases: Vec<Case> = vec![
        (
            "no-such-tenant.example".into(),
            [base("x", SCOPE), vec![("client_id", c.client_id.as_str())]].concat(),
            400,
            "invalid_tenant",
            90002,
        ),
        (
            c.tenant_id.clone(),
            [
                base("x", SCOPE),
                vec![("client_id", "00000000-0000-0000-0000-000000000001")],
            ]
            .concat(),
            400,
            "unauthorized_client",
            700016,
        ),
        (
            c.tenant_id.clone(),
            [
                base("wrong", SCOPE),
                vec![("client_id", c.client_id.as_str())],
            ]
            .concat(),
            401,
            "invalid_client",
            7000215,
        ),
        (
            c.tenant_id.clone(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", c.client_id.as_str()),
                ("scope", SCOPE),
            ],
            401,
            "invalid_client",
            7000218,
        ),
        (
            c.tenant_id.clone(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", c.client_id.as_str()),
                ("client_secret", c.client_secret.as_str()),
                ("scope", "https://graph.microsoft.com/User.Read"),
            ],
            400,
            "invalid_scope",
            70011,
        ),
    ];
    for (tenant, fields, status, error, aadsts) in cases {
        let r = token_with(&emu, &tenant, &fields).await;
        assert_eq!(r.status, status, "{error}: {}", r.body);
        assert_eq!(r.body["error"], error);
        assert_eq!(r.body["error_codes"], json!([aadsts]));
        assert!(r.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with(&format!("AADSTS{aadsts}: ")));
        for key in ["timestamp", "trace_id", "correlation_id"] {
            assert!(r.body[key].is_string(), "{key}");
        }
    }
}

// ---------- authorization ----------

#[tokio::test(flavor = "current_thread")]
async fn graph_requires_a_valid_unexpired_token() {
    let emu = Emulator::demo();
    let r = graph(&emu, "not-a-token", "GET", "/users", None).await;
    assert_eq!(r.status, 401);
    assert_eq!(code(&r), "InvalidAuthenticationToken");
    assert_eq!(
        r.body["error"]["message"],
        "Access token validation failure."
    );
    let tok = token(&emu).await;
    assert_eq!(graph(&emu, &tok, "GET", "/users", None).await.status, 200);
    emu.advance_time(3600 * 1000);
    let r = graph(&emu, &tok, "GET", "/users", None).await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.body["error"]["message"],
        "Access token has expired or is not yet valid."
    );
    // A token from another emulator instance (another key) is rejected.
    let other = Emulator::demo();
    let foreign = token(&other).await;
    assert_eq!(
        graph(&emu, &foreign, "GET", "/users", None).await.status,
        401
    );
}

#[tokio::test(flavor = "current_thread")]
async fn short_token_lifetime_fault() {
    let emu = Emulator::demo();
    emu.set_faults(Faults {
        token_lifetime_seconds: Some(60),
        ..Faults::default()
    });
    let tok = token(&emu).await;
    emu.advance_time(61_000);
    assert_eq!(graph(&emu, &tok, "GET", "/users", None).await.status, 401);
}

fn seed_with_permissions(perms: &[&str]) -> Emulator {
    let mut seed: Value = serde_json::from_str(include_str!("../seed/demo-tenant.json")).unwrap();
    seed["app"]["applicationPermissions"] = json!(perms);
    Emulator::from_seed_json(&seed.to_string()).unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn calls_outside_granted_permissions_get_403() {
    let emu = seed_with_permissions(&["User.Read.All"]);
    let tok = token(&emu).await;
    assert_eq!(graph(&emu, &tok, "GET", "/users", None).await.status, 200);
    let r = graph(
        &emu,
        &tok,
        "POST",
        "/users",
        Some(new_user("x.y@contoso.example")),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(code(&r), "Authorization_RequestDenied");
    assert_eq!(
        r.body["error"]["message"],
        "Insufficient privileges to complete the operation."
    );
    let gid = group_id(&emu, "Sales Team");
    let uid = user_id(&emu, GLOBAL_ADMIN);
    let r = graph(&emu, &tok, "POST", &format!("/groups/{gid}/members/$ref"), Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{uid}")}))).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        graph(
            &emu,
            &tok,
            "GET",
            "/roleManagement/directory/roleAssignments?$filter=principalId%20eq%20'x'",
            None
        )
        .await
        .status,
        403
    );
}

/// Graph checks a user PATCH's properties, not just the path:
/// employeeLeaveDateTime needs User-LifeCycleInfo.ReadWrite.All with
/// User.Read.All and nothing broader stands in for it
/// (learn.microsoft.com/graph/tutorial-lifecycle-workflows-set-employeeleavedatetime);
/// accountEnabled needs User.EnableDisableAccount.All (with User.Read.All)
/// or User.ReadWrite.All (user-update).
#[tokio::test(flavor = "current_thread")]
async fn user_patch_permissions_follow_the_properties() {
    let uid = user_id(&Emulator::demo(), "adele.vance@contoso.example");
    let path = format!("/users/{uid}");
    let leave = json!({"employeeLeaveDateTime": "2027-01-01T00:00:00Z"});
    let emu = seed_with_permissions(&["User.ReadWrite.All"]);
    let tok = token(&emu).await;
    let r = graph(&emu, &tok, "PATCH", &path, Some(leave.clone())).await;
    assert_eq!(
        r.status, 403,
        "User.ReadWrite.All does not cover the leave date"
    );
    assert_eq!(code(&r), "Authorization_RequestDenied");
    assert_eq!(
        graph(
            &emu,
            &tok,
            "PATCH",
            &path,
            Some(json!({"accountEnabled": false}))
        )
        .await
        .status,
        204
    );

    let emu = seed_with_permissions(&["User.Read.All", "User-LifeCycleInfo.ReadWrite.All"]);
    let tok = token(&emu).await;
    assert_eq!(
        graph(&emu, &tok, "PATCH", &path, Some(leave.clone()))
            .await
            .status,
        204
    );
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &path,
        Some(json!({"jobTitle": "Lead"})),
    )
    .await;
    assert_eq!(
        r.status, 403,
        "a per-property permission writes only its property"
    );

    let emu = seed_with_permissions(&["User-LifeCycleInfo.ReadWrite.All"]);
    let tok = token(&emu).await;
    let r = graph(&emu, &tok, "PATCH", &path, Some(leave)).await;
    assert_eq!(r.status, 403, "the page lists User.Read.All beside it");

    let emu = seed_with_permissions(&["User.Read.All", "User.EnableDisableAccount.All"]);
    let tok = token(&emu).await;
    assert_eq!(
        graph(
            &emu,
            &tok,
            "PATCH",
            &path,
            Some(json!({"accountEnabled": false}))
        )
        .await
        .status,
        204
    );
}

/// Reading the organization takes Organization.Read.All (or Directory-wide
/// reads) for applications: organization-get lists no User.Read.All for
/// application access, though Microsoft's permission map does.
#[tokio::test(flavor = "current_thread")]
async fn organization_needs_an_organization_permission_for_apps() {
    let emu = seed_with_permissions(&["User.ReadWrite.All"]);
    let tok = token(&emu).await;
    assert_eq!(
        graph(&emu, &tok, "GET", "/organization", None).await.status,
        403
    );
    let emu = seed_with_permissions(&["Organization.Read.All"]);
    let tok = token(&emu).await;
    assert_eq!(
        graph(&emu, &tok, "GET", "/organization", None).await.status,
        200
    );
}

/// Without a permission to read directory roles, memberOf lists them with
/// only `@odata.type` and `id`: "Limited information returned for
/// inaccessible member objects" (learn.microsoft.com/graph/permissions-overview).
#[tokio::test(flavor = "current_thread")]
async fn member_of_limits_directory_roles_the_token_cannot_read() {
    let path = format!(
        "/users/{}/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId",
        enc(GLOBAL_ADMIN)
    );
    let emu = seed_with_permissions(&["User.Read.All"]);
    let tok = token(&emu).await;
    let r = graph(&emu, &tok, "GET", &path, None).await;
    assert_eq!(r.status, 200);
    let role = &r.body["value"][0];
    assert_eq!(role["@odata.type"], "#microsoft.graph.directoryRole");
    assert!(role["id"].is_string());
    assert!(role.get("roleTemplateId").is_none(), "{role}");

    let emu = seed_with_permissions(&["User.Read.All", "RoleManagement.Read.Directory"]);
    let tok = token(&emu).await;
    let r = graph(&emu, &tok, "GET", &path, None).await;
    assert_eq!(
        r.body["value"][0]["roleTemplateId"],
        "62e90394-69f5-4237-9190-012177145e10"
    );
}

// ---------- users: read ----------

#[tokio::test(flavor = "current_thread")]
async fn get_user_by_id_and_upn_returns_default_properties() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let id = user_id(&emu, SHANE);
    let by_id = graph(&emu, &tok, "GET", &format!("/users/{id}"), None).await;
    assert_eq!(by_id.status, 200);
    let by_upn = graph(&emu, &tok, "GET", &format!("/users/{}", enc(SHANE)), None).await;
    assert_eq!(by_upn.body["id"], id.as_str());
    let keys: Vec<&String> = by_id
        .body
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| !k.starts_with('@'))
        .collect();
    assert_eq!(keys.len(), 11, "{keys:?}");
    assert!(by_id.body.get("department").is_none());
    assert!(by_id.body.get("accountEnabled").is_none());
    let sel = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{id}?$select=id,department,accountEnabled,employeeId"),
        None,
    )
    .await;
    assert_eq!(sel.body["department"], "Sales");
    assert_eq!(sel.body["accountEnabled"], true);
    assert!(sel.body.get("displayName").is_none());
    let missing = graph(
        &emu,
        &tok,
        "GET",
        "/users/00000000-0000-4000-8000-000000000000",
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(code(&missing), "Request_ResourceNotFound");
    let bad_select = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{id}?$select=nope"),
        None,
    )
    .await;
    assert_eq!(bad_select.status, 400);
}

#[tokio::test(flavor = "current_thread")]
async fn filters_decode_quotes_and_keep_hostile_strings_literal() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let f = enc("userPrincipalName eq 'shane.o''neil@contoso.example'");
    let r = graph(&emu, &tok, "GET", &format!("/users?$filter={f}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    // An injection attempt is one string literal that matches nothing.
    let f = enc("displayName eq 'x'' or displayName ne ''y'");
    let r = graph(&emu, &tok, "GET", &format!("/users?$filter={f}"), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["value"].as_array().unwrap().len(), 0);
    let f = enc("department eq 'Sales' and accountEnabled eq true");
    let r = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users?$filter={f}&$top=999"),
        None,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 8);
    let f = enc("employeeId in ('E1002','E1003') or startswith(displayName,'Megan')");
    let r = graph(&emu, &tok, "GET", &format!("/users?$filter={f}"), None).await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 3, "{}", r.body);
    for hostile in [
        "displayName eq 'unterminated",
        "(((((",
        "displayName eq",
        "displayName eq 'a' and",
        "startswith(displayName)",
        "x eq 'a'",
        "\u{0}'",
        "displayName gt 'a'",
        &"(".repeat(500),
        &"not ".repeat(300),
    ] {
        let r = graph(
            &emu,
            &tok,
            "GET",
            &format!("/users?$filter={}", enc(hostile)),
            None,
        )
        .await;
        assert_eq!(r.status, 400, "{hostile:?}: {}", r.body);
        assert!(
            ["BadRequest", "Request_UnsupportedQuery"].contains(&code(&r)),
            "{}",
            r.body
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn advanced_queries_need_eventual_consistency_and_count() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let ne = format!(
        "/users?$filter={}&$count=true",
        enc("department ne 'Sales'")
    );
    let r = graph(&emu, &tok, "GET", &ne, None).await;
    assert_eq!(r.status, 400);
    let r = graph_h(
        &emu,
        &tok,
        "GET",
        &ne,
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["@odata.count"], 44);
    let ends = format!(
        "/users?$filter={}",
        enc("endswith(userPrincipalName,'@fabrikam.example')")
    );
    assert_eq!(
        graph_h(
            &emu,
            &tok,
            "GET",
            &ends,
            None,
            &[("ConsistencyLevel", "eventual")]
        )
        .await
        .status,
        400
    );
    let r = graph_h(
        &emu,
        &tok,
        "GET",
        &format!("{ends}&$count=true"),
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    assert_eq!(r.body["@odata.count"], 1);
    let r = graph(&emu, &tok, "GET", "/users?$count=true", None).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["error"]["message"],
        "$count is not currently supported."
    );
}

#[tokio::test(flavor = "current_thread")]
async fn paging_follows_absolute_next_links() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let mut url = "/v1.0/users?$top=7&$select=id".to_string();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = graph(&emu, &tok, "GET", url.trim_start_matches("/v1.0"), None).await;
        assert_eq!(r.status, 200);
        pages += 1;
        seen.extend(
            r.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["id"].clone()),
        );
        match r.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with("http://emulator.test/v1.0/users?"),
                    "{next}"
                );
                assert!(next.contains("$skiptoken="));
                url = next.trim_start_matches("http://emulator.test").to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, 8);
    assert_eq!(seen.len(), 52);
    assert_eq!(
        graph(&emu, &tok, "GET", "/users?$top=0", None).await.status,
        400
    );
    assert_eq!(
        graph(&emu, &tok, "GET", "/users?$skiptoken=garbage", None)
            .await
            .status,
        400
    );
}

#[tokio::test(flavor = "current_thread")]
async fn expand_manager_and_manager_endpoints() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let shane = user_id(&emu, SHANE);
    let r = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{shane}?$expand=manager($select=id,displayName)"),
        None,
    )
    .await;
    assert_eq!(
        r.body["manager"]["displayName"], "Alex Wilber",
        "{}",
        r.body
    );
    let r = graph(&emu, &tok, "GET", &format!("/users/{shane}/manager"), None).await;
    assert_eq!(r.status, 200);
    let megan = user_id(&emu, "megan.bowen@contoso.example");
    let r = graph(&emu, &tok, "GET", &format!("/users/{megan}/manager"), None).await;
    assert_eq!(r.status, 404);
    let r = graph(
        &emu,
        &tok,
        "PUT",
        &format!("/users/{shane}/manager/$ref"),
        Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{megan}")})),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(emu.user(&shane).unwrap()["manager"], megan.as_str());
    assert_eq!(
        graph(
            &emu,
            &tok,
            "DELETE",
            &format!("/users/{shane}/manager/$ref"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        graph(&emu, &tok, "GET", &format!("/users/{shane}/manager"), None)
            .await
            .status,
        404
    );
    let r = graph(&emu, &tok, "PUT", &format!("/users/{shane}/manager/$ref"), Some(json!({"@odata.id": "https://graph.microsoft.com/v1.0/users/00000000-0000-4000-8000-000000000000"}))).await;
    assert_eq!(r.status, 404);
}

// ---------- users: write ----------

#[tokio::test(flavor = "current_thread")]
async fn create_user_and_validation() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let r = graph(
        &emu,
        &tok,
        "POST",
        "/users",
        Some(new_user("new.starter@contoso.example")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["id"].is_string());
    assert!(r.body.get("passwordProfile").is_none());
    assert!(emu.user_has_password("new.starter@contoso.example", STRONG));

    let dup = graph(
        &emu,
        &tok,
        "POST",
        "/users",
        Some(new_user("NEW.STARTER@contoso.example")),
    )
    .await;
    assert_eq!(dup.status, 400);
    assert_eq!(code(&dup), "Request_BadRequest");
    assert_eq!(dup.body["error"]["details"][0]["code"], "ObjectConflict");
    assert_eq!(
        dup.body["error"]["details"][0]["target"],
        "userPrincipalName"
    );

    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"userPrincipalName": "a@unverified.example"}),
            "domain portion",
        ),
        (
            json!({"userPrincipalName": "no-at-sign"}),
            "userPrincipalName",
        ),
        (
            json!({"userPrincipalName": "dot.@contoso.example"}),
            "userPrincipalName",
        ),
        (json!({"mailNickname": "naveen.mills,.jr."}), "mailNickname"),
        (
            json!({"passwordProfile": {"password": "short1A"}}),
            "complexity",
        ),
        (
            json!({"passwordProfile": {"password": "alllowercaseletters"}}),
            "complexity",
        ),
        (
            json!({"passwordProfile": {"password": "Password123!"}}),
            "complexity",
        ),
        (json!({"favouriteColour": "blue"}), "does not exist"),
        (json!({"displayName": "x".repeat(257)}), "displayName"),
        (json!({"employeeId": "E12345678901234567"}), "employeeId"),
        (json!({"accountEnabled": "yes"}), "accountEnabled"),
        (
            json!({"employeeHireDate": "next tuesday"}),
            "employeeHireDate",
        ),
    ];
    for (patch, expect) in cases {
        let mut body = new_user("valid.one@contoso.example");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = graph(&emu, &tok, "POST", "/users", Some(body)).await;
        assert_eq!(r.status, 400, "{patch}: {}", r.body);
        assert!(r.body.to_string().contains(expect), "{patch}: {}", r.body);
    }
    let mut missing = new_user("valid.two@contoso.example");
    missing.as_object_mut().unwrap().remove("passwordProfile");
    assert_eq!(
        graph(&emu, &tok, "POST", "/users", Some(missing))
            .await
            .status,
        400
    );
    // A user on the second verified domain is fine.
    assert_eq!(
        graph(
            &emu,
            &tok,
            "POST",
            "/users",
            Some(new_user("other@fabrikam.example"))
        )
        .await
        .status,
        201
    );
}

#[tokio::test(flavor = "current_thread")]
async fn patch_user_attributes_password_and_lifecycle() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let shane = user_id(&emu, SHANE);
    let r = graph(&emu, &tok, "PATCH", &format!("/users/{shane}"), Some(json!({"accountEnabled": false, "employeeLeaveDateTime": "2026-12-31T17:00:00Z", "employeeHireDate": "2020-01-01T00:00:00Z", "jobTitle": "Senior Account Manager"}))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let u = emu.user(&shane).unwrap();
    assert_eq!(u["accountEnabled"], false);
    assert_eq!(u["employeeLeaveDateTime"], "2026-12-31T17:00:00Z");
    let r = graph(&emu, &tok, "PATCH", &format!("/users/{shane}"), Some(json!({"passwordProfile": {"password": "N3w-Passphrase!", "forceChangePasswordNextSignIn": true}}))).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(emu.user_has_password(&shane, "N3w-Passphrase!"));
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{shane}"),
        Some(json!({"id": "x"})),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        graph(&emu, &tok, "DELETE", &format!("/users/{shane}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        graph(&emu, &tok, "GET", &format!("/users/{shane}"), None)
            .await
            .status,
        404
    );
}

/// Graph refuses `""` for user string properties on create and update;
/// `null` clears. Source: microsoftgraph/msgraph-sdk-dotnet#187 ("Cannot
/// set GivenName/Surname to string.empty": PATCH answers 400
/// Request_BadRequest "Invalid value specified for property 'givenName' of
/// resource 'User'.", which the maintainers confirm is the service's answer).
#[tokio::test(flavor = "current_thread")]
async fn empty_strings_are_refused_and_null_clears() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let shane = user_id(&emu, SHANE);
    for property in [
        "jobTitle",
        "department",
        "officeLocation",
        "givenName",
        "employeeType",
    ] {
        let r = graph(
            &emu,
            &tok,
            "PATCH",
            &format!("/users/{shane}"),
            Some(json!({ property: "" })),
        )
        .await;
        assert_eq!(r.status, 400, "{property}: {}", r.body);
        assert_eq!(code(&r), "Request_BadRequest");
        assert_eq!(
            r.body["error"]["message"],
            format!("Invalid value specified for property '{property}' of resource 'User'.")
        );
    }
    let mut body = new_user("empty.title@contoso.example");
    body["jobTitle"] = json!("");
    let r = graph(&emu, &tok, "POST", "/users", Some(body)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(emu.user("empty.title@contoso.example").is_none());
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{shane}"),
        Some(json!({"jobTitle": null})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(emu.user(&shane).unwrap()["jobTitle"], Value::Null);
}

/// usageLocation is "A two-letter country code (ISO standard 3166).
/// Required for users that are assigned licenses due to legal requirements
/// to check for availability of services in countries." (Graph v1.0 user
/// resource, learn.microsoft.com/graph/api/resources/user). A value outside
/// ISO 3166-1 alpha-2 is refused on create and on update.
#[tokio::test(flavor = "current_thread")]
async fn usage_location_must_be_iso_3166_alpha_2() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let shane = user_id(&emu, SHANE);
    for bad in ["UK", "USA", "us", "XX", "U1", ""] {
        let r = graph(
            &emu,
            &tok,
            "PATCH",
            &format!("/users/{shane}"),
            Some(json!({"usageLocation": bad})),
        )
        .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(
            r.body["error"]["message"],
            "Invalid value specified for property 'usageLocation' of resource 'User'."
        );
        let mut body = new_user("usage.location@contoso.example");
        body["usageLocation"] = json!(bad);
        let r = graph(&emu, &tok, "POST", "/users", Some(body)).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    for good in ["GB", "US", "DE"] {
        let r = graph(
            &emu,
            &tok,
            "PATCH",
            &format!("/users/{shane}"),
            Some(json!({"usageLocation": good})),
        )
        .await;
        assert_eq!(r.status, 204, "{good}: {}", r.body);
    }
    let mut body = new_user("usage.location@contoso.example");
    body["usageLocation"] = json!("GB");
    assert_eq!(
        graph(&emu, &tok, "POST", "/users", Some(body)).await.status,
        201
    );
}

/// Graph refuses AD-mastered properties of a synced user with its
/// on-premises-mastered message (Microsoft Q&A "Error updating user records
/// in Entra via Graph API", and the user resource's note that synced
/// properties are managed on-premises:
/// https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0),
/// while the cloud-mastered ones stay writable.
#[tokio::test(flavor = "current_thread")]
async fn synced_users_refuse_mastered_properties() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let joni = user_id(&emu, SYNCED_USER);
    for body in [
        json!({"jobTitle": "x"}),
        json!({"department": "Sales"}),
        json!({"passwordProfile": {"password": STRONG}}),
        json!({"usageLocation": "DE", "jobTitle": "x"}),
    ] {
        let r = graph(&emu, &tok, "PATCH", &format!("/users/{joni}"), Some(body)).await;
        assert_eq!(r.status, 400);
        assert_eq!(r.body["error"]["message"], "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.");
    }
    assert_eq!(emu.user(&joni).unwrap()["jobTitle"], "Controller");
    for body in [
        json!({"employeeLeaveDateTime": "2026-12-01T00:00:00Z"}),
        json!({"usageLocation": "DE"}),
        json!({"preferredLanguage": "de-DE"}),
    ] {
        let r = graph(&emu, &tok, "PATCH", &format!("/users/{joni}"), Some(body)).await;
        assert_eq!(r.status, 204, "{}", r.body);
    }
    assert_eq!(emu.user(&joni).unwrap()["usageLocation"], "DE");
}

/// Graph accepts `accountEnabled` on a synced user, but AD masters it
/// (Entra Connect derives it from `userAccountControl`), so the next sync
/// cycle writes AD's value back:
/// https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized
/// The `POST /_emulator/sync` control runs such a cycle; cloud-mastered
/// properties (usageLocation) survive it.
#[tokio::test(flavor = "current_thread")]
async fn a_sync_cycle_reverts_cloud_changes_to_ad_mastered_values() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let joni = user_id(&emu, SYNCED_USER);
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{joni}"),
        Some(json!({"accountEnabled": false, "usageLocation": "DE"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(emu.user(&joni).unwrap()["accountEnabled"], false);
    let sync = send(&emu, "POST", "/_emulator/sync", &[], Vec::new()).await;
    assert_eq!(sync.status, 200);
    assert_eq!(
        sync.body,
        json!({"reverted": [{"id": joni, "userPrincipalName": SYNCED_USER, "properties": ["accountEnabled"]}]})
    );
    let after = emu.user(&joni).unwrap();
    assert_eq!(after["accountEnabled"], true);
    assert_eq!(after["usageLocation"], "DE");
    // Nothing left to revert; cloud-only users are never touched.
    let again = send(&emu, "POST", "/_emulator/sync", &[], Vec::new()).await;
    assert_eq!(again.body, json!({"reverted": []}));
}

#[tokio::test(flavor = "current_thread")]
async fn privileged_targets_need_a_matching_role() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let reset =
        json!({"passwordProfile": {"password": STRONG, "forceChangePasswordNextSignIn": true}});
    // App holds User Administrator: may reset Helpdesk Admins, not Global Admins or role-assignable group members.
    for (upn, expected) in [
        (HELPDESK_ADMIN, 204),
        (GLOBAL_ADMIN, 403),
        (ROLE_GROUP_MEMBER, 403),
        ("adele.vance@contoso.example", 204),
    ] {
        let id = user_id(&emu, upn);
        let r = graph(
            &emu,
            &tok,
            "PATCH",
            &format!("/users/{id}"),
            Some(reset.clone()),
        )
        .await;
        assert_eq!(r.status, expected, "{upn}: {}", r.body);
        let r = graph(
            &emu,
            &tok,
            "PATCH",
            &format!("/users/{id}"),
            Some(json!({"accountEnabled": true})),
        )
        .await;
        assert_eq!(r.status, expected, "{upn}: {}", r.body);
        let r = graph(
            &emu,
            &tok,
            "POST",
            &format!("/users/{id}/authentication/temporaryAccessPassMethods"),
            Some(json!({"lifetimeInMinutes": 60})),
        )
        .await;
        assert_eq!(
            r.status,
            if expected == 204 { 201 } else { 403 },
            "{upn}: {}",
            r.body
        );
    }
    // jobTitle is not sensitive.
    let ga = user_id(&emu, GLOBAL_ADMIN);
    assert_eq!(
        graph(
            &emu,
            &tok,
            "PATCH",
            &format!("/users/{ga}"),
            Some(json!({"jobTitle": "CIO"}))
        )
        .await
        .status,
        204
    );
    assert_eq!(
        graph(&emu, &tok, "DELETE", &format!("/users/{ga}"), None)
            .await
            .status,
        403
    );
}

#[tokio::test(flavor = "current_thread")]
async fn password_reset_without_any_directory_role_is_denied() {
    let mut seed: Value = serde_json::from_str(include_str!("../seed/demo-tenant.json")).unwrap();
    let sp = seed["app"]["servicePrincipalId"].clone();
    for role in seed["directoryRoles"].as_array_mut().unwrap() {
        role["members"].as_array_mut().unwrap().retain(|m| *m != sp);
    }
    let emu = Emulator::from_seed_json(&seed.to_string()).unwrap();
    let tok = token(&emu).await;
    let adele = user_id(&emu, "adele.vance@contoso.example");
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{adele}"),
        Some(json!({"passwordProfile": {"password": STRONG}})),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        graph(
            &emu,
            &tok,
            "PATCH",
            &format!("/users/{adele}"),
            Some(json!({"accountEnabled": false}))
        )
        .await
        .status,
        204
    );
}

#[tokio::test(flavor = "current_thread")]
async fn memberships_casts_and_check_member_groups() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let henrietta = user_id(&emu, "henrietta.mueller@contoso.example");
    let direct = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{henrietta}/memberOf"),
        None,
    )
    .await;
    let names = |r: &Reply| {
        r.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["displayName"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    assert!(!names(&direct).contains(&"App - GitHub Enterprise".to_string()));
    let transitive = graph(
        &emu,
        &tok,
        "GET",
        &format!(
            "/users/{henrietta}/transitiveMemberOf/microsoft.graph.group?$select=id,displayName"
        ),
        None,
    )
    .await;
    assert_eq!(transitive.status, 200, "{}", transitive.body);
    assert!(names(&transitive).contains(&"App - GitHub Enterprise".to_string()));
    let lynne = user_id(&emu, HELPDESK_ADMIN);
    let roles = graph(&emu, &tok, "GET", &format!("/users/{lynne}/transitiveMemberOf/microsoft.graph.directoryRole?$select=id,displayName,roleTemplateId"), None).await;
    assert_eq!(
        roles.body["value"][0]["roleTemplateId"],
        "729827e3-9c14-49f7-bb1b-9608f156bbb8"
    );
    assert_eq!(roles.body["value"].as_array().unwrap().len(), 1);
    // A role reached through a role-assignable group.
    let priya = user_id(&emu, ROLE_GROUP_MEMBER);
    let roles = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{priya}/transitiveMemberOf/microsoft.graph.directoryRole"),
        None,
    )
    .await;
    assert_eq!(roles.body["value"].as_array().unwrap().len(), 1);
    let github = group_id(&emu, "App - GitHub Enterprise");
    let hr = group_id(&emu, "HR");
    let r = graph(
        &emu,
        &tok,
        "POST",
        &format!("/users/{henrietta}/checkMemberGroups"),
        Some(json!({"groupIds": [github, hr]})),
    )
    .await;
    assert_eq!(r.body["value"], json!([github]));
    let ids: Vec<String> = (0..21).map(|i| format!("{i}")).collect();
    assert_eq!(
        graph(
            &emu,
            &tok,
            "POST",
            &format!("/users/{henrietta}/checkMemberGroups"),
            Some(json!({"groupIds": ids}))
        )
        .await
        .status,
        400
    );
}

#[tokio::test(flavor = "current_thread")]
async fn revoke_sessions_and_temporary_access_pass() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let adele = user_id(&emu, "adele.vance@contoso.example");
    let r = graph(
        &emu,
        &tok,
        "POST",
        &format!("/users/{adele}/revokeSignInSessions"),
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["value"], true);
    assert!(emu.user(&adele).unwrap()["signInSessionsValidFromDateTime"].is_string());
    let path = format!("/users/{adele}/authentication/temporaryAccessPassMethods");
    let first = graph(
        &emu,
        &tok,
        "POST",
        &path,
        Some(json!({"lifetimeInMinutes": 60, "isUsableOnce": true})),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    for key in [
        "id",
        "temporaryAccessPass",
        "createdDateTime",
        "startDateTime",
        "lifetimeInMinutes",
        "isUsableOnce",
        "isUsable",
        "methodUsabilityReason",
    ] {
        assert!(!first.body[key].is_null(), "{key}");
    }
    let second = graph(
        &emu,
        &tok,
        "POST",
        &path,
        Some(json!({"lifetimeInMinutes": 120})),
    )
    .await;
    assert_ne!(first.body["id"], second.body["id"]);
    let list = graph(&emu, &tok, "GET", &path, None).await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["value"][0]["id"], second.body["id"]);
    assert!(list.body["value"][0]["temporaryAccessPass"].is_null());
    for bad in [
        json!({"lifetimeInMinutes": 5}),
        json!({"lifetimeInMinutes": 43201}),
        json!({"lifetimeInMinutes": 59}),
        json!({"lifetimeInMinutes": 481}),
        json!({"bogus": 1}),
    ] {
        assert_eq!(
            graph(&emu, &tok, "POST", &path, Some(bad)).await.status,
            400
        );
    }
    // The tenant policy switch.
    let mut seed: Value = serde_json::from_str(include_str!("../seed/demo-tenant.json")).unwrap();
    seed["tenant"]["temporaryAccessPassPolicy"]["state"] = json!("disabled");
    let off = Emulator::from_seed_json(&seed.to_string()).unwrap();
    let tok = token(&off).await;
    assert_eq!(
        graph(&off, &tok, "POST", &path, Some(json!({})))
            .await
            .status,
        400
    );
}

/// The Temporary Access Pass configuration of the authentication methods
/// policy, as Graph serves it:
/// https://learn.microsoft.com/en-us/graph/api/temporaryaccesspassauthenticationmethodconfiguration-get?view=graph-rest-1.0
/// (least application permission Policy.Read.AuthenticationMethod, per the
/// page and Microsoft's permission map).
#[tokio::test(flavor = "current_thread")]
async fn the_tap_policy_is_served_and_needs_the_policy_read_permission() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let path = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass";
    let r = graph(&emu, &tok, "GET", path, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["@odata.type"],
        "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration"
    );
    for (key, value) in [
        ("id", json!("TemporaryAccessPass")),
        ("state", json!("enabled")),
        ("minimumLifetimeInMinutes", json!(60)),
        ("maximumLifetimeInMinutes", json!(480)),
        ("defaultLifetimeInMinutes", json!(60)),
        ("isUsableOnce", json!(false)),
        ("defaultLength", json!(8)),
    ] {
        assert_eq!(r.body[key], value, "{key}");
    }
    let lower = graph(&emu, &tok, "GET", &path.to_ascii_lowercase(), None).await;
    assert_eq!(lower.status, 200, "the id is case-insensitive");
    // Without Policy.Read.AuthenticationMethod (or a broader policy read).
    let mut seed: Value = serde_json::from_str(include_str!("../seed/demo-tenant.json")).unwrap();
    let perms = seed["app"]["applicationPermissions"]
        .as_array_mut()
        .unwrap();
    perms.retain(|p| p != "Policy.Read.AuthenticationMethod");
    let bare = Emulator::from_seed_json(&seed.to_string()).unwrap();
    let tok = token(&bare).await;
    let r = graph(&bare, &tok, "GET", path, None).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "Authorization_RequestDenied");
}

/// Creating a pass outside the policy is a 400 naming the allowed range:
/// the lifetime must lie between the policy's minimum and maximum, and a
/// one-time-only policy refuses reusable passes
/// (https://learn.microsoft.com/en-us/entra/identity/authentication/howto-authentication-temporary-access-pass,
/// https://learn.microsoft.com/en-us/graph/api/authentication-post-temporaryaccesspassmethods?view=graph-rest-1.0).
/// Without a lifetime the policy's default applies.
#[tokio::test(flavor = "current_thread")]
async fn tap_creation_outside_the_policy_is_refused_with_400() {
    let mut seed: Value = serde_json::from_str(include_str!("../seed/demo-tenant.json")).unwrap();
    seed["tenant"]["temporaryAccessPassPolicy"] = json!({
        "state": "enabled", "minimumLifetimeInMinutes": 30, "maximumLifetimeInMinutes": 120,
        "defaultLifetimeInMinutes": 45, "isUsableOnce": true, "defaultLength": 12
    });
    let emu = Emulator::from_seed_json(&seed.to_string()).unwrap();
    let tok = token(&emu).await;
    let adele = user_id(&emu, "adele.vance@contoso.example");
    let path = format!("/users/{adele}/authentication/temporaryAccessPassMethods");
    let r = graph(
        &emu,
        &tok,
        "POST",
        &path,
        Some(json!({"lifetimeInMinutes": 480, "isUsableOnce": true})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("between 30 and 120"), "{message}");
    let r = graph(
        &emu,
        &tok,
        "POST",
        &path,
        Some(json!({"lifetimeInMinutes": 60, "isUsableOnce": false})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("isUsableOnce"));
    let r = graph(&emu, &tok, "POST", &path, Some(json!({}))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["lifetimeInMinutes"], 45);
    assert_eq!(r.body["isUsableOnce"], true);
    assert_eq!(
        r.body["temporaryAccessPass"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        12
    );
}

// ---------- users: addresses and guests ----------

const JORDAN_UPN: &str = "e1051@contoso.example";
const GUEST_UPN: &str = "avery.kim_northwind.example#EXT#@contosodemo.onmicrosoft.com";

async fn filter_ids(emu: &Emulator, tok: &str, filter: &str, extra: &[(&str, &str)]) -> Reply {
    graph_h(
        emu,
        tok,
        "GET",
        &format!(
            "/users?$filter={}&$select=id,userPrincipalName",
            enc(filter)
        ),
        None,
        extra,
    )
    .await
}

fn upns(r: &Reply) -> Vec<String> {
    r.body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["userPrincipalName"].as_str().map(str::to_string))
        .collect()
}

/// `mail` and `proxyAddresses` (with `any` and `eq`, or `startsWith` inside
/// the lambda) filter by default, `or` joins the clauses, and strings compare
/// case-insensitively, so `smtp:` finds the primary `SMTP:` address too.
/// Learn: <https://learn.microsoft.com/en-us/graph/aad-advanced-queries>
/// ("Support for filter by properties": mail eq, proxyAddresses eq and
/// startsWith work by default) and the lambda syntax on
/// <https://learn.microsoft.com/en-us/graph/filter-query-parameter>.
#[tokio::test(flavor = "current_thread")]
async fn users_filter_by_mail_and_proxy_addresses() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let jordan = vec![JORDAN_UPN.to_string()];
    for filter in [
        "mail eq 'jordan.lee@contoso.example'",
        "mail eq 'Jordan.Lee@Contoso.Example'",
        "proxyAddresses/any(p:p eq 'smtp:jlee@contoso.example')",
        "proxyAddresses/any(p:p eq 'smtp:jordan.lee@contoso.example')",
        "proxyAddresses/any(p:startswith(p,'smtp:jlee@'))",
        "userPrincipalName eq 'jlee@contoso.example' or mail eq 'jlee@contoso.example' or proxyAddresses/any(p:p eq 'smtp:jlee@contoso.example')",
    ] {
        let r = filter_ids(&emu, &tok, filter, &[]).await;
        assert_eq!(r.status, 200, "{filter}: {}", r.body);
        assert_eq!(upns(&r), jordan, "{filter}");
    }
    let r = filter_ids(&emu, &tok, "mail eq 'avery.kim@northwind.example'", &[]).await;
    assert_eq!(upns(&r), vec![GUEST_UPN.to_string()]);
    let r = filter_ids(
        &emu,
        &tok,
        "userPrincipalName eq 'jordan.lee@contoso.example'",
        &[],
    )
    .await;
    assert!(upns(&r).is_empty(), "the UPN is not the mail: {}", r.body);
}

/// Graph refuses what its index cannot answer: a collection compared
/// without `any`, `endsWith` inside the lambda without `ConsistencyLevel:
/// eventual` and `$count=true` (the page's "Use of $filter on a collection
/// with endsWith operator"), `in` on a collection.
/// Learn: <https://learn.microsoft.com/en-us/graph/aad-advanced-queries>.
#[tokio::test(flavor = "current_thread")]
async fn users_filter_on_proxy_addresses_refuses_what_graph_refuses() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    for filter in [
        "proxyAddresses eq 'smtp:jlee@contoso.example'",
        "proxyAddresses in ('smtp:jlee@contoso.example')",
        "proxyAddresses/any(p:endswith(p,'@northwind.example'))",
        "proxyAddresses/any(p:q eq 'smtp:jlee@contoso.example')",
    ] {
        let r = filter_ids(&emu, &tok, filter, &[]).await;
        assert_eq!(r.status, 400, "{filter}: {}", r.body);
        assert!(
            ["BadRequest", "Request_UnsupportedQuery"].contains(&code(&r)),
            "{filter}: {}",
            r.body
        );
    }
    let r = graph_h(
        &emu,
        &tok,
        "GET",
        &format!(
            "/users?$filter={}&$count=true&$select=userPrincipalName",
            enc("proxyAddresses/any(p:endswith(p,'@northwind.example'))")
        ),
        None,
        &[("ConsistencyLevel", "eventual")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(upns(&r), vec![GUEST_UPN.to_string()]);
}

/// A B2B guest: `#EXT#` UPN at the initial domain, `userType` Guest,
/// `creationType` Invitation, mail at the partner's domain; addressed by
/// UPN only with `#` percent-encoded (a raw `#` starts the URL fragment).
/// Learn: <https://learn.microsoft.com/en-us/entra/external-id/user-properties>
/// and <https://learn.microsoft.com/en-us/graph/api/user-get?view=graph-rest-1.0>.
#[tokio::test(flavor = "current_thread")]
async fn guest_user_shape_and_encoded_upn_path() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let path = format!(
        "/users/{}?$select=id,userType,creationType,externalUserState,mail,proxyAddresses,userPrincipalName",
        enc(GUEST_UPN)
    );
    assert!(path.contains("%23EXT%23"));
    let r = graph(&emu, &tok, "GET", &path, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["userPrincipalName"], GUEST_UPN);
    assert_eq!(r.body["userType"], "Guest");
    assert_eq!(r.body["creationType"], "Invitation");
    assert_eq!(r.body["externalUserState"], "Accepted");
    assert_eq!(r.body["mail"], "avery.kim@northwind.example");
    assert_eq!(
        r.body["proxyAddresses"],
        json!(["SMTP:avery.kim@northwind.example"])
    );
    // Without the encoding the path ends at '#': only the local part is left.
    let cut = GUEST_UPN.split('#').next().unwrap();
    let r = graph(&emu, &tok, "GET", &format!("/users/{cut}"), None).await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(code(&r), "Request_ResourceNotFound");
}

/// Writing `mail` adds it to proxyAddresses as the primary `SMTP:` address;
/// an address another user already holds is refused (`ObjectConflict` on
/// proxyAddresses), and proxyAddresses itself is read-only.
/// Learn: `mail` and `proxyAddresses` on
/// <https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0>.
#[tokio::test(flavor = "current_thread")]
async fn mail_writes_keep_proxy_addresses_unique() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let adele = user_id(&emu, "adele.vance@contoso.example");
    let path = format!("/users/{adele}");
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &path,
        Some(json!({"mail": "jlee@contoso.example"})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["code"], "ObjectConflict");
    assert_eq!(r.body["error"]["details"][0]["target"], "proxyAddresses");
    let mut created = new_user("new.starter@contoso.example");
    created["mail"] = json!("Jordan.Lee@contoso.example");
    let r = graph(&emu, &tok, "POST", "/users", Some(created)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["target"], "proxyAddresses");
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &path,
        Some(json!({"proxyAddresses": ["smtp:adele@contoso.example"]})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &path,
        Some(json!({"mail": "a.vance@contoso.example"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        emu.user(&adele).unwrap()["proxyAddresses"],
        json!(["SMTP:a.vance@contoso.example"])
    );
    let r = filter_ids(
        &emu,
        &tok,
        "proxyAddresses/any(p:p eq 'smtp:a.vance@contoso.example')",
        &[],
    )
    .await;
    assert_eq!(upns(&r), vec!["adele.vance@contoso.example".to_string()]);
}

// ---------- groups ----------

#[tokio::test(flavor = "current_thread")]
async fn group_reads_and_filters() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let r = graph(
        &emu,
        &tok,
        "GET",
        &format!("/groups?$filter={}", enc("displayName eq 'Sales Team'")),
        None,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let r = graph(
        &emu,
        &tok,
        "GET",
        &format!(
            "/groups?$filter={}",
            enc("groupTypes/any(c:c eq 'Unified')")
        ),
        None,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 2, "{}", r.body);
    let r = graph(
        &emu,
        &tok,
        "GET",
        &format!(
            "/groups?$filter={}",
            enc("startswith(displayName,'App - ') and securityEnabled eq true")
        ),
        None,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 3);
    let gid = group_id(&emu, "HR");
    let r = graph(
        &emu,
        &tok,
        "GET",
        &format!("/groups/{gid}/members?$select=id,userPrincipalName"),
        None,
    )
    .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 7);
    assert_eq!(r.body["value"][0]["@odata.type"], "#microsoft.graph.user");
}

#[tokio::test(flavor = "current_thread")]
async fn group_membership_writes_and_refusals() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let adele = user_id(&emu, "adele.vance@contoso.example");
    let reference =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{adele}")});
    let hr = group_id(&emu, "HR");
    let add = |g: String| format!("/groups/{g}/members/$ref");
    assert_eq!(
        graph(
            &emu,
            &tok,
            "POST",
            &add(hr.clone()),
            Some(reference.clone())
        )
        .await
        .status,
        204
    );
    assert!(emu.group_member_ids(&hr).contains(&adele));
    let again = graph(
        &emu,
        &tok,
        "POST",
        &add(hr.clone()),
        Some(reference.clone()),
    )
    .await;
    assert_eq!(again.status, 400);
    assert_eq!(again.body["error"]["message"], "One or more added object references already exist for the following modified properties: 'members'.");
    let ghost = graph(&emu, &tok, "POST", &add(hr.clone()), Some(json!({"@odata.id": "https://graph.microsoft.com/v1.0/users/00000000-0000-4000-8000-000000000000"}))).await;
    assert_eq!(ghost.status, 404);
    assert_eq!(
        graph(
            &emu,
            &tok,
            "DELETE",
            &format!("/groups/{hr}/members/{adele}/$ref"),
            None
        )
        .await
        .status,
        204
    );
    let gone = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/groups/{hr}/members/{adele}/$ref"),
        None,
    )
    .await;
    assert_eq!(gone.status, 404);
    assert_eq!(code(&gone), "Request_ResourceNotFound");

    let refusal = |name: &str| group_id(&emu, name);
    let r = graph(
        &emu,
        &tok,
        "POST",
        &add(refusal("Dynamic - Engineering Contractors")),
        Some(reference.clone()),
    )
    .await;
    assert_eq!((r.status, code(&r)), (403, "Authorization_RequestDenied"));
    for name in ["Security Alerts", "Contoso Newsletter"] {
        let r = graph(
            &emu,
            &tok,
            "POST",
            &add(refusal(name)),
            Some(reference.clone()),
        )
        .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.body["error"]["message"],
            "Cannot Update a mail-enabled security groups and or distribution list."
        );
    }
    let r = graph(
        &emu,
        &tok,
        "POST",
        &add(refusal("Finance Approvers (AD)")),
        Some(reference.clone()),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("on-premises mastered"));
    let r = graph(
        &emu,
        &tok,
        "POST",
        &add(refusal("Privileged Support Staff")),
        Some(reference.clone()),
    )
    .await;
    assert_eq!(r.status, 403);
    // With RoleManagement.ReadWrite.Directory the role-assignable group accepts members.
    let strong = seed_with_permissions(&[
        "GroupMember.ReadWrite.All",
        "RoleManagement.ReadWrite.Directory",
    ]);
    let stok = token(&strong).await;
    let r = graph(
        &strong,
        &stok,
        "POST",
        &add(group_id(&strong, "Privileged Support Staff")),
        Some(reference.clone()),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
}

#[tokio::test(flavor = "current_thread")]
async fn patch_group_members_bind_is_all_or_nothing() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let hr = group_id(&emu, "HR");
    let before = emu.group_member_ids(&hr).len();
    let url = |id: &str| format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}");
    let a = user_id(&emu, "adele.vance@contoso.example");
    let b = user_id(&emu, "diego.siciliani@contoso.example");
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/groups/{hr}"),
        Some(json!({"members@odata.bind": [url(&a), url("00000000-0000-4000-8000-000000000000")]})),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(emu.group_member_ids(&hr).len(), before);
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/groups/{hr}"),
        Some(json!({"members@odata.bind": [url(&a), url(&b)]})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(emu.group_member_ids(&hr).len(), before + 2);
    let many: Vec<String> = (0..21).map(|_| url(&a)).collect();
    assert_eq!(
        graph(
            &emu,
            &tok,
            "PATCH",
            &format!("/groups/{hr}"),
            Some(json!({"members@odata.bind": many}))
        )
        .await
        .status,
        400
    );
}

// ---------- directory ----------

#[tokio::test(flavor = "current_thread")]
async fn organization_roles_and_assignments() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let org = graph(&emu, &tok, "GET", "/organization", None).await;
    let domains = org.body["value"][0]["verifiedDomains"].as_array().unwrap();
    assert!(domains
        .iter()
        .any(|d| d["name"] == "contoso.example" && d["isDefault"] == true));
    let roles = graph(&emu, &tok, "GET", "/directoryRoles", None).await;
    let ga = roles.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["displayName"] == "Global Administrator")
        .unwrap()
        .clone();
    assert_eq!(ga["roleTemplateId"], "62e90394-69f5-4237-9190-012177145e10");
    let members = graph(
        &emu,
        &tok,
        "GET",
        &format!("/directoryRoles/{}/members", ga["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(members.body["value"][0]["userPrincipalName"], GLOBAL_ADMIN);
    let isaiah = user_id(&emu, GLOBAL_ADMIN);
    let r = graph(
        &emu,
        &tok,
        "GET",
        &format!(
            "/roleManagement/directory/roleAssignments?$filter={}",
            enc(&format!("principalId eq '{isaiah}'"))
        ),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let a = &r.body["value"][0];
    assert_eq!(
        a["roleDefinitionId"],
        "62e90394-69f5-4237-9190-012177145e10"
    );
    assert_eq!(a["directoryScopeId"], "/");
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
}

// ---------- batch ----------

#[tokio::test(flavor = "current_thread")]
async fn batch_runs_items_with_dependencies_and_logs_each() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.clear_log();
    let hr = group_id(&emu, "HR");
    let body = json!({"requests": [
        {"id": "1", "method": "POST", "url": "/users", "headers": {"Content-Type": "application/json"}, "body": new_user("batch.user@contoso.example")},
        {"id": "2", "method": "GET", "url": "/users/nobody@contoso.example", "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/users?$top=1", "dependsOn": ["2"]},
        {"id": "4", "method": "GET", "url": format!("/groups/{hr}?$select=displayName"), "dependsOn": ["1"]}
    ]});
    let r = graph(&emu, &tok, "POST", "/$batch", Some(body)).await;
    assert_eq!(r.status, 200);
    let responses = r.body["responses"].as_array().unwrap();
    let status = |id: &str| {
        responses.iter().find(|x| x["id"] == id).unwrap()["status"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (status("1"), status("2"), status("3"), status("4")),
        (201, 404, 424, 200)
    );
    let log = emu.request_log();
    let parent = log.iter().find(|e| e.kind == RequestKind::Graph).unwrap();
    let items: Vec<_> = log
        .iter()
        .filter(|e| e.kind == RequestKind::BatchItem)
        .collect();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|i| i.batch_parent_seq == Some(parent.seq)));
    let create = items.iter().find(|i| i.method == "POST").unwrap();
    assert_eq!(
        create.body.as_ref().unwrap()["passwordProfile"]["password"],
        "[REDACTED]"
    );
    assert!(!serde_json::to_string(&log).unwrap().contains(STRONG));
    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/users"}))
        .collect();
    assert_eq!(
        graph(
            &emu,
            &tok,
            "POST",
            "/$batch",
            Some(json!({"requests": too_many}))
        )
        .await
        .status,
        400
    );
}

/// Graph runs the independent requests of a batch in no promised order and a
/// request with `dependsOn` only after the ones it names succeeded; a failed
/// dependency answers 424 Failed Dependency
/// (https://learn.microsoft.com/en-us/graph/json-batching#sequencing-requests-with-the-dependson-property).
/// The emulator runs independent items out of request order, so a caller that
/// needs an order must say so.
#[tokio::test(flavor = "current_thread")]
async fn batch_runs_independent_items_out_of_order_and_dependants_after() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let user = format!("/users/{SHANE}");
    let set = |id: &str, title: &str, deps: &[&str]| {
        let mut item = json!({"id": id, "method": "PATCH", "url": user, "headers": {"Content-Type": "application/json"}, "body": {"jobTitle": title}});
        if !deps.is_empty() {
            item["dependsOn"] = json!(deps);
        }
        item
    };
    let read = format!("{user}?$select=jobTitle");
    // Independent: the later request in the array does not run last.
    emu.clear_log();
    let r = graph(
        &emu,
        &tok,
        "POST",
        "/$batch",
        Some(json!({"requests": [set("1", "First", &[]), set("2", "Second", &[])]})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        graph(&emu, &tok, "GET", &read, None).await.body["jobTitle"],
        "First"
    );
    let ran: Vec<_> = emu
        .request_log()
        .into_iter()
        .filter(|e| e.kind == RequestKind::BatchItem)
        .map(|e| e.body.unwrap()["jobTitle"].clone())
        .collect();
    assert_eq!(ran, vec![json!("Second"), json!("First")]);
    // With dependsOn the order is the one asked for.
    let r = graph(
        &emu,
        &tok,
        "POST",
        "/$batch",
        Some(json!({"requests": [set("1", "First", &[]), set("2", "Second", &["1"])]})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        graph(&emu, &tok, "GET", &read, None).await.body["jobTitle"],
        "Second"
    );
    // A chain: 3 after 2 after 1; 1 fails, so 2 and 3 answer 424 and nothing changes.
    let bad = json!({"id": "1", "method": "PATCH", "url": "/users/nobody@contoso.example", "headers": {"Content-Type": "application/json"}, "body": {"jobTitle": "X"}});
    let r = graph(
        &emu,
        &tok,
        "POST",
        "/$batch",
        Some(json!({"requests": [bad, set("2", "Third", &["1"]), set("3", "Fourth", &["2"])]})),
    )
    .await;
    let status = |id: &str| {
        r.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()["status"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((status("1"), status("2"), status("3")), (404, 424, 424));
    assert_eq!(
        graph(&emu, &tok, "GET", &read, None).await.body["jobTitle"],
        "Second"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn batch_items_are_throttled_with_fractional_retry_after() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(Faults {
        throttle: Some(ThrottleFault {
            requests_per_second: 2,
            retry_after_seconds: 1.5,
        }),
        ..Faults::default()
    });
    let requests: Vec<Value> = (0..5)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/organization"}))
        .collect();
    let r = graph(
        &emu,
        &tok,
        "POST",
        "/$batch",
        Some(json!({"requests": requests})),
    )
    .await;
    let throttled: Vec<&Value> = r.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] == 429)
        .collect();
    assert_eq!(throttled.len(), 3, "{}", r.body);
    assert_eq!(throttled[0]["headers"]["Retry-After"], "1.5");
    // Items authorized individually.
    let limited = seed_with_permissions(&["User.Read.All"]);
    let ltok = token(&limited).await;
    let r = graph(&limited, &ltok, "POST", "/$batch", Some(json!({"requests": [{"id": "a", "method": "GET", "url": "/users?$top=1"}, {"id": "b", "method": "POST", "url": "/users", "body": new_user("q@contoso.example")}]}))).await;
    let by = |id: &str| {
        r.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!((by("a"), by("b")), (json!(200), json!(403)));
}

// ---------- envelope, faults, log, reset ----------

#[tokio::test(flavor = "current_thread")]
async fn error_envelope_and_request_ids() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let r = graph_h(
        &emu,
        &tok,
        "GET",
        "/users/nobody@contoso.example",
        None,
        &[("client-request-id", "c0ffee00-0000-4000-8000-000000000001")],
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.headers["client-request-id"],
        "c0ffee00-0000-4000-8000-000000000001"
    );
    let request_id = r.headers["request-id"].to_str().unwrap();
    let inner = &r.body["error"]["innerError"];
    assert_eq!(
        inner["client-request-id"],
        "c0ffee00-0000-4000-8000-000000000001"
    );
    assert_eq!(inner["request-id"], request_id);
    assert!(inner["date"].is_string());
    assert!(r.body["error"]["message"].is_string());
    let ok = graph(&emu, &tok, "GET", "/organization", None).await;
    assert!(ok.headers.contains_key("request-id"));
    assert_eq!(emu.request_log().last().unwrap().client_request_id, None);
}

/// Graph answers a path segment it cannot route with 400 `BadRequest`
/// "Resource not found for the segment '…'.", not 404: see the responses
/// quoted in microsoftgraph/microsoft-graph-docs#21648 (`BadRequest`,
/// "Resource not found for the segment 'deviceStatuses'.") and #4052 (a 400
/// naming the segment 'contacts'), and Learn's error page, where 400 is a
/// request that "is malformed or incorrect"
/// (<https://learn.microsoft.com/en-us/graph/errors>).
#[tokio::test(flavor = "current_thread")]
async fn unknown_segments_are_400_bad_request_naming_the_segment() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    for (path, segment) in [
        ("/contacts", "contacts"),
        ("/users/nobody/calendars", "calendars"),
        ("/groups/x/owners/y/z", "z"),
    ] {
        let r = graph(&emu, &tok, "GET", path, None).await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert_eq!(code(&r), "BadRequest", "{path}");
        assert_eq!(
            r.body["error"]["message"],
            format!("Resource not found for the segment '{segment}'."),
            "{path}"
        );
        assert!(r.body["error"]["innerError"]["request-id"].is_string());
    }
}

/// A userPrincipalName starting with `$` is addressed as `users('$…')`
/// (Learn, "Get a user", user-get: "If the userPrincipalName begins with a
/// `$` character, remove the slash (/) after `/users` and enclose the
/// userPrincipalName in parentheses and single quotes"); a missing one is
/// then an ordinary 404 `Request_ResourceNotFound`.
/// <https://learn.microsoft.com/en-us/graph/api/user-get?view=graph-rest-1.0>
#[tokio::test(flavor = "current_thread")]
async fn users_key_form_addresses_dollar_upns() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let missing = graph(&emu, &tok, "GET", "/users('%24x%40contoso.example')", None).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    assert_eq!(code(&missing), "Request_ResourceNotFound");
    let quoted = graph(
        &emu,
        &tok,
        "GET",
        "/users('shane.o''neil%40contoso.example')?$select=id",
        None,
    )
    .await;
    assert_eq!(quoted.status, 200, "{}", quoted.body);
    assert_eq!(quoted.body["id"], user_id(&emu, SHANE));
}

/// `members/microsoft.graph.group` lists only the groups nested in a group
/// (Learn, "List group members": an OData cast returns members of one type,
/// <https://learn.microsoft.com/en-us/graph/api/group-list-members?view=graph-rest-1.0>).
#[tokio::test(flavor = "current_thread")]
async fn group_members_cast_to_groups_lists_nested_groups() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let github = group_id(&emu, "App - GitHub Enterprise");
    let r = graph(
        &emu,
        &tok,
        "GET",
        &format!("/groups/{github}/members/microsoft.graph.group?$select=id,displayName"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["value"][0]["displayName"], "Engineering");
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    let engineering = group_id(&emu, "Engineering");
    let users = graph(
        &emu,
        &tok,
        "GET",
        &format!("/groups/{engineering}/members/microsoft.graph.group"),
        None,
    )
    .await;
    assert_eq!(
        users.body["value"],
        json!([]),
        "only users are in Engineering"
    );
}

/// The `refuse` fault answers matching calls with the scheduled Graph error
/// (status, code, message, details target) and then stops.
#[tokio::test(flavor = "current_thread")]
async fn scheduled_refusals_carry_graphs_envelope() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(Faults {
        refuse: Some(RefuseFault {
            count: 1,
            status: 409,
            code: "Request_MultipleObjectsWithSameKeyValue".into(),
            message: "An object with the same key already exists.".into(),
            target: Some("mailNickname".into()),
            method: Some("PATCH".into()),
            path_prefix: Some("/v1.0/users".into()),
        }),
        ..Faults::default()
    });
    let adele = "/users/adele.vance@contoso.example";
    assert_eq!(graph(&emu, &tok, "GET", adele, None).await.status, 200);
    let body = json!({"jobTitle": "Lead"});
    let r = graph(&emu, &tok, "PATCH", adele, Some(body.clone())).await;
    assert_eq!(r.status, 409);
    assert_eq!(code(&r), "Request_MultipleObjectsWithSameKeyValue");
    assert_eq!(r.body["error"]["details"][0]["target"], "mailNickname");
    assert!(r.body["error"]["innerError"]["request-id"].is_string());
    let again = graph(&emu, &tok, "PATCH", adele, Some(body)).await;
    assert_eq!(again.status, 204, "the refusal was used up");
}

#[tokio::test(flavor = "current_thread")]
async fn scheduled_unavailable_and_dropped_connections() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(Faults {
        unavailable: Some(UnavailableFault {
            count: 2,
            retry_after_seconds: Some(2.0),
            method: Some("POST".into()),
            path_prefix: Some("/v1.0/users".into()),
        }),
        ..Faults::default()
    });
    assert_eq!(
        graph(&emu, &tok, "GET", "/users?$top=1", None).await.status,
        200
    );
    for _ in 0..2 {
        let r = graph(
            &emu,
            &tok,
            "POST",
            "/users",
            Some(new_user("z@contoso.example")),
        )
        .await;
        assert_eq!(r.status, 503);
        assert_eq!(r.headers["retry-after"], "2");
    }
    assert_eq!(
        graph(
            &emu,
            &tok,
            "POST",
            "/users",
            Some(new_user("z@contoso.example"))
        )
        .await
        .status,
        201
    );
    emu.set_faults(Faults {
        drop_connections: 1,
        ..Faults::default()
    });
    let r = graph(&emu, &tok, "GET", "/organization", None).await;
    assert_eq!(r.status, 599);
    assert_eq!(r.headers["x-emulator-dropped"], "1");
    assert_eq!(
        graph(&emu, &tok, "GET", "/organization", None).await.status,
        200
    );
    emu.set_faults(Faults {
        throttle: Some(ThrottleFault {
            requests_per_second: 1,
            retry_after_seconds: 0.5,
        }),
        ..Faults::default()
    });
    emu.advance_time(1000);
    assert_eq!(
        graph(&emu, &tok, "GET", "/organization", None).await.status,
        200
    );
    let r = graph(&emu, &tok, "GET", "/organization", None).await;
    assert_eq!(
        (r.status, r.headers["retry-after"].to_str().unwrap()),
        (429, "0.5")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn replication_delay_hides_new_objects_until_the_clock_moves() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(Faults {
        replication_delay_ms: 30_000,
        ..Faults::default()
    });
    let created = graph(
        &emu,
        &tok,
        "POST",
        "/users",
        Some(new_user("late.replica@contoso.example")),
    )
    .await;
    assert_eq!(created.status, 201);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        graph(&emu, &tok, "GET", &format!("/users/{id}"), None)
            .await
            .status,
        404
    );
    let hr = group_id(&emu, "HR");
    let reference =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}")});
    assert_eq!(
        graph(
            &emu,
            &tok,
            "POST",
            &format!("/groups/{hr}/members/$ref"),
            Some(reference.clone())
        )
        .await
        .status,
        404
    );
    emu.advance_time(30_001);
    assert_eq!(
        graph(&emu, &tok, "GET", &format!("/users/{id}"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        graph(
            &emu,
            &tok,
            "POST",
            &format!("/groups/{hr}/members/$ref"),
            Some(reference)
        )
        .await
        .status,
        204
    );
}

#[tokio::test(flavor = "current_thread")]
async fn log_redacts_secrets_and_control_endpoints_work() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let adele = user_id(&emu, "adele.vance@contoso.example");
    graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{adele}"),
        Some(json!({"passwordProfile": {"password": STRONG}})),
    )
    .await;
    let tap = graph(
        &emu,
        &tok,
        "POST",
        &format!("/users/{adele}/authentication/temporaryAccessPassMethods"),
        Some(json!({})),
    )
    .await;
    let pass = tap.body["temporaryAccessPass"]
        .as_str()
        .unwrap()
        .to_string();
    let log = send(&emu, "GET", "/_emulator/log", &[], vec![]).await;
    let text = log.body.to_string();
    assert!(!text.contains(STRONG));
    assert!(!text.contains(&pass));
    assert!(!text.contains(&emu.credentials().client_secret));
    assert!(!text.contains(&tok));
    let kinds: Vec<&str> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["token", "graph", "graph"]);
    assert_eq!(
        log.body[1]["body"]["passwordProfile"]["password"],
        "[REDACTED]"
    );

    let faults = send(
        &emu,
        "POST",
        "/_emulator/faults",
        &[],
        br#"{"throttle":{"requestsPerSecond":5,"retryAfterSeconds":1.5},"replicationDelayMs":100}"#
            .to_vec(),
    )
    .await;
    assert_eq!(faults.status, 200);
    assert_eq!(
        send(&emu, "GET", "/_emulator/faults", &[], vec![])
            .await
            .body["replicationDelayMs"],
        100
    );
    send(&emu, "DELETE", "/_emulator/faults", &[], vec![]).await;
    assert_eq!(emu.faults(), Faults::default());
    let before = emu.now_ms();
    let t = send(
        &emu,
        "POST",
        "/_emulator/time",
        &[],
        br#"{"advanceMs":60000}"#.to_vec(),
    )
    .await;
    assert!(t.body["nowMs"].as_u64().unwrap() >= before + 60_000);
    let summary = send(&emu, "GET", "/_emulator/tenant", &[], vec![]).await;
    assert_eq!(summary.body["users"].as_array().unwrap().len(), 52);
    assert!(summary.body["groups"][0]["memberIds"].is_array());
    assert_eq!(
        send(&emu, "DELETE", "/_emulator/log", &[], vec![])
            .await
            .status,
        200
    );
    assert!(emu.request_log().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn reset_restores_the_seed() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    graph(
        &emu,
        &tok,
        "POST",
        "/users",
        Some(new_user("temp@contoso.example")),
    )
    .await;
    emu.set_faults(Faults {
        drop_connections: 3,
        ..Faults::default()
    });
    let r = send(&emu, "POST", "/_emulator/reset", &[], vec![]).await;
    assert_eq!(r.status, 200);
    assert!(emu.user("temp@contoso.example").is_none());
    assert!(emu.request_log().is_empty());
    assert_eq!(emu.faults(), Faults::default());
}

#[tokio::test(flavor = "current_thread")]
async fn seeds_are_validated() {
    assert!(Emulator::from_seed_json("{").is_err());
    let mut seed: Value = serde_json::from_str(include_str!("../seed/demo-tenant.json")).unwrap();
    seed["users"][0]["inventedProperty"] = json!(1);
    assert!(Emulator::from_seed_json(&seed.to_string()).is_err());
}

// ---------- a leaver's hand-over: direct reports and owned groups ----------

/// "List directReports" (the users whose manager is the user) and "List
/// ownedObjects" (the directory objects the user owns), each with its OData
/// cast:
/// <https://learn.microsoft.com/en-us/graph/api/user-list-directreports?view=graph-rest-1.0>,
/// <https://learn.microsoft.com/en-us/graph/api/user-list-ownedobjects?view=graph-rest-1.0>.
#[tokio::test(flavor = "current_thread")]
async fn direct_reports_follow_the_manager_and_owned_objects_the_owners() {
    let mut seed: Value = serde_json::from_str(include_str!("../seed/demo-tenant.json")).unwrap();
    let johanna = seed["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userPrincipalName"] == "johanna.lorenz@contoso.example")
        .unwrap()["id"]
        .clone();
    for g in seed["groups"].as_array_mut().unwrap() {
        if g["displayName"] == "Engineering" {
            g["owners"] = json!([johanna]);
        }
    }
    let emu = Emulator::from_seed_json(&seed.to_string()).unwrap();
    let tok = token(&emu).await;
    let j = johanna.as_str().unwrap();
    let reports = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{j}/directReports/microsoft.graph.user?$select=id,userPrincipalName"),
        None,
    )
    .await;
    assert_eq!(reports.status, 200, "{}", reports.body);
    let upns: Vec<&str> = reports.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["userPrincipalName"].as_str())
        .collect();
    assert_eq!(upns.len(), 9);
    assert!(upns.contains(&"emily.braun@contoso.example"));
    assert_eq!(
        reports.body["value"][0]["@odata.type"],
        "#microsoft.graph.user"
    );
    // A new manager moves the report.
    let emily = user_id(&emu, "emily.braun@contoso.example");
    let megan = user_id(&emu, "megan.bowen@contoso.example");
    let moved = graph(
        &emu,
        &tok,
        "PUT",
        &format!("/users/{emily}/manager/$ref"),
        Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{megan}")})),
    )
    .await;
    assert_eq!(moved.status, 204, "{}", moved.body);
    let after = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{j}/directReports"),
        None,
    )
    .await;
    assert_eq!(after.body["value"].as_array().unwrap().len(), 8);

    let owned = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{j}/ownedObjects/microsoft.graph.group?$select=id,displayName"),
        None,
    )
    .await;
    assert_eq!(owned.status, 200, "{}", owned.body);
    assert_eq!(owned.body["value"][0]["displayName"], "Engineering");
    assert_eq!(owned.body["value"].as_array().unwrap().len(), 1);
    // Another cast keeps nothing; an unknown segment is refused.
    let users = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{j}/ownedObjects/microsoft.graph.user"),
        None,
    )
    .await;
    assert_eq!(users.body["value"], json!([]));
    let bad = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{j}/ownedObjects/whatever"),
        None,
    )
    .await;
    assert!(bad.status >= 400, "{}", bad.body);
}

/// "Add owners" and "Remove group owner": owners are added by reference,
/// an existing owner is refused like an existing member, and "once owners
/// are assigned to a group, the last owner (a user object) of the group
/// cannot be removed":
/// <https://learn.microsoft.com/en-us/graph/api/group-post-owners?view=graph-rest-1.0>,
/// <https://learn.microsoft.com/en-us/graph/api/group-delete-owners?view=graph-rest-1.0>.
/// Both need `Group.ReadWrite.All` (or `Directory.ReadWrite.All`).
#[tokio::test(flavor = "current_thread")]
async fn owners_are_added_and_removed_but_never_the_last_one() {
    let emu = seed_with_permissions(&["Group.ReadWrite.All", "User.Read.All"]);
    let tok = token(&emu).await;
    let group = group_id(&emu, "Engineering");
    let (johanna, emily) = (
        user_id(&emu, "johanna.lorenz@contoso.example"),
        user_id(&emu, "emily.braun@contoso.example"),
    );
    let add =
        |who: String| json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{who}")});
    let first = graph(
        &emu,
        &tok,
        "POST",
        &format!("/groups/{group}/owners/$ref"),
        Some(add(johanna.clone())),
    )
    .await;
    assert_eq!(first.status, 204, "{}", first.body);
    let again = graph(
        &emu,
        &tok,
        "POST",
        &format!("/groups/{group}/owners/$ref"),
        Some(add(johanna.clone())),
    )
    .await;
    assert_eq!(again.status, 400);
    let last = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/groups/{group}/owners/{johanna}/$ref"),
        None,
    )
    .await;
    assert_eq!(last.status, 400, "the last owner stays: {}", last.body);
    let second = graph(
        &emu,
        &tok,
        "POST",
        &format!("/groups/{group}/owners/$ref"),
        Some(add(emily.clone())),
    )
    .await;
    assert_eq!(second.status, 204);
    let removed = graph(
        &emu,
        &tok,
        "DELETE",
        &format!("/groups/{group}/owners/{johanna}/$ref"),
        None,
    )
    .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let owned = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{emily}/ownedObjects"),
        None,
    )
    .await;
    assert_eq!(owned.body["value"][0]["id"], group.as_str());

    let narrow = seed_with_permissions(&["GroupMember.ReadWrite.All", "User.Read.All"]);
    let tok = token(&narrow).await;
    let denied = graph(
        &narrow,
        &tok,
        "POST",
        &format!("/groups/{group}/owners/$ref"),
        Some(add(emily)),
    )
    .await;
    assert_eq!(denied.status, 403, "{}", denied.body);
}

/// A dynamic group's members are the users its rule matches, and follow a
/// change of the attribute it tests; a hand-made add is refused ("Dynamic
/// membership rules for groups",
/// <https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership>:
/// members are added and removed by the rule, not by hand).
#[tokio::test(flavor = "current_thread")]
async fn dynamic_membership_follows_the_attribute_its_rule_tests() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let group = group_id(&emu, "Dynamic - Engineering Contractors");
    let raul = user_id(&emu, "raul.razo@contoso.example");
    let member_of = |emu: &Emulator| emu.group_member_ids(&group);
    assert_eq!(member_of(&emu), vec![raul.clone()]);
    let moved = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{raul}"),
        Some(json!({"department": "Sales"})),
    )
    .await;
    assert_eq!(moved.status, 204, "{}", moved.body);
    assert!(member_of(&emu).is_empty(), "the rule no longer matches");
    let transitive = graph(
        &emu,
        &tok,
        "GET",
        &format!("/users/{raul}/transitiveMemberOf/microsoft.graph.group?$select=id"),
        None,
    )
    .await;
    assert!(!transitive.body.to_string().contains(&group));
    // Another user who comes to match joins.
    let allan = user_id(&emu, "allan.deyoung@contoso.example");
    let joined = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{allan}"),
        Some(json!({"employeeType": "Contractor"})),
    )
    .await;
    assert_eq!(joined.status, 204, "{}", joined.body);
    assert_eq!(member_of(&emu), vec![allan.clone()]);
    let by_hand = graph(
        &emu,
        &tok,
        "POST",
        &format!("/groups/{group}/members/$ref"),
        Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{raul}")})),
    )
    .await;
    assert_eq!(by_hand.status, 403, "{}", by_hand.body);
}

/// `employeeLeaveDateTime` is filtered with `ge`/`le` (and `eq`) against a
/// DateTimeOffset literal, only in an advanced query (`ConsistencyLevel:
/// eventual` and `$count=true`), and only by an app that may read it
/// (User-LifeCycleInfo.Read.All, or its ReadWrite form). Sources: the user
/// resource ("employeeLeaveDateTime ... Supports $filter (eq, ne, not, ge,
/// le, in)"; "to read this property, the calling app must be assigned the
/// User-LifeCycleInfo.Read.All permission"),
/// <https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0>;
/// advanced queries, <https://learn.microsoft.com/en-us/graph/aad-advanced-queries>;
/// a date-only literal refused as "The type of the value doesn't match the
/// property whose type is DateTime" (microsoftgraph/microsoft-graph-docs#17744).
#[tokio::test(flavor = "current_thread")]
async fn leave_dates_filter_by_date_time_in_advanced_queries_with_the_lifecycle_permission() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let adele = user_id(&emu, "adele.vance@contoso.example");
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{adele}"),
        Some(json!({"employeeLeaveDateTime": "2026-01-03T17:00:00Z"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let eventual = [("ConsistencyLevel", "eventual")];
    let query = |filter: &str| {
        format!(
            "/users?$filter={}&$count=true&$select=id,employeeLeaveDateTime",
            enc(filter)
        )
    };
    let passed = query("employeeLeaveDateTime le 2026-01-04T00:00:00Z and accountEnabled eq true");

    let plain = format!(
        "/users?$filter={}",
        enc("employeeLeaveDateTime le 2026-01-04T00:00:00Z and accountEnabled eq true")
    );
    let r = graph(&emu, &tok, "GET", &plain, None).await;
    assert_eq!(r.status, 400, "not a default query: {}", r.body);
    assert_eq!(code(&r), "Request_UnsupportedQuery");

    let r = graph_h(&emu, &tok, "GET", &passed, None, &eventual).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ids: Vec<&str> = r.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [adele.as_str()], "enabled, leave date passed");
    assert_eq!(r.body["@odata.count"], 1);

    let r = graph_h(
        &emu,
        &tok,
        "GET",
        &query("employeeLeaveDateTime le 2026-01-03T16:59:59Z and accountEnabled eq true"),
        None,
        &eventual,
    )
    .await;
    assert_eq!(r.body["@odata.count"], 0, "not yet: {}", r.body);
    let r = graph_h(
        &emu,
        &tok,
        "GET",
        &query("employeeLeaveDateTime ge 2026-10-01T00:00:00Z"),
        None,
        &eventual,
    )
    .await;
    assert_eq!(r.body["@odata.count"], 1, "the seeded leaver: {}", r.body);

    let r = graph_h(
        &emu,
        &tok,
        "GET",
        &query("employeeLeaveDateTime le 2026-01-04"),
        None,
        &eventual,
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(code(&r), "Request_UnsupportedQuery");
    assert_eq!(
        r.body["error"]["message"],
        "The type of the value doesn't match the property whose type is DateTime"
    );
    let r = graph_h(
        &emu,
        &tok,
        "GET",
        &query("department le 'Sales'"),
        None,
        &eventual,
    )
    .await;
    assert_eq!(r.status, 400, "le is for dates: {}", r.body);

    let reader = seed_with_permissions(&["User.Read.All"]);
    let tok = token(&reader).await;
    let r = graph_h(&reader, &tok, "GET", &passed, None, &eventual).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(code(&r), "Authorization_RequestDenied");
    let lifecycle = seed_with_permissions(&["User.Read.All", "User-LifeCycleInfo.Read.All"]);
    let tok = token(&lifecycle).await;
    let r = graph_h(&lifecycle, &tok, "GET", &passed, None, &eventual).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// "Add members" (<https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0>):
/// `PATCH /groups/{id}` with `members@odata.bind` adds up to 20 members at
/// once, and like a single add it refuses a member already in (400 "One or
/// more added object references already exist") and a reference that is
/// not a directory object; the refusal leaves the group as it was, the
/// members that were not in the group included.
#[tokio::test(flavor = "current_thread")]
async fn patch_group_members_bind_refuses_an_existing_member_or_a_foreign_url_whole() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let hr = group_id(&emu, "HR");
    let url = |id: &str| format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}");
    let new = user_id(&emu, "adele.vance@contoso.example");
    let existing = emu.group_member_ids(&hr)[0].clone();
    let before = emu.group_member_ids(&hr);
    assert!(!before.contains(&new));
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/groups/{hr}"),
        Some(json!({"members@odata.bind": [url(&new), url(&existing)]})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("One or more added object references already exist"));
    assert_eq!(emu.group_member_ids(&hr), before);
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/groups/{hr}"),
        Some(json!({"members@odata.bind": [
            url(&new),
            format!("https://graph.microsoft.com/v1.0/applications/{new}"),
        ]})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(emu.group_member_ids(&hr), before);
}

/// Changing a group's other properties takes `Group.ReadWrite.All`
/// ("Update group", <https://learn.microsoft.com/en-us/graph/api/group-update?view=graph-rest-1.0>);
/// `GroupMember.ReadWrite.All` covers only the membership ("Add members"),
/// so a PATCH that mixes the two is refused, and no member is added.
#[tokio::test(flavor = "current_thread")]
async fn patch_group_members_bind_mixed_with_a_property_needs_group_write() {
    let emu = seed_with_permissions(&["User.Read.All", "GroupMember.ReadWrite.All"]);
    let tok = token(&emu).await;
    let hr = group_id(&emu, "HR");
    let new = user_id(&emu, "adele.vance@contoso.example");
    let before = emu.group_member_ids(&hr);
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/groups/{hr}"),
        Some(json!({
            "displayName": "HR (renamed)",
            "members@odata.bind": [format!("https://graph.microsoft.com/v1.0/directoryObjects/{new}")],
        })),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(emu.group_member_ids(&hr), before);
}

/// Graph counts requests, not the references in them, against the
/// tenant's budget (<https://learn.microsoft.com/graph/throttling>): a
/// PATCH binding five members is one request.
#[tokio::test(flavor = "current_thread")]
async fn patch_group_members_bind_counts_as_one_request_against_the_budget() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let hr = group_id(&emu, "HR");
    let before = emu.group_member_ids(&hr);
    let urls: Vec<String> = emu.tenant_summary()["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .filter(|id| !before.contains(id))
        .take(5)
        .map(|id| format!("https://graph.microsoft.com/v1.0/directoryObjects/{id}"))
        .collect();
    assert_eq!(urls.len(), 5);
    emu.set_faults(Faults {
        budget: Some(entra_emulator::BudgetFault {
            requests_per_second: 2,
        }),
        ..Faults::default()
    });
    let r = graph(
        &emu,
        &tok,
        "PATCH",
        &format!("/groups/{hr}"),
        Some(json!({ "members@odata.bind": urls })),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let read = graph(&emu, &tok, "GET", &format!("/groups/{hr}"), None).await;
    assert_eq!(
        read.status, 200,
        "the budget's second request: {}",
        read.body
    );
    let over = graph(&emu, &tok, "GET", &format!("/groups/{hr}"), None).await;
    assert_eq!(over.status, 429, "{}", over.body);
    assert_eq!(emu.group_member_ids(&hr).len(), before.len() + 5);
}
