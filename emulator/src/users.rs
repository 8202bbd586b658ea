//! `/users`: list, get, create, update, delete, manager, memberships, sessions,
//! Temporary Access Pass.

use serde_json::{json, Map, Value};

use crate::clock;
use crate::errors::GraphError;
use crate::graph::{object_body, Call, GraphResult, Reply};
use crate::odata::filter::{FilterTarget, PropertyKind};
use crate::odata::{self, parse_select, project};
use crate::privileged;
use crate::tenant::{TemporaryAccessPass, Tenant, User, CLOUD_MASTERED_WHEN_SYNCED};
use crate::validation;

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata";

/// Returned when no `$select` is given; everything else is "returned only on $select".
pub const DEFAULT_USER_PROPERTIES: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "id",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
];

const STRING: PropertyKind = PropertyKind::String { ends_with: false };

pub const USER_FILTER: FilterTarget = FilterTarget {
    type_name: "user",
    resource: "User",
    properties: &[
        ("id", STRING),
        (
            "userPrincipalName",
            PropertyKind::String { ends_with: true },
        ),
        ("mail", PropertyKind::String { ends_with: true }),
        ("employeeId", STRING),
        ("displayName", STRING),
        ("givenName", STRING),
        ("surname", STRING),
        ("department", STRING),
        ("jobTitle", STRING),
        ("companyName", STRING),
        ("employeeType", STRING),
        ("mailNickname", STRING),
        ("usageLocation", STRING),
        ("accountEnabled", PropertyKind::Bool),
        ("onPremisesSyncEnabled", PropertyKind::Bool),
        ("otherMails", PropertyKind::StringCollection),
        ("proxyAddresses", PropertyKind::StringCollection),
        ("employeeHireDate", PropertyKind::DateTime),
        ("employeeLeaveDateTime", PropertyKind::DateTime),
    ],
};

/// Graph accepts these on a user synchronised from on-premises AD: the
/// cloud-mastered ones ([`CLOUD_MASTERED_WHEN_SYNCED`]) and `accountEnabled`,
/// which Graph writes although AD masters it: Entra Connect derives it from
/// `userAccountControl`, so the next sync cycle writes AD's value back
/// (<https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/reference-connect-sync-attributes-synchronized>).
fn cloud_writable_when_synced(property: &str) -> bool {
    property == "accountEnabled" || CLOUD_MASTERED_WHEN_SYNCED.contains(&property)
}

/// Sensitive properties: on privileged targets they need a matching directory role.
const SENSITIVE_PROPERTIES: &[&str] = &[
    "accountEnabled",
    "userPrincipalName",
    "mobilePhone",
    "businessPhones",
    "otherMails",
    "onPremisesImmutableId",
];

pub(crate) fn user_json(user: &User, select: Option<&[String]>) -> Map<String, Value> {
    let mut props = user.props.clone();
    props.extend(crate::licences::user_licence_properties(&user.licences));
    project(&props, select, Some(DEFAULT_USER_PROPERTIES))
}

fn find(tenant: &Tenant, call: &Call, id: &str) -> Result<usize, GraphError> {
    tenant
        .user_index(id, call.now_ms)
        .ok_or_else(|| GraphError::ResourceNotFound(id.to_string()))
}

/// `$expand=manager` or `manager($select=a,b)`; other expansions are refused.
fn manager_expansion(call: &Call) -> Result<Option<Option<Vec<String>>>, GraphError> {
    let Some(expand) = call.params.get("$expand") else {
        return Ok(None);
    };
    let expand = expand.trim();
    if expand.eq_ignore_ascii_case("manager") {
        return Ok(Some(None));
    }
    let inner = expand
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("manager("))
        .and_then(|_| expand[8..].strip_suffix(')'));
    match inner.and_then(|i| {
        let (k, v) = i.split_once('=')?;
        k.trim().eq_ignore_ascii_case("$select").then_some(v)
    }) {
        Some(list) => Ok(Some(Some(odata::select_list(list, "user")?))),
        None => Err(GraphError::bad_request(
            "BadRequest",
            format!("Parsing OData Select and Expand failed: Could not find a property named '{expand}' on type 'microsoft.graph.user'."),
        )),
    }
}

