//! Reading users and groups by delta query, one page at a time, for the
//! JSM Assets import.
//!
//! A sweep starts full ([`DeltaStart::Full`]: every current object, in
//! pages) or from a saved `@odata.deltaLink` ([`DeltaStart::From`]: only
//! what changed since), and resumes from a saved `@odata.nextLink`
//! ([`DeltaStart::Page`]). Each call reads one page, so the caller can
//! checkpoint between pages; the last page of a sweep carries the
//! `@odata.deltaLink` for the next one ([`DeltaNext::Done`]).
//!
//! What Graph sends, and how it is read here
//! (<https://learn.microsoft.com/en-us/graph/delta-query-overview>,
//! <https://learn.microsoft.com/en-us/graph/api/user-delta?view=graph-rest-1.0>,
//! <https://learn.microsoft.com/en-us/graph/api/group-delta?view=graph-rest-1.0>):
//! - an object with `"@removed": {"reason": "changed" | "deleted"}` left the
//!   collection: soft-deleted (restorable for 30 days) or gone for good
//!   ([`DeltaItem::Removed`]). Graph may send these in a full sweep too.
//! - `manager@delta` and `members@delta` list related objects as
//!   `{"@odata.type", "id"}`, a removed one with `@removed`. A large group
//!   repeats on several pages with different slices of `members@delta`; the
//!   caller merges them ("do not assume a specific sequence").
//! - the same change may be sent again in a later sweep; merging by id,
//!   last state wins, makes that harmless.
//! - a delta token Graph no longer knows (older than 7 days for directory
//!   objects, or after internal maintenance) answers `410 Gone`, or an error
//!   with code `syncStateNotFound`: [`DeltaError::Expired`], and the caller
//!   starts again with a full sweep.
//!
//! Throttled pages (429, 503 with `Retry-After`) are retried inside the
//! caller's [`Deadline`] by [`GraphClient::send`]; past it the page fails as
//! [`ClientError::Deferred`] and the caller resumes from the same link later.

use crate::graph::client::GraphClient;
use crate::graph::error::ClientError;
use crate::graph::resources::delta as calls;
use crate::graph::retry::Deadline;
use crate::graph::GraphRequest;
use crate::host::Host;
use crate::http::Transport;
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

pub use crate::graph::resources::delta::{GROUP_DELTA_SELECT, USER_DELTA_SELECT};

/// Where a delta sweep (or the next page of one) starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeltaStart {
    /// A full sweep: every current object.
    Full,
    /// An incremental sweep from a saved `@odata.deltaLink` (absolute URL).
    From(String),
    /// The next page of a sweep under way: a saved `@odata.nextLink`
    /// (absolute URL).
    Page(String),
}

/// One page of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct DeltaPage<T> {
    /// The page's objects in Graph's order: changed (or current) ones and
    /// removed ones. The same id may appear on several pages (large groups).
    pub items: Vec<DeltaItem<T>>,
    /// More pages, or the link for the next sweep.
    pub next: DeltaNext,
}

/// One object of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum DeltaItem<T> {
    /// An object as it is now (the selected properties).
    Changed(T),
    /// An object that left the collection.
    Removed {
        /// Its object id.
        id: String,
        /// Why: soft delete or permanent deletion.
        reason: RemovedReason,
    },
}

/// Why an object left the collection (`@removed.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovedReason {
    /// `"changed"`: soft-deleted, restorable from deleted items for 30 days.
    Changed,
    /// `"deleted"`: permanently deleted.
    Deleted,
}

/// What follows a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeltaNext {
    /// `@odata.nextLink`: read it (as [`DeltaStart::Page`]) for the rest of
    /// this sweep.
    More(String),
    /// `@odata.deltaLink`: the sweep is complete; keep the link and read it
    /// (as [`DeltaStart::From`]) next time for the changes since.
    Done(String),
}

