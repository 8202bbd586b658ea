//! `POST /invitations` and `GET /users/{id}/sponsors`: B2B guests.
//!
//! Sources: "Create invitation"
//! (<https://learn.microsoft.com/en-us/graph/api/invitation-post?view=graph-rest-1.0>:
//! `invitedUserEmailAddress` and `inviteRedirectUrl` are required; 201 with
//! the invitation, `inviteRedeemUrl`, `invitedUser` and `status`
//! `PendingAcceptance`; `invitedUserSponsors` sets the guest's sponsors),
//! the invitation resource
//! (<https://learn.microsoft.com/en-us/graph/api/resources/invitation?view=graph-rest-1.0>:
//! inviting an address that already belongs to a guest re-invites that
//! guest), the user resource (`userType` `Guest`, `externalUserState`
//! `PendingAcceptance`, a UPN `{mail with _ for @}#EXT#@{initial domain}`)
//! and "List sponsors"
//! (<https://learn.microsoft.com/en-us/graph/api/user-list-sponsors?view=graph-rest-1.0>).

use serde_json::{json, Map, Value};

use crate::clock;
use crate::errors::GraphError;
use crate::graph::{object_body, Call, GraphResult, Reply};
use crate::tenant::{Tenant, User};
use crate::users::user_json;

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata";

fn required<'a>(body: &'a Map<String, Value>, key: &str) -> Result<&'a str, GraphError> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            GraphError::bad_request(
                "BadRequest",
                format!("The property '{key}' is required and must be a non-empty string."),
            )
        })
}

