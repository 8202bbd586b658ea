//! Which application permissions allow a Graph call: Microsoft's permission map
//! (subset in `permissions/application-permissions.json`, extracted by
//! `scripts/extract_permissions.py`) plus documented gap-fills.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

const SUBSET: &str = include_str!("../permissions/application-permissions.json");

#[derive(Debug, Deserialize)]
struct PermissionMap {
    /// path template (lower case) -> method -> permission names
    paths: HashMap<String, HashMap<String, Vec<String>>>,
}

/// Entries the map lacks, taken from the Graph API reference pages (see README).
/// Each is (template, method, permissions, why).
pub const GAP_FILLS: &[(&str, &str, &[&str], &str)] = &[
    (
        "/groups/{id}/members",
        "POST",
        &["GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"],
        "POST /groups/{id}/members/$ref has no entry in the map; the group-post-members reference lists these",
    ),
    (
        "/groups/{id}",
        "PATCH",
        &["GroupMember.ReadWrite.All"],
        "PATCH with members@odata.bind adds members; group-post-members lists GroupMember.ReadWrite.All for it",
    ),
    (
        "/users/{id}/memberof",
        "GET",
        &["User.Read.All", "GroupMember.Read.All", "Group.Read.All"],
        "the map lists only Directory.Read.All/ReadBasic for memberOf; user-list-memberof lists User.Read.All",
    ),
    (
        "/users/{id}/checkmembergroups",
        "POST",
        &["GroupMember.Read.All"],
        "user-checkmembergroups lists User.Read.All and GroupMember.Read.All",
    ),
    (
        "/users/{id}",
        "PATCH",
        &["User-LifeCycleInfo.ReadWrite.All"],
        "employeeLeaveDateTime writes; User-LifeCycleInfo.ReadWrite.All is absent from the map",
    ),
    (
        "/directory/deleteditems",
        "GET",
        &["User.Read.All", "User.ReadWrite.All", "Directory.Read.All"],
        "the map has no entry for listing deleted users; directory-deleteditems-list lists User.Read.All (least) for microsoft.graph.user",
    ),
    (
        "/directory/deleteditems/{id}",
        "GET",
        &["User.Read.All", "User.ReadWrite.All", "Directory.Read.All"],
        "the map has no entry for reading a deleted user; directory-deleteditems-get lists User.Read.All (least) for a user",
    ),
];

fn map() -> &'static PermissionMap {
    static MAP: OnceLock<PermissionMap> = OnceLock::new();
    MAP.get_or_init(|| {
        serde_json::from_str(SUBSET).unwrap_or(PermissionMap {
            paths: HashMap::new(),
        })
    })
}

/// The map's path template for a request path (segments already split), e.g.
/// `["users","x","transitiveMemberOf","microsoft.graph.group"]` ->
/// `/users/{id}/transitivememberof`. `$ref` and type-cast segments are not part of
/// the map's templates.
pub fn template_for(segments: &[String]) -> Option<String> {
    let wanted: Vec<String> = segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .filter(|s| s != "$ref" && !s.starts_with("microsoft.graph."))
        .collect();
    let templates = map()
        .paths
        .keys()
        .map(String::as_str)
        .chain(GAP_FILLS.iter().map(|g| g.0));
    let mut best: Option<(usize, &str)> = None;
    for template in templates {
        let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        if parts.len() != wanted.len() {
            continue;
        }
        let mut literals = 0;
        let fits = parts.iter().zip(&wanted).all(|(t, w)| {
            if t.starts_with('{') {
                true
            } else {
                literals += 1;
                *t == w.as_str()
            }
        });
        if fits && best.is_none_or(|(n, _)| literals > n) {
            best = Some((literals, template));
        }
    }
    best.map(|(_, t)| t.to_string())
}

/// Permissions that a granted permission implies: ReadWrite includes Read, and
/// Read.All includes ReadBasic.All (e.g. Group.Read.All covers Group.ReadBasic.All).
fn expand(granted: &[String]) -> Vec<String> {
    let mut all: Vec<String> = granted.to_vec();
    for p in granted {
        if p.contains(".ReadWrite.") {
            all.push(p.replace(".ReadWrite.", ".Read."));
        }
    }
    let reads: Vec<String> = all
        .iter()
        .filter(|p| p.ends_with(".Read.All"))
        .map(|p| p.replace(".Read.All", ".ReadBasic.All"))
        .collect();
    all.extend(reads);
    all.extend(
        granted
            .iter()
            .filter(|p| p.ends_with(".ReadWrite.All"))
            .map(|p| p.replace(".ReadWrite.All", ".ReadBasic.All")),
    );
    all
}