/// A user as `/users/delta` returns it with
/// `$select=`[`USER_DELTA_SELECT`]`,manager`, in Graph's property names
/// (camelCase). Every property but `id` is optional: Graph sends `null` for
/// unset ones, and a property Graph left out stays `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeltaUser {
    /// Object id.
    pub id: String,
    /// Sign-in name.
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// First name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub surname: Option<String>,
    /// Primary SMTP address.
    #[serde(default)]
    pub mail: Option<String>,
    /// Whether the account may sign in.
    #[serde(default)]
    pub account_enabled: Option<bool>,
    /// `Member` or `Guest`.
    #[serde(default)]
    pub user_type: Option<String>,
    /// Department.
    #[serde(default)]
    pub department: Option<String>,
    /// Job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Company name.
    #[serde(default)]
    pub company_name: Option<String>,
    /// Office location.
    #[serde(default)]
    pub office_location: Option<String>,
    /// Employee id (HR).
    #[serde(default)]
    pub employee_id: Option<String>,
    /// Employee type (HR), e.g. `Employee`, `Contractor`.
    #[serde(default)]
    pub employee_type: Option<String>,
    /// Hire date, RFC 3339 as Graph sends it.
    #[serde(default)]
    pub employee_hire_date: Option<String>,
    /// ISO 3166-1 alpha-2 usage location.
    #[serde(default)]
    pub usage_location: Option<String>,
    /// Creation time, RFC 3339 as Graph sends it.
    #[serde(default)]
    pub created_date_time: Option<String>,
    /// `true` for a user synced from on-premises AD (Graph sends `null`
    /// for a cloud user).
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// From `manager@delta`: `None` when absent (no manager in a full
    /// sweep, unchanged in an incremental one), `Some(Some(id))` for the
    /// manager now, `Some(None)` when the manager was removed.
    #[serde(skip)]
    pub manager_id: Option<Option<String>>,
}

/// A group as `/groups/delta` returns it with
/// `$select=`[`GROUP_DELTA_SELECT`]`,members`, in Graph's property names.
/// One page holds one slice of a large group's members; the caller merges
/// the slices by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeltaGroup {
    /// Object id.
    pub id: String,
    /// Display name. Graph sends the group's properties with each slice of
    /// a large group; a slice without them leaves these `None`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// SMTP address, for mail-enabled groups.
    #[serde(default)]
    pub mail: Option<String>,
    /// Mail alias.
    #[serde(default)]
    pub mail_nickname: Option<String>,
    /// Mail-enabled (distribution list, mail-enabled security or Microsoft 365).
    #[serde(default)]
    pub mail_enabled: Option<bool>,
    /// Security group.
    #[serde(default)]
    pub security_enabled: Option<bool>,
    /// `Unified` (Microsoft 365) and/or `DynamicMembership`; `None` when
    /// not sent.
    #[serde(default)]
    pub group_types: Option<Vec<String>>,
    /// Rule of a dynamic group.
    #[serde(default)]
    pub membership_rule: Option<String>,
    /// Role-assignable group.
    #[serde(default)]
    pub is_assignable_to_role: Option<bool>,
    /// Synced from on-premises AD.
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// Creation time, RFC 3339 as Graph sends it.
    #[serde(default)]
    pub created_date_time: Option<String>,
    /// Members in this slice of `members@delta` without `@removed`: every
    /// member in a full sweep, the ones added in an incremental one.
    #[serde(skip)]
    pub members_added: Vec<DeltaMember>,
    /// Members in this slice with `@removed` (incremental sweeps).
    #[serde(skip)]
    pub members_removed: Vec<DeltaMember>,
}

/// A related object of `members@delta` (or `manager@delta`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaMember {
    /// Object id.
    pub id: String,
    /// Its type, from `@odata.type`.
    pub kind: MemberKind,
}

/// The type of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberKind {
    /// `#microsoft.graph.user`.
    User,
    /// `#microsoft.graph.group` (nesting).
    Group,
    /// Anything else (devices, service principals, org contacts): not
    /// imported.
    Other,
}

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum DeltaError {
    /// Graph no longer knows the state token (410 Gone, or
    /// `syncStateNotFound`): start again with [`DeltaStart::Full`].
    Expired,
    /// Any other failure of the request, including throttling that outlasted
    /// the deadline ([`ClientError::Deferred`]: retry the same start later).
    Graph(ClientError),
}

impl fmt::Display for DeltaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeltaError::Expired => {
                write!(f, "the delta token has expired; a full sweep is needed")
            }
            DeltaError::Graph(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for DeltaError {}

impl From<ClientError> for DeltaError {
    fn from(e: ClientError) -> Self {
        match &e {
            ClientError::Graph(g) if g.status == 410 || is_sync_state_code(&g.code) => {
                DeltaError::Expired
            }
            _ => DeltaError::Graph(e),
        }
    }
}

/// Graph's codes for a state token it cannot continue from (overview,
/// "Synchronization reset"; and the 7-day expiry announcement:
/// "syncStateNotFound ... The delta token is expired").
fn is_sync_state_code(code: &str) -> bool {
    ["syncStateNotFound", "syncStateInvalid", "resyncRequired"]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(code))
}

