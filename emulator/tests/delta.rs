//! `/users/delta` and `/groups/delta` as Graph serves them, and the scale
//! seed. Each test names the Microsoft page it follows:
//! - OVERVIEW: "Use delta query to track changes in Microsoft Graph data",
//!   <https://learn.microsoft.com/en-us/graph/delta-query-overview>
//! - USER_DELTA: "user: delta",
//!   <https://learn.microsoft.com/en-us/graph/api/user-delta?view=graph-rest-1.0>
//! - GROUP_DELTA: "group: delta",
//!   <https://learn.microsoft.com/en-us/graph/api/group-delta?view=graph-rest-1.0>
//! - GROUPS_GUIDE: "Get incremental changes for groups",
//!   <https://learn.microsoft.com/en-us/graph/delta-query-groups>
//! - PAGE_SIZES: Microsoft Q&A on delta page sizes,
//!   <https://learn.microsoft.com/en-us/answers/a/2052165>

use std::collections::{BTreeSet, HashMap};

use entra_emulator::{Emulator, Faults, ThrottleFault};
use http::Request;
use serde_json::{json, Value};

const ADELE: &str = "adele.vance@contoso.example";
const LEE: &str = "lee.gu@contoso.example";

struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: Value,
}

async fn call(
    emu: &Emulator,
    tok: &str,
    method: &str,
    url: &str,
    body: Option<Value>,
    prefer: Option<&str>,
) -> Answer {
    // Links are absolute (http://emulator.test/v1.0/...); requests take the path.
    let path = url.strip_prefix("http://emulator.test").unwrap_or(url);
    let path = if path.starts_with("/v1.0") {
        path.to_string()
    } else {
        format!("/v1.0{path}")
    };
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "emulator.test")
        .header("authorization", format!("Bearer {tok}"))
        .header("content-type", "application/json");
    if let Some(prefer) = prefer {
        builder = builder.header("prefer", prefer);
    }
    let body = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    let response = emu.handle(builder.body(body).unwrap()).await;
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: serde_json::from_slice(response.body()).unwrap_or(Value::Null),
    }
}

async fn get(emu: &Emulator, tok: &str, url: &str) -> Answer {
    call(emu, tok, "GET", url, None, None).await
}

async fn token(emu: &Emulator) -> String {
    let c = emu.credentials();
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
        c.client_id,
        percent_encoding::utf8_percent_encode(&c.client_secret, percent_encoding::NON_ALPHANUMERIC)
    );
    let request = Request::builder()
        .method("POST")
        .uri(format!("/{}/oauth2/v2.0/token", c.tenant_id))
        .body(form.into_bytes())
        .unwrap();
    let v: Value = serde_json::from_slice(emu.handle(request).await.body()).unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

/// Follows a sweep to its deltaLink: the pages' items and the deltaLink.
async fn sweep(
    emu: &Emulator,
    tok: &str,
    first: &str,
    prefer: Option<&str>,
) -> (Vec<Vec<Value>>, String) {
    let mut pages = Vec::new();
    let mut url = first.to_string();
    for _ in 0..1000 {
        let a = call(emu, tok, "GET", &url, None, prefer).await;
        assert_eq!(a.status, 200, "{url}: {}", a.body);
        // OVERVIEW: "A page can't contain both @odata.deltaLink and @odata.nextLink".
        let next = a.body.get("@odata.nextLink").and_then(Value::as_str);
        let delta = a.body.get("@odata.deltaLink").and_then(Value::as_str);
        assert!(next.is_some() != delta.is_some(), "{}", a.body);
        pages.push(a.body["value"].as_array().unwrap().clone());
        match (next, delta) {
            (Some(n), None) => {
                assert!(n.contains("$skiptoken="), "{n}");
                url = n.to_string();
            }
            (None, Some(d)) => {
                assert!(d.contains("$deltatoken="), "{d}");
                return (pages, d.to_string());
            }
            _ => unreachable!(),
        }
    }
    panic!("no deltaLink after 1000 pages");
}

fn by_id(items: &[Value]) -> HashMap<String, Value> {
    items
        .iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i.clone()))
        .collect()
}

fn user_id(emu: &Emulator, upn: &str) -> String {
    emu.user(upn).unwrap()["id"].as_str().unwrap().to_string()
}

const USERS_FIRST: &str = "/users/delta?$select=displayName,department,jobTitle,manager";
const GROUPS_FIRST: &str = "/groups/delta?$select=displayName,groupTypes,members";

