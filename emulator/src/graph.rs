//! Routing of `/v1.0` calls: fault checks, permission checks, then the handler.

use http::Method;
use serde_json::{Map, Value};

use crate::errors::GraphError;
use crate::faults::FaultState;
use crate::odata::QueryParams;
use crate::permissions;
use crate::tenant::Tenant;
use crate::token::Claims;
use crate::{
    auth_methods, deleted, delta, directory, groups, invitations, licences, policies, users,
};

/// One Graph call (a top-level request or a `$batch` item), already authenticated.
pub(crate) struct Call<'a> {
    pub method: Method,
    /// Percent-decoded path segments after `/v1.0`.
    pub segments: Vec<String>,
    /// `/v1.0/...` as received, for logs and fault matching.
    pub path: String,
    pub params: QueryParams,
    pub body: &'a [u8],
    /// `ConsistencyLevel: eventual` was sent.
    pub eventual: bool,
    /// `http://host/v1.0`, the base of `@odata.nextLink`.
    pub base_url: String,
    pub claims: &'a Claims,
    pub now_ms: u64,
    pub replication_delay_ms: u64,
    /// `Prefer: odata.maxpagesize=N` (delta queries honour it).
    pub max_page_size: Option<usize>,
}

/// A successful Graph reply.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    pub fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: None,
        }
    }
}

pub(crate) type GraphResult = Result<Reply, GraphError>;

/// Splits `/v1.0/users/a%40b` into decoded segments `["users", "a@b"]`.
/// The OData key form `users('$a@b')`, which Graph requires for a
/// userPrincipalName starting with `$` (user-get, "Get a user": "remove the
/// slash (/) after /users and enclose the userPrincipalName in parentheses
/// and single quotes"), becomes the same two segments, `''` read as `'`.
pub(crate) fn segments_of(path_after_version: &str) -> Vec<String> {
    let mut segments = Vec::new();
    for raw in path_after_version.split('/').filter(|s| !s.is_empty()) {
        let decoded = percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned();
        match key_form(&decoded) {
            Some((set, key)) => {
                segments.push(set.to_string());
                segments.push(key);
            }
            None => segments.push(decoded),
        }
    }
    segments
}

/// `users('k''ey')` -> `("users", "k'ey")`.
fn key_form(segment: &str) -> Option<(&str, String)> {
    let (set, rest) = segment.split_once("('")?;
    let literal = rest.strip_suffix("')")?;
    let valid = set.chars().all(|c| c.is_ascii_alphabetic())
        && literal.replace("''", "").find('\'').is_none();
    valid.then(|| (set, literal.replace("''", "'")))
}

/// Parses a JSON object body, Graph-style errors otherwise.
pub(crate) fn object_body(body: &[u8]) -> Result<Map<String, Value>, GraphError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(GraphError::invalid_json()),
    }
}

/// Throttling, scheduled 503s and scheduled refusals, applied to each call
/// (each `$batch` item too).
pub(crate) fn injected_fault(faults: &mut FaultState, call: &Call) -> Option<GraphError> {
    if let Some(retry_after) = faults.take_throttle(call.now_ms) {
        return Some(GraphError::Throttled { retry_after });
    }
    if let Some(retry_after) = faults.take_budget(call.now_ms) {
        return Some(GraphError::Throttled { retry_after });
    }
    if let Some(retry_after) = faults.take_unavailable(call.method.as_str(), &call.path) {
        return Some(GraphError::Unavailable { retry_after });
    }
    if let Some(retry_after) = faults.take_aimed_unavailable(call.method.as_str(), &call.path) {
        return Some(GraphError::Unavailable { retry_after });
    }
    faults
        .take_refusal(call.method.as_str(), &call.path)
        .map(|r| GraphError::Injected {
            status: r.status,
            code: r.code,
            message: r.message,
            target: r.target,
        })
}

fn is(segment: &str, name: &str) -> bool {
    segment.eq_ignore_ascii_case(name)
}