/// One page of users (with managers). See the module documentation.
pub async fn users_page<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    start: &DeltaStart,
    deadline: Deadline,
) -> Result<DeltaPage<DeltaUser>, DeltaError> {
    let request = request_for(start, calls::users_delta);
    read_page(client, &request, deadline, "users delta page", user_item).await
}

/// One page of groups (with members). See the module documentation.
pub async fn groups_page<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    start: &DeltaStart,
    deadline: Deadline,
) -> Result<DeltaPage<DeltaGroup>, DeltaError> {
    let request = request_for(start, calls::groups_delta);
    read_page(client, &request, deadline, "groups delta page", group_item).await
}

fn request_for(start: &DeltaStart, first: fn() -> GraphRequest) -> GraphRequest {
    match start {
        DeltaStart::Full => first(),
        DeltaStart::From(link) | DeltaStart::Page(link) => calls::follow(link),
    }
}

#[derive(Deserialize)]
struct RawPage {
    #[serde(default)]
    value: Vec<Value>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink", default)]
    delta_link: Option<String>,
}

async fn read_page<T: Transport, H: Host, V>(
    client: &GraphClient<'_, T, H>,
    request: &GraphRequest,
    deadline: Deadline,
    what: &'static str,
    item: fn(Value) -> Result<DeltaItem<V>, String>,
) -> Result<DeltaPage<V>, DeltaError> {
    let decode = |reason: String| DeltaError::Graph(ClientError::Decode { what, reason });
    let page: RawPage = client.send(request, deadline).await?.json(what)?;
    // Learn: "a page can't contain both @odata.deltaLink and @odata.nextLink".
    let next = match (page.next_link, page.delta_link) {
        (Some(next), None) => DeltaNext::More(next),
        (None, Some(delta)) => DeltaNext::Done(delta),
        (Some(_), Some(_)) => return Err(decode("both a nextLink and a deltaLink".into())),
        (None, None) => return Err(decode("neither a nextLink nor a deltaLink".into())),
    };
    let items = page
        .value
        .into_iter()
        .map(item)
        .collect::<Result<Vec<_>, _>>()
        .map_err(decode)?;
    Ok(DeltaPage { items, next })
}

/// `Some(reason)` when the object carries `@removed`.
fn removed_reason(object: &Value) -> Option<RemovedReason> {
    let removed = object.get("@removed")?;
    Some(
        match removed.get("reason").and_then(Value::as_str).unwrap_or("") {
            // "deleted" is permanent; Graph documents only the two reasons,
            // and anything else is read as the restorable one.
            r if r.eq_ignore_ascii_case("deleted") => RemovedReason::Deleted,
            _ => RemovedReason::Changed,
        },
    )
}

fn removed_item<V>(object: &Value) -> Result<Option<DeltaItem<V>>, String> {
    let Some(reason) = removed_reason(object) else {
        return Ok(None);
    };
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .ok_or("a removed object without an id")?;
    Ok(Some(DeltaItem::Removed {
        id: id.to_string(),
        reason,
    }))
}

/// The entries of a `…@delta` annotation: an array of related objects, or
/// (read defensively, as the exact form for the single-valued `manager` is
/// not shown on Learn) one object.
fn relation_entries(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(entries)) => entries.iter().collect(),
        Some(object @ Value::Object(_)) => vec![object],
        _ => Vec::new(),
    }
}

fn member_of(entry: &Value) -> Option<DeltaMember> {
    let id = entry.get("id").and_then(Value::as_str)?.to_string();
    let kind = match entry
        .get("@odata.type")
        .and_then(Value::as_str)
        .map(|t| t.trim_start_matches('#').to_ascii_lowercase())
        .as_deref()
    {
        Some("microsoft.graph.user") => MemberKind::User,
        Some("microsoft.graph.group") => MemberKind::Group,
        _ => MemberKind::Other,
    };
    Some(DeltaMember { id, kind })
}

fn user_item(object: Value) -> Result<DeltaItem<DeltaUser>, String> {
    if let Some(removed) = removed_item(&object)? {
        return Ok(removed);
    }
    let entries = relation_entries(object.get("manager@delta"));
    let manager_id = if object.get("manager@delta").is_none() {
        None
    } else {
        // The manager now is the last entry not marked removed; only
        // removed entries mean the user has none any more.
        Some(
            entries
                .iter()
                .rev()
                .find(|e| e.get("@removed").is_none())
                .and_then(|e| e.get("id").and_then(Value::as_str))
                .map(str::to_string),
        )
    };
    let mut user: DeltaUser = serde_json::from_value(object).map_err(|e| e.to_string())?;
    user.manager_id = manager_id;
    Ok(DeltaItem::Changed(user))
}