/// USER_DELTA ("Prefer: odata.maxpagesize={x}", "$select ... manager"),
/// OVERVIEW (nextLink with $skiptoken, then deltaLink with $deltatoken):
/// a full sweep lists every user once, in pages of the preferred size,
/// each with the selected properties and its manager as `manager@delta`.
#[tokio::test]
async fn a_full_user_sweep_pages_every_user_with_its_manager() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let first = call(
        &emu,
        &tok,
        "GET",
        USERS_FIRST,
        None,
        Some("odata.maxpagesize=5"),
    )
    .await;
    assert_eq!(
        first.headers.get("preference-applied").unwrap(),
        "odata.maxpagesize=5"
    );
    let (pages, _) = sweep(&emu, &tok, USERS_FIRST, Some("odata.maxpagesize=5")).await;
    assert!(pages.len() > 2);
    assert!(pages.iter().all(|p| p.len() <= 5));
    let all: Vec<Value> = pages.concat();
    let users = by_id(&all);
    let tenant = emu.tenant_summary();
    let expected: BTreeSet<String> = tenant["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), expected.len(), "each user once");
    assert_eq!(users.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let adele = &users[&user_id(&emu, ADELE)];
    let manager = emu.user(ADELE).unwrap()["manager"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        adele["manager@delta"],
        json!([{"@odata.type": "#microsoft.graph.user", "id": manager}])
    );
    assert_eq!(adele["department"], "Sales");
    // Only what was selected (and id).
    let keys: BTreeSet<&str> = adele
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "displayName",
            "department",
            "jobTitle",
            "manager@delta"
        ])
    );
}

/// PAGE_SIZES: 200 objects per page by default and at most, whatever
/// larger size is preferred.
#[tokio::test]
async fn pages_hold_200_users_by_default_and_at_most() {
    let emu = Emulator::scaled(450, 20).unwrap();
    let tok = token(&emu).await;
    let (pages, _) = sweep(&emu, &tok, "/users/delta?$select=id", None).await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![200, 200, 50]);
    let big = call(
        &emu,
        &tok,
        "GET",
        "/users/delta?$select=id",
        None,
        Some("odata.maxpagesize=999"),
    )
    .await;
    assert_eq!(big.body["value"].as_array().unwrap().len(), 200);
    assert_eq!(
        big.headers.get("preference-applied").unwrap(),
        "odata.maxpagesize=200"
    );
}

/// OVERVIEW ("the application uses the @odata.deltaLink ... to learn about
/// changes"; "@removed ... reason changed: the item was deleted and can be
/// restored"), USER_DELTA: after a sweep, the deltaLink returns only the
/// users that changed: an attribute, a new user, a manager change, and a
/// (soft) deleted user as `@removed: changed`; an unchanged tenant returns
/// nothing.
#[tokio::test]
async fn a_delta_link_returns_only_the_users_that_changed() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let (_, link) = sweep(&emu, &tok, USERS_FIRST, None).await;
    let (pages, link) = sweep(&emu, &tok, &link, None).await;
    assert_eq!(pages.concat(), Vec::<Value>::new(), "nothing changed");

    let adele = user_id(&emu, ADELE);
    let lee = user_id(&emu, LEE);
    let a = call(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{adele}"),
        Some(json!({"jobTitle": "Account Lead"})),
        None,
    )
    .await;
    assert_eq!(a.status, 204, "{}", a.body);
    let created = call(
        &emu,
        &tok,
        "POST",
        "/users",
        Some(json!({
            "accountEnabled": true, "displayName": "Rowan Ellery", "mailNickname": "rowan.ellery",
            "userPrincipalName": "rowan.ellery@contoso.example",
            "passwordProfile": {"password": "Xw7!kq#Lm2pz", "forceChangePasswordNextSignIn": true}
        })),
        None,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let rowan = created.body["id"].as_str().unwrap().to_string();
    let set = call(
        &emu,
        &tok,
        "PUT",
        &format!("/users/{rowan}/manager/$ref"),
        Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/users/{adele}")})),
        None,
    )
    .await;
    assert_eq!(set.status, 204, "{}", set.body);
    let removed = call(
        &emu,
        &tok,
        "DELETE",
        &format!("/users/{lee}/manager/$ref"),
        None,
        None,
    )
    .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let leaver = emu.tenant_summary()["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            u["onPremisesSyncEnabled"] != json!(true)
                && u["roleTemplateIds"] == json!([])
                && u["id"] != json!(adele)
                && u["id"] != json!(lee)
                && u["id"] != json!(rowan)
        })
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deleted = call(
        &emu,
        &tok,
        "DELETE",
        &format!("/users/{leaver}"),
        None,
        None,
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);

    let (pages, _) = sweep(&emu, &tok, &link, None).await;
    let changed = by_id(&pages.concat());
    assert_eq!(changed[&adele]["jobTitle"], "Account Lead");
    assert!(
        changed[&adele].get("manager@delta").is_none(),
        "manager unchanged"
    );
    assert_eq!(changed[&rowan]["displayName"], "Rowan Ellery");
    assert_eq!(changed[&rowan]["manager@delta"][0]["id"], json!(adele));
    assert_eq!(
        changed[&lee]["manager@delta"][0]["@removed"],
        json!({"reason": "deleted"})
    );
    assert_eq!(
        changed[&leaver],
        json!({"id": leaver, "@removed": {"reason": "changed"}})
    );
    // Users whose manager was the deleted leaver changed too; nobody else did.
    for (id, item) in &changed {
        if ![&adele, &rowan, &lee, &leaver].contains(&id) {
            assert_eq!(item["manager@delta"][0]["id"], json!(leaver), "{item}");
        }
    }
}