fn with_manager(
    tenant: &Tenant,
    user: &User,
    mut json: Map<String, Value>,
    expansion: &Option<Option<Vec<String>>>,
    now_ms: u64,
) -> Map<String, Value> {
    if let Some(select) = expansion {
        if let Some(manager) = user
            .manager
            .as_deref()
            .and_then(|m| tenant.user_index(m, now_ms))
            .map(|i| &tenant.users[i])
        {
            let mut m = Map::new();
            m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
            m.extend(project(&manager.props, select.as_deref(), None));
            if select.is_none() {
                m = manager.props.clone();
                m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
            }
            json.insert("manager".into(), Value::Object(m));
        }
    }
    json
}

pub(crate) fn list(tenant: &mut Tenant, call: &Call) -> GraphResult {
    let options = odata::list_options(&call.params, &USER_FILTER, call.eventual)?;
    let expansion = manager_expansion(call)?;
    let items: Vec<Value> = tenant
        .users
        .iter()
        .filter(|u| u.visible_at_ms <= call.now_ms)
        .filter(|u| {
            options
                .filter
                .as_ref()
                .is_none_or(|f| odata::filter::matches(f, &u.props))
        })
        .map(|u| {
            let json = user_json(u, options.select.as_deref());
            Value::Object(with_manager(tenant, u, json, &expansion, call.now_ms))
        })
        .collect();
    Ok(Reply::json(
        200,
        odata::page(
            items,
            &options,
            &format!("{CONTEXT}#users"),
            &format!("{}/users", call.base_url),
            &call.params,
        ),
    ))
}

pub(crate) fn get(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    let select = parse_select(&call.params, "user")?;
    let expansion = manager_expansion(call)?;
    let user = &tenant.users[index];
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT}#users/$entity")),
    );
    body.extend(with_manager(
        tenant,
        user,
        user_json(user, select.as_deref()),
        &expansion,
        call.now_ms,
    ));
    Ok(Reply::json(200, Value::Object(body)))
}

pub(crate) fn create(tenant: &mut Tenant, call: &Call) -> GraphResult {
    let body = object_body(call.body)?;
    let password = validation::user_write(tenant, &body, true)?;
    let upn = body
        .get("userPrincipalName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    validation::duplicate_upn(tenant, &upn, None)?;
    if let Some(mail) = body.get("mail").and_then(Value::as_str) {
        validation::duplicate_mail(tenant, mail, None)?;
    }
    let id = uuid::Uuid::new_v4().to_string();
    let mut props: Map<String, Value> = body
        .into_iter()
        .filter(|(k, _)| !k.starts_with('@') && k != "passwordProfile")
        .collect();
    props.insert("id".into(), json!(id));
    props.insert("createdDateTime".into(), json!(clock::iso(call.now_ms)));
    props.entry("businessPhones").or_insert_with(|| json!([]));
    props.insert("onPremisesSyncEnabled".into(), Value::Null);
    props.entry("userType").or_insert_with(|| json!("Member"));
    mail_to_proxy_addresses(&mut props);
    let user = User {
        props,
        manager: None,
        password,
        tap: None,
        auth_methods: Vec::new(),
        sponsors: Vec::new(),
        on_premises: None,
        visible_at_ms: call.now_ms + call.replication_delay_ms,
        licences: Vec::new(),
    };
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT}#users/$entity")),
    );
    out.extend(user_json(&user, None));
    tenant.users.push(user);
    Ok(Reply::json(201, Value::Object(out)))
}

pub(crate) fn update(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    let body = object_body(call.body)?;
    let password = validation::user_write(tenant, &body, false)?;
    let user_id = tenant.users[index].id().to_string();
    if body.contains_key("passwordProfile") && !privileged::app_may_act_on(tenant, &user_id, true) {
        return Err(GraphError::AccessDenied);
    }
    if body
        .keys()
        .any(|k| SENSITIVE_PROPERTIES.contains(&k.as_str()))
        && privileged::is_privileged_target(tenant, &user_id)
        && !privileged::app_may_act_on(tenant, &user_id, false)
    {
        return Err(GraphError::AccessDenied);
    }
    if tenant.users[index].is_synced()
        && body
            .keys()
            .any(|k| !k.starts_with('@') && !cloud_writable_when_synced(k))
    {
        return Err(GraphError::on_premises_mastered());
    }
    if let Some(upn) = body.get("userPrincipalName").and_then(Value::as_str) {
        validation::duplicate_upn(tenant, upn, Some(&user_id))?;
    }
    if let Some(mail) = body.get("mail").and_then(Value::as_str) {
        validation::duplicate_mail(tenant, mail, Some(&user_id))?;
    }
    let mail_written = body.contains_key("mail");
    let user = &mut tenant.users[index];
    for (key, value) in body {
        if key.starts_with('@') || key == "passwordProfile" {
            continue;
        }
        user.props.insert(key, value);
    }
    if mail_written {
        mail_to_proxy_addresses(&mut user.props);
    }
    if password.is_some() {
        user.password = password;
        user.props.insert(
            "lastPasswordChangeDateTime".into(),
            json!(clock::iso(call.now_ms)),
        );
    }
    Ok(Reply::no_content())
}