fn group_item(object: Value) -> Result<DeltaItem<DeltaGroup>, String> {
    if let Some(removed) = removed_item(&object)? {
        return Ok(removed);
    }
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for entry in relation_entries(object.get("members@delta")) {
        if let Some(member) = member_of(entry) {
            if entry.get("@removed").is_some() {
                removed.push(member);
            } else {
                added.push(member);
            }
        }
    }
    let mut group: DeltaGroup = serde_json::from_value(object).map_err(|e| e.to_string())?;
    group.members_added = added;
    group.members_removed = removed;
    Ok(DeltaItem::Changed(group))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_user_with_a_manager_and_removed_ones() {
        let u = user_item(json!({
            "id": "u1", "displayName": "A", "accountEnabled": true, "mail": null,
            "manager@delta": [{"@odata.type": "#microsoft.graph.user", "id": "m1"}]
        }))
        .unwrap();
        let DeltaItem::Changed(u) = u else { panic!() };
        assert_eq!(u.manager_id, Some(Some("m1".into())));
        assert_eq!(u.mail, None);
        assert_eq!(u.account_enabled, Some(true));
        let none = user_item(
            json!({"id": "u2", "manager@delta": [{"id": "m1", "@removed": {"reason": "deleted"}}]}),
        )
        .unwrap();
        let DeltaItem::Changed(none) = none else {
            panic!()
        };
        assert_eq!(none.manager_id, Some(None));
        let single = user_item(json!({"id": "u3", "manager@delta": {"id": "m2"}})).unwrap();
        let DeltaItem::Changed(single) = single else {
            panic!()
        };
        assert_eq!(single.manager_id, Some(Some("m2".into())));
        assert_eq!(
            user_item(json!({"id": "u4", "@removed": {"reason": "changed"}})).unwrap(),
            DeltaItem::Removed {
                id: "u4".into(),
                reason: RemovedReason::Changed
            }
        );
        assert_eq!(
            user_item(json!({"id": "u5", "@removed": {"reason": "deleted"}})).unwrap(),
            DeltaItem::Removed {
                id: "u5".into(),
                reason: RemovedReason::Deleted
            }
        );
    }

    #[test]
    fn a_group_slice_splits_added_and_removed_members() {
        let g = group_item(json!({
            "id": "g1", "groupTypes": ["Unified"],
            "members@delta": [
                {"@odata.type": "#microsoft.graph.user", "id": "u1"},
                {"@odata.type": "#microsoft.graph.group", "id": "g2"},
                {"@odata.type": "#microsoft.graph.device", "id": "d1"},
                {"@odata.type": "#microsoft.graph.user", "id": "u9", "@removed": {"reason": "deleted"}}
            ]
        }))
        .unwrap();
        let DeltaItem::Changed(g) = g else { panic!() };
        assert_eq!(g.group_types, Some(vec!["Unified".to_string()]));
        let kinds: Vec<MemberKind> = g.members_added.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            vec![MemberKind::User, MemberKind::Group, MemberKind::Other]
        );
        assert_eq!(
            g.members_removed,
            vec![DeltaMember {
                id: "u9".into(),
                kind: MemberKind::User
            }]
        );
    }

    #[test]
    fn an_unknown_sync_state_is_expired() {
        let gone = crate::graph::GraphError::from_parts(
            410,
            r#"{"error":{"code":"syncStateNotFound","message":"x"}}"#,
            |_| None,
        );
        assert_eq!(
            DeltaError::from(ClientError::from(gone)),
            DeltaError::Expired
        );
        let bad = crate::graph::GraphError::from_parts(
            400,
            r#"{"error":{"code":"syncStateNotFound","message":"x"}}"#,
            |_| None,
        );
        assert_eq!(
            DeltaError::from(ClientError::from(bad)),
            DeltaError::Expired
        );
        let other = crate::graph::GraphError::from_parts(
            403,
            r#"{"error":{"code":"Authorization_RequestDenied","message":"x"}}"#,
            |_| None,
        );
        assert!(matches!(
            DeltaError::from(ClientError::from(other)),
            DeltaError::Graph(_)
        ));
    }
}