/// GROUP_DELTA ("members@delta ... @removed"), GROUPS_GUIDE: a full sweep
/// lists each group with all its members; after a member is added and one
/// removed, the deltaLink returns that group with only those two
/// `members@delta` entries, the removed one with `@removed`.
#[tokio::test]
async fn a_delta_link_returns_membership_adds_and_removes() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let (pages, link) = sweep(&emu, &tok, GROUPS_FIRST, None).await;
    let groups = by_id(&pages.concat());
    let finance = emu.find_group_by_name("Finance").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let listed: BTreeSet<String> = groups[&finance]["members@delta"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert!(m["@odata.type"]
                .as_str()
                .unwrap()
                .starts_with("#microsoft.graph."));
            m["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(listed, emu.group_member_ids(&finance).into_iter().collect());
    let adele = user_id(&emu, ADELE);
    let leaving = emu.group_member_ids(&finance)[0].clone();
    assert_ne!(leaving, adele);
    let add = call(&emu, &tok, "POST", &format!("/groups/{finance}/members/$ref"),
        Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{adele}")})), None).await;
    assert_eq!(add.status, 204, "{}", add.body);
    let remove = call(
        &emu,
        &tok,
        "DELETE",
        &format!("/groups/{finance}/members/{leaving}/$ref"),
        None,
        None,
    )
    .await;
    assert_eq!(remove.status, 204, "{}", remove.body);

    let (pages, _) = sweep(&emu, &tok, &link, None).await;
    let changed = pages.concat();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["id"], json!(finance));
    assert_eq!(
        changed[0]["members@delta"],
        json!([
            {"@odata.type": "#microsoft.graph.user", "id": adele},
            {"@odata.type": "#microsoft.graph.user", "id": leaving, "@removed": {"reason": "deleted"}}
        ])
    );
}

/// GROUPS_GUIDE ("the same group object may appear multiple times ... with
/// different members@delta"), PAGE_SIZES (500 directory links per page): a
/// group with more members than a page carries repeats on the next pages;
/// the union of its slices is its membership, and nested groups are listed
/// as `#microsoft.graph.group`.
#[tokio::test]
async fn a_large_group_repeats_across_pages_with_slices_of_its_members() {
    let emu = Emulator::scaled(1200, 30).unwrap();
    let tok = token(&emu).await;
    let (pages, _) = sweep(&emu, &tok, GROUPS_FIRST, None).await;
    let all_staff = emu.find_group_by_name("All Staff").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut slices = 0;
    let mut members = BTreeSet::new();
    for page in &pages {
        let links: usize = page
            .iter()
            .map(|g| g["members@delta"].as_array().map_or(0, Vec::len))
            .sum();
        assert!(links <= 500, "{links} member entries on one page");
        for g in page.iter().filter(|g| g["id"] == json!(all_staff)) {
            slices += 1;
            assert_eq!(g["displayName"], "All Staff");
            for m in g["members@delta"].as_array().unwrap() {
                assert!(
                    members.insert(m["id"].as_str().unwrap().to_string()),
                    "a member sent twice"
                );
            }
        }
    }
    assert!(slices >= 3, "All Staff on {slices} pages");
    assert_eq!(
        members,
        emu.group_member_ids(&all_staff).into_iter().collect()
    );
    let nesting = emu.find_group_by_name("Product and Engineering").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let nested = pages
        .concat()
        .into_iter()
        .find(|g| g["id"] == json!(nesting))
        .unwrap();
    assert!(nested["members@delta"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["@odata.type"] == "#microsoft.graph.group"));
}

/// OVERVIEW ("Synchronization reset": 410 Gone with a Location to start
/// over; directory object tokens are valid 7 days, code
/// `syncStateNotFound`): an expired deltaLink, and one from before a reset,
/// answer 410 with Graph's error envelope.
#[tokio::test]
async fn an_expired_or_unknown_token_is_410_gone() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let (_, link) = sweep(&emu, &tok, USERS_FIRST, None).await;
    emu.advance_time(6 * 24 * 3600 * 1000);
    let tok = token(&emu).await;
    assert_eq!(get(&emu, &tok, &link).await.status, 200, "valid for 7 days");
    emu.advance_time(24 * 3600 * 1000 + 1);
    let tok = token(&emu).await;
    let gone = get(&emu, &tok, &link).await;
    assert_eq!(gone.status, 410, "{}", gone.body);
    assert_eq!(gone.body["error"]["code"], "syncStateNotFound");
    assert!(gone.body["error"]["innerError"]["request-id"].is_string());
    assert!(gone
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with("/v1.0/users/delta"));

    let (_, link) = sweep(&emu, &tok, GROUPS_FIRST, None).await;
    emu.reset();
    let tok = token(&emu).await;
    assert_eq!(get(&emu, &tok, &link).await.status, 410);
    let garbage = get(&emu, &tok, "/users/delta?$deltatoken=not-a-token").await;
    assert_eq!(garbage.status, 410);
}