/// Entra adds a user's `mail` to its proxyAddresses as the primary SMTP
/// address (`SMTP:`), keeping the others as secondary (`smtp:`); see `mail`
/// on <https://learn.microsoft.com/en-us/graph/api/resources/user?view=graph-rest-1.0>.
fn mail_to_proxy_addresses(props: &mut Map<String, Value>) {
    let Some(mail) = props
        .get("mail")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    let mut addresses: Vec<String> = props
        .get("proxyAddresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|p| match p.split_once(':') {
            Some(("SMTP", rest)) => format!("smtp:{rest}"),
            _ => p.to_string(),
        })
        .filter(|p| !p.eq_ignore_ascii_case(&format!("smtp:{mail}")))
        .collect();
    addresses.insert(0, format!("SMTP:{mail}"));
    props.insert("proxyAddresses".into(), json!(addresses));
}

pub(crate) fn delete(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    let user_id = tenant.users[index].id().to_string();
    if privileged::is_privileged_target(tenant, &user_id)
        && !privileged::app_may_act_on(tenant, &user_id, false)
    {
        return Err(GraphError::AccessDenied);
    }
    if tenant.users[index].is_synced() {
        return Err(GraphError::on_premises_mastered());
    }
    // Soft delete: the user waits in deletedItems for 30 days
    // (https://learn.microsoft.com/en-us/graph/api/user-delete?view=graph-rest-1.0).
    let mut removed = tenant.users.remove(index);
    removed
        .props
        .insert("deletedDateTime".into(), json!(clock::iso(call.now_ms)));
    tenant.deleted_users.push((removed, call.now_ms));
    for group in &mut tenant.groups {
        group.members.retain(|m| !m.eq_ignore_ascii_case(&user_id));
    }
    for role in &mut tenant.roles {
        role.members.retain(|m| !m.eq_ignore_ascii_case(&user_id));
    }
    for user in &mut tenant.users {
        if user
            .manager
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(&user_id))
        {
            user.manager = None;
        }
    }
    Ok(Reply::no_content())
}

pub(crate) fn get_manager(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    let select = parse_select(&call.params, "user")?;
    let manager = tenant.users[index]
        .manager
        .as_deref()
        .and_then(|m| tenant.user_index(m, call.now_ms))
        .ok_or_else(|| GraphError::ResourceNotFound("manager".into()))?;
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT}#directoryObjects/$entity")),
    );
    body.insert("@odata.type".into(), json!("#microsoft.graph.user"));
    body.extend(user_json(&tenant.users[manager], select.as_deref()));
    Ok(Reply::json(200, Value::Object(body)))
}

/// The object id at the end of an `@odata.id` reference URL
/// (`.../directoryObjects/{id}`, `.../users/{id}` or `.../groups/{id}`).
pub(crate) fn reference_id(value: Option<&Value>) -> Result<String, GraphError> {
    let url = value.and_then(Value::as_str).ok_or_else(|| {
        GraphError::bad_request(
            "BadRequest",
            "The @odata.id property is required and must be a string.",
        )
    })?;
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [.., kind, id]
            if ["directoryObjects", "users", "groups"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(kind))
                && !id.is_empty() =>
        {
            Ok(percent_encoding::percent_decode_str(id)
                .decode_utf8_lossy()
                .into_owned())
        }
        _ => Err(GraphError::bad_request(
            "BadRequest",
            format!("Invalid object identifier '{url}'."),
        )),
    }
}

pub(crate) fn set_manager(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    let body = object_body(call.body)?;
    let manager_ref = reference_id(body.get("@odata.id"))?;
    let manager = tenant
        .user_index(&manager_ref, call.now_ms)
        .ok_or_else(|| GraphError::ResourceNotFound(manager_ref.clone()))?;
    if manager == index {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "A user cannot be their own manager.",
        ));
    }
    if tenant.users[index].is_synced() {
        return Err(GraphError::on_premises_mastered());
    }
    let manager_id = tenant.users[manager].id().to_string();
    tenant.users[index].manager = Some(manager_id);
    Ok(Reply::no_content())
}