/// Runs one authenticated call against the tenant.
pub(crate) fn route(tenant: &mut Tenant, call: &Call) -> GraphResult {
    let segs: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let Some(first) = segs.first() else {
        return Err(GraphError::UnknownSegment(String::new()));
    };
    let known = [
        "users",
        "groups",
        "organization",
        "directoryRoles",
        "roleManagement",
        "policies",
        "subscribedSkus",
        "directory",
        "invitations",
    ];
    if !known.iter().any(|k| is(first, k)) {
        return Err(GraphError::UnknownSegment(first.to_string()));
    }
    let template = permissions::template_for(&call.segments)
        .ok_or_else(|| GraphError::UnknownSegment(segs.last().unwrap_or(first).to_string()))?;
    if permissions::allowing(&template, call.method.as_str()).is_empty() {
        return Err(GraphError::MethodNotAllowed);
    }
    if !permissions::allows(&call.claims.roles, &template, call.method.as_str()) {
        return Err(GraphError::AccessDenied);
    }
    if template == "/users/{id}" && call.method == Method::PATCH {
        // Graph checks the body's properties, not only the path.
        let body: serde_json::Value = serde_json::from_slice(call.body).unwrap_or_default();
        if permissions::user_property_denied(&call.claims.roles, &body).is_some() {
            return Err(GraphError::AccessDenied);
        }
    }
    if template == "/users"
        && call.method == Method::GET
        && permissions::lifecycle_filter_denied(&call.claims.roles, call.params.get("$filter"))
    {
        return Err(GraphError::AccessDenied);
    }
    let m = &call.method;
    match segs.as_slice() {
        [u] if is(u, "users") && m == Method::GET => users::list(tenant, call),
        [u] if is(u, "users") && m == Method::POST => users::create(tenant, call),
        [u, d] if is(u, "users") && is(d, "delta") && m == Method::GET => {
            delta::users(tenant, call)
        }
        [g, d] if is(g, "groups") && is(d, "delta") && m == Method::GET => {
            delta::groups(tenant, call)
        }
        [u, id] if is(u, "users") && m == Method::GET => users::get(tenant, call, id),
        [u, id] if is(u, "users") && m == Method::PATCH => users::update(tenant, call, id),
        [u, id] if is(u, "users") && m == Method::DELETE => users::delete(tenant, call, id),
        [u, id, mg] if is(u, "users") && is(mg, "manager") && m == Method::GET => {
            users::get_manager(tenant, call, id)
        }
        [u, id, mg, r]
            if is(u, "users") && is(mg, "manager") && *r == "$ref" && m == Method::PUT =>
        {
            users::set_manager(tenant, call, id)
        }
        [u, id, mg, r]
            if is(u, "users") && is(mg, "manager") && *r == "$ref" && m == Method::DELETE =>
        {
            users::remove_manager(tenant, call, id)
        }
        [u, id, rel, rest @ ..]
            if is(u, "users")
                && (is(rel, "memberOf") || is(rel, "transitiveMemberOf"))
                && rest.len() <= 1
                && m == Method::GET =>
        {
            users::member_of(
                tenant,
                call,
                id,
                is(rel, "transitiveMemberOf"),
                rest.first().copied(),
            )
        }
        [u, id, rel, rest @ ..]
            if is(u, "users")
                && (is(rel, "directReports") || is(rel, "ownedObjects"))
                && rest.len() <= 1
                && m == Method::GET =>
        {
            users::related(tenant, call, id, rel, rest.first().copied())
        }
        [u, id, a] if is(u, "users") && is(a, "revokeSignInSessions") && m == Method::POST => {
            users::revoke_sessions(tenant, call, id)
        }
        [u, id, a] if is(u, "users") && is(a, "checkMemberGroups") && m == Method::POST => {
            users::check_member_groups(tenant, call, id)
        }
        [u, id, a, t]
            if is(u, "users") && is(a, "authentication") && is(t, "temporaryAccessPassMethods") =>
        {
            if m == Method::POST {
                users::create_tap(tenant, call, id)
            } else {
                users::list_taps(tenant, call, id)
            }
        }
        [s] if is(s, "subscribedSkus") && m == Method::GET => licences::list_skus(tenant, call),
        [u, id, a] if is(u, "users") && is(a, "assignLicense") && m == Method::POST => {
            licences::assign_license(tenant, call, id)
        }
        [u, id, l] if is(u, "users") && is(l, "licenseDetails") && m == Method::GET => {
            licences::license_details(tenant, call, id)
        }
        [u, id, a, methods]
            if is(u, "users")
                && is(a, "authentication")
                && is(methods, "methods")
                && m == Method::GET =>
        {
            auth_methods::list(tenant, call, id)
        }
        [u, id, a, set, method]
            if is(u, "users")
                && is(a, "authentication")
                && auth_methods::method_type(set).is_some()
                && m == Method::DELETE =>
        {
            auth_methods::delete(tenant, call, id, set, method)
        }
        [u, id, s] if is(u, "users") && is(s, "sponsors") && m == Method::GET => {
            invitations::list_sponsors(tenant, call, id)
        }
        [i] if is(i, "invitations") && m == Method::POST => invitations::create(tenant, call),
        [d, del, cast]
            if is(d, "directory")
                && is(del, "deletedItems")
                && cast.to_ascii_lowercase().starts_with("microsoft.graph.")
                && m == Method::GET =>
        {
            deleted::list_users(tenant, call, cast)
        }
        [d, del, id] if is(d, "directory") && is(del, "deletedItems") && m == Method::GET => {
            deleted::get(tenant, call, id)
        }
        [d, del, id, r]
            if is(d, "directory")
                && is(del, "deletedItems")
                && is(r, "restore")
                && m == Method::POST =>
        {
            deleted::restore(tenant, call, id)
        }
        [g] if is(g, "groups") && m == Method::GET => groups::list(tenant, call),
        [g, id] if is(g, "groups") && m == Method::GET => groups::get(tenant, call, id),
        [g, id] if is(g, "groups") && m == Method::PATCH => groups::update(tenant, call, id),
        [g, id, mem] if is(g, "groups") && is(mem, "members") && m == Method::GET => {
            groups::list_members(tenant, call, id, None)
        }
        [g, id, mem, cast]
            if is(g, "groups")
                && is(mem, "members")
                && cast.to_ascii_lowercase().starts_with("microsoft.graph.")
                && m == Method::GET =>
        {
            groups::list_members(tenant, call, id, Some(cast))
        }
        [g, id, mem, r]
            if is(g, "groups") && is(mem, "members") && *r == "$ref" && m == Method::POST =>
        {
            groups::add_member(tenant, call, id)
        }
        [g, id, mem, member, r]
            if is(g, "groups") && is(mem, "members") && *r == "$ref" && m == Method::DELETE =>
        {
            groups::remove_member(tenant, call, id, member)
        }
        [g, id, own, r]
            if is(g, "groups") && is(own, "owners") && *r == "$ref" && m == Method::POST =>
        {
            groups::add_owner(tenant, call, id)
        }
        [g, id, own, owner, r]
            if is(g, "groups") && is(own, "owners") && *r == "$ref" && m == Method::DELETE =>
        {
            groups::remove_owner(tenant, call, id, owner)
        }
        [o] if is(o, "organization") && m == Method::GET => directory::organization(tenant, call),
        [d] if is(d, "directoryRoles") && m == Method::GET => directory::list_roles(tenant, call),
        [d, id, mem] if is(d, "directoryRoles") && is(mem, "members") && m == Method::GET => {
            directory::role_members(tenant, call, id)
        }
        [r, d, a]
            if is(r, "roleManagement")
                && is(d, "directory")
                && is(a, "roleAssignments")
                && m == Method::GET =>
        {
            directory::role_assignments(tenant, call)
        }
        [p, a, c, id]
            if is(p, "policies")
                && is(a, "authenticationMethodsPolicy")
                && is(c, "authenticationMethodConfigurations")
                && m == Method::GET =>
        {
            policies::method_configuration(tenant, call, id)
        }
        _ => Err(GraphError::MethodNotAllowed),
    }
}
