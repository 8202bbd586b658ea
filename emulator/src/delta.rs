//! `GET /users/delta` and `GET /groups/delta`: change tracking as Graph
//! does it.
//!
//! Sources (Microsoft Learn):
//! - "Use delta query to track changes in Microsoft Graph data"
//!   (<https://learn.microsoft.com/en-us/graph/delta-query-overview>): a
//!   call without a state token is the full current state in pages, each
//!   with an `@odata.nextLink` (`$skiptoken`) until the last, which has an
//!   `@odata.deltaLink` (`$deltatoken`), never both; the links carry the
//!   query, so later requests are not modified; a deltaLink returns what
//!   changed since; `@removed` with reason `changed` (soft delete,
//!   restorable) or `deleted` (permanent), which may appear in the initial
//!   response too; `$deltatoken=latest` returns only a deltaLink; tokens of
//!   directory objects are valid 7 days, after which (or when the state is
//!   gone) Graph answers `410 Gone` with a `Location` to restart from;
//!   `$select` may name `manager` (users) and `members` (groups), returned
//!   as `manager@delta` / `members@delta`; `$filter` only on `id`, at most
//!   50 ids; `$expand`, `$orderby`, `$search` and `$count` are not supported.
//! - "user: delta"
//!   (<https://learn.microsoft.com/en-us/graph/api/user-delta?view=graph-rest-1.0>)
//!   and "group: delta"
//!   (<https://learn.microsoft.com/en-us/graph/api/group-delta?view=graph-rest-1.0>):
//!   `Prefer: odata.maxpagesize`; a member removal is a `members@delta`
//!   entry with `@removed`; related objects carry `@odata.type` and `id`.
//! - "Get incremental changes for groups"
//!   (<https://learn.microsoft.com/en-us/graph/delta-query-groups>): a group
//!   with many members repeats on several pages, each with a slice of its
//!   `members@delta`.
//! - Page sizes: a Microsoft Q&A answer (<https://learn.microsoft.com/en-us/answers/a/2052165>):
//!   at most 200 objects per page (also the default) and 500 directory
//!   links (group members).
//! - Token lifetime and code: "Duration of change tracking tokens for
//!   identity and education resources" (Microsoft 365 Developer blog,
//!   2020-07-03): 7 days, `syncStateNotFound`, "The sync state generation is
//!   not found. The delta token is expired and data must be synchronized
//!   again."
//!
//! How: a sweep, when it starts, computes all its entries (a full sweep:
//! every object; from a deltaLink: the difference between the snapshot the
//! deltaLink names and the tenant now) and takes a new snapshot for its own
//! deltaLink; its pages are slices of those entries. Snapshots and sweeps
//! live with the tenant, so a reset (or another emulator) makes every token
//! unknown: 410.

use std::collections::{HashMap, HashSet, VecDeque};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::errors::GraphError;
use crate::graph::{Call, GraphResult, Reply};
use crate::odata::filter::{self, CompareOp, Expr, Literal};
use crate::odata::{project, select_list};
use crate::permissions;
use crate::tenant::Tenant;
use crate::users::{user_json, DEFAULT_USER_PROPERTIES};

const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata";

/// Objects per page, by default and at most (Q&A answer above).
pub const MAX_PAGE_SIZE: usize = 200;
/// `members@delta` entries per page at most (directory links).
pub const MAX_LINKS_PER_PAGE: usize = 500;
/// Validity of a state token for directory objects.
pub const TOKEN_LIFETIME_MS: u64 = 7 * 24 * 60 * 60 * 1000;
/// At most this many ids in a delta `$filter` (`id eq … or id eq …`).
pub const MAX_FILTER_IDS: usize = 50;
/// Snapshots and sweeps kept; older tokens answer 410 as Graph's do
/// after its state is gone.
const KEPT: usize = 64;

/// Which collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Users,
    Groups,
}

impl Kind {
    fn segment(self) -> &'static str {
        match self {
            Kind::Users => "users",
            Kind::Groups => "groups",
        }
    }
    fn type_name(self) -> &'static str {
        match self {
            Kind::Users => "user",
            Kind::Groups => "group",
        }
    }
    fn relation(self) -> &'static str {
        match self {
            Kind::Users => "manager",
            Kind::Groups => "members",
        }
    }
}

/// What a sweep returns: the selected properties (`None`: the defaults)
/// and whether the relationship is tracked; and the ids a `$filter` keeps.
#[derive(Debug, Clone)]
struct Query {
    select: Option<Vec<String>>,
    relation: bool,
    ids: Option<Vec<String>>,
}