/// OVERVIEW ("$deltatoken=latest ... the response contains an
/// @odata.deltaLink and no resource data"): sync from now.
#[tokio::test]
async fn latest_gives_only_a_delta_link() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let a = get(
        &emu,
        &tok,
        "/users/delta?$select=displayName&$deltatoken=latest",
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["value"], json!([]));
    let link = a.body["@odata.deltaLink"].as_str().unwrap().to_string();
    let adele = user_id(&emu, ADELE);
    call(
        &emu,
        &tok,
        "PATCH",
        &format!("/users/{adele}"),
        Some(json!({"displayName": "Adele V."})),
        None,
    )
    .await;
    let (pages, _) = sweep(&emu, &tok, &link, None).await;
    assert_eq!(
        pages.concat(),
        vec![json!({"id": adele, "displayName": "Adele V."})]
    );
}

/// OVERVIEW, query parameters: `$filter` only on id (at most 50 ids);
/// `$expand` and `$orderby` are not supported.
#[tokio::test]
async fn only_id_filters_are_supported() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    let adele = user_id(&emu, ADELE);
    let lee = user_id(&emu, LEE);
    let (pages, _) = sweep(
        &emu,
        &tok,
        &format!(
            "/users/delta?$select=displayName&$filter=id%20eq%20'{adele}'%20or%20id%20eq%20'{lee}'"
        ),
        None,
    )
    .await;
    let ids: BTreeSet<String> = by_id(&pages.concat()).into_keys().collect();
    assert_eq!(ids, BTreeSet::from([adele, lee]));
    for query in [
        "$filter=department%20eq%20'Sales'",
        "$expand=manager",
        "$orderby=displayName",
        "$select=nonsense",
    ] {
        let a = get(&emu, &tok, &format!("/users/delta?{query}")).await;
        assert_eq!(a.status, 400, "{query}: {}", a.body);
    }
    let many: Vec<String> = (0..51).map(|i| format!("id%20eq%20'{i}'")).collect();
    let a = get(
        &emu,
        &tok,
        &format!("/users/delta?$filter={}", many.join("%20or%20")),
    )
    .await;
    assert_eq!(a.status, 400);
}