fn sponsor_ids(body: &Map<String, Value>) -> Result<Vec<String>, GraphError> {
    let Some(list) = body.get("invitedUserSponsors") else {
        return Ok(Vec::new());
    };
    let invalid = || {
        GraphError::bad_request(
            "BadRequest",
            "Invalid value specified for property 'invitedUserSponsors'.",
        )
    };
    list.as_array()
        .ok_or_else(invalid)?
        .iter()
        .map(|s| {
            s.get("id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(invalid)
        })
        .collect()
}

/// `POST /invitations`.
pub(crate) fn create(tenant: &mut Tenant, call: &Call) -> GraphResult {
    let body = object_body(call.body)?;
    for key in body.keys() {
        if crate::schema::property_type("invitation", key).is_none()
            && key != "invitedUserSponsors"
            && !key.starts_with('@')
        {
            return Err(GraphError::unknown_property(key, "invitation"));
        }
    }
    let email = required(&body, "invitedUserEmailAddress")?
        .trim()
        .to_string();
    let redirect = required(&body, "inviteRedirectUrl")?.to_string();
    let Some((local, domain)) = email.split_once('@').filter(|(l, d)| {
        !l.is_empty() && d.contains('.') && !d.contains('@') && !email.contains(char::is_whitespace)
    }) else {
        return Err(GraphError::bad_request(
            "BadRequest",
            "The invited user email address is invalid.",
        ));
    };
    let mut sponsors = Vec::new();
    for id in sponsor_ids(&body)? {
        let index = tenant
            .user_index(&id, call.now_ms)
            .ok_or_else(|| GraphError::ResourceNotFound(id.clone()))?;
        sponsors.push(tenant.users[index].id().to_string());
    }
    let display_name = body
        .get("invitedUserDisplayName")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| email.clone());
    let existing = tenant.users.iter().position(|u| {
        u.props
            .get("mail")
            .and_then(Value::as_str)
            .is_some_and(|m| m.eq_ignore_ascii_case(&email))
    });
    let index = match existing {
        Some(i) if tenant.users[i].props.get("userType") == Some(&json!("Guest")) => i,
        Some(_) => {
            return Err(GraphError::bad_request(
                "BadRequest",
                "The invited user already exists in the directory as a member and can't be invited as a guest.",
            ))
        }
        None => {
            let initial = tenant
                .verified_domains
                .iter()
                .find(|d| d.get("isInitial") == Some(&json!(true)))
                .and_then(|d| d.get("name").and_then(Value::as_str))
                .unwrap_or("contoso.onmicrosoft.com")
                .to_string();
            let upn = format!("{local}_{domain}#EXT#@{initial}");
            let id = uuid::Uuid::new_v4().to_string();
            let mut props = Map::new();
            for (k, v) in [
                ("id", json!(id)),
                ("displayName", json!(display_name)),
                ("userPrincipalName", json!(upn)),
                ("mail", json!(email)),
                ("otherMails", json!([email])),
                ("mailNickname", json!(format!("{local}_{domain}#EXT#"))),
                ("userType", json!("Guest")),
                ("externalUserState", json!("PendingAcceptance")),
                (
                    "externalUserStateChangeDateTime",
                    json!(clock::iso(call.now_ms)),
                ),
                ("accountEnabled", json!(true)),
                ("createdDateTime", json!(clock::iso(call.now_ms))),
                ("creationType", json!("Invitation")),
                ("businessPhones", json!([])),
                ("onPremisesSyncEnabled", Value::Null),
            ] {
                props.insert(k.into(), v);
            }
            tenant.users.push(User {
                props,
                manager: None,
                password: None,
                tap: None,
                auth_methods: Vec::new(),
                licences: Vec::new(),
                sponsors: Vec::new(),
                on_premises: None,
                visible_at_ms: call.now_ms + call.replication_delay_ms,
            });
            tenant.users.len() - 1
        }
    };
    for sponsor in sponsors {
        let list = &mut tenant.users[index].sponsors;
        if !list.iter().any(|s| s.eq_ignore_ascii_case(&sponsor)) {
            list.push(sponsor);
        }
    }
    let user = &tenant.users[index];
    let invitation_id = uuid::Uuid::new_v4().to_string();
    let send = body
        .get("sendInvitationMessage")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Reply::json(
        201,
        json!({
            "@odata.context": format!("{CONTEXT}#invitations/$entity"),
            "id": invitation_id,
            "inviteRedeemUrl": format!("https://login.microsoftonline.com/redeem?rd=https%3a%2f%2finvitations.microsoft.com%2fredeem%2f%3ftenant%3d{}%26user%3d{}%26ticket%3d{}", tenant.id, user.id(), invitation_id),
            "invitedUserDisplayName": user.props.get("displayName").cloned().unwrap_or(Value::Null),
            "invitedUserType": "Guest",
            "invitedUserEmailAddress": email,
            "sendInvitationMessage": send,
            "resetRedemption": false,
            "inviteRedirectUrl": redirect,
            "status": "PendingAcceptance",
            "invitedUserMessageInfo": body.get("invitedUserMessageInfo").cloned().unwrap_or(json!({"messageLanguage": null, "customizedMessageBody": null, "ccRecipients": []})),
            "invitedUser": {"id": user.id()},
        }),
    ))
}

/// `GET /users/{id}/sponsors`.
pub(crate) fn list_sponsors(tenant: &mut Tenant, call: &Call, id: &str) -> GraphResult {
    let index = tenant
        .user_index(id, call.now_ms)
        .ok_or_else(|| GraphError::ResourceNotFound(id.to_string()))?;
    let select = crate::odata::parse_select(&call.params, "user")?;
    let value: Vec<Value> = tenant.users[index]
        .sponsors
        .iter()
        .filter_map(|s| tenant.user_index_any(s))
        .map(|i| {
            let mut m = Map::new();
            m.insert("@odata.type".into(), json!("#microsoft.graph.user"));
            m.extend(user_json(&tenant.users[i], select.as_deref()));
            Value::Object(m)
        })
        .collect();
    Ok(Reply::json(
        200,
        json!({"@odata.context": format!("{CONTEXT}#directoryObjects"), "value": value}),
    ))
}