/// One object as a snapshot remembers it.
#[derive(Debug, Clone, PartialEq)]
struct Remembered {
    props: Map<String, Value>,
    /// Manager (0 or 1 id) or member ids.
    related: Vec<String>,
}

#[derive(Debug, Clone)]
struct Snapshot {
    id: u64,
    kind: Kind,
    taken_ms: u64,
    query: Query,
    objects: HashMap<String, Remembered>,
}

/// One entry of a sweep: an object (with `@removed`, or its properties)
/// and the entries of its relationship annotation.
#[derive(Debug, Clone)]
struct Entry {
    object: Map<String, Value>,
    related: Vec<Value>,
}

#[derive(Debug, Clone)]
struct Sweep {
    id: u64,
    kind: Kind,
    started_ms: u64,
    relation: bool,
    entries: Vec<Entry>,
    /// The snapshot the final deltaLink names.
    snapshot: u64,
}

/// Delta state of one tenant: snapshots behind deltaLinks and sweeps under
/// way. A new tenant (seed or reset) has a new epoch, so no older token is
/// recognised.
#[derive(Debug, Clone)]
pub(crate) struct DeltaState {
    epoch: String,
    next_id: u64,
    snapshots: VecDeque<Snapshot>,
    sweeps: VecDeque<Sweep>,
}

impl Default for DeltaState {
    fn default() -> Self {
        DeltaState {
            epoch: uuid::Uuid::new_v4().simple().to_string(),
            next_id: 1,
            snapshots: VecDeque::new(),
            sweeps: VecDeque::new(),
        }
    }
}

/// A position in a sweep: entry index and, for a group split across pages,
/// how many of its members were already sent.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    sweep: u64,
    entry: usize,
    offset: usize,
}

fn encode(parts: &[String]) -> String {
    URL_SAFE_NO_PAD.encode(parts.join("."))
}

fn decode(token: &str) -> Option<Vec<String>> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    Some(
        String::from_utf8(bytes)
            .ok()?
            .split('.')
            .map(str::to_string)
            .collect(),
    )
}

fn gone(call: &Call, kind: Kind) -> GraphError {
    GraphError::SyncStateNotFound {
        location: format!("{}/{}/delta", call.base_url, kind.segment()),
    }
}

/// `Prefer: odata.maxpagesize=N`, capped at [`MAX_PAGE_SIZE`].
fn page_size(call: &Call) -> (usize, Option<usize>) {
    match call.max_page_size {
        Some(n) if n >= 1 => {
            let applied = n.min(MAX_PAGE_SIZE);
            (applied, Some(applied))
        }
        _ => (MAX_PAGE_SIZE, None),
    }
}

fn unsupported(option: &str) -> GraphError {
    GraphError::UnsupportedQuery(format!(
        "The query option '{option}' is not supported with delta queries."
    ))
}

/// `id eq 'a' or id eq 'b' …` (at most 50 ids); anything else is refused.
fn filter_ids(text: &str) -> Result<Vec<String>, GraphError> {
    fn collect(expr: &Expr, out: &mut Vec<String>) -> bool {
        match expr {
            Expr::Or(a, b) => collect(a, out) && collect(b, out),
            Expr::Compare {
                property,
                op: CompareOp::Eq,
                value: Literal::String(id),
            } if property.eq_ignore_ascii_case("id") => {
                out.push(id.clone());
                true
            }
            _ => false,
        }
    }
    let expr = filter::parse(text).map_err(crate::odata::filter_error)?;
    let mut ids = Vec::new();
    if !collect(&expr, &mut ids) {
        return Err(GraphError::UnsupportedQuery(
            "Delta queries support $filter only on id, as id eq '…' joined by or.".into(),
        ));
    }
    if ids.len() > MAX_FILTER_IDS {
        return Err(GraphError::UnsupportedQuery(format!(
            "A delta $filter may name at most {MAX_FILTER_IDS} ids."
        )));
    }
    Ok(ids)
}

fn parse_query(call: &Call, kind: Kind) -> Result<Query, GraphError> {
    for option in ["$expand", "$orderby", "$search", "$count"] {
        if call.params.get(option).is_some() {
            return Err(unsupported(option));
        }
    }
    let mut relation = false;
    let select = match call.params.get("$select") {
        None => None,
        Some(list) => {
            let mut names = Vec::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if name.eq_ignore_ascii_case(kind.relation()) {
                    relation = true;
                } else {
                    names.extend(select_list(name, kind.type_name())?);
                }
            }
            if !names.iter().any(|n| n == "id") {
                names.insert(0, "id".to_string());
            }
            Some(names)
        }
    };
    let ids = call.params.get("$filter").map(filter_ids).transpose()?;
    Ok(Query {
        select,
        relation,
        ids,
    })
}