pub(crate) fn remove_manager(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    if tenant.users[index].is_synced() {
        return Err(GraphError::on_premises_mastered());
    }
    if tenant.users[index].manager.take().is_none() {
        return Err(GraphError::ResourceNotFound("manager".into()));
    }
    Ok(Reply::no_content())
}

/// A group or directory role as it appears in membership lists.
pub(crate) fn container_json(
    tenant: &Tenant,
    id: &str,
    select: Option<&[String]>,
) -> Option<Value> {
    if let Some(g) = tenant.group_index(id).map(|i| &tenant.groups[i]) {
        let mut m = Map::new();
        m.insert("@odata.type".into(), json!("#microsoft.graph.group"));
        m.extend(project(&g.props, select, None));
        return Some(Value::Object(m));
    }
    let role = tenant.role_index(id).map(|i| &tenant.roles[i])?;
    let props = crate::directory::role_props(role);
    let mut m = Map::new();
    m.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.directoryRole"),
    );
    match select {
        // Only the selected names directoryRole declares: a role has no group properties.
        Some(select) => m.extend(
            select
                .iter()
                .filter(|n| crate::schema::property_type("directoryRole", n).is_some())
                .map(|n| (n.clone(), props.get(n).cloned().unwrap_or(Value::Null))),
        ),
        None => m.extend(props),
    }
    Some(Value::Object(m))
}

/// A directory role in a `memberOf` answer, cut to `@odata.type` and `id`
/// when the token may not read directory roles: "Limited information
/// returned for inaccessible member objects"
/// (<https://learn.microsoft.com/en-us/graph/permissions-overview#limited-information-returned-for-inaccessible-member-objects>).
fn limited_unless_readable(item: Value, roles: &[String]) -> Value {
    let is_role = item["@odata.type"] == "#microsoft.graph.directoryRole";
    let readable = ["RoleManagement.Read.Directory", "Directory.Read.All"]
        .iter()
        .any(|p| crate::permissions::holds(roles, p));
    if !is_role || readable {
        return item;
    }
    json!({"@odata.type": item["@odata.type"], "id": item["id"]})
}

pub(crate) fn member_of(
    tenant: &mut Tenant,
    call: &Call,
    id: &str,
    transitive: bool,
    cast: Option<&str>,
) -> GraphResult {
    let index = find(tenant, call, id)?;
    let (want_groups, want_roles, type_name) = match cast {
        None => (true, true, "group"),
        Some(c) if c.eq_ignore_ascii_case("microsoft.graph.group") => (true, false, "group"),
        Some(c) if c.eq_ignore_ascii_case("microsoft.graph.directoryRole") => {
            (false, true, "directoryRole")
        }
        Some(other) => return Err(GraphError::UnknownSegment(other.to_string())),
    };
    let select = parse_select(&call.params, type_name)?;
    let user_id = tenant.users[index].id().to_string();
    let ids = if transitive {
        tenant.transitive_containers(&user_id)
    } else {
        tenant.direct_containers(&user_id)
    };
    let items: Vec<Value> = ids
        .iter()
        .filter(|i| {
            (want_groups && tenant.group_index(i).is_some())
                || (want_roles && tenant.role_index(i).is_some())
        })
        .filter_map(|i| container_json(tenant, i, select.as_deref()))
        .map(|item| limited_unless_readable(item, &call.claims.roles))
        .collect();
    let options = odata::ListOptions::navigation(&call.params, select);
    let relation = if transitive {
        "transitiveMemberOf"
    } else {
        "memberOf"
    };
    let mut base = format!("{}/users/{}/{relation}", call.base_url, user_id);
    if let Some(c) = cast {
        base = format!("{base}/{c}");
    }
    Ok(Reply::json(
        200,
        odata::page(
            items,
            &options,
            &format!("{CONTEXT}#directoryObjects"),
            &base,
            &call.params,
        ),
    ))
}

pub(crate) fn revoke_sessions(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    tenant.users[index].props.insert(
        "signInSessionsValidFromDateTime".into(),
        json!(clock::iso(call.now_ms)),
    );
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#Edm.Boolean"), "value": true}),
    ))
}