/// Entries the map has that the operation's Learn page does not list for
/// application permissions; Entra is taken to follow the page. Each is
/// (template, method, permission, why).
pub const MAP_OVERRIDES: &[(&str, &str, &str, &str)] = &[(
    "/organization",
    "GET",
    "User.Read.All",
    "organization-get lists Organization.Read.All (least), Directory.Read.All, Organization.ReadWrite.All and Directory.ReadWrite.All for application access; User.Read(.All) only for delegated access",
)];

/// The permissions that allow `method` on `template`, map and gap-fills together.
pub fn allowing(template: &str, method: &str) -> Vec<String> {
    let mut names: Vec<String> = map()
        .paths
        .get(template)
        .and_then(|m| m.get(&method.to_ascii_uppercase()))
        .cloned()
        .unwrap_or_default();
    names.retain(|name| {
        !MAP_OVERRIDES.iter().any(|(t, m, p, _)| {
            *t == template && m.eq_ignore_ascii_case(method) && p.eq_ignore_ascii_case(name)
        })
    });
    for (t, m, perms, _) in GAP_FILLS {
        if *t == template && m.eq_ignore_ascii_case(method) {
            names.extend(perms.iter().map(|p| p.to_string()));
        }
    }
    names
}

/// Does a token holding `granted` roles allow `method` on `template`?
pub fn allows(granted: &[String], template: &str, method: &str) -> bool {
    let needed = allowing(template, method);
    let held = expand(granted);
    needed
        .iter()
        .any(|n| held.iter().any(|h| h.eq_ignore_ascii_case(n)))
}

/// Does the token hold this exact permission (or one that implies it)?
pub fn holds(granted: &[String], permission: &str) -> bool {
    expand(granted)
        .iter()
        .any(|h| h.eq_ignore_ascii_case(permission))
}

/// Properties of a user that a PATCH may set only with a particular
/// permission (or one implying it), whatever else the token holds: Graph
/// checks the body, not just the path. Each row is (property, permissions
/// that allow writing it).
///
/// Sources: user-update ("To update the passwordProfile property ...
/// User-PasswordProfile.ReadWrite.All ... User.ReadWrite.All"; accountEnabled
/// with User.EnableDisableAccount.All + User.Read.All), and "Set
/// employeeLeaveDateTime" (Application: User.Read.All and
/// User-LifeCycleInfo.ReadWrite.All; higher privileged: not available),
/// <https://learn.microsoft.com/en-us/graph/tutorial-lifecycle-workflows-set-employeeleavedatetime>.
pub const USER_PROPERTY_PERMISSIONS: &[(&str, &[&str])] = &[
    (
        "employeeLeaveDateTime",
        &["User-LifeCycleInfo.ReadWrite.All"],
    ),
    (
        "passwordProfile",
        &[
            "User-PasswordProfile.ReadWrite.All",
            "User.ReadWrite.All",
            "Directory.ReadWrite.All",
        ],
    ),
    (
        "accountEnabled",
        &[
            "User.EnableDisableAccount.All",
            "User.ReadWrite.All",
            "Directory.ReadWrite.All",
        ],
    ),
];

/// For `PATCH /users/{id}`: the first property in `body` that `granted`
/// may not write, if any. A property in [`USER_PROPERTY_PERMISSIONS`]
/// needs one of its permissions; any other property needs a general user
/// write permission (`User.ReadWrite.All`, `Directory.ReadWrite.All`). A
/// per-property permission works only beside `User.Read.All` (both Learn
/// pages list "User.Read.All and ..."), which the general ones imply.
pub fn user_property_denied(granted: &[String], body: &serde_json::Value) -> Option<String> {
    let object = body.as_object()?;
    let general = ["User.ReadWrite.All", "Directory.ReadWrite.All"];
    let can_read_users = holds(granted, "User.Read.All");
    for key in object.keys() {
        let allowed: &[&str] = match USER_PROPERTY_PERMISSIONS.iter().find(|(p, _)| p == key) {
            Some((_, perms)) => perms,
            None => &general,
        };
        let ok = allowed
            .iter()
            .any(|p| holds(granted, p) && (general.contains(p) || can_read_users));
        if !ok {
            return Some(key.clone());
        }
    }
    None
}

/// For `GET /users`: whether `filter` names `employeeLeaveDateTime` and
/// `granted` may not read it. "To read this property, the calling app
/// must be assigned the User-LifeCycleInfo.Read.All permission" (user
/// resource, <https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0>);
/// its ReadWrite form implies it. Filtering on a property reads it.
pub fn lifecycle_filter_denied(granted: &[String], filter: Option<&str>) -> bool {
    let names_it = filter.is_some_and(|f| f.to_ascii_lowercase().contains("employeeleavedatetime"));
    names_it && !holds(granted, "User-LifeCycleInfo.Read.All")
}