fn wanted(ids: &Option<Vec<String>>, id: &str) -> bool {
    ids.as_ref()
        .is_none_or(|ids| ids.iter().any(|i| i.eq_ignore_ascii_case(id)))
}

/// Every current object of the collection, as the query sees it.
fn current(tenant: &Tenant, kind: Kind, query: &Query, now_ms: u64) -> Vec<(String, Remembered)> {
    match kind {
        Kind::Users => tenant
            .users
            .iter()
            .filter(|u| u.visible_at_ms <= now_ms && wanted(&query.ids, u.id()))
            .map(|u| {
                let props = match &query.select {
                    Some(select) => user_json(u, Some(select)),
                    None => project(&u.props, None, Some(DEFAULT_USER_PROPERTIES)),
                };
                let related = if query.relation {
                    u.manager.iter().cloned().collect()
                } else {
                    Vec::new()
                };
                (u.id().to_string(), Remembered { props, related })
            })
            .collect(),
        Kind::Groups => tenant
            .groups
            .iter()
            .filter(|g| wanted(&query.ids, g.id()))
            .map(|g| {
                let props = project(&g.props, query.select.as_deref(), None);
                let related = if query.relation {
                    g.members.clone()
                } else {
                    Vec::new()
                };
                (g.id().to_string(), Remembered { props, related })
            })
            .collect(),
    }
}

/// Lower-cased ids of the tenant's groups, to type related objects.
struct GroupIds(HashSet<String>);

impl GroupIds {
    fn of(tenant: &Tenant) -> Self {
        GroupIds(
            tenant
                .groups
                .iter()
                .map(|g| g.id().to_ascii_lowercase())
                .collect(),
        )
    }
}

/// `{"@odata.type", "id"}` of a related object (users and groups).
fn reference(groups: &GroupIds, id: &str) -> Value {
    let type_name = if groups.0.contains(&id.to_ascii_lowercase()) {
        "group"
    } else {
        "user"
    };
    json!({"@odata.type": format!("#microsoft.graph.{type_name}"), "id": id})
}

fn removed_reference(groups: &GroupIds, id: &str) -> Value {
    let mut r = reference(groups, id);
    r["@removed"] = json!({"reason": "deleted"});
    r
}

fn removed_object(id: &str, reason: &str) -> Entry {
    let mut object = Map::new();
    object.insert("id".into(), json!(id));
    object.insert("@removed".into(), json!({"reason": reason}));
    Entry {
        object,
        related: Vec::new(),
    }
}

fn is_soft_deleted(tenant: &Tenant, kind: Kind, id: &str) -> bool {
    kind == Kind::Users
        && tenant
            .deleted_users
            .iter()
            .any(|(u, _)| u.id().eq_ignore_ascii_case(id))
}

/// The entries of a full sweep: every object with its relationship; soft-
/// deleted users as `@removed: changed` (Graph may send those in an initial
/// response too).
fn full_entries(
    tenant: &Tenant,
    groups: &GroupIds,
    kind: Kind,
    query: &Query,
    objects: &[(String, Remembered)],
) -> Vec<Entry> {
    let mut entries: Vec<Entry> = objects
        .iter()
        .map(|(_, o)| Entry {
            object: o.props.clone(),
            related: o.related.iter().map(|id| reference(groups, id)).collect(),
        })
        .collect();
    if kind == Kind::Users {
        entries.extend(
            tenant
                .deleted_users
                .iter()
                .filter(|(u, _)| wanted(&query.ids, u.id()))
                .map(|(u, _)| removed_object(u.id(), "changed")),
        );
    }
    entries
}