pub(crate) fn check_member_groups(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    let body = object_body(call.body)?;
    let ids: Vec<String> = match body.get("groupIds").and_then(Value::as_array) {
        Some(ids) if ids.len() <= 20 && ids.iter().all(Value::is_string) => ids
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(ids) if ids.len() > 20 => {
            return Err(GraphError::bad_request(
                "Request_BadRequest",
                "The number of groupIds in the request must not exceed 20.",
            ))
        }
        _ => return Err(GraphError::invalid_value("groupIds", "User")),
    };
    let containers = tenant.transitive_containers(tenant.users[index].id());
    let value: Vec<Value> = ids
        .into_iter()
        .filter(|g| containers.iter().any(|c| c.eq_ignore_ascii_case(g)))
        .map(Value::String)
        .collect();
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#Collection(Edm.String)"), "value": value}),
    ))
}

fn tap_json(user_id: &str, tap: &TemporaryAccessPass, now_ms: u64, reveal: bool) -> Value {
    let end_ms = tap.start_ms + (tap.lifetime_minutes as u64) * 60_000;
    let (usable, reason) = if now_ms < tap.start_ms {
        (false, "NotYetValid")
    } else if now_ms >= end_ms {
        (false, "Expired")
    } else {
        (true, "EnabledByPolicy")
    };
    json!({
        "@odata.context": format!("{CONTEXT}#users('{user_id}')/authentication/temporaryAccessPassMethods/$entity"),
        "id": tap.id,
        "temporaryAccessPass": if reveal { Value::String(tap.pass.clone()) } else { Value::Null },
        "createdDateTime": clock::iso(tap.created_ms),
        "startDateTime": clock::iso(tap.start_ms),
        "lifetimeInMinutes": tap.lifetime_minutes,
        "isUsableOnce": tap.usable_once,
        "isUsable": usable,
        "methodUsabilityReason": reason,
    })
}

/// A readable pass of the policy's `defaultLength` (8 to 48): letters and
/// digits without look-alikes, plus symbols.
fn generate_pass(length: i64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+?";
    let length = length.clamp(8, 48) as usize;
    std::iter::repeat_with(|| *uuid::Uuid::new_v4().as_bytes())
        .flatten()
        .take(length)
        .map(|b| ALPHABET[(b as usize) % ALPHABET.len()] as char)
        .collect()
}

pub(crate) fn create_tap(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    let body = if call.body.is_empty() {
        Map::new()
    } else {
        object_body(call.body)?
    };
    for (key, value) in &body {
        let edm = crate::schema::property_type("temporaryAccessPassAuthenticationMethod", key)
            .ok_or_else(|| {
                GraphError::unknown_property(key, "temporaryAccessPassAuthenticationMethod")
            })?;
        let writable =
            ["startDateTime", "lifetimeInMinutes", "isUsableOnce"].contains(&key.as_str());
        if !writable || !crate::schema::value_fits(edm, value) {
            return Err(GraphError::bad_request(
                "badRequest",
                format!("Invalid value specified for property '{key}'."),
            ));
        }
    }
    let user_id = tenant.users[index].id().to_string();
    if privileged::is_privileged_target(tenant, &user_id)
        && !privileged::app_may_act_on(tenant, &user_id, false)
    {
        return Err(GraphError::AccessDenied);
    }
    // The authentication methods policy decides, as in Entra: the method
    // must be enabled, the lifetime within the policy's minimum and maximum,
    // and the pass one-time when the policy requires it.
    // https://learn.microsoft.com/en-us/entra/identity/authentication/howto-authentication-temporary-access-pass
    let policy = &tenant.tap_policy;
    if policy.state != "enabled" {
        return Err(GraphError::bad_request(
            "badRequest",
            "The Temporary Access Pass authentication method is not enabled for this user by the authentication methods policy.",
        ));
    }
    let lifetime = body
        .get("lifetimeInMinutes")
        .and_then(Value::as_i64)
        .unwrap_or(policy.default_lifetime_in_minutes);
    let (min, max) = (
        policy.minimum_lifetime_in_minutes,
        policy.maximum_lifetime_in_minutes,
    );
    if !(min..=max).contains(&lifetime) {
        return Err(GraphError::bad_request(
            "badRequest",
            format!("The lifetimeInMinutes of the Temporary Access Pass must be between {min} and {max} minutes as set in the Temporary Access Pass authentication methods policy."),
        ));
    }
    let usable_once = body
        .get("isUsableOnce")
        .and_then(Value::as_bool)
        .unwrap_or(policy.is_usable_once);
    if policy.is_usable_once && !usable_once {
        return Err(GraphError::bad_request(
            "badRequest",
            "The Temporary Access Pass authentication methods policy allows one-time passes only: isUsableOnce must be true.",
        ));
    }
    let start_ms = match body.get("startDateTime").and_then(Value::as_str) {
        Some(s) => clock::parse_rfc3339_ms(s).ok_or_else(|| {
            GraphError::bad_request(
                "badRequest",
                "Invalid value specified for property 'startDateTime'.",
            )
        })?,
        None => call.now_ms,
    };
    let tap = TemporaryAccessPass {
        id: uuid::Uuid::new_v4().to_string(),
        pass: generate_pass(policy.default_length),
        created_ms: call.now_ms,
        start_ms,
        lifetime_minutes: lifetime,
        usable_once,
    };
    let reply = tap_json(&user_id, &tap, call.now_ms, true);
    // One Temporary Access Pass per user: a new one replaces the old.
    tenant.users[index].tap = Some(tap);
    Ok(Reply::json(201, reply))
}

