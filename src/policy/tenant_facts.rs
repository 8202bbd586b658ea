//! The tenant facts cache: what Graph says of the configured serviceable
//! groups (the properties [`super::groups::classify`] decides on), kept in
//! Forge storage under [`crate::layout::GROUP_FACTS_CACHE_KEY`] for
//! [`TTL_MS`], so an operation (onboarding, offboarding, a transfer, a group
//! change, the issue panel) classifies its groups without a round trip.
//!
//! The other slow-changing tenant facts have their own keys: the Temporary
//! Access Pass policy ([`crate::lifecycle::tap_policy`], same lifetime).
//!
//! Filled by every live read (an operation's miss, the admin page's group
//! search and check, which always read Graph) and re-read whole when the
//! admin saves the configuration (`config.save`).
//!
//! Why a stale entry is safe. Only the *kind* of a group is cached; whether
//! the admin listed it as serviceable or protected is read from the
//! configuration on every call. A cached "serviceable" can go stale in one
//! of these ways, and in each Entra refuses the app's write itself, so the
//! cache costs at worst a failed step that names Graph's refusal, never a
//! change Entra would not make for the app anyway:
//! - role-assignable: `isAssignableToRole` is set when a group is created
//!   and cannot be changed after
//!   (<https://learn.microsoft.com/en-us/entra/identity/role-based-access-control/groups-concept>),
//!   so a cached group cannot become one; and a role-assignable group's
//!   members change only with `RoleManagement.ReadWrite.Directory`, which
//!   the app does not hold
//!   (<https://learn.microsoft.com/en-us/graph/api/group-post-members?view=graph-rest-1.0>);
//! - dynamic: Graph refuses direct member changes of a group whose members
//!   come from a rule (<https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership>);
//! - mail-enabled security or distribution: Graph answers 400 ("Cannot
//!   Update a mail-enabled security groups and or distribution list"),
//!   Exchange owns them (<https://learn.microsoft.com/en-us/graph/api/resources/groups-overview?view=graph-rest-1.0>);
//! - synced from on-premises AD: Graph refuses writes to AD-mastered
//!   objects (<https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/how-to-connect-sync-whatis>).
//!
//! A cached "not serviceable" that went stale refuses for at most
//! [`TTL_MS`] (or until the admin saves), which is the safe direction.

use crate::graph::{Deadline, GraphClient};
use crate::host::{Host, LogLevel};
use crate::http::Transport;
use crate::layout::GROUP_FACTS_CACHE_KEY;
use crate::lifecycle::{ObjectId, OpError};
use crate::policy::groups::{read_group_facts, GroupFacts};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a group's facts are trusted: five minutes (the TAP policy's
/// lifetime too). Group kinds change rarely and never silently for the app
/// (see the module's safety argument); five minutes lets a busy morning of
/// requests cost one classification, and a changed group shows within
/// minutes, or at once when the admin saves or opens the group pages.
pub const TTL_MS: u64 = 5 * 60 * 1000;

/// One group's facts and when Graph gave them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cached {
    /// Milliseconds since the epoch.
    read_at_ms: u64,
    facts: GroupFacts,
}

/// The stored entry: facts by lower-cased group id.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Entry {
    groups: BTreeMap<String, Cached>,
}

/// What the cache holds of some groups: facts younger than [`TTL_MS`] in
/// the order asked, and the groups it cannot answer for.
#[derive(Debug, Default)]
pub struct Lookup {
    /// Fresh facts, in the order the ids were given (the missing skipped).
    pub fresh: Vec<GroupFacts>,
    /// Groups with no entry or an expired one.
    pub missing: Vec<ObjectId>,
}

async fn load<H: Host>(host: &H) -> Entry {
    match host.kvs_get(GROUP_FACTS_CACHE_KEY).await {
        Ok(Some(value)) => serde_json::from_value(value).unwrap_or_default(),
        // An unreadable cache only costs the read it would have saved.
        _ => Entry::default(),
    }
}

/// The cached facts of `ids`, and which of them must be read from Graph.
pub async fn lookup<H: Host>(host: &H, ids: &[ObjectId]) -> Lookup {
    let entry = load(host).await;
    let now = host.now_ms();
    let mut out = Lookup::default();
    for id in ids {
        match entry.groups.get(&id.as_str().to_ascii_lowercase()) {
            Some(c) if now.saturating_sub(c.read_at_ms) < TTL_MS => out.fresh.push(c.facts.clone()),
            _ => out.missing.push(id.clone()),
        }
    }
    out
}

/// Stores facts Graph just gave (read now); other groups' fresh entries
/// stay and expired ones go, so the entry holds at most what was read
/// within [`TTL_MS`]. Descriptions are not kept: no decision reads them. A
/// failed write is logged and costs the next call a read.
pub async fn remember<H: Host>(host: &H, facts: &[GroupFacts]) {
    if facts.is_empty() {
        return;
    }
    let mut entry = load(host).await;
    let now = host.now_ms();
    entry
        .groups
        .retain(|_, c| now.saturating_sub(c.read_at_ms) < TTL_MS);
    for f in facts {
        let mut kept = f.clone();
        kept.description = None;
        entry.groups.insert(
            f.id.to_ascii_lowercase(),
            Cached {
                read_at_ms: now,
                facts: kept,
            },
        );
    }
    store(host, &entry).await;
}

async fn store<H: Host>(host: &H, entry: &Entry) {
    let value = serde_json::to_value(entry).unwrap_or_default();
    if let Err(e) = host.kvs_set(GROUP_FACTS_CACHE_KEY, &value).await {
        host.log(LogLevel::Warn, &format!("group facts not cached: {e}"));
    }
}

/// Drops every cached group: the next call reads Graph.
pub async fn forget<H: Host>(host: &H) {
    if let Err(e) = host.kvs_delete(GROUP_FACTS_CACHE_KEY).await {
        host.log(
            LogLevel::Warn,
            &format!("group facts cache not cleared: {e}"),
        );
    }
}

/// The facts of `ids`, in order: from the cache where fresh, the rest read
/// in one `$batch` (`GET /groups/{id}`, at most 20 to a request) and
/// cached. A group Graph does not know is [`OpError::NotFound`].
pub async fn group_facts<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    ids: &[ObjectId],
    deadline: Deadline,
) -> Result<Vec<GroupFacts>, OpError> {
    let host = client.host();
    let cached = lookup(host, ids).await;
    let read = read_live(client, &cached.missing, deadline).await?;
    remember(host, &read).await;
    Ok(ids
        .iter()
        .filter_map(|id| {
            cached
                .fresh
                .iter()
                .chain(read.iter())
                .find(|f| f.id.eq_ignore_ascii_case(id.as_str()))
                .cloned()
        })
        .collect())
}

/// Re-reads every group in `ids` from Graph and replaces the cache with
/// them (the admin saved the configuration: the list itself may have
/// changed). On failure the cache is dropped, so the next call reads live.
pub async fn refresh<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    ids: &[ObjectId],
    deadline: Deadline,
) -> Result<(), OpError> {
    let host = client.host();
    forget(host).await;
    let read = read_live(client, ids, deadline).await?;
    remember(host, &read).await;
    Ok(())
}

async fn read_live<T: Transport, H: Host>(
    client: &GraphClient<'_, T, H>,
    ids: &[ObjectId],
    deadline: Deadline,
) -> Result<Vec<GroupFacts>, OpError> {
    read_group_facts(client, ids, deadline).await
}