/// GROUP_DELTA, Permissions ("GroupMember.Read.All" least for
/// Application), and the permission map (`Group.ReadBasic.All` for bare
/// `/groups/delta`, `User.Read.All` for `/users/delta`): reading members
/// needs a membership permission.
#[tokio::test]
async fn members_need_a_permission_that_reads_memberships() {
    let grant = |permissions: &[&str]| {
        let mut seed: Value =
            serde_json::from_str(include_str!("../seed/demo-tenant.json")).unwrap();
        seed["app"]["applicationPermissions"] = json!(permissions);
        Emulator::from_seed_json(&seed.to_string()).unwrap()
    };
    let basic = grant(&["Group.ReadBasic.All"]);
    let tok = token(&basic).await;
    assert_eq!(
        get(&basic, &tok, "/groups/delta?$select=displayName")
            .await
            .status,
        200
    );
    assert_eq!(get(&basic, &tok, GROUPS_FIRST).await.status, 403);
    assert_eq!(get(&basic, &tok, USERS_FIRST).await.status, 403);
    let least = grant(&["User.Read.All", "GroupMember.Read.All"]);
    let tok = token(&least).await;
    assert_eq!(get(&least, &tok, GROUPS_FIRST).await.status, 200);
    assert_eq!(get(&least, &tok, USERS_FIRST).await.status, 200);
}

/// Throttling applies to delta pages as to every Graph call
/// (<https://learn.microsoft.com/en-us/graph/throttling>: 429 with
/// Retry-After), and a throttled page can be asked for again.
#[tokio::test]
async fn delta_pages_are_throttled_like_other_calls() {
    let emu = Emulator::demo();
    let tok = token(&emu).await;
    emu.set_faults(Faults {
        throttle: Some(ThrottleFault {
            requests_per_second: 1,
            retry_after_seconds: 2.0,
        }),
        ..Faults::default()
    });
    let first = call(
        &emu,
        &tok,
        "GET",
        USERS_FIRST,
        None,
        Some("odata.maxpagesize=5"),
    )
    .await;
    assert_eq!(first.status, 200);
    let next = first.body["@odata.nextLink"].as_str().unwrap().to_string();
    let throttled = get(&emu, &tok, &next).await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.headers.get("retry-after").unwrap(), "2");
    emu.advance_time(2000);
    assert_eq!(get(&emu, &tok, &next).await.status, 200);
}

/// The scale seed: the sizes asked for, with the shape of a company, read
/// back through the delta queries themselves (PAGE_SIZES: 200 users per
/// page, so 10,000 users take 50 pages).
#[tokio::test]
async fn the_scale_seed_has_the_sizes_and_shape_asked_for() {
    let emu = Emulator::scaled(10_000, 1_500).unwrap();
    let tok = token(&emu).await;
    let (pages, _) = sweep(
        &emu,
        &tok,
        "/users/delta?$select=userType,onPremisesSyncEnabled,department,jobTitle,manager",
        None,
    )
    .await;
    assert_eq!(pages.len(), 50);
    let users = pages.concat();
    assert_eq!(users.len(), 10_000);
    let count = |f: &dyn Fn(&Value) -> bool| users.iter().filter(|u| f(u)).count();
    let guests = count(&|u| u["userType"] == "Guest");
    let synced = count(&|u| u["onPremisesSyncEnabled"] == json!(true));
    let managed = count(&|u| u.get("manager@delta").is_some());
    assert!((200..500).contains(&guests), "{guests} guests");
    assert!((2500..3500).contains(&synced), "{synced} synced");
    assert!(managed > 9_000, "{managed} with a manager");
    let departments: BTreeSet<&str> = users
        .iter()
        .filter_map(|u| u["department"].as_str())
        .collect();
    assert!(departments.len() >= 12);
    let titles: BTreeSet<&str> = users
        .iter()
        .filter_map(|u| u["jobTitle"].as_str())
        .collect();
    assert!(titles.len() > 30);

    let (pages, _) = sweep(&emu, &tok, GROUPS_FIRST, None).await;
    let mut members: HashMap<String, Vec<Value>> = HashMap::new();
    for g in pages.concat() {
        members
            .entry(g["id"].as_str().unwrap().to_string())
            .or_default()
            .extend(g["members@delta"].as_array().cloned().unwrap_or_default());
    }
    assert_eq!(members.len(), 1_500);
    assert!(
        members.values().filter(|m| m.len() > 500).count() >= 3,
        "a few large groups"
    );
    let nested = members
        .values()
        .filter(|m| {
            m.iter()
                .any(|x| x["@odata.type"] == "#microsoft.graph.group")
        })
        .count();
    assert!(nested >= 2, "{nested} groups with group members");
}