pub(crate) fn list_taps(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = find(tenant, call, id)?;
    let user = &tenant.users[index];
    let value: Vec<Value> = user
        .tap
        .iter()
        .map(|t| {
            let mut v = tap_json(user.id(), t, call.now_ms, false);
            if let Some(o) = v.as_object_mut() {
                o.remove("@odata.context");
            }
            v
        })
        .collect();
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#users('{}')/authentication/temporaryAccessPassMethods", user.id()), "value": value}),
    ))
}

/// `GET /users/{id}/directReports[/microsoft.graph.user]` (the users whose
/// manager is this user: "List directReports",
/// <https://learn.microsoft.com/en-us/graph/api/user-list-directreports?view=graph-rest-1.0>)
/// and `GET /users/{id}/ownedObjects[/microsoft.graph.group]` (the groups
/// listing the user as an owner: "List ownedObjects",
/// <https://learn.microsoft.com/en-us/graph/api/user-list-ownedobjects?view=graph-rest-1.0>).
/// The OData cast keeps only objects of that type.
pub(crate) fn related(
    tenant: &mut Tenant,
    call: &Call,
    id: &str,
    relation: &str,
    cast: Option<&str>,
) -> GraphResult {
    let index = find(tenant, call, id)?;
    let user_id = tenant.users[index].id().to_string();
    let reports = relation.eq_ignore_ascii_case("directReports");
    let type_name = if reports { "user" } else { "group" };
    let wanted_cast = format!("microsoft.graph.{type_name}");
    let keep = match cast {
        None => true,
        Some(c) if c.eq_ignore_ascii_case(&wanted_cast) => true,
        Some(c) if c.to_ascii_lowercase().starts_with("microsoft.graph.") => false,
        Some(other) => return Err(GraphError::UnknownSegment(other.to_string())),
    };
    let select = parse_select(&call.params, type_name)?;
    let items: Vec<Value> = if !keep {
        Vec::new()
    } else if reports {
        tenant
            .users
            .iter()
            .filter(|u| u.visible_at_ms <= call.now_ms)
            .filter(|u| {
                u.manager
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(&user_id))
            })
            .map(|u| {
                let mut m = Map::new();
                m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
                m.extend(user_json(u, select.as_deref()));
                Value::Object(m)
            })
            .collect()
    } else {
        tenant
            .groups
            .iter()
            .filter(|g| g.owners.iter().any(|o| o.eq_ignore_ascii_case(&user_id)))
            .map(|g| {
                let mut m = Map::new();
                m.insert("@odata.type".into(), json!("#microsoft.graph.group"));
                m.extend(odata::project(&g.props, select.as_deref(), None));
                Value::Object(m)
            })
            .collect()
    };
    let options = odata::ListOptions::navigation(&call.params, select);
    let mut base = format!("{}/users/{}/{relation}", call.base_url, user_id);
    if let Some(c) = cast {
        base = format!("{base}/{c}");
    }
    Ok(Reply::json(
        200,
        odata::page(
            items,
            &options,
            &format!("{CONTEXT}#directoryObjects"),
            &base,
            &call.params,
        ),
    ))
}