/// The entries of an incremental sweep: what differs between `before` and
/// `now`.
fn changed_entries(
    tenant: &Tenant,
    groups: &GroupIds,
    kind: Kind,
    before: &HashMap<String, Remembered>,
    now: &[(String, Remembered)],
) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (id, o) in now {
        match before.get(id) {
            None => entries.push(Entry {
                object: o.props.clone(),
                related: o.related.iter().map(|r| reference(groups, r)).collect(),
            }),
            Some(old) if old == o => {}
            Some(old) => {
                let related = match kind {
                    // The manager now, or the one removed.
                    Kind::Users if old.related != o.related => match o.related.first() {
                        Some(m) => vec![reference(groups, m)],
                        None => old
                            .related
                            .iter()
                            .map(|m| removed_reference(groups, m))
                            .collect(),
                    },
                    Kind::Users => Vec::new(),
                    Kind::Groups => {
                        let added = o
                            .related
                            .iter()
                            .filter(|m| !old.related.contains(m))
                            .map(|m| reference(groups, m));
                        let removed = old
                            .related
                            .iter()
                            .filter(|m| !o.related.contains(m))
                            .map(|m| removed_reference(groups, m));
                        added.chain(removed).collect()
                    }
                };
                entries.push(Entry {
                    object: o.props.clone(),
                    related,
                });
            }
        }
    }
    let present: HashSet<&String> = now.iter().map(|(id, _)| id).collect();
    let mut gone: Vec<&String> = before.keys().filter(|id| !present.contains(id)).collect();
    gone.sort();
    for id in gone {
        let reason = if is_soft_deleted(tenant, kind, id) {
            "changed"
        } else {
            "deleted"
        };
        entries.push(removed_object(id, reason));
    }
    entries
}

impl DeltaState {
    fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn keep_snapshot(&mut self, snapshot: Snapshot) {
        self.snapshots.push_back(snapshot);
        while self.snapshots.len() > KEPT {
            self.snapshots.pop_front();
        }
    }

    fn keep_sweep(&mut self, sweep: Sweep) {
        self.sweeps.push_back(sweep);
        while self.sweeps.len() > KEPT {
            self.sweeps.pop_front();
        }
    }

    fn delta_token(&self, snapshot: u64) -> String {
        encode(&[self.epoch.clone(), "d".into(), snapshot.to_string()])
    }

    fn skip_token(&self, cursor: Cursor) -> String {
        encode(&[
            self.epoch.clone(),
            "s".into(),
            cursor.sweep.to_string(),
            cursor.entry.to_string(),
            cursor.offset.to_string(),
        ])
    }

    /// The snapshot a deltatoken names, if this tenant still has it.
    fn snapshot_of(&self, token: &str, kind: Kind, now_ms: u64) -> Option<&Snapshot> {
        let parts = decode(token)?;
        let [epoch, tag, id] = parts.as_slice() else {
            return None;
        };
        let id: u64 = id.parse().ok()?;
        (epoch == &self.epoch && tag == "d")
            .then(|| self.snapshots.iter().find(|s| s.id == id && s.kind == kind))
            .flatten()
            .filter(|s| now_ms.saturating_sub(s.taken_ms) < TOKEN_LIFETIME_MS)
    }

    fn cursor_of(&self, token: &str, kind: Kind, now_ms: u64) -> Option<Cursor> {
        let parts = decode(token)?;
        let [epoch, tag, sweep, entry, offset] = parts.as_slice() else {
            return None;
        };
        let cursor = Cursor {
            sweep: sweep.parse().ok()?,
            entry: entry.parse().ok()?,
            offset: offset.parse().ok()?,
        };
        let known = epoch == &self.epoch
            && tag == "s"
            && self.sweeps.iter().any(|s| {
                s.id == cursor.sweep
                    && s.kind == kind
                    && now_ms.saturating_sub(s.started_ms) < TOKEN_LIFETIME_MS
            });
        known.then_some(cursor)
    }
}

/// Starts a sweep: its entries and the snapshot of its deltaLink.
fn start_sweep(
    tenant: &mut Tenant,
    kind: Kind,
    query: Query,
    base: Option<u64>,
    now_ms: u64,
) -> Cursor {
    let objects = current(tenant, kind, &query, now_ms);
    let groups = GroupIds::of(tenant);
    let entries = match base {
        None => full_entries(tenant, &groups, kind, &query, &objects),
        Some(base) => {
            let before = tenant
                .delta
                .snapshots
                .iter()
                .find(|s| s.id == base)
                .map(|s| s.objects.clone())
                .unwrap_or_default();
            changed_entries(tenant, &groups, kind, &before, &objects)
        }
    };
    let relation = query.relation;
    let state = &mut tenant.delta;
    let snapshot = state.take_id();
    state.keep_snapshot(Snapshot {
        id: snapshot,
        kind,
        taken_ms: now_ms,
        query,
        objects: objects.into_iter().collect(),
    });
    let sweep = state.take_id();
    state.keep_sweep(Sweep {
        id: sweep,
        kind,
        started_ms: now_ms,
        relation,
        entries,
        snapshot,
    });
    Cursor {
        sweep,
        entry: 0,
        offset: 0,
    }
}

/// One page from `cursor`: at most `size` objects and, for groups, at most
/// [`MAX_LINKS_PER_PAGE`] member entries; a group with more repeats on the
/// next page with the rest of its members.
fn page(tenant: &Tenant, call: &Call, kind: Kind, cursor: Cursor) -> GraphResult {
    let state = &tenant.delta;
    let sweep = state
        .sweeps
        .iter()
        .find(|s| s.id == cursor.sweep)
        .ok_or_else(|| gone(call, kind))?;
    let (size, applied) = page_size(call);
    let annotation = format!("{}@delta", kind.relation());
    let mut value = Vec::new();
    let mut links = 0usize;
    let (mut entry, mut offset) = (cursor.entry, cursor.offset);
    while entry < sweep.entries.len() && value.len() < size {
        let e = &sweep.entries[entry];
        let mut object = e.object.clone();
        let remaining = e.related.len().saturating_sub(offset);
        let take = match kind {
            Kind::Groups => remaining.min(MAX_LINKS_PER_PAGE - links),
            Kind::Users => remaining,
        };
        if kind == Kind::Groups && take == 0 && remaining > 0 {
            break;
        }
        if sweep.relation && take > 0 {
            object.insert(
                annotation.clone(),
                Value::Array(e.related[offset..offset + take].to_vec()),
            );
        }
        if kind == Kind::Groups {
            links += take;
        }
        value.push(Value::Object(object));
        if take < remaining {
            offset += take;
            break;
        }
        entry += 1;
        offset = 0;
    }
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{CONTEXT}#{}", kind.segment())),
    );
    let base = format!("{}/{}/delta", call.base_url, kind.segment());
    if entry < sweep.entries.len() {
        let token = state.skip_token(Cursor {
            sweep: sweep.id,
            entry,
            offset,
        });
        body.insert(
            "@odata.nextLink".into(),
            json!(format!("{base}?$skiptoken={token}")),
        );
    } else {
        body.insert(
            "@odata.deltaLink".into(),
            json!(format!(
                "{base}?$deltatoken={}",
                state.delta_token(sweep.snapshot)
            )),
        );
    }
    body.insert("value".into(), Value::Array(value));
    let mut reply = Reply::json(200, Value::Object(body));
    if let Some(applied) = applied {
        reply.headers.push((
            "Preference-Applied".into(),
            format!("odata.maxpagesize={applied}"),
        ));
    }
    Ok(reply)
}

/// `GET /users/delta`.
pub(crate) fn users(tenant: &mut Tenant, call: &Call) -> GraphResult {
    delta(tenant, call, Kind::Users)
}

/// `GET /groups/delta`. Tracking `members` needs a permission that reads
/// memberships: group-delta lists `GroupMember.Read.All` as least; the map's
/// `Group.ReadBasic.All` reads groups only.
pub(crate) fn groups(tenant: &mut Tenant, call: &Call) -> GraphResult {
    delta(tenant, call, Kind::Groups)
}

fn reads_memberships(call: &Call) -> bool {
    [
        "GroupMember.Read.All",
        "Group.Read.All",
        "Directory.Read.All",
    ]
    .iter()
    .any(|p| permissions::holds(&call.claims.roles, p))
}

fn delta(tenant: &mut Tenant, call: &Call, kind: Kind) -> GraphResult {
    let now = call.now_ms;
    if let Some(token) = call.params.get("$skiptoken") {
        let cursor = tenant
            .delta
            .cursor_of(token, kind, now)
            .ok_or_else(|| gone(call, kind))?;
        return page(tenant, call, kind, cursor);
    }
    if let Some(token) = call.params.get("$deltatoken") {
        if token.trim().eq_ignore_ascii_case("latest") {
            // "Sync from now": only a deltaLink, no data.
            let query = parse_query(call, kind)?;
            if kind == Kind::Groups && query.relation && !reads_memberships(call) {
                return Err(GraphError::AccessDenied);
            }
            let cursor = start_sweep(tenant, kind, query, None, now);
            if let Some(sweep) = tenant
                .delta
                .sweeps
                .iter_mut()
                .find(|s| s.id == cursor.sweep)
            {
                sweep.entries.clear();
            }
            return page(tenant, call, kind, cursor);
        }
        let snapshot = tenant
            .delta
            .snapshot_of(token, kind, now)
            .ok_or_else(|| gone(call, kind))?;
        let (id, query) = (snapshot.id, snapshot.query.clone());
        let cursor = start_sweep(tenant, kind, query, Some(id), now);
        return page(tenant, call, kind, cursor);
    }
    let query = parse_query(call, kind)?;
    if kind == Kind::Groups && query.relation && !reads_memberships(call) {
        return Err(GraphError::AccessDenied);
    }
    let cursor = start_sweep(tenant, kind, query, None, now);
    page(tenant, call, kind, cursor)
}
